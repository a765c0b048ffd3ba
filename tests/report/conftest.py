"""Builders for report tests: outcome records, normalized tickets and a small policy file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slabridge.report.outcomes import Outcome, OutcomeStatus, TicketFacts

# 24x7 UTC calendar: business time equals wall time, so expectations can be worked out by hand.
POLICY_YAML = """\
version: 1
calendars:
  clock: {timezone: UTC, hours: 24x7}
policies:
  - name: standard
    calendar: clock
    targets:
      default: {first_response: 1h, resolution: 8h}
goals:
  - {metric: first_response, share: 90%}
  - {name: resolved in 5h, metric: resolution, share: 60%, within: 5h}
credits:
  tiers:
    enterprise:
      schedule:
        - {below: 99%, credit: 5%}
        - {below: 95%, credit: 10%}
        - {below: 90%, credit: 25%}
      cap: 20%
  customers:
    B:
      schedule: [{below: 100%, credit: 5%}]
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


OutcomeFactory = Callable[..., Outcome]


@pytest.fixture
def make_outcome() -> OutcomeFactory:
    """`make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 1800, ...)`."""

    def build(
        metric: str,
        status: OutcomeStatus,
        started: str,
        elapsed: int,
        *,
        target: int = 3600,
        stopped: bool = True,
        ticket: str = "1",
        customer: str | None = "A",
        customer_name: str | None = None,
        tier: str | None = "enterprise",
        product: str | None = "payments",
        connector: str = "zendesk",
        channel: str | None = None,
        type: str | None = None,
        tags: tuple[str, ...] = (),
        fields: dict[str, Any] | None = None,
    ) -> Outcome:
        start = at(started)
        facts = TicketFacts(
            connector=connector,
            ticket_id=ticket,
            policy="standard",
            customer_id=customer,
            customer_name=customer_name,
            tier=tier,
            product=product,
            priority="normal",
            source=connector,
            type=type,
            channel=channel,
            tags=tags,
            fields=fields or {},
        )
        return Outcome(
            facts=facts,
            metric=metric,
            status=status,
            started_at=start,
            stopped_at=start + timedelta(seconds=elapsed) if stopped else None,
            due_at=start + timedelta(seconds=target),
            elapsed_seconds=elapsed,
            target_seconds=target,
        )

    return build


def ticket_json(
    ticket_id: str,
    customer: str,
    tier: str,
    product: str,
    created: str,
    reply: str | None = None,
    solved: str | None = None,
) -> dict[str, Any]:
    events: list[dict[str, Any]] = [{"at": created, "type": "status", "status": "new"}]
    if reply:
        events.append({"at": reply, "type": "reply", "author": "agent", "public": True})
    if solved:
        events.append({"at": solved, "type": "status", "status": "solved"})
    return {
        "id": ticket_id,
        "source": "zendesk",
        "created_at": created,
        "status": "solved" if solved else "open",
        "priority": "normal",
        "product": product,
        "customer": {"id": customer, "name": f"Cust {customer}", "tier": tier},
        "events": events,
    }


# October 2026, 24x7 clock, first response 1h, resolution 8h:
#   T1 (A, enterprise): first response 30m achieved, resolution 2h achieved
#   T2 (A, enterprise): first response 2h breached, resolution 10h breached
#   T3 (B, pro): first response 45m achieved, resolution 4h achieved
#   T4 (B, pro): created 30 minutes before the period end, both clocks still running
#   T5: created in September (its cycles start before the period), T6: created in November
OCTOBER_TICKETS: list[dict[str, Any]] = [
    ticket_json(
        "T1",
        "A",
        "enterprise",
        "payments",
        "2026-10-05T10:00:00Z",
        "2026-10-05T10:30:00Z",
        "2026-10-05T12:00:00Z",
    ),
    ticket_json(
        "T2",
        "A",
        "enterprise",
        "payments",
        "2026-10-06T10:00:00Z",
        "2026-10-06T12:00:00Z",
        "2026-10-06T20:00:00Z",
    ),
    ticket_json(
        "T3",
        "B",
        "pro",
        "api",
        "2026-10-07T09:00:00Z",
        "2026-10-07T09:45:00Z",
        "2026-10-07T13:00:00Z",
    ),
    ticket_json("T4", "B", "pro", "api", "2026-10-31T23:30:00Z"),
    ticket_json("T5", "B", "pro", "api", "2026-09-30T23:00:00Z", "2026-10-01T01:00:00Z"),
    ticket_json("T6", "B", "pro", "api", "2026-11-01T00:00:00Z"),
]


@pytest.fixture
def october_tickets() -> list[dict[str, Any]]:
    return [dict(ticket) for ticket in OCTOBER_TICKETS]


