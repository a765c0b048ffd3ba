"""Tag and field conditions (pause_when, stop_when) against the step-by-step oracle.

The random tickets of ``test_evaluate_oracle`` get random ``tags`` and ``field`` events (some
saying what they replaced, some after ``now``), random current tags and fields, and the oracle
reads docs/policy.md ("Pause and stop on conditions") literally, per 5-minute step: a
condition's value at ``t`` is the last event about it at or before ``t``; before the first, what
that event replaced (a field without ``from``: unknown, not holding); with no event, the current
value from ``updated_at`` on; when the last event disagrees with the ticket, the current value
from ``updated_at`` (or that last event, if later). A step counts when no pause condition
holds; a cycle stops at the first step from its start at which a stop condition holds, and is
judged (POLICY.md §3.4) at that stop.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from test_evaluate_oracle import (
    BASE,
    CALENDARS,
    PAUSES,
    STEP,
    WARN_AT,
    Oracle,
    OracleCycle,
    _as_oracle,
    _iso,
    _random_ticket,
)

from slabridge.sla.conditions import Condition
from slabridge.sla.evaluate import evaluate, evaluate_json
from slabridge.sla.policy import CalendarChoice, MetricTarget, Policy, PolicySet, Settings
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import parse_ticket

VENDOR_TAG = Condition("tag", "wv")
DONE_TAG = Condition("tag", "done")
ON_VENDOR = Condition("field", "waiting_on", ("vendor",))
ON_ANYONE = Condition("field", "waiting_on", ("vendor", "customer"))
ON_CUSTOMER = Condition("field", "waiting_on", ("customer",))
PAUSE_WHEN: dict[str, tuple[Condition, ...]] = {
    "first_response": (),
    "next_response": (VENDOR_TAG,),
    "resolution": (VENDOR_TAG, ON_VENDOR),
    "periodic_update": (ON_ANYONE,),
    "pausable_update": (VENDOR_TAG,),
}
STOP_WHEN: dict[str, tuple[Condition, ...]] = {
    "first_response": (DONE_TAG,),
    "next_response": (),
    "resolution": (),
    "periodic_update": (),
    "pausable_update": (ON_CUSTOMER,),
}
VALUES: tuple[Any, ...] = (None, "vendor", "customer", "nobody", ["x", "vendor"])


def _with_conditions(rng: random.Random, data: dict[str, Any], now: int) -> dict[str, Any]:
    """``data`` plus random tag/field events in time order, current tags and fields."""

    def off(text: str) -> int:
        return int((datetime.fromisoformat(text) - BASE).total_seconds())

    created = off(data["created_at"])
    horizon = max(now, off(data["updated_at"])) + 6 * STEP
    extra: list[dict[str, Any]] = []
    for _ in range(rng.randrange(0, 7)):
        at = _iso(rng.randrange(created, horizon + 1, STEP))
        if rng.random() < 0.5:
            tag = rng.choice(("wv", "done", "other"))
            other = rng.choice(((), ("other",)))
            if rng.random() < 0.5:
                event = {"at": at, "type": "tags", "added": [tag], "removed": list(other)}
            else:
                event = {"at": at, "type": "tags", "added": list(other), "removed": [tag]}
            if tag == "other":
                event["removed" if event["added"] == ["other"] else "added"] = []
        else:
            event = {"at": at, "type": "field", "field": "waiting_on", "value": rng.choice(VALUES)}
            if rng.random() < 0.5:
                event["from"] = rng.choice(VALUES)
        extra.append(event)
    # Stable: the existing events keep their order and come first at a shared instant.
    events = sorted([*data["events"], *extra], key=lambda e: off(e["at"]))
    tags = [tag for tag in ("wv", "done", "other") if rng.random() < 0.35]
    fields = {"waiting_on": rng.choice(VALUES)} if rng.random() < 0.7 else {}
    return {**data, "events": events, "tags": tags, "fields": fields}


class ConditionOracle(Oracle):
    """The oracle with tag/field conditions, read step by step."""

    def __init__(self, data: dict[str, Any], now: int, calendar: str, reopen: str) -> None:
        super().__init__(data, now, calendar, reopen)
        self.data = data
        self.tags = set(data["tags"])
        self.fields = data["fields"]
        self.updated = int((datetime.fromisoformat(data["updated_at"]) - BASE).total_seconds())
        self.metric = ""

    def about(
        self, condition: Condition, matches: Callable[[Any], bool]
    ) -> list[tuple[int, bool, bool | None]]:
        """The events about the condition's subject: (at, holds after, held before)."""
        about: list[tuple[int, bool, bool | None]] = []
        for e in self.data["events"]:
            at = max(self.created, int((datetime.fromisoformat(e["at"]) - BASE).total_seconds()))
            if condition.kind == "tag" and e["type"] == "tags":
                if condition.name in e["added"]:
                    about.append((at, True, False))
                elif condition.name in e["removed"]:
                    about.append((at, False, True))
            elif condition.kind == "field" and e["type"] == "field":
                before = matches(e["from"]) if "from" in e else None
                about.append((at, matches(e["value"]), before))
        return about

    def holds(self, condition: Condition, t: int) -> bool:
        def matches(value: Any) -> bool:
            items = value if isinstance(value, list) else [value]
            return any(item is not None and str(item) in condition.values for item in items)

        about = self.about(condition, matches)
        if condition.kind == "tag":
            current = condition.name in self.tags
        else:
            current = matches(self.fields.get(condition.name))
        seen_from = max(self.updated, self.created)
        if not about:
            return current and seen_from <= t and seen_from <= self.now
        state = bool(about[0][2])
        for at, after, _before in about:
            if at <= t and at <= self.now:
                state = after
        if about[-1][1] != current:
            at = max(seen_from, about[-1][0])
            if at <= t and at <= self.now:
                state = current
        return state

    def judged(
        self,
        targets: dict[str, dict[str, int]],
        metric: str,
        start: int,
        stop: int | None,
        holes: frozenset[str],
        pause: frozenset[str],
    ) -> list[OracleCycle]:
        target = self.target(targets, metric, stop)
        if not target:
            return []
        if STOP_WHEN[metric]:
            limit = stop if stop is not None else self.now
            t = start
            while t <= limit and not any(self.holds(c, t) for c in STOP_WHEN[metric]):
                t += STEP
            if t <= limit and t != stop:
                stop = t
                target = self.target(targets, metric, stop)
                if not target:
                    return []
        self.metric = metric
        return [self.cycle(target, start, stop, holes, pause)]

    def cycle(
        self,
        target: int,
        start: int,
        stop: int | None,
        holes: frozenset[str],
        pause: frozenset[str],
    ) -> OracleCycle:
        conditions = PAUSE_WHEN[self.metric]
        end = stop if stop is not None else max(self.now, start)
        count = 0
        due = None
        t = start
        while t < end:
            running = self.status(t) not in holes and not any(self.holds(c, t) for c in conditions)
            if self.open(t) and running:
                count += STEP
                if count == target and due is None:
                    due = t + STEP
            t += STEP
        paused = stop is None and (
            self.status(end) in pause or any(self.holds(c, end) for c in conditions)
        )
        if due is None and not paused:
            extra = count
            t = end
            while extra < target:
                if self.open(t):
                    extra += STEP
                t += STEP
            due = t
        breached = due is not None and due < end
        at_risk = stop is None and not breached and count >= WARN_AT * target
        if breached:
            status = "breached"
        elif stop is not None:
            status = "achieved"
        elif paused:
            status = "paused"
        else:
            status = "active"
        return OracleCycle(status, start, stop, due, breached, count, at_risk)


