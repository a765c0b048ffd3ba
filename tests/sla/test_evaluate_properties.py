"""Properties of POLICY.md §3.4 target changes, on random tickets (hypothesis draws the seeds)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_evaluate_oracle import BASE, CALENDARS, STEP, _iso, _random_ticket

from slabridge.sla.evaluate import evaluate
from slabridge.sla.metrics import build_timeline, priority_before
from slabridge.sla.policy import (
    CalendarChoice,
    MatchRule,
    MetricTarget,
    Policy,
    PolicySet,
    Settings,
)
from slabridge.sla.ticket import PRIORITIES, parse_ticket


def _targets(**seconds: int) -> dict[str, MetricTarget]:
    return {name: MetricTarget(name, value) for name, value in seconds.items()}


# A priority change may change the policy (`hot` needs high or urgent) and so the calendar.
POLICIES = PolicySet(
    [
        Policy(
            "hot",
            (MatchRule("priority", ("high", "urgent")),),
            CalendarChoice("always"),
            {
                "urgent": _targets(first_response=900, next_response=1800, resolution=4 * 3600),
                "default": _targets(first_response=3600, resolution=8 * 3600),
            },
        ),
        Policy(
            "rest",
            (),
            CalendarChoice("split"),
            {
                "low": _targets(first_response=8 * 3600),
                "default": _targets(first_response=7200, next_response=3600, resolution=43200),
            },
        ),
    ],
    CALENDARS,
    Settings(warn_at=0.75, reopen="new_cycle"),
)

seeds = st.integers(min_value=0, max_value=2**32)


def _ticket_and_now(seed: int) -> tuple[dict[str, Any], int]:
    return _random_ticket(random.Random(seed), seed)


def _stopped_by(result: dict[str, Any], instant: str) -> dict[str, list[dict[str, Any]]]:
    """Each metric's cycles that stopped at or before ``instant`` (ISO text sorts as time)."""
    return {
        name: [c for c in metric["cycles"] if c["stopped_at"] and c["stopped_at"] <= instant]
        for name, metric in result["metrics"].items()
    }


@settings(max_examples=300, deadline=None)
@given(seeds, st.data())
def test_a_stopped_cycle_never_changes_verdict_when_only_the_priority_changes_later(
    seed: int, data: st.DataObject
) -> None:
    ticket, now = _ticket_and_now(seed)
    created = int((parse_ticket(ticket).created_at - BASE).total_seconds())
    change = data.draw(st.integers(created // STEP, now // STEP)) * STEP
    timeline = build_timeline(parse_ticket(ticket), (BASE + timedelta(seconds=now)).timestamp())
    raised = dict(ticket)
    extra = []
    # Each change says what it replaced, as the connectors fill `from` from the helpdesk.
    for _ in range(data.draw(st.integers(1, 3))):
        at = change + STEP * data.draw(st.integers(0, 6))
        was = priority_before(timeline, (BASE + timedelta(seconds=at)).timestamp())
        value = data.draw(st.sampled_from(PRIORITIES))
        extra.append({"at": _iso(at), "type": "priority", "priority": value, "from": was})
    raised["events"] = sorted([*ticket["events"], *extra], key=lambda e: e["at"])
    if not any(e["type"] == "priority" for e in ticket["events"]):
        # The field now shows the last change; the first change's `from` says what it was.
        # (A history whose first change has no `from` takes the field for the time before it,
        # so there the field is left as it was: that is the case the property is about.)
        raised["priority"] = extra[-1]["priority"]
    moment = BASE + timedelta(seconds=now)
    before = evaluate(parse_ticket(ticket), POLICIES, moment).to_json()
    after = evaluate(parse_ticket(raised), POLICIES, moment).to_json()
    if before["policy"] is None or after["policy"] is None:
        return
    stopped_before = _stopped_by(before, _iso(change))
    stopped_after = _stopped_by(after, _iso(change))
    for name, cycles in stopped_before.items():
        assert stopped_after.get(name, []) == cycles, (name, ticket, extra, now)


@settings(max_examples=300, deadline=None)
@given(seeds, st.data())
def test_a_raise_slabridge_wrote_itself_changes_nothing_in_the_verdict(
    seed: int, data: st.DataObject
) -> None:
    ticket, now = _ticket_and_now(seed)
    parsed = parse_ticket(ticket)
    created = int((parsed.created_at - BASE).total_seconds())
    at = data.draw(st.integers(created // STEP, now // STEP)) * STEP
    # What the helpdesk reports after slabridge's write: the change, replacing the priority the
    # ticket had just before it (the one its history says), marked as slabridge's by the sync.
    timeline = build_timeline(parsed, (BASE + timedelta(seconds=now)).timestamp())
    was = priority_before(timeline, (BASE + timedelta(seconds=at)).timestamp() + 0.5)
    own = {
        "at": _iso(at),
        "type": "priority",
        "priority": data.draw(st.sampled_from(PRIORITIES)),
        "from": was,
        "by": "slabridge",
    }
    raised = dict(ticket)
    # After the changes listed at its instant (priority_before(at + 0.5) includes them).
    place = sum(1 for e in ticket["events"] if e["at"] <= own["at"])
    raised["events"] = [*ticket["events"][:place], own, *ticket["events"][place:]]
    if not any(e["type"] == "priority" for e in ticket["events"]):
        raised["priority"] = own["priority"]  # the field shows the raise, the history undoes it
    moment = BASE + timedelta(seconds=now)
    before = evaluate(parsed, POLICIES, moment).to_json()
    after = evaluate(parse_ticket(raised), POLICIES, moment).to_json()
    assert after == before, (ticket, own, now)
