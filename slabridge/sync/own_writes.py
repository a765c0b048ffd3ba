"""The priorities slabridge wrote itself, and marking them ``by: slabridge`` in what it reads back.

POLICY.md §3.4: a priority slabridge wrote (``escalate_priority``) never changes which policy
matches nor any target; the sync marks such a change in the normalized events, since it knows
what it wrote. Every change set carrying a priority is recorded in ``priority_writes`` *before*
it is sent (a crash or a lost answer after the helpdesk applied it still leaves the record) and
gets its answer afterwards. A priority event read back is slabridge's when it sets the priority
a recorded write set, on the same ticket, at an instant inside the write's window: from
``CLOCK_SKEW`` before it was sent to ``CLOCK_SKEW`` after its answer (the helpdesk stamps the
change with its own clock). Each write marks at most one event; writes the helpdesk refused
(rejected, or a conflict it did not apply) mark none. Any other change, an agent's later raise
to the very same priority included, counts as usual.

A connector without priority history (``Capabilities.priority_history`` False: Freshdesk) reads
no priority event at all; for it the sync adds the events it knows of: each write the helpdesk
applied (or that went unanswered while the ticket shows its priority), marked, at its answer;
and, when the ticket now has another priority, an agent's change to it at the ticket's
``updated_at`` (the latest instant it can have happened, as POLICY.md §2 places a status change
it cannot see).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from slabridge.connectors.base import ChangeSet
from slabridge.sla.ticket import BY_SLABRIDGE, Event, Ticket
from slabridge.sync import schema

# How far a helpdesk's clock may be off slabridge's for a change to still match a write.
CLOCK_SKEW = timedelta(minutes=5)
_CHUNK = 500

WriteAnswer = Literal["applied", "refused", "unknown"]

priority_writes = sa.Table(
    "priority_writes",
    schema.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connector", sa.String(200), nullable=False),
    sa.Column("ticket_id", sa.String(200), nullable=False),
    sa.Column("priority", sa.String(20), nullable=False),  # what slabridge set
    sa.Column("replaced", sa.String(20)),  # the priority it raised from (None: not known)
    sa.Column("sent_at", schema.UTCDateTime, nullable=False),
    sa.Column("answered_at", schema.UTCDateTime),
    # unknown (no answer yet, or a retryable failure) | applied | refused
    sa.Column("answer", sa.String(20), nullable=False),
    sa.Index("ix_priority_writes_ticket", "connector", "ticket_id"),
)


@dataclass(frozen=True, slots=True)
class PriorityWrite:
    """One priority slabridge sent to one ticket."""

    priority: str
    replaced: str | None
    sent_at: datetime
    answered_at: datetime | None = None
    answer: WriteAnswer = "unknown"

    def covers(self, at: datetime, skew: timedelta = CLOCK_SKEW) -> bool:
        """True when a change stamped ``at`` may be this write (inside its window)."""
        last = self.answered_at if self.answered_at is not None else self.sent_at
        return self.sent_at - skew <= at <= last + skew


def record_sent(
    engine: sa.Engine, connector: str, changes: Sequence[ChangeSet], at: datetime
) -> dict[str, int]:
    """Record the priorities about to be sent; return the record id per ticket id."""
    rows = [
        {
            "connector": connector,
            "ticket_id": change.ticket_id,
            "priority": change.priority,
            "replaced": change.raised_from,
            "sent_at": at,
            "answered_at": None,
            "answer": "unknown",
        }
        for change in changes
        if change.priority
    ]
    if not rows:
        return {}
    table = priority_writes
    with engine.begin() as connection:
        result = connection.execute(
            sa.insert(table).returning(table.c.id, table.c.ticket_id, sort_by_parameter_order=True),
            rows,
        )
        return {str(ticket_id): int(row_id) for row_id, ticket_id in result}


def record_answers(engine: sa.Engine, answers: Mapping[int, WriteAnswer], at: datetime) -> None:
    """Record how the helpdesk answered: ``{record id: applied | refused | unknown}``."""
    if not answers:
        return
    table = priority_writes
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("record_id"))
        .values(answer=sa.bindparam("new_answer"), answered_at=at)
    )
    with engine.begin() as connection:
        connection.execute(
            statement,
            [{"record_id": key, "new_answer": answer} for key, answer in answers.items()],
        )


def answer_of(outcome: str) -> WriteAnswer:
    """A write outcome (``WriteResult.outcome``) as what it says of the priority."""
    if outcome == "applied":
        return "applied"
    if outcome in ("rejected", "conflict"):
        return "refused"  # refused whole: the helpdesk did not set the priority
    return "unknown"  # a retryable failure may still have been applied


def writes_for(
    engine: sa.Engine, connector: str, ticket_ids: Iterable[str]
) -> dict[str, list[PriorityWrite]]:
    """The priority writes slabridge may have made to each ticket, oldest first."""
    table = priority_writes
    ids = list(dict.fromkeys(ticket_ids))
    found: dict[str, list[PriorityWrite]] = {}
    with engine.connect() as connection:
        for start in range(0, len(ids), _CHUNK):
            query = (
                sa.select(table)
                .where(
                    table.c.connector == connector,
                    table.c.ticket_id.in_(ids[start : start + _CHUNK]),
                    table.c.answer != "refused",
                )
                .order_by(table.c.sent_at, table.c.id)
            )
            for row in connection.execute(query).mappings():
                found.setdefault(row["ticket_id"], []).append(
                    PriorityWrite(
                        row["priority"],
                        row["replaced"],
                        row["sent_at"],
                        row["answered_at"],
                        row["answer"],
                    )
                )
    return found


def mark_own_writes(
    ticket: Ticket,
    writes: Sequence[PriorityWrite],
    *,
    has_history: bool = True,
    skew: timedelta = CLOCK_SKEW,
) -> Ticket:
    """``ticket`` with the priority changes slabridge made marked ``by: slabridge``.

    A marked event without ``from`` gets the priority the write raised from. Without priority
    history (``has_history`` False) the events are added instead (see the module docstring).
    """
    if not writes:
        return ticket
    if not has_history:
        return _add_own_writes(ticket, writes)
    events = list(ticket.events)
    used: set[int] = set()
    changed = False
    for write in writes:
        for index, event in enumerate(events):
            if (
                index in used
                or event.type != "priority"
                or event.by is not None
                or event.priority != write.priority
                or not write.covers(event.at, skew)
            ):
                continue
            used.add(index)
            known = event.has_from or write.replaced is None
            events[index] = replace(
                event,
                by=BY_SLABRIDGE,
                from_priority=event.from_priority if known else write.replaced,
                has_from=event.has_from or write.replaced is not None,
            )
            changed = True
            break
    return replace(ticket, events=tuple(events)) if changed else ticket


def _add_own_writes(ticket: Ticket, writes: Sequence[PriorityWrite]) -> Ticket:
    """The writes as events of a ticket whose connector reads no priority history."""
    if any(event.type == "priority" for event in ticket.events):
        return ticket  # it has history after all: nothing to make up
    added: list[Event] = []
    last: str | None = None
    for write in writes:
        at = write.answered_at or write.sent_at
        if at < ticket.created_at:
            continue
        if write.answer != "applied" and ticket.priority != write.priority:
            continue  # no answer and no sign of it: a failed write the outbox will retry
        added.append(
            Event(
                at,
                "priority",
                priority=write.priority,
                from_priority=write.replaced,
                has_from=write.replaced is not None,
                by=BY_SLABRIDGE,
            )
        )
        last = write.priority
    if not added:
        return ticket
    if ticket.priority != last:  # someone set another priority since slabridge's last write
        at = max(ticket.updated_at, added[-1].at)
        added.append(
            Event(at, "priority", priority=ticket.priority, from_priority=last, has_from=True)
        )
    # Stable: at one instant the ticket's own events stay first, in their order.
    events = sorted((*ticket.events, *added), key=lambda event: event.at)
    return replace(ticket, events=tuple(events))


__all__ = [
    "CLOCK_SKEW",
    "PriorityWrite",
    "WriteAnswer",
    "answer_of",
    "mark_own_writes",
    "priority_writes",
    "record_answers",
    "record_sent",
    "writes_for",
]