@pytest.fixture
def build_ticket() -> Callable[..., dict[str, Any]]:
    """`build_ticket(id, customer, tier, product, created, reply=None, solved=None)`."""
    return ticket_json


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory with slabridge.yaml (POLICY_YAML) and tickets.jsonl (OCTOBER_TICKETS)."""
    (tmp_path / "slabridge.yaml").write_text(POLICY_YAML, encoding="utf-8")
    lines = [json.dumps(ticket) for ticket in OCTOBER_TICKETS]
    (tmp_path / "tickets.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def review_ticket(
    ticket_id: str,
    customer: str | None,
    created: str,
    status: str,
    events: list[tuple[str, str, str]],
) -> dict[str, Any]:
    """A ticket for the review sections: events as (at, "agent"|"customer"|"status", status)."""
    built: list[dict[str, Any]] = [{"at": created, "type": "status", "status": "new"}]
    for when, kind, value in events:
        if kind == "status":
            built.append({"at": when, "type": "status", "status": value})
        else:
            built.append({"at": when, "type": "reply", "author": kind, "public": True})
    return {
        "id": ticket_id,
        "source": "zendesk",
        "created_at": created,
        "updated_at": built[-1]["at"],
        "status": status,
        "priority": "normal",
        "product": "payments",
        "channel": "email" if customer == "A" else "web",
        "type": "question",
        "customer": None
        if customer is None
        else {"id": customer, "name": f"Cust {customer}", "tier": "pro"},
        "events": built,
    }


# October 2026 on the 24x7 UTC clock of POLICY_YAML (business time = wall time). Each agent
# reply is our question; "pending" is the customer-owned status.
#   A1: question 10:30, answered 12:30 (2h); question 13:00, answered next day 13:00 (24h)
#   A2: first reply 1h15m after creation (first response breached); answered in 30m
#   A3: created 31 Oct 20:00, asked at 21:00, still pending at the period end
#   B1: created and asked in September, answered 1 Oct 01:00: its wait belongs to September
#   B2: answered and solved at once: no answer owed
#   N1: no customer; pending 01:00-04:00, open since
REVIEW_TICKETS: list[dict[str, Any]] = [
    review_ticket(
        "A1",
        "A",
        "2026-10-05T10:00:00Z",
        "solved",
        [
            ("2026-10-05T10:30:00Z", "agent", ""),
            ("2026-10-05T10:30:00Z", "status", "pending"),
            ("2026-10-05T12:30:00Z", "customer", ""),
            ("2026-10-05T12:30:00Z", "status", "open"),
            ("2026-10-05T13:00:00Z", "agent", ""),
            ("2026-10-05T13:00:00Z", "status", "pending"),
            ("2026-10-06T13:00:00Z", "customer", ""),
            ("2026-10-06T13:00:00Z", "status", "open"),
            ("2026-10-06T14:00:00Z", "status", "solved"),
        ],
    ),
    review_ticket(
        "A2",
        "A",
        "2026-10-07T09:00:00Z",
        "solved",
        [
            ("2026-10-07T10:15:00Z", "agent", ""),
            ("2026-10-07T10:15:00Z", "status", "pending"),
            ("2026-10-07T10:45:00Z", "customer", ""),
            ("2026-10-07T10:45:00Z", "status", "open"),
            ("2026-10-07T11:00:00Z", "status", "solved"),
        ],
    ),
    review_ticket(
        "A3",
        "A",
        "2026-10-31T20:00:00Z",
        "pending",
        [("2026-10-31T21:00:00Z", "agent", ""), ("2026-10-31T21:00:00Z", "status", "pending")],
    ),
    review_ticket(
        "B1",
        "B",
        "2026-09-30T22:00:00Z",
        "solved",
        [
            ("2026-09-30T23:00:00Z", "agent", ""),
            ("2026-09-30T23:00:00Z", "status", "pending"),
            ("2026-10-01T01:00:00Z", "customer", ""),
            ("2026-10-01T01:00:00Z", "status", "open"),
            ("2026-10-01T02:00:00Z", "status", "solved"),
        ],
    ),
    review_ticket(
        "B2",
        "B",
        "2026-10-10T08:00:00Z",
        "solved",
        [("2026-10-10T08:30:00Z", "agent", ""), ("2026-10-10T08:30:00Z", "status", "solved")],
    ),
    review_ticket(
        "N1",
        None,
        "2026-10-12T00:00:00Z",
        "open",
        [("2026-10-12T01:00:00Z", "status", "pending"), ("2026-10-12T04:00:00Z", "status", "open")],
    ),
]


@pytest.fixture
def review_workdir(tmp_path: Path) -> Path:
    """A directory with slabridge.yaml (POLICY_YAML) and tickets.jsonl (REVIEW_TICKETS)."""
    (tmp_path / "slabridge.yaml").write_text(POLICY_YAML, encoding="utf-8")
    lines = [json.dumps(ticket) for ticket in REVIEW_TICKETS]
    (tmp_path / "tickets.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path
