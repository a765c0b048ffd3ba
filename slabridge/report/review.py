"""The review-meeting figures: time in each status, and the customer's side of a two-way SLA.

Built from `TicketTimes` (slabridge.report.ticket_times) beside the provider's figures of a
`Report`. As with cycles, a stay or a wait belongs to the period in which it STARTED; one that
has ended by ``as_of`` gives a duration (median, nearest-rank p90), one still running is counted
apart and left out of both (see docs/reports.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from slabridge.customers import CustomerDirectory
from slabridge.report.compute import Report, customer_identity
from slabridge.report.models import format_percent, format_seconds
from slabridge.report.outcomes import TicketFacts
from slabridge.report.periods import Period
from slabridge.report.sources import SourceTicket
from slabridge.report.stats import median, percentile_nearest_rank, share
from slabridge.report.ticket_times import CUSTOMER_STATUSES, Stay, TicketTimes, ticket_times
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import STATUSES

# Customer key of ticket facts (slabridge.report.compute.customer_identity).
Identify = Callable[[TicketFacts], "str | None"]


@dataclass(frozen=True, slots=True)
class Durations:
    """Business seconds of the stays (or waits) that ended, and how many still run."""

    ended: int
    running: int
    median_seconds: Fraction | None
    p90_seconds: int | None

    @classmethod
    def of(cls, ended: list[int], running: int) -> Durations:
        ended.sort()
        return cls(len(ended), running, median(ended), percentile_nearest_rank(ended, 90))


@dataclass(frozen=True, slots=True)
class StatusTime:
    """Time in one status: tickets that entered it in the period, and their stays' durations."""

    status: str
    tickets: int
    stays: Durations


@dataclass(frozen=True, slots=True)
class CustomerSide:
    """One customer's side of the SLA beside the provider's compliance for that customer."""

    customer: str
    customer_name: str | None
    achieved_cycles: int
    decided_cycles: int
    # Stays in a customer-owned status (`pending`): the provider waiting on the customer.
    waiting_status: Durations
    # From a public agent reply to the customer's next reply.
    replies: Durations

    @property
    def compliance(self) -> Fraction | None:
        return share(self.achieved_cycles, self.decided_cycles)

    @property
    def label(self) -> str:
        if self.customer_name:
            return f"{self.customer_name} ({self.customer})"
        return self.customer

    @property
    def summary(self) -> str:
        """The review sentence: "we met 94.00% ...; your team took a median 2d 1h ..."."""
        if self.decided_cycles:
            ours = (
                f"we met {format_percent(self.compliance)} of our SLA cycles "
                f"({self.achieved_cycles} of {self.decided_cycles})"
            )
        else:
            ours = "no SLA cycle of ours was decided"
        if self.replies.median_seconds is not None:
            theirs = (
                f"your team took a median {format_seconds(self.replies.median_seconds)} of "
                f"business time to answer our questions ({self.replies.ended} answered)"
            )
        else:
            theirs = "no question of ours was answered in the period"
        return f"{ours}; {theirs}"


@dataclass(slots=True)
class Review:
    """Time in status (all tickets) and the customer's side (per customer) for one period."""

    status_times: list[StatusTime] = field(default_factory=list)
    customers: list[CustomerSide] = field(default_factory=list)
    customer_statuses: tuple[str, ...] = tuple(sorted(CUSTOMER_STATUSES))


class _CustomerFigures:
    __slots__ = ("replies", "replies_running", "waiting", "waiting_running")

    def __init__(self) -> None:
        self.waiting: list[int] = []
        self.waiting_running = 0
        self.replies: list[int] = []
        self.replies_running = 0

    def any(self) -> bool:
        return bool(self.waiting or self.waiting_running or self.replies or self.replies_running)


def _status_order(status: str) -> tuple[int, str]:
    # The order of POLICY.md §2 (new ... closed); an unknown status (none today) sorts last.
    return (STATUSES.index(status) if status in STATUSES else len(STATUSES), status)


def _count_customer_stay(figures: _CustomerFigures, stay: Stay) -> None:
    """A stay in a customer-owned status: time the provider waited on the customer."""
    if stay.status not in CUSTOMER_STATUSES:
        return
    if stay.ended_at is None:
        figures.waiting_running += 1
    else:
        figures.waiting.append(stay.business_seconds)