def _policy_set(
    calendar: str, reopen: str, targets: dict[str, dict[str, int]], conditions: bool = True
) -> PolicySet:
    blocks = {
        priority: {
            metric: MetricTarget(
                metric,
                seconds,
                None,
                PAUSES[metric],
                PAUSE_WHEN[metric] if conditions else (),
                STOP_WHEN[metric] if conditions else (),
            )
            for metric, seconds in block.items()
        }
        for priority, block in targets.items()
    }
    policy = Policy("p", (), CalendarChoice(calendar), blocks)
    return PolicySet([policy], CALENDARS, Settings(warn_at=WARN_AT, reopen=reopen))


@pytest.mark.parametrize(
    ("calendar", "reopen", "seed", "ties"),
    [
        ("always", "resume", 11, False),
        ("split", "resume", 12, False),
        ("always", "new_cycle", 13, True),
        ("split", "new_cycle", 14, True),
    ],
)
def test_conditions_agree_with_the_step_by_step_oracle_on_random_tickets(
    calendar: str, reopen: str, seed: int, ties: bool
) -> None:
    rng = random.Random(seed)
    targets = {
        "urgent": {"first_response": 900, "next_response": 1800, "resolution": 4 * 3600,
                   "periodic_update": 3600, "pausable_update": 1800},
        "high": {"first_response": 3600, "resolution": 8 * 3600, "pausable_update": 2 * 3600},
        "default": {"first_response": 2 * 3600, "next_response": 3600, "resolution": 12 * 3600,
                    "periodic_update": 4 * 3600},
    }  # fmt: skip
    policies = _policy_set(calendar, reopen, targets)
    plain = _policy_set(calendar, reopen, targets, conditions=False)
    compared = 0
    changed = 0  # tickets whose verdict the conditions changed: the test has teeth
    for number in range(300):
        data, now = _random_ticket(rng, number, ties)
        data = _with_conditions(rng, data, now)
        ticket = parse_ticket(data)
        moment = BASE + timedelta(seconds=now)
        result = evaluate(ticket, policies, moment).to_json()
        assert evaluate_json(ticket, policies, moment) == result
        changed += evaluate_json(ticket, plain, moment)["metrics"] != result["metrics"]
        oracle = ConditionOracle(data, now, calendar, reopen)
        for metric in METRICS:
            expected = getattr(oracle, metric)(targets)
            got = result["metrics"].get(metric)
            got_cycles = [] if got is None else [_as_oracle(c) for c in got["cycles"]]
            assert got_cycles == expected, (metric, data, now)
            compared += len(expected)
    assert compared > 400
    assert changed > 60, changed
