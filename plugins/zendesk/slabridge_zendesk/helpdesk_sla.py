"""Zendesk's own SLA verdicts (``include=slas``), for ``slabridge shadow``.

``GET /api/v2/tickets/show_many.json?ids=…&include=slas`` adds to every ticket
``"slas": {"policy_metrics": [{"breach_at", "stage", "metric", "hours"|"minutes"|"days"}]}``
(helpdesk-apis.md §1.1 [Z11]): the metrics of the SLA policy applied to the ticket, each
``active``, ``paused`` or ``achieved``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from slabridge.connectors.base import Skipped
from slabridge.connectors.helpdesk_sla import HelpdeskSla, HelpdeskTarget
from slabridge.connectors.http import HttpClient

MAX_IDS = 100
# Zendesk's SLA metrics with a slabridge counterpart. requester_wait_time runs while the ticket
# is new, open or on-hold, i.e. it pauses in pending only: slabridge's resolution with
# `pause_on: [pending]` (the default). agent_work_time (pauses on-hold too), periodic and
# pausable update times have no counterpart and are listed as unmapped.
METRIC_NAMES: dict[str, str] = {
    "first_reply_time": "first_response",
    "next_reply_time": "next_response",
    "requester_wait_time": "resolution",
}


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def verdict_of(ticket: dict[str, Any]) -> HelpdeskSla:
    """One ticket record (with ``slas``) as the helpdesk's verdict."""
    targets: list[HelpdeskTarget] = []
    unmapped: list[str] = []
    metrics = ((ticket.get("slas") or {}).get("policy_metrics")) or []
    for entry in metrics:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("metric"))
        metric = METRIC_NAMES.get(name)
        if metric is None:
            unmapped.append(name)
            continue
        stage = entry.get("stage")
        due = _instant(entry.get("breach_at"))
        # Zendesk says when a running target breaches (the audit compares that time with its
        # own moment), not whether an achieved or paused one breached before it stopped.
        targets.append(
            HelpdeskTarget(
                metric=metric,
                name=name,
                due_at=due if stage != "paused" else None,
                breached=None,
                stopped=stage == "achieved",
                paused=stage == "paused",
            )
        )
    return HelpdeskSla(str(ticket["id"]), tuple(targets), tuple(unmapped))


def read_helpdesk_slas(
    http: HttpClient, ticket_ids: Sequence[str]
) -> Iterator[HelpdeskSla | Skipped]:
    numeric = [tid for tid in ticket_ids if str(tid).isdigit()]
    for tid in ticket_ids:
        if not str(tid).isdigit():
            yield Skipped(str(tid), "not a Zendesk ticket id")
    for start in range(0, len(numeric), MAX_IDS):
        chunk = numeric[start : start + MAX_IDS]
        body = http.get(
            "/api/v2/tickets/show_many.json", params={"ids": ",".join(chunk), "include": "slas"}
        ).json()
        found = {str(t["id"]): t for t in body.get("tickets") or [] if isinstance(t.get("id"), int)}
        for tid in chunk:
            ticket = found.get(tid)
            if ticket is None:
                yield Skipped(tid, "not found (deleted or archived)", gone=True)
            else:
                yield verdict_of(ticket)


__all__ = ["METRIC_NAMES", "read_helpdesk_slas", "verdict_of"]
