"""Where outcome records come from: a JSON lines file of tickets, or the state store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slabridge.report.outcomes import (
    Outcome,
    TicketFacts,
    facts_from_snapshot,
    facts_from_ticket,
    outcomes_from_evaluation,
    outcomes_from_result_json,
)
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket, TicketError, parse_ticket

if TYPE_CHECKING:
    from slabridge.sync.store import StateStore

# The engine as the reports see it: evaluate a ticket as of an instant.
Evaluator = Callable[[Ticket, datetime], Evaluation]


@dataclass(slots=True)
class SourceTicket:
    """A ticket to replay and the connector it came from (None: use the ticket's source)."""

    ticket: Ticket
    connector: str | None = None

    @property
    def origin(self) -> str | None:
        """The connector it came from: its own, else the ticket's `source`."""
        return self.connector or self.ticket.source


@dataclass(slots=True)
class Loaded:
    """Tickets read from a source, and one line per input that could not be used."""

    tickets: list[SourceTicket] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_ticket_lines(lines: Iterable[str], name: str) -> Loaded:
    """Parse JSON lines of normalized tickets; a bad line is a problem for that line alone."""
    loaded = Loaded()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            loaded.problems.append(f"{name} line {number}: not JSON ({error.msg})")
            continue
        # `slabridge export tickets` names each line's connector instance beside its `source`.
        connector = data.get("connector") if isinstance(data, dict) else None
        try:
            loaded.tickets.append(
                SourceTicket(parse_ticket(data), connector if isinstance(connector, str) else None)
            )
        except TicketError as error:
            loaded.problems.append(f"{name} line {number}: {error}")
    return loaded


def read_ticket_file(path: Path) -> Loaded:
    with path.open(encoding="utf-8") as handle:
        return read_ticket_lines(handle, str(path))


def read_store_tickets(store: StateStore, connector: str | None = None) -> Loaded:
    """The latest snapshot of every tracked ticket in the state store."""
    loaded = Loaded()
    for row in store.iter_tickets(connector):
        try:
            ticket = parse_ticket(row.snapshot)
        except TicketError as error:
            loaded.problems.append(f"store {row.connector}/{row.ticket_id}: {error}")
            continue
        loaded.tickets.append(SourceTicket(ticket, row.connector))
    return loaded


def parsed_snapshots(
    rows: Iterable[tuple[str, str, str]], problems: list[str] | None, *, note: str = ""
) -> Iterator[SourceTicket]:
    """Tickets from ``StateStore.iter_snapshots`` rows; one unreadable is a problem, not a stop."""
    for connector, ticket_id, text in rows:
        try:
            ticket = parse_ticket(json.loads(text))
        except (TicketError, ValueError) as error:
            if problems is not None:
                problems.append(f"store {connector}/{ticket_id}: {note}{error}")
            continue
        yield SourceTicket(ticket, connector)


def replay(
    tickets: Iterable[SourceTicket],
    evaluate: Evaluator,
    start: datetime,
    as_of: datetime,
    problems: list[str] | None = None,
) -> Iterator[Outcome]:
    """Evaluate each ticket as of `as_of`; yield its cycles that started in [start, as_of).

    A ticket created at or after `as_of` has no cycle in range and is not evaluated.
    """
    for item in tickets:
        ticket = item.ticket
        if ticket.created_at >= as_of:
            continue
        try:
            evaluation = evaluate(ticket, as_of)
        except (TicketError, ValueError) as error:
            if problems is not None:
                problems.append(f"ticket {ticket.id!r}: not evaluated: {error}")
            continue
        facts = facts_from_ticket(ticket, evaluation.policy, item.connector)
        for outcome in outcomes_from_evaluation(facts, evaluation, as_of):
            if start <= outcome.started_at < as_of:
                yield outcome


def stored_outcomes(
    store: StateStore,
    start: datetime,
    as_of: datetime,
    connector: str | None = None,
    problems: list[str] | None = None,
) -> Iterator[Outcome]:
    """Outcomes from the evaluation history, as recorded before `as_of`.

    For each ticket, the latest evaluation with `start <= evaluated_at < as_of` counts (a cycle
    that started at `start` or later can only appear in an evaluation made after it started);
    a running cycle whose due time passed before `as_of` is counted as breached. Ticket facts
    (customer, tier, product, ...) come from the ticket's snapshot in the `tickets` table.

    The store picks the latest row per ticket in one query (``StateStore.latest_evaluations``),
    so superseded evaluations are never decoded and rows stream through.
    """
    for row in store.latest_evaluations(start, as_of, connector):
        try:
            snapshot = json.loads(row.snapshot_json) if row.snapshot_json is not None else None
            facts = _stored_facts(row.connector, row.ticket_id, row.policy, snapshot)
            for outcome in outcomes_from_result_json(facts, json.loads(row.result_json), as_of):
                if start <= outcome.started_at < as_of:
                    yield outcome
        except (KeyError, TypeError, ValueError) as error:
            if problems is not None:
                problems.append(
                    f"store {row.connector}/{row.ticket_id}: unreadable evaluation ({error})"
                )


def _stored_facts(connector: str, ticket_id: str, policy: str | None, snapshot: Any) -> TicketFacts:
    if not isinstance(snapshot, dict):
        return TicketFacts(connector=connector, ticket_id=ticket_id, policy=policy)
    return facts_from_snapshot(snapshot, policy, connector, ticket_id)


__all__ = [
    "Evaluator",
    "Loaded",
    "SourceTicket",
    "parsed_snapshots",
    "read_store_tickets",
    "read_ticket_file",
    "read_ticket_lines",
    "replay",
    "stored_outcomes",
]