def _count_reply_waits(
    figures: _CustomerFigures, times: TicketTimes, start: float, end: float
) -> None:
    """The customer's reply waits that started in ``[start, end)``."""
    for wait in times.reply_waits:
        if not start <= wait.started_at < end:
            continue
        if wait.answered_at is None:
            figures.replies_running += 1
        else:
            figures.replies.append(wait.business_seconds)


def build_review(
    tickets: Iterable[TicketTimes],
    period: Period,
    identify: Identify,
    provider_cycles: Mapping[str, tuple[int, int]],
    customer_names: Mapping[str, str] | None = None,
    joined_name: Callable[[str], str | None] | None = None,
) -> Review:
    """Aggregate ticket times over the stays and waits that started in ``period``.

    Args:
        tickets: each ticket's stays and reply waits, as of the report's ``as_of``.
        period: the report period; a stay or wait counts in the period it started in.
        identify: the customer key of a ticket (as the report keys its customers).
        provider_cycles: per customer key, (achieved, decided) SLA cycles of the period.
        customer_names: display names by customer key (the report's; else the ticket's).
        joined_name: the name of a joined customer key (`customers:`), before the ticket's.
    """
    start, end = period.start.timestamp(), period.end.timestamp()
    names = dict(customer_names or {})
    stays: dict[str, list[int]] = defaultdict(list)
    still_in: dict[str, int] = defaultdict(int)
    entered: dict[str, set[tuple[str, str]]] = defaultdict(set)
    per_customer: dict[str, _CustomerFigures] = defaultdict(_CustomerFigures)
    for times in tickets:
        facts = times.facts
        customer = identify(facts)
        figures = per_customer[customer] if customer is not None else None
        if customer is not None and customer not in names:
            name = joined_name(customer) if joined_name is not None else None
            if name is not None or facts.customer_name:
                names[customer] = name or facts.customer_name or customer
        for stay in times.stays:
            if start <= stay.started_at < end:
                entered[stay.status].add((facts.connector, facts.ticket_id))
                if stay.ended_at is None:
                    still_in[stay.status] += 1
                else:
                    stays[stay.status].append(stay.business_seconds)
                if figures is not None:
                    _count_customer_stay(figures, stay)
        if figures is not None:
            _count_reply_waits(figures, times, start, end)
    status_times = [
        StatusTime(status, len(entered[status]), Durations.of(stays[status], still_in[status]))
        for status in sorted(entered, key=_status_order)
    ]
    customers = []
    # A customer is listed when it had an SLA cycle decided, or a stay or wait, in the period.
    for customer in sorted(set(per_customer) | set(provider_cycles)):
        figures = per_customer.get(customer) or _CustomerFigures()
        if customer not in provider_cycles and not figures.any():
            continue
        achieved, decided = provider_cycles.get(customer, (0, 0))
        customers.append(
            CustomerSide(
                customer=customer,
                customer_name=names.get(customer),
                achieved_cycles=achieved,
                decided_cycles=decided,
                waiting_status=Durations.of(figures.waiting, figures.waiting_running),
                replies=Durations.of(figures.replies, figures.replies_running),
            )
        )
    return Review(status_times=status_times, customers=customers)


def review_of_tickets(
    tickets: Iterable[SourceTicket],
    policies: PolicySet,
    report: Report,
    customers: CustomerDirectory | None = None,
) -> Review:
    """The review figures of ``tickets`` beside ``report``'s, as of the report's ``as_of``.

    Customers are keyed as the report keys them; a ticket created at or after ``as_of`` (a
    period in progress) has no history yet and is left out, as the replay leaves it out.
    """
    as_of = report.as_of or report.period.end

    def times() -> Iterator[TicketTimes]:
        for item in tickets:
            if item.ticket.created_at >= as_of:
                continue
            found = ticket_times(item.ticket, policies, as_of, item.connector)
            if found is not None:
                yield found

    return build_review(
        times(),
        report.period,
        customer_identity(customers),
        report.customer_cycles,
        report.customer_names,
        customers.name_of if customers else None,
    )


__all__ = [
    "CustomerSide",
    "Durations",
    "Review",
    "StatusTime",
    "build_review",
    "review_of_tickets",
]
