"""periodic_update and pausable_update (Zendesk's periodic and pausable update), worked by hand.

Each cycle runs from a public agent reply on an unsolved ticket to the next public agent reply
or the solve; pausable_update by default also pauses in pending and on_hold.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_evaluate_oracle import CALENDARS, _random_ticket

from slabridge.sla.calendar import CalendarSpec
from slabridge.sla.evaluate import evaluate_json
from slabridge.sla.policy import (
    DEFAULT_PAUSE_ON,
    CalendarChoice,
    MetricTarget,
    Policy,
    PolicySet,
    Settings,
)
from slabridge.sla.ticket import parse_ticket


def _policies(calendar: str = "always", **targets: int) -> PolicySet:
    block = {
        name: MetricTarget(name, seconds, None, DEFAULT_PAUSE_ON[name])
        for name, seconds in targets.items()
    }
    berlin_sunday = CalendarSpec(
        "sunday_night", "Europe/Berlin", weekly={6: ((60, 5 * 60),)}
    )  # sun 01:00-05:00 local
    calendars = {**CALENDARS, "sunday_night": berlin_sunday}
    return PolicySet(
        [Policy("p", (), CalendarChoice(calendar), {"default": block})], calendars, Settings()
    )


def _cycles(ticket: dict[str, Any], now: str, policies: PolicySet, metric: str) -> list[Any]:
    out = evaluate_json(parse_ticket(ticket), policies, datetime.fromisoformat(now))
    return [
        (c["started_at"][11:16], (c["stopped_at"] or "")[11:16], c["status"], c["elapsed_seconds"])
        for c in out["metrics"][metric]["cycles"]
    ]


def _ticket(*events: tuple[str, str, dict[str, Any]], status: str = "open") -> dict[str, Any]:
    return {
        "id": "1",
        "created_at": "2026-03-02T09:00:00Z",
        "status": status,
        "events": [
            {"at": f"2026-03-02T{at}:00Z", "type": kind, **extra} for at, kind, extra in events
        ],
    }


AGENT = {"author": "agent", "public": True}
NOTE = {"author": "agent", "public": False}
CUSTOMER = {"author": "customer", "public": True}


def test_periodic_update_runs_between_public_agent_replies_and_stops_at_the_solve() -> None:
    # 09:30 reply starts cycle 1; the 11:00 internal note and the 10:00 customer reply change
    # nothing; the 12:00 reply stops it after 2h30m (> 2h: breached, due 11:30) and starts
    # cycle 2, which the 13:00 solve stops after 1h: achieved.
    ticket = _ticket(
        ("09:30", "reply", AGENT),
        ("10:00", "reply", CUSTOMER),
        ("11:00", "reply", NOTE),
        ("12:00", "reply", AGENT),
        ("13:00", "status", {"status": "solved"}),
        status="solved",
    )
    cycles = _cycles(
        ticket, "2026-03-02T14:00:00Z", _policies(periodic_update=7200), "periodic_update"
    )
    assert cycles == [
        ("09:30", "12:00", "breached", 9000),
        ("12:00", "13:00", "achieved", 3600),
    ]


def test_pausable_update_pauses_while_pending_and_a_stop_at_the_due_time_achieves() -> None:
    # 09:30 -> 10:00 counts 30m, pending 10:00-11:00 does not, 11:00 -> 12:30 counts 1h30m:
    # 2h at 12:30 exactly, when the next reply stops it: achieved (POLICY.md §3.7).
    ticket = _ticket(
        ("09:30", "reply", AGENT),
        ("10:00", "status", {"status": "pending"}),
        ("11:00", "status", {"status": "open"}),
        ("12:30", "reply", AGENT),
    )
    policies = _policies(pausable_update=7200, periodic_update=7200)
    assert _cycles(ticket, "2026-03-02T12:45:00Z", policies, "pausable_update") == [
        ("09:30", "12:30", "achieved", 7200),
        ("12:30", "", "active", 900),
    ]
    # periodic_update does not pause: 3h by 12:30, breached at 11:30.
    assert _cycles(ticket, "2026-03-02T12:45:00Z", policies, "periodic_update")[0] == (
        "09:30", "12:30", "breached", 10800
    )  # fmt: skip


def test_a_reply_while_solved_starts_nothing_until_the_next_reply_after_the_reopen() -> None:
    ticket = _ticket(
        ("09:30", "reply", AGENT),
        ("10:00", "status", {"status": "solved"}),
        ("10:30", "reply", AGENT),  # while solved: no cycle
        ("11:00", "status", {"status": "open"}),
        ("12:00", "reply", AGENT),
    )
    cycles = _cycles(
        ticket, "2026-03-02T12:30:00Z", _policies(periodic_update=7200), "periodic_update"
    )
    assert cycles == [("09:30", "10:00", "achieved", 1800), ("12:00", "", "active", 1800)]


def test_no_public_agent_reply_no_update_cycle() -> None:
    ticket = _ticket(("09:30", "reply", NOTE), ("10:00", "reply", CUSTOMER))
    out = evaluate_json(
        parse_ticket(ticket), _policies(periodic_update=3600), datetime(2026, 3, 2, 12, tzinfo=UTC)
    )
    assert "periodic_update" not in out["metrics"]  # like next_response with no wait


def test_a_dst_gap_inside_business_hours_counts_nothing() -> None:
    # Sunday 30 March 2025, Berlin: 02:00 local does not exist. Business hours 01:00-05:00 local
    # hold 3 real hours that night. A 3h periodic_update from a reply at 01:00 local (00:00Z)
    # is due at 05:00 local = 03:00Z (01:00-02:00 and 03:00-05:00 local), not 04:00 local.
    ticket = {
        "id": "d",
        "created_at": "2025-03-30T00:00:00Z",
        "status": "open",
        "events": [{"at": "2025-03-30T00:00:00Z", "type": "reply", **AGENT}],
    }
    out = evaluate_json(
        parse_ticket(ticket),
        _policies("sunday_night", periodic_update=3 * 3600),
        datetime(2025, 3, 30, 2, tzinfo=UTC),
    )
    cycle = out["metrics"]["periodic_update"]
    assert cycle["due_at"] == "2025-03-30T03:00:00Z"
    # By 02:00Z (04:00 local) two real hours have passed, all inside the hours: 7,200 s.
    assert cycle["elapsed_seconds"] == 7200


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_update_cycles_follow_each_other_and_pausable_never_counts_more(seed: int) -> None:
    data, now = _random_ticket(random.Random(seed), seed, ties=seed % 2 == 0)
    policies = _policies(periodic_update=3600, pausable_update=3600)
    moment = datetime.fromisoformat(data["created_at"]).replace(tzinfo=UTC)
    at = moment + (datetime.fromtimestamp(now, UTC) - datetime.fromtimestamp(0, UTC))
    out = evaluate_json(parse_ticket(data), policies, at)
    periodic = out["metrics"].get("periodic_update", {}).get("cycles", [])
    pausable = out["metrics"].get("pausable_update", {}).get("cycles", [])
    # The same windows; pausing only removes time.
    assert [(c["started_at"], c["stopped_at"]) for c in periodic] == [
        (c["started_at"], c["stopped_at"]) for c in pausable
    ]
    for loose, strict in zip(periodic, pausable, strict=True):
        assert strict["elapsed_seconds"] <= loose["elapsed_seconds"]
    # Cycles do not overlap, and only the last may still run.
    for before, after in itertools.pairwise(periodic):
        assert before["stopped_at"] is not None and before["stopped_at"] <= after["started_at"]
