"""SLA events from an evaluation: applied, paused, resumed, fulfilled, at risk, breached."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket
from slabridge.sync.store import SlaEvent

# Keys of a cycle that change with the clock alone; left out of the digest so that an evaluation
# is stored again only when its outcome changed.
_VOLATILE = ("elapsed_seconds", "remaining_seconds")


def evaluation_digest(evaluation: Evaluation) -> str:
    """A fingerprint of what an evaluation says, ignoring when it was made."""
    data: dict[str, Any] = evaluation.to_json()
    data.pop("evaluated_at", None)
    for metric in data.get("metrics", {}).values():
        for cycle in [metric, *metric.get("cycles", [])]:
            for key in _VOLATILE:
                cycle.pop(key, None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _status_changes(ticket: Ticket, until: datetime) -> list[datetime]:
    return [event.at for event in ticket.events if event.type == "status" and event.at <= until]


def derive_events(
    connector: str,
    ticket: Ticket,
    evaluation: Evaluation,
    known: Iterable[SlaEvent],
) -> list[SlaEvent]:
    """The events this evaluation shows that are not yet in ``known`` (the recorded ones).

    A pause starts at the status change that put the ticket in the pausing status, and ends at
    the next status change; repeated pauses of one cycle are numbered with ``seq``.
    """
    now = evaluation.evaluated_at
    recorded = {event.key: event for event in known}
    new: list[SlaEvent] = []

    def add(metric: str, cycle: int, kind: str, at: datetime, seq: int = 0) -> None:
        event = SlaEvent(connector, ticket.id, metric, cycle, kind, at, seq)
        if event.key not in recorded:
            recorded[event.key] = event
            new.append(event)

    changes = _status_changes(ticket, now)
    for name, metric in evaluation.metrics.items():
        for index, cycle in enumerate(metric.cycles):
            add(name, index, "applied", cycle.started_at)
            pauses = sorted(
                (
                    e
                    for e in recorded.values()
                    if e.metric == name
                    and e.cycle == index
                    and e.ticket_id == ticket.id
                    and e.kind == "paused"
                ),
                key=lambda e: e.seq,
            )
            resumed = {
                e.seq
                for e in recorded.values()
                if e.metric == name
                and e.cycle == index
                and e.ticket_id == ticket.id
                and e.kind == "resumed"
            }
            open_pause = pauses[-1] if pauses and pauses[-1].seq not in resumed else None
            if cycle.status == "paused":
                started = max([cycle.started_at, *(at for at in changes if at >= cycle.started_at)])
                if open_pause is None and (not pauses or pauses[-1].at < started):
                    add(name, index, "paused", started, len(pauses))
            elif open_pause is not None:
                after = [at for at in changes if at > open_pause.at]
                ended = after[0] if after else (cycle.stopped_at or now)
                add(name, index, "resumed", ended, open_pause.seq)
            if cycle.at_risk:
                add(name, index, "at_risk", now)
            if cycle.status == "achieved" and cycle.stopped_at is not None:
                add(name, index, "fulfilled", cycle.stopped_at)
            if cycle.status == "breached":
                add(name, index, "breached", cycle.breached_at or cycle.due_at or now)
    return new


__all__ = ["derive_events", "evaluation_digest"]
