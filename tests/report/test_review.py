"""Time in status and the customer's side of the SLA, from tickets, worked out by hand.

The tickets are REVIEW_TICKETS (conftest.py) on a 24x7 UTC clock: business time = wall time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from slabridge.config import load_policy_text
from slabridge.customers import validate_customers
from slabridge.report.compute import build_report, customer_identity
from slabridge.report.periods import parse_period
from slabridge.report.review import Durations, Review, build_review, review_of_tickets
from slabridge.report.sources import SourceTicket
from slabridge.report.ticket_times import TicketTimes, ticket_times
from slabridge.sla.ticket import parse_ticket

OCTOBER = parse_period("2026-10")
OCTOBER_END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def review_times(review_workdir: Path) -> list[TicketTimes]:
    policies = load_policy_text((review_workdir / "slabridge.yaml").read_text(encoding="utf-8"))
    lines = (review_workdir / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    found = [ticket_times(parse_ticket(json.loads(line)), policies, OCTOBER_END) for line in lines]
    return [times for times in found if times is not None]


@pytest.fixture
def october_review(review_times: list[TicketTimes]) -> Review:
    # The provider's side as the engine counts it (see test_report_review_command.py):
    # A: 4 achieved of 5 decided (A2's first response breached), B: 2 of 2 (B2 only).
    provider = {"zendesk:A": (4, 5), "zendesk:B": (2, 2)}
    return build_review(review_times, OCTOBER, customer_identity(), provider)


def test_time_in_each_status_counts_the_stays_that_started_in_the_period(
    october_review: Review,
) -> None:
    by_status = {row.status: row for row in october_review.status_times}
    assert list(by_status) == ["new", "open", "pending", "solved"]  # POLICY.md §2 order
    # new: A1 30m, A2 1h15m, A3 1h, B2 30m, N1 1h (B1 was new in September).
    #   sorted 1800, 1800, 3600, 3600, 4500: median the 3rd, p90 the ceil(0.9*5) = 5th.
    assert by_status["new"].tickets == 5
    assert by_status["new"].stays == Durations(5, 0, Fraction(3600), 4500)
    # pending: A1 2h and 24h, A2 30m, N1 3h, A3 still pending at the period end.
    #   sorted 1800, 7200, 10800, 86400: median (7200 + 10800) / 2 = 9000; p90 the 4th.
    assert by_status["pending"].tickets == 4
    assert by_status["pending"].stays == Durations(4, 1, Fraction(9000), 86400)
    # open: A1 30m and 1h, A2 15m, B1 1h (from 1 Oct 01:00), N1 still open.
    #   sorted 900, 1800, 3600, 3600: median (1800 + 3600) / 2 = 2700; p90 the 4th.
    assert by_status["open"].tickets == 4
    assert by_status["open"].stays == Durations(4, 1, Fraction(2700), 3600)
    # solved: A1, A2, B1, B2 are still solved at the period end: no stay ended.
    assert by_status["solved"].tickets == 4
    assert by_status["solved"].stays == Durations(0, 4, None, None)


def test_the_customers_side_beside_the_providers_compliance(october_review: Review) -> None:
    a, b = october_review.customers
    assert (a.customer, a.customer_name) == ("zendesk:A", "Cust A")
    # Waits on A's replies: 2h (A1), 24h (A1), 30m (A2); A3's question is still unanswered.
    #   sorted 1800, 7200, 86400: median the 2nd = 7200; p90 the ceil(0.9*3) = 3rd = 86400.
    assert a.replies == Durations(3, 1, Fraction(7200), 86400)
    # A's pending stays are the same three, and A3's still running.
    assert a.waiting_status == Durations(3, 1, Fraction(7200), 86400)
    assert a.compliance == Fraction(4, 5)
    assert a.summary == (
        "we met 80.00% of our SLA cycles (4 of 5); your team took a median 2h of business "
        "time to answer our questions (3 answered)"
    )
    # B's only wait started in September; B2 was answered and solved at once.
    assert b.customer == "zendesk:B"
    assert b.replies == Durations(0, 0, None, None)
    assert b.waiting_status == Durations(0, 0, None, None)
    assert b.summary == (
        "we met 100.00% of our SLA cycles (2 of 2); no question of ours was answered in the period"
    )


def test_a_customer_with_neither_cycles_nor_waits_in_the_period_is_not_listed(
    review_times: list[TicketTimes],
) -> None:
    # Without provider figures, B has nothing in October: only A is listed.
    review = build_review(review_times, OCTOBER, customer_identity(), {})
    assert [c.customer for c in review.customers] == ["zendesk:A"]
    assert review.customers[0].summary.startswith("no SLA cycle of ours was decided; ")


def test_a_joined_customer_gathers_its_accounts_waits(review_workdir: Path) -> None:
    customers, problems = validate_customers(
        {"acme": {"name": "Acme GmbH", "ids": {"zendesk": ["A", "B"]}}}
    )
    assert problems == []
    policies = load_policy_text((review_workdir / "slabridge.yaml").read_text(encoding="utf-8"))
    lines = (review_workdir / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    tickets = [SourceTicket(parse_ticket(json.loads(line))) for line in lines]
    report = build_report([], OCTOBER, as_of=OCTOBER_END)
    (acme,) = review_of_tickets(tickets, policies, report, customers).customers
    # A's and B's tickets are one customer: A's three answered waits (B had none in October).
    assert (acme.customer, acme.customer_name) == ("acme", "Acme GmbH")
    assert acme.replies == Durations(3, 1, Fraction(7200), 86400)
    assert acme.label == "Acme GmbH (acme)"
