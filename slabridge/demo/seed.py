"""Realistic synthetic tickets for the demo, benchmarks and tests (seeded, so runs repeat)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
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


def demo_ticket(rng: random.Random, number: int, source: str, now: datetime, days: int) -> Ticket:
    """One ticket with a plausible history: replies, pending waits, solves, reopens."""
    customer = rng.choice(CUSTOMERS)
    created = now - timedelta(seconds=rng.uniform(3600, days * 86400))
    created = created.replace(microsecond=0)
    priority = _priority(rng)
    events: list[Event] = [Event(created, "status", status="new")]
    status = "new"
    at = created

    def add(event: Event) -> bool:
        nonlocal at
        if event.at >= now:
            return False
        at = event.at
        events.append(event)
        return True

    # First public agent reply: faster for urgent work, with a long tail.
    median = {"urgent": 20, "high": 60, "normal": 180, "low": 480}[priority]
    if not add(Event(at + _delay(rng, median), "reply", author="agent", public=True)):
        return _ticket(number, source, created, status, priority, customer, rng, events)
    status = "open"
    add(Event(at, "status", status="open"))
    if rng.random() < 0.15:
        add(Event(at + _delay(rng, 30), "priority", priority="urgent"))
        priority = "urgent"
    for _ in range(rng.choice((0, 1, 1, 2))):
        # Wait for the customer (the resolution clock pauses), then they answer.
        if not add(Event(at + _delay(rng, 10), "status", status="pending")):
            break
        status = "pending"
        if not add(Event(at + _delay(rng, 600, 1.2), "reply", author="customer", public=True)):
            break
        add(Event(at, "status", status="open"))
        status = "open"
        if rng.random() < 0.3:
            add(Event(at + _delay(rng, 15), "reply", author="agent", public=False))
        if not add(Event(at + _delay(rng, median), "reply", author="agent", public=True)):
            break
    if rng.random() < 0.7 and add(Event(at + _delay(rng, 240, 1.3), "status", status="solved")):
        status = "solved"
        if rng.random() < 0.12 and add(
            Event(at + _delay(rng, 600), "reply", author="customer", public=True)
        ):
            add(Event(at, "status", status="open"))
            status = "open"
            if add(Event(at + _delay(rng, median), "reply", author="agent", public=True)) and add(
                Event(at + _delay(rng, 60), "status", status="solved")
            ):
                status = "solved"
    return _ticket(number, source, created, status, priority, customer, rng, events)


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
