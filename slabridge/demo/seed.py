"""Realistic synthetic tickets for the demo, benchmarks and tests (seeded, so runs repeat)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slabridge.sla.ticket import Customer, Event, Ticket


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    id: str
    name: str
    tier: str
    region: str


CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer("org-acme", "Acme GmbH", "enterprise", "emea"),
    DemoCustomer("org-globex", "Globex Corporation", "enterprise", "amer"),
    DemoCustomer("org-initech", "Initech", "pro", "amer"),
    DemoCustomer("org-umbrella", "Umbrella Pty Ltd", "enterprise", "apac"),
    DemoCustomer("org-stark", "Stark Industries", "pro", "amer"),
    DemoCustomer("org-wayne", "Wayne Enterprises", "pro", "amer"),
    DemoCustomer("org-tyrell", "Tyrell GmbH", "pro", "emea"),
    DemoCustomer("org-soylent", "Soylent SARL", "free", "emea"),
    DemoCustomer("org-hooli", "Hooli", "free", "amer"),
    DemoCustomer("org-wonka", "Wonka Ltd", "free", "emea"),
    DemoCustomer("org-kangaroo", "Kangaroo Freight", "pro", "apac"),
    DemoCustomer("org-koala", "Koala Kloud", "free", "apac"),
)
PRODUCTS: tuple[str, ...] = ("payments", "mobile", "web", "api")
PRIORITY_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("low", 20),
    ("normal", 45),
    ("high", 25),
    ("urgent", 10),
)
CHANNELS: tuple[str, ...] = ("email", "web", "chat", "api")
TYPES: tuple[str, ...] = ("incident", "question", "problem", "task")


def _delay(rng: random.Random, median_minutes: float, spread: float = 1.0) -> timedelta:
    """A log-normal delay: most answers are quick, a long tail is not (that tail breaches)."""
    minutes = rng.lognormvariate(0.0, spread) * median_minutes
    return timedelta(minutes=max(1.0, minutes))


def _priority(rng: random.Random) -> str:
    names = [name for name, _ in PRIORITY_WEIGHTS]
    weights = [weight for _, weight in PRIORITY_WEIGHTS]
    return rng.choices(names, weights)[0]


@dataclass(slots=True)
class _History:
    """A ticket's events as they are drawn, in order; events at or after ``now`` are dropped."""

    rng: random.Random
    now: datetime
    median: float  # minutes to a public agent reply, set by the priority the ticket opened with
    priority: str
    at: datetime
    status: str = "new"
    events: list[Event] = field(default_factory=list)

    def add(self, event: Event) -> bool:
        if event.at >= self.now:
            return False
        self.at = event.at
        self.events.append(event)
        return True

    def after(self, median_minutes: float, spread: float = 1.0) -> datetime:
        return self.at + _delay(self.rng, median_minutes, spread)

    def first_reply(self) -> bool:
        """The first public agent reply opens the ticket; False when it is still to come."""
        if not self.add(Event(self.after(self.median), "reply", author="agent", public=True)):
            return False
        self.status = "open"
        self.add(Event(self.at, "status", status="open"))
        return True

    def maybe_escalate(self) -> None:
        if self.rng.random() < 0.15:
            self.add(Event(self.after(30), "priority", priority="urgent"))
            self.priority = "urgent"

    def customer_wait(self) -> bool:
        """Wait for the customer (the resolution clock pauses), then they answer and an agent
        replies; False when the history reaches ``now`` on the way."""
        if not self.add(Event(self.after(10), "status", status="pending")):
            return False
        self.status = "pending"
        if not self.add(Event(self.after(600, 1.2), "reply", author="customer", public=True)):
            return False
        self.add(Event(self.at, "status", status="open"))
        self.status = "open"
        if self.rng.random() < 0.3:
            self.add(Event(self.after(15), "reply", author="agent", public=False))
        return self.add(Event(self.after(self.median), "reply", author="agent", public=True))

    def solve(self) -> None:
        """Most tickets get solved; a few of those are reopened by the customer."""
        if self.rng.random() < 0.7 and self.add(
            Event(self.after(240, 1.3), "status", status="solved")
        ):
            self.status = "solved"
            if self.rng.random() < 0.12 and self.add(
                Event(self.after(600), "reply", author="customer", public=True)
            ):
                self.reopen()

    def reopen(self) -> None:
        self.add(Event(self.at, "status", status="open"))
        self.status = "open"
        if self.add(Event(self.after(self.median), "reply", author="agent", public=True)) and (
            self.add(Event(self.after(60), "status", status="solved"))
        ):
            self.status = "solved"


def demo_ticket(rng: random.Random, number: int, source: str, now: datetime, days: int) -> Ticket:
    """One ticket with a plausible history: replies, pending waits, solves, reopens."""
    customer = rng.choice(CUSTOMERS)
    created = now - timedelta(seconds=rng.uniform(3600, days * 86400))
    created = created.replace(microsecond=0)
    priority = _priority(rng)
    # First public agent reply: faster for urgent work, with a long tail.
    median = {"urgent": 20, "high": 60, "normal": 180, "low": 480}[priority]
    history = _History(rng, now, median, priority, created)
    history.events.append(Event(created, "status", status="new"))
    if history.first_reply():
        history.maybe_escalate()
        for _ in range(rng.choice((0, 1, 1, 2))):
            if not history.customer_wait():
                break
        history.solve()
    return _ticket(
        number, source, created, history.status, history.priority, customer, rng, history.events
    )


def _ticket(
    number: int,
    source: str,
    created: datetime,
    status: str,
    priority: str,
    customer: DemoCustomer,
    rng: random.Random,
    events: list[Event],
) -> Ticket:
    return Ticket(
        id=str(number),
        source=source,
        created_at=created,
        updated_at=events[-1].at,
        status=status,
        priority=priority,
        type=rng.choice(TYPES),
        channel=rng.choice(CHANNELS),
        product=rng.choice(PRODUCTS),
        tags=tuple(sorted(rng.sample(("vip", "billing", "bug", "howto", "outage"), k=1))),
        fields={"region": customer.region},
        customer=Customer(customer.id, customer.name, customer.tier, customer.region),
        events=tuple(events),
    )


def demo_tickets(
    count: int, *, source: str, now: datetime, days: int = 30, seed: int = 7
) -> Iterator[Ticket]:
    """``count`` tickets created over the ``days`` before ``now``, in creation order."""
    rng = random.Random(f"{seed}:{source}")
    tickets = [demo_ticket(rng, 1000 + i, source, now, days) for i in range(count)]
    tickets.sort(key=lambda ticket: ticket.created_at)
    yield from tickets


__all__ = ["CUSTOMERS", "PRODUCTS", "DemoCustomer", "demo_ticket", "demo_tickets"]
