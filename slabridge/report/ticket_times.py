"""How long a ticket stayed in each status, and how long the provider waited on the customer.

Read from the ticket's events for the review sections of a report (docs/reports.md, "Time in
status" and "The customer's side"). This is not the SLA engine: it reuses the engine's status
timeline (POLICY.md §2 rules) and measures on the calendar of the policy the ticket matches, but
runs only when a report asks, never on the engine's path.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from slabridge.report.outcomes import TicketFacts, facts_from_ticket
from slabridge.sla.calendar import BusinessCalendar
from slabridge.sla.metrics import Timeline, build_timeline, status_at
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket

# Statuses in which the ticket waits on the customer (POLICY.md §2 has one: `pending`;
# `on_hold` usually waits on a third party, so it is the provider's time).
CUSTOMER_STATUSES: frozenset[str] = frozenset({"pending"})


@dataclass(frozen=True, slots=True)
class Stay:
    """One uninterrupted stretch of a ticket in one status (epoch seconds).

    ``ended_at`` is None while the ticket is still in the status at ``as_of``; then
    ``business_seconds`` counts up to ``as_of``.
    """

    status: str
    started_at: float
    ended_at: float | None
    business_seconds: int


@dataclass(frozen=True, slots=True)
class ReplyWait:
    """From a public agent reply to the customer's next reply (None: still waiting)."""

    started_at: float
    answered_at: float | None
    business_seconds: int


@dataclass(frozen=True, slots=True)
class TicketTimes:
    """A ticket's stays and the waits for its customer's replies, on its policy's calendar."""

    facts: TicketFacts
    calendar: str
    stays: tuple[Stay, ...]
    reply_waits: tuple[ReplyWait, ...]


def status_stays(timeline: Timeline) -> list[tuple[str, float, float | None]]:
    """``(status, start, end or None)`` for each stay, oldest first.

    The timeline already merges repeated statuses, so each entry is a change of status; the
    last stay lasts until ``now`` (None).
    """
    times, statuses = timeline.times, timeline.statuses
    stays: list[tuple[str, float, float | None]] = []
    for index, status in enumerate(statuses):
        end = times[index + 1] if index + 1 < len(times) else None
        stays.append((status, times[index], end))
    return stays


def customer_reply_waits(timeline: Timeline) -> list[tuple[float, float | None]]:
    """The waits on the customer's replies: ``(start, answered or None while waiting)``.

    A wait starts at a public agent reply made while no wait is running and the ticket is not
    solved or closed (the oldest unanswered agent reply counts, as `next_response` counts the
    oldest unanswered customer reply), and it ends at the customer's next reply. Solving or
    closing the ticket before the customer replies drops the wait: no answer was owed, so it is
    no delay of the customer's (a reply at the very instant of the solve does not save it).
    """
    times, statuses = timeline.times, timeline.statuses
    solves = [
        at
        for index, at in enumerate(times)
        if statuses[index] in STOPPED_STATUSES
        and (index == 0 or statuses[index - 1] not in STOPPED_STATUSES)
    ]

    def solved_between(start: float, end: float) -> bool:
        # A solve in (start, end]: the first solve after `start` is no later than `end`.
        index = bisect_right(solves, start)
        return index < len(solves) and solves[index] <= end

    waits: list[tuple[float, float | None]] = []
    running: float | None = None
    for at, public_agent, customer in timeline.replies:
        if running is not None and solved_between(running, at):
            running = None
        if customer:
            if running is not None:
                waits.append((running, at))
                running = None
        elif public_agent and running is None and status_at(timeline, at) not in STOPPED_STATUSES:
            running = at
    if running is not None and not solved_between(running, timeline.now):
        waits.append((running, None))
    return waits


def _business(calendar: BusinessCalendar, start: float, end: float) -> int:
    return int(calendar.elapsed(start, end))


def ticket_times(
    ticket: Ticket, policies: PolicySet, as_of: datetime, connector: str | None = None
) -> TicketTimes | None:
    """A ticket's stays and reply waits as of ``as_of``; None when no policy applies to it.

    Business time is counted on the calendar of the policy the ticket matches at ``as_of`` (the
    policy's own ``calendar:``, resolved for this ticket), with no pause: a stay in ``pending``
    is exactly the time a ``pause_on: [pending]`` clock leaves out.
    """
    now = as_of.timestamp()
    timeline = build_timeline(ticket, now)
    priority = timeline.priority or policies.settings.default_priority
    policy = policies.match(ticket, priority)
    if policy is None:
        return None
    name = policy.calendar.resolve(ticket)
    calendar = policies.calendar(name)
    stays = tuple(
        Stay(status, start, end, _business(calendar, start, now if end is None else end))
        for status, start, end in status_stays(timeline)
    )
    waits = tuple(
        ReplyWait(start, end, _business(calendar, start, now if end is None else end))
        for start, end in customer_reply_waits(timeline)
    )
    return TicketTimes(facts_from_ticket(ticket, policy.name, connector), name, stays, waits)


__all__ = [
    "CUSTOMER_STATUSES",
    "ReplyWait",
    "Stay",
    "TicketTimes",
    "customer_reply_waits",
    "status_stays",
    "ticket_times",
]
