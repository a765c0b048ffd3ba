"""Which ticket a webhook is about, from its JSON body (the shapes docs/serve.md sets up)."""

from __future__ import annotations

import json
from typing import Any

from slabridge.errors import InputError

# Where each scheme's body carries the ticket id, tried in order (dotted paths).
ID_PATHS: dict[str, tuple[str, ...]] = {
    # A trigger/automation webhook with the body docs/serve.md gives, or an event webhook.
    "zendesk": ("ticket_id", "detail.id", "ticket.id"),
    # Jira's own issue events: the issue id (the connector's ticket id; the key works too).
    "jira": ("issue.id", "issue.key"),
    # Freshdesk's automation webhook: the docs' body, or the classic freshdesk_webhook shape.
    "shared_secret": ("ticket_id", "freshdesk_webhook.ticket_id", "ticket.id"),
}
MAX_ID_LENGTH = 200


class PayloadError(InputError, ValueError):
    """The body names no ticket (HTTP 400); the message says where it looked."""


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def ticket_id_of(scheme: str, body: bytes) -> str:
    """The ticket id in ``body``; raises PayloadError when there is none."""
    paths = ID_PATHS.get(scheme, ID_PATHS["shared_secret"])
    try:
        data = json.loads(body)
    except ValueError:
        raise PayloadError("the body is not JSON") from None
    for path in paths:
        value = _at(data, path)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.strip()):
            text = str(value).strip()
            if len(text) > MAX_ID_LENGTH:
                raise PayloadError(f"{path}: the ticket id is longer than {MAX_ID_LENGTH}")
            return text
    raise PayloadError(f"no ticket id in the body (looked at {', '.join(paths)})")


__all__ = ["ID_PATHS", "PayloadError", "ticket_id_of"]
