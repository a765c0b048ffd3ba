"""Helpers shared by the Zendesk plugin tests (a unique module name: no clash across plugins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge_zendesk.fake import FakeZendesk

from slabridge.sla.ticket import Ticket, parse_ticket

TOKEN = "zd-test-token-3f9a1c"
EMAIL = "ops@acme.example"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    """A settable clock shared by the fake and the connector."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def normalized(ticket_id: str, at: datetime, **extra: Any) -> Ticket:
    """A small open ticket created at ``at``, with a customer the default mapping reads back."""
    data: dict[str, Any] = {
        "id": ticket_id,
        "created_at": at.isoformat(),
        "updated_at": at.isoformat(),
        "status": "open",
        "priority": "normal",
        "customer": {"id": "org-1", "name": "Acme", "tier": "gold", "region": "emea"},
        "events": [{"at": at.isoformat(), "type": "status", "status": "open"}],
    }
    data.update(extra)
    return parse_ticket(data)


def seed(fake: FakeZendesk, clock: Clock, count: int, **extra: Any) -> list[str]:
    """Load ``count`` tickets one minute apart, then move the clock past the exclusion window."""
    ids = []
    for index in range(count):
        ids.append(fake.load_normalized(normalized(f"n{index}", clock.now, **extra)))
        clock.advance(minutes=1)
    clock.advance(minutes=2)
    return ids
