"""Freshdesk's own SLA verdicts, for ``slabridge shadow``.

Every Freshdesk ticket carries the due times of the SLA policy that applies to it: ``fr_due_by``
(first response), ``due_by`` (resolution) and, while an answer is owed, ``nr_due_by`` (next
response), with the escalation flags ``fr_escalated``, ``is_escalated`` and ``nr_escalated``;
``include=stats`` adds ``first_responded_at``, ``resolved_at`` and ``closed_at``
(helpdesk-apis.md §2.3 [F7][F8]).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slabridge.connectors.helpdesk_sla import HelpdeskSla, HelpdeskTarget


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _breached(flag: Any) -> bool | None:
    # An escalation flag is set only when escalation rules are on: true means missed, false
    # proves nothing, so a running target is judged by its due time instead.
    return True if flag is True else None


def verdict_of(raw: Mapping[str, Any]) -> HelpdeskSla:
    """A ticket read with ``include=stats`` as the helpdesk's verdict."""
    stats: Mapping[str, Any] = raw.get("stats") or {}
    targets = [
        HelpdeskTarget(
            metric="first_response",
            name="fr_due_by",
            due_at=_instant(raw.get("fr_due_by")),
            breached=_breached(raw.get("fr_escalated")),
            stopped=stats.get("first_responded_at") is not None,
        ),
        HelpdeskTarget(
            metric="resolution",
            name="due_by",
            due_at=_instant(raw.get("due_by")),
            breached=_breached(raw.get("is_escalated")),
            stopped=(stats.get("resolved_at") or stats.get("closed_at")) is not None,
        ),
    ]
    if raw.get("nr_due_by") is not None:
        targets.append(
            HelpdeskTarget(
                metric="next_response",
                name="nr_due_by",
                due_at=_instant(raw.get("nr_due_by")),
                breached=_breached(raw.get("nr_escalated")),
            )
        )
    return HelpdeskSla(str(raw.get("id")), tuple(targets))


__all__ = ["verdict_of"]
