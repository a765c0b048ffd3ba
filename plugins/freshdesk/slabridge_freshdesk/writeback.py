"""Write-back helpers: the minimal PUT body for a change set, and outcomes of failed writes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slabridge.connectors.base import ChangeSet, WriteResult
from slabridge.connectors.http import HttpError
from slabridge_freshdesk.config import FreshdeskMapping


def error_summary(exc: HttpError) -> str:
    """Freshdesk's error body as one line: ``field: message (code)`` for each error."""
    try:
        body = json.loads(exc.detail)
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts = [
                f"{e.get('field')}: {e.get('message')} ({e.get('code')})"
                for e in errors
                if isinstance(e, Mapping)
            ]
            return f"HTTP {exc.status}: " + "; ".join(parts)
        if body.get("message"):
            return f"HTTP {exc.status}: {body['message']}"
    return str(exc)


def same(current: Any, wanted: Any) -> bool:
    """Whether a field already holds the value (``True`` and ``"true"`` are the same)."""
    if current == wanted:
        return True
    if current is None or wanted is None:
        return False
    if isinstance(current, bool) or isinstance(wanted, bool):
        return str(current).lower() == str(wanted).lower()
    return str(current) == str(wanted)


def update_body(
    current: Mapping[str, Any], change: ChangeSet, mapping: FreshdeskMapping
) -> dict[str, Any]:
    """Only what must change: tags read a moment ago ± the owned ones, priority, fields."""
    body: dict[str, Any] = {}
    tags = [t for t in current.get("tags") or [] if isinstance(t, str)]
    kept = [t for t in tags if t not in change.remove_tags]
    added = sorted(change.add_tags - set(kept))
    if added or len(kept) != len(tags):
        body["tags"] = kept + added
    if change.priority is not None:
        wanted = mapping.native_priority(change.priority)
        if current.get("priority") != wanted:
            body["priority"] = wanted
    custom = current.get("custom_fields") or {}
    for key, value in change.fields.items():
        if key.startswith("cf_"):
            if not same(custom.get(key), value):
                body.setdefault("custom_fields", {})[key] = value
        elif not same(current.get(key), value):
            body[key] = value
    return body


def failure_result(ticket_id: str, exc: HttpError) -> WriteResult:
    """The outcome of a write that failed with ``exc``."""
    if exc.retryable:
        return WriteResult(ticket_id, "retry", str(exc))
    if exc.status == 404:
        return WriteResult(ticket_id, "rejected", "ticket not found (deleted or spam)")
    if exc.status == 409:
        return WriteResult(ticket_id, "conflict", error_summary(exc))
    return WriteResult(ticket_id, "rejected", error_summary(exc))


__all__ = ["error_summary", "failure_result", "same", "update_body"]
