"""History from the first day: stored evaluations where they exist, replayed snapshots elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from slabridge.report.outcomes import Outcome
from slabridge.report.periods import Period
from slabridge.report.sources import (
    Evaluator,
    SourceTicket,
    parsed_snapshots,
    replay,
    stored_outcomes,
)
from slabridge.sla.ticket import TicketError, parse_ticket

if TYPE_CHECKING:
    from slabridge.sync.store import StateStore

STORED = "stored evaluations"
REPLAYED = "replayed snapshots"
TICKET_FILE = "ticket file"
NOTHING = "none"


class SourceCounter:
    """Counts the tickets each source contributed, as the outcomes stream past.

    Both sources yield one ticket's outcomes together, so a change of (connector, ticket) is a
    new ticket: counting needs no set of every ticket seen.
    """

    def __init__(self, *names: str) -> None:
        self.tickets: dict[str, int] = dict.fromkeys(names, 0)

    def count(self, name: str, outcomes: Iterable[Outcome]) -> Iterator[Outcome]:
        self.tickets.setdefault(name, 0)
        last: tuple[str, str] | None = None
        for outcome in outcomes:
            key = (outcome.facts.connector, outcome.facts.ticket_id)
            if key != last:
                self.tickets[name] += 1
                last = key
            yield outcome

    @property
    def data_source(self) -> str:
        """`stored evaluations`, `replayed snapshots`, both joined by `and`, or `none`."""
        used = [name for name, count in self.tickets.items() if count]
        return " and ".join(used) if used else NOTHING


def unevaluated_snapshots(
    store: StateStore,
    start: datetime,
    as_of: datetime,
    connector: str | None = None,
    problems: list[str] | None = None,
) -> Iterator[SourceTicket]:
    """Snapshots of the tickets with no evaluation made in ``[start, as_of)``.

    A ticket last updated before ``start`` is left out: its cycles all started at its creation,
    at one of its events or at its ``updated_at`` (POLICY.md §2-3), so none starts in the window,
    and replaying every old ticket of a long-running store for each report would be wasted work.
    """
    rows = store.iter_snapshots(connector, unevaluated_between=(start, as_of))
    yield from parsed_snapshots(rows, problems)


def store_history(
    store: StateStore,
    evaluate: Evaluator,
    start: datetime,
    as_of: datetime,
    counter: SourceCounter,
    connector: str | None = None,
    problems: list[str] | None = None,
) -> Iterator[Outcome]:
    """Every outcome of ``[start, as_of)`` the store can give: stored, else replayed.

    A new install has snapshots going back weeks but evaluations only from its first sync, so a
    ticket with an evaluation in the window counts from it (`stored_outcomes`), and every other
    ticket's snapshot is replayed with ``evaluate`` as of ``as_of`` (the `replay` `backtest`
    uses). No ticket is counted twice.
    """
    yield from counter.count(STORED, stored_outcomes(store, start, as_of, connector, problems))
    snapshots = unevaluated_snapshots(store, start, as_of, connector, problems)
    yield from counter.count(REPLAYED, replay(snapshots, evaluate, start, as_of, problems))


def store_source_text(counter: SourceCounter, as_of: datetime) -> str:
    """The report's `source` line for the state store."""
    stored, replayed = counter.tickets.get(STORED, 0), counter.tickets.get(REPLAYED, 0)
    when = f"{as_of:%Y-%m-%d %H:%M} UTC"
    if stored and replayed:
        return (
            f"state store evaluation history ({stored} tickets) and ticket snapshots replayed "
            f"as of {when} with the current config ({replayed} tickets)"
        )
    if replayed:
        return f"state store ticket snapshots, replayed as of {when} with the current config"
    if stored:
        return "state store evaluation history"
    return "state store (nothing in this period)"


def _created_dates(store: StateStore, connector: str | None) -> Iterator[datetime]:
    for _, _, snapshot_json in store.iter_snapshots(connector):
        try:
            yield parse_ticket(json.loads(snapshot_json)).created_at
        except (TicketError, ValueError):
            continue  # an unreadable snapshot is already listed under problems


def why_empty(
    period: Period,
    as_of: datetime,
    created: Iterable[datetime],
    where: str,
    when_none: str,
) -> str:
    """Why no cycle started in the period, from the creation times of the tickets there were.

    Args:
        period: the report's period.
        as_of: the instant the report was computed for.
        created: the creation time of every ticket the report could read.
        where: how to name the source in the sentence ("the store", "tickets.jsonl").
        when_none: the whole reason when there are no tickets at all.
    """
    if as_of <= period.start:
        return f"{period.label} has not started yet (as of {as_of:%Y-%m-%d %H:%M} UTC)"
    count, first, last, inside = 0, None, None, 0
    for moment in created:
        count += 1
        first = moment if first is None or moment < first else first
        last = moment if last is None or moment > last else last
        inside += period.start <= moment < as_of
    if first is None or last is None:
        return when_none
    span = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}"
    if inside:
        return (
            f"{inside} ticket(s) in {where} were created in {period.label}, but no policy sets a "
            f"target for them, so no SLA cycle started; {where}'s {count} tickets were created "
            f"{span}"
        )
    return (
        f"no ticket in {where} was created in {period.label} and no SLA cycle started in it; "
        f"{where}'s {count} tickets were created {span}"
    )


def store_empty_reason(
    store: StateStore, period: Period, as_of: datetime, connector: str | None
) -> str:
    """Why a report from the state store has no cycle in the period."""
    if connector is None:
        when_none = "the store is empty: run `slabridge sync` first"
    else:
        when_none = (
            f"the store has no tickets from connector {connector!r}: run "
            f"`slabridge sync --connector {connector}` first"
        )
    return why_empty(period, as_of, _created_dates(store, connector), "the store", when_none)


def file_empty_reason(
    tickets: Sequence[SourceTicket], name: str, period: Period, as_of: datetime
) -> str:
    """Why a report from a ticket file (its tickets as chosen) has no cycle in the period."""
    return why_empty(
        period,
        as_of,
        (item.ticket.created_at for item in tickets),
        name,
        f"{name} holds no readable tickets",
    )


__all__ = [
    "NOTHING",
    "REPLAYED",
    "STORED",
    "TICKET_FILE",
    "SourceCounter",
    "file_empty_reason",
    "store_empty_reason",
    "store_history",
    "store_source_text",
    "unevaluated_snapshots",
    "why_empty",
]
