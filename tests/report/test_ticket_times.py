"""Stays in each status and waits on the customer's replies, worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slabridge.config import load_policy_text
from slabridge.report.ticket_times import (
    ReplyWait,
    Stay,
    customer_reply_waits,
    status_stays,
    ticket_times,
)
from slabridge.sla.metrics import build_timeline
from slabridge.sla.ticket import Ticket, parse_ticket

POLICIES = load_policy_text(
    """\
version: 1
calendars:
  office: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
  berlin_clock: {timezone: Europe/Berlin, hours: 24x7}
policies:
  - name: around the clock
    match: {product: night}
    calendar: berlin_clock
    targets: {default: {first_response: 1h}}
  - name: office
    match: {product: payments}
    calendar: office
    targets: {default: {first_response: 4h}}
"""
)


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def make_ticket(created: str, status: str, events: list[dict[str, Any]], **extra: Any) -> Ticket:
    data: dict[str, Any] = {
        "id": "T1",
        "source": "zendesk",
        "created_at": created,
        "updated_at": events[-1]["at"] if events else created,
        "status": status,
        "priority": "normal",
        "product": "payments",
        "customer": {"id": "A", "name": "Acme", "tier": "pro"},
        "events": events,
        **extra,
    }
    return parse_ticket(data)


def agent(at: str, public: bool = True) -> dict[str, Any]:
    return {"at": at, "type": "reply", "author": "agent", "public": public}


def customer(at: str) -> dict[str, Any]:
    return {"at": at, "type": "reply", "author": "customer", "public": True}


def status(at: str, name: str) -> dict[str, Any]:
    return {"at": at, "type": "status", "status": name}


# Office hours Mon-Fri 09:00-17:00 Berlin (UTC+2 in early October 2026; 5 October is a Monday).
OFFICE_TICKET = make_ticket(
    "2026-10-05T07:00:00Z",  # Mon 09:00 local
    "solved",
    [
        status("2026-10-05T07:00:00Z", "new"),
        agent("2026-10-05T07:30:00Z", public=False),  # an internal note asks nothing
        agent("2026-10-05T08:00:00Z"),  # Mon 10:00: our question
        status("2026-10-05T08:00:00Z", "pending"),
        agent("2026-10-05T08:30:00Z"),  # a second message: the oldest unanswered one counts
        customer("2026-10-06T09:00:00Z"),  # Tue 11:00: the answer
        status("2026-10-06T09:00:00Z", "open"),
        agent("2026-10-06T10:00:00Z"),  # Tue 12:00: the solution ...
        status("2026-10-06T12:00:00Z", "solved"),  # ... and the ticket solved: no answer owed
    ],
)
OFFICE_AS_OF = datetime(2026, 10, 6, 14, 0, tzinfo=UTC)  # Tue 16:00 local


def test_stays_follow_the_status_timeline() -> None:
    timeline = build_timeline(OFFICE_TICKET, OFFICE_AS_OF.timestamp())
    assert status_stays(timeline) == [
        ("new", ts("2026-10-05T07:00:00Z"), ts("2026-10-05T08:00:00Z")),
        ("pending", ts("2026-10-05T08:00:00Z"), ts("2026-10-06T09:00:00Z")),
        ("open", ts("2026-10-06T09:00:00Z"), ts("2026-10-06T12:00:00Z")),
        ("solved", ts("2026-10-06T12:00:00Z"), None),
    ]


def test_business_time_of_stays_and_reply_waits_on_the_policy_calendar() -> None:
    times = ticket_times(OFFICE_TICKET, POLICIES, OFFICE_AS_OF, connector="zendesk-eu")
    assert times is not None
    assert times.calendar == "office"
    assert times.facts.connector == "zendesk-eu"
    assert times.stays == (
        # Mon 09:00-10:00 local: 1h.
        Stay("new", ts("2026-10-05T07:00:00Z"), ts("2026-10-05T08:00:00Z"), 3600),
        # Mon 10:00-17:00 (7h) + Tue 09:00-11:00 (2h) = 9h = 32400 s; the night is closed.
        Stay("pending", ts("2026-10-05T08:00:00Z"), ts("2026-10-06T09:00:00Z"), 32400),
        # Tue 11:00-14:00: 3h.
        Stay("open", ts("2026-10-06T09:00:00Z"), ts("2026-10-06T12:00:00Z"), 10800),
        # Still solved at Tue 16:00: 14:00-16:00 = 2h so far.
        Stay("solved", ts("2026-10-06T12:00:00Z"), None, 7200),
    )
    # The question of Mon 10:00 was answered Tue 11:00: 9h of business time, as the pending
    # stay. The solution of Tue 12:00 needed no answer: the solve at 14:00 drops that wait.
    assert times.reply_waits == (
        ReplyWait(ts("2026-10-05T08:00:00Z"), ts("2026-10-06T09:00:00Z"), 32400),
    )


def test_a_wait_still_running_counts_up_to_as_of() -> None:
    ticket = make_ticket(
        "2026-10-05T07:00:00Z",
        "pending",
        [agent("2026-10-05T13:00:00Z"), status("2026-10-05T13:00:00Z", "pending")],
    )
    # Mon 15:00 local to Tue 10:00 local: 15:00-17:00 (2h) + 09:00-10:00 (1h) = 3h.
    times = ticket_times(ticket, POLICIES, datetime(2026, 10, 6, 8, 0, tzinfo=UTC))
    assert times is not None
    assert times.reply_waits == (ReplyWait(ts("2026-10-05T13:00:00Z"), None, 10800),)
    assert times.stays[-1] == Stay("pending", ts("2026-10-05T13:00:00Z"), None, 10800)


def test_a_wait_across_the_end_of_summer_time_counts_real_seconds() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026 at 03:00 CEST (01:00 UTC). From
    # Saturday 12:00 CEST (10:00Z) to Sunday 12:00 CET (11:00Z) the wall clock shows 24 hours,
    # but 25 hours passed: 90000 s on a 24x7 Berlin calendar.
    ticket = make_ticket(
        "2026-10-24T09:00:00Z",
        "open",
        [
            agent("2026-10-24T10:00:00Z"),
            status("2026-10-24T10:00:00Z", "pending"),
            customer("2026-10-25T11:00:00Z"),
            status("2026-10-25T11:00:00Z", "open"),
        ],
        product="night",
    )
    times = ticket_times(ticket, POLICIES, datetime(2026, 10, 26, tzinfo=UTC))
    assert times is not None and times.calendar == "berlin_clock"
    assert [wait.business_seconds for wait in times.reply_waits] == [90000]
    assert times.stays[1] == Stay(
        "pending", ts("2026-10-24T10:00:00Z"), ts("2026-10-25T11:00:00Z"), 90000
    )


def test_reply_waits_restart_after_an_answer_and_after_a_reopen() -> None:
    ticket = make_ticket(
        "2026-10-05T07:00:00Z",
        "open",
        [
            agent("2026-10-05T08:00:00Z"),
            customer("2026-10-05T09:00:00Z"),  # answers the 08:00 question
            customer("2026-10-05T09:30:00Z"),  # no wait runs: nothing to answer
            agent("2026-10-05T10:00:00Z"),
            status("2026-10-05T11:00:00Z", "solved"),  # drops the 10:00 wait
            agent("2026-10-05T11:30:00Z"),  # a reply while solved starts no wait
            status("2026-10-05T12:00:00Z", "open"),  # reopened
            agent("2026-10-05T12:30:00Z"),
            customer("2026-10-05T14:00:00Z"),
        ],
    )
    timeline = build_timeline(ticket, ts("2026-10-06T00:00:00Z"))
    assert customer_reply_waits(timeline) == [
        (ts("2026-10-05T08:00:00Z"), ts("2026-10-05T09:00:00Z")),
        (ts("2026-10-05T12:30:00Z"), ts("2026-10-05T14:00:00Z")),
    ]


def test_a_ticket_no_policy_applies_to_has_no_times() -> None:
    ticket = make_ticket("2026-10-05T07:00:00Z", "open", [], product="hardware")
    assert ticket_times(ticket, POLICIES, OFFICE_AS_OF) is None
