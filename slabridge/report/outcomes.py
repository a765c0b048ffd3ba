"""Outcome records: one per metric cycle, with the ticket facts reports group and filter by."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from slabridge.facts import TicketFacts, facts_from_ticket
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import parse_timestamp

OutcomeStatus = Literal["achieved", "breached", "open"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One cycle of one metric of one ticket, as it stood at `as_of`."""

    facts: TicketFacts
    metric: str
    status: OutcomeStatus
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    elapsed_seconds: int
    target_seconds: int
    # The stint's group and agent (group_ownership cycles only; None for the other metrics).
    group: str | None = None
    agent: str | None = None

    @property
    def decided(self) -> bool:
        return self.status != "open"


def facts_from_snapshot(
    snapshot: Mapping[str, Any], policy: str | None, connector: str, ticket_id: str
) -> TicketFacts:
    """Ticket facts straight from a stored snapshot (POLICY.md §2 JSON), without its events.

    Reports read hundreds of thousands of snapshots; parsing every event of each (as
    `parse_ticket` does) would cost more than the report itself, and facts need none of them.
    """
    raw_customer = snapshot.get("customer")
    customer: Mapping[str, Any] = raw_customer if isinstance(raw_customer, Mapping) else {}
    raw_tags = snapshot.get("tags")
    raw_fields = snapshot.get("fields")
    return TicketFacts(
        connector=connector,
        ticket_id=ticket_id,
        policy=policy,
        customer_id=_text(customer.get("id")),
        customer_name=_text(customer.get("name")),
        tier=_text(customer.get("tier")),
        product=_text(snapshot.get("product")),
        priority=_text(snapshot.get("priority")),
        source=_text(snapshot.get("source")),
        type=_text(snapshot.get("type")),
        channel=_text(snapshot.get("channel")),
        tags=tuple(t for t in raw_tags if isinstance(t, str)) if isinstance(raw_tags, list) else (),
        fields=raw_fields if isinstance(raw_fields, Mapping) else {},
    )


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def settle(
    status: str, due_at: datetime | None, stopped_at: datetime | None, as_of: datetime
) -> OutcomeStatus:
    """A cycle's outcome at `as_of`: a running cycle whose due time has passed is breached.

    Stored evaluations may be older than `as_of`; POLICY.md §3.7 makes a running cycle breached
    once `now` is past its `due_at`, so that is applied here without re-running the engine.
    """
    if status in ("achieved", "breached"):
        return status  # type: ignore[return-value]
    if stopped_at is None and due_at is not None and due_at < as_of:
        return "breached"
    return "open"


def outcomes_from_evaluation(
    facts: TicketFacts, evaluation: Evaluation, as_of: datetime
) -> Iterator[Outcome]:
    """Every cycle of every metric of an engine result."""
    for name, result in evaluation.metrics.items():
        for cycle in result.cycles:
            yield Outcome(
                facts=facts,
                metric=name,
                status=settle(cycle.status, cycle.due_at, cycle.stopped_at, as_of),
                started_at=cycle.started_at,
                stopped_at=cycle.stopped_at,
                due_at=cycle.due_at,
                elapsed_seconds=cycle.elapsed_seconds,
                target_seconds=cycle.target_seconds,
                group=cycle.group,
                agent=cycle.agent,
            )


def outcomes_from_result_json(
    facts: TicketFacts, result: Mapping[str, Any], as_of: datetime
) -> Iterator[Outcome]:
    """Every cycle of a stored `Evaluation.to_json()` (POLICY.md §4 shape)."""
    ticket_id = facts.ticket_id
    metrics = result.get("metrics") or {}
    for name, metric in metrics.items():
        for index, cycle in enumerate(metric.get("cycles") or [metric]):
            where = f"metrics.{name}.cycles[{index}]"
            started = parse_timestamp(cycle["started_at"], ticket_id, f"{where}.started_at")
            stopped = _optional_time(cycle.get("stopped_at"), ticket_id, f"{where}.stopped_at")
            due = _optional_time(cycle.get("due_at"), ticket_id, f"{where}.due_at")
            yield Outcome(
                facts=facts,
                metric=name,
                status=settle(str(cycle["status"]), due, stopped, as_of),
                started_at=started,
                stopped_at=stopped,
                due_at=due,
                elapsed_seconds=int(cycle.get("elapsed_seconds") or 0),
                target_seconds=int(cycle.get("target_seconds") or 0),
                group=_text(cycle.get("group")),
                agent=_text(cycle.get("agent")),
            )


def _optional_time(value: Any, ticket_id: str, key: str) -> datetime | None:
    return None if value is None else parse_timestamp(value, ticket_id, key)


__all__ = [
    "Outcome",
    "OutcomeStatus",
    "TicketFacts",
    "facts_from_snapshot",
    "facts_from_ticket",
    "outcomes_from_evaluation",
    "outcomes_from_result_json",
    "settle",
]
