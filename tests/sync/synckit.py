"""Test kit: an in-memory connector and a tiny evaluator, to test the sync alone."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from slabridge.connectors.base import (
    ChangeSet,
    Checkpoint,
    CheckProblem,
    Connector,
    ReadItem,
    Skipped,
    WriteResult,
)
from slabridge.sla.results import Cycle, Evaluation, MetricResult
from slabridge.sla.ticket import Event, Ticket
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.store import StateStore
from slabridge.sync.syncer import Syncer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARGET = timedelta(hours=1)


def first_response_evaluator(ticket: Ticket, now: datetime) -> Evaluation:
    """First response within 1h (24x7), at risk at 75%; policy from the ticket's tier."""
    started = ticket.created_at
    due = started + TARGET
    replies = [e.at for e in ticket.events if e.type == "reply" and e.author == "agent"]
    stopped = replies[0] if replies and replies[0] <= now else None
    if stopped is None and ticket.status in ("solved", "closed"):
        stopped = ticket.updated_at
    end = stopped or now
    elapsed = int((end - started).total_seconds())
    target = int(TARGET.total_seconds())
    if stopped is not None:
        status = "achieved" if stopped <= due else "breached"
    else:
        status = "breached" if now > due else "active"
    at_risk = status == "active" and elapsed >= target * 3 // 4
    cycle = Cycle(
        status=status,  # type: ignore[arg-type]
        calendar="always",
        target_seconds=target,
        started_at=started,
        stopped_at=stopped,
        due_at=due,
        breached_at=due if status == "breached" else None,
        elapsed_seconds=elapsed,
        remaining_seconds=target - elapsed,
        at_risk=at_risk,
    )
    next_instant = None
    if stopped is None:
        warn = started + TARGET * 3 / 4
        next_instant = warn if now < warn else (due if now < due else None)
    policy = ticket.customer.tier if ticket.customer and ticket.customer.tier else "standard"
    return Evaluation(
        ticket_id=ticket.id,
        policy=policy,
        evaluated_at=now,
        metrics={"first_response": MetricResult("first_response", (cycle,))},
        next_instant=next_instant,
    )


def _with_priority_event(ticket: Ticket, priority: object, at: datetime) -> tuple[Event, ...]:
    """The history plus a priority change at ``at`` when the priority changes (as helpdesks
    record one)."""
    if priority == ticket.priority or not isinstance(priority, str):
        return ticket.events
    return (*ticket.events, Event(at, "priority", priority=priority))


class MemoryConnector(Connector):
    """Tickets in a dict; pages of ``page_size``; ``safe_update``-style conflict checks."""

    type_name = "memory"

    def __init__(self, instance: str = "mem", *, page_size: int = 3) -> None:
        self.instance = instance
        self.tickets: dict[str, Ticket] = {}
        self.page_size = page_size
        self.clock: Callable[[], datetime] = lambda: T0
        self.calls = 0
        self.writes = 0
        self.applied: list[ChangeSet] = []
        self.fetched: list[str] = []
        self.reject: set[str] = set()
        self.retry: set[str] = set()
        self.conflict_once: set[str] = set()
        self.fail_apply: BaseException | None = None

    def add(self, ticket_id: str, **kwargs: object) -> Ticket:
        base: dict[str, object] = {"created_at": T0, "updated_at": T0, "status": "open"}
        base.update(kwargs)
        ticket = Ticket(id=ticket_id, source="memory", **base)  # type: ignore[arg-type]
        self.tickets[ticket_id] = ticket
        return ticket

    def agent_edit(self, ticket_id: str, **changes: object) -> None:
        ticket = self.tickets[ticket_id]
        at = self._tick(ticket)
        events = _with_priority_event(ticket, changes.get("priority", ticket.priority), at)
        self.tickets[ticket_id] = replace(ticket, updated_at=at, events=events, **changes)  # type: ignore[arg-type]

    def reply(self, ticket_id: str, at: datetime) -> None:
        ticket = self.tickets[ticket_id]
        events = (*ticket.events, Event(at, "reply", author="agent", public=True))
        self.tickets[ticket_id] = replace(ticket, events=events, updated_at=at)

    def _tick(self, ticket: Ticket) -> datetime:
        now = self.clock()
        return now if now > ticket.updated_at else ticket.updated_at + timedelta(seconds=1)

    def check(self) -> list[CheckProblem]:
        return []

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        after = tuple(json.loads(cursor)) if cursor else ("", "")
        rows = sorted((t.updated_at.isoformat(), t.id, t) for t in self.tickets.values())
        rows = [row for row in rows if (row[0], row[1]) > after]
        self.calls += 1
        position = after
        if not rows:
            yield Checkpoint(json.dumps(list(position)))
            return
        for start in range(0, len(rows), self.page_size):
            if start:
                self.calls += 1
            for stamp, ticket_id, ticket in rows[start : start + self.page_size]:
                yield ticket
                position = (stamp, ticket_id)
            yield Checkpoint(json.dumps(list(position)))

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        self.calls += 1
        for ticket_id in ticket_ids:
            self.fetched.append(ticket_id)
            if ticket_id in self.tickets:
                yield self.tickets[ticket_id]
            else:
                yield Skipped(ticket_id, "deleted", gone=True)

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        self.calls += 1
        if self.fail_apply is not None:
            raise self.fail_apply
        results = []
        for change in changes:
            ticket = self.tickets[change.ticket_id]
            if change.ticket_id in self.reject:
                results.append(WriteResult(change.ticket_id, "rejected", "422 invalid tag"))
                continue
            if change.ticket_id in self.retry:
                results.append(WriteResult(change.ticket_id, "retry", "503"))
                continue
            if change.ticket_id in self.conflict_once:
                self.conflict_once.discard(change.ticket_id)
                self.agent_edit(change.ticket_id)  # an agent saved the ticket a moment ago
                ticket = self.tickets[change.ticket_id]
            if change.expected_updated_at and change.expected_updated_at != ticket.updated_at:
                results.append(WriteResult(change.ticket_id, "conflict"))
                continue
            tags = [t for t in ticket.tags if t not in change.remove_tags]
            tags += sorted(change.add_tags - set(tags))
            fields = {**ticket.fields, **change.fields}
            at = self._tick(ticket)
            priority = change.priority or ticket.priority
            self.tickets[change.ticket_id] = replace(
                ticket,
                tags=tuple(tags),
                fields=fields,
                priority=priority,
                updated_at=at,
                events=_with_priority_event(ticket, priority, at),
            )
            self.writes += 1
            self.applied.append(change)
            results.append(WriteResult(change.ticket_id, "applied"))
        return results

    def api_calls(self) -> int:
        return self.calls


SETTINGS = WriteBackSettings(
    breached_tag="sla_breached",
    at_risk_tag="sla_at_risk",
    policy_tag="sla_policy_{policy}",
    policy_names=frozenset({"standard", "enterprise"}),
)


def make_engine(
    store: StateStore,
    now: datetime,
    settings: WriteBackSettings = SETTINGS,
    **kwargs: object,
) -> Syncer:
    return Syncer(
        store,
        first_response_evaluator,
        {"mem": settings},
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )
