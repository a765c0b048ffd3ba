"""group_ownership against the step-by-step oracle, on random tickets with assignment events.

The random tickets of ``test_evaluate_oracle`` get random ``assignment`` events (ties with
status changes and with each other included). The oracle asks at every 5-minute step "which
group holds the ticket, is it unsolved?" and cuts a stint wherever the answer changes; each
stint is counted on its group's calendar (UTC, Berlin across its DST change, Tokyo) and judged
by its group's target at the priority of POLICY.md §3.4. The other metrics are compared too:
assignment events must change nothing for them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    _open_oracle,
    _random_ticket,
)

from slabridge.sla.calendar import CalendarSpec
from slabridge.sla.evaluate import evaluate, evaluate_json
from slabridge.sla.policy import (
    CalendarChoice,
    GroupTargets,
    MetricTarget,
    Policy,
    PolicySet,
    Settings,
)
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import STOPPED_STATUSES, parse_ticket

TOKYO_HOURS = ((9 * 60, 18 * 60),)
GROUP_CALENDARS = {
    **CALENDARS,
    "tokyo": CalendarSpec("tokyo", "Asia/Tokyo", weekly={d: TOKYO_HOURS for d in range(5)}),
}
# Each group's calendar (None: the policy's) and pause_on; "l3" has no target of its own.
GROUP_RULES: dict[str, tuple[str | None, frozenset[str]]] = {
    "billing": ("always", frozenset()),
    "emea": ("split", frozenset({"pending"})),
    "apac": ("tokyo", frozenset()),
    "l2": (None, frozenset({"pending", "on_hold"})),
}
OTHER = "*"  # in the test's target tables: every group not listed


def _open(calendar: str, t: float) -> bool:
    if calendar == "tokyo":
        local = datetime.fromtimestamp(t, ZoneInfo("Asia/Tokyo"))
        minute = local.hour * 60 + local.minute
        return local.weekday() < 5 and any(a <= minute < b for a, b in TOKYO_HOURS)
    return _open_oracle(calendar, t)


def _group_target(group: str, seconds: int) -> MetricTarget:
    calendar, pause_on = GROUP_RULES.get(group, (None, frozenset()))
    choice = None if calendar is None else CalendarChoice(calendar)
    return MetricTarget("group_ownership", seconds, choice, pause_on)


def _policy_set(calendar: str, reopen: str, targets: dict[str, dict[str, Any]]) -> PolicySet:
    blocks: dict[str, dict[str, MetricTarget]] = {}
    for priority, block in targets.items():
        blocks[priority] = {}
        for metric, value in block.items():
            if metric != "group_ownership":
                blocks[priority][metric] = MetricTarget(metric, value, None, PAUSES[metric])
                continue
            by_group = {g: _group_target(g, s) for g, s in value.items() if g != OTHER}
            other = None if OTHER not in value else _group_target(OTHER, value[OTHER])
            blocks[priority][metric] = MetricTarget(
                metric, 0, None, frozenset(), groups=GroupTargets(by_group, other)
            )
    policy = Policy("p", (), CalendarChoice(calendar), blocks)
    return PolicySet([policy], GROUP_CALENDARS, Settings(warn_at=WARN_AT, reopen=reopen))


def _with_assignments(rng: random.Random, data: dict[str, Any], ties: bool) -> dict[str, Any]:
    """``data`` with random assignment events merged in time order (list order = time order)."""
    created = int((datetime.fromisoformat(data["created_at"]) - BASE).total_seconds())
    events = list(data["events"])
    last = max([created, *(_offset(e["at"]) for e in events)])
    for _ in range(rng.randrange(0, 7)):
        if ties and events and rng.random() < 0.5:
            at = _offset(rng.choice(events)["at"])  # on the instant of another event
        else:
            at = rng.randrange(created - 2 * STEP, last + 12 * STEP, STEP)
        group = rng.choice((None, "billing", "emea", "apac", "l2", "l3", "billing"))
        agent = rng.choice((None, "a-1", "a-2"))
        event = {"at": _iso(at), "type": "assignment", "group": group, "agent": agent}
        # Before or after the events already at that instant (the order given counts).
        index = sum(1 for e in events if _offset(e["at"]) < at)
        if rng.random() < 0.5:
            index += sum(1 for e in events if _offset(e["at"]) == at)
        events.insert(index, event)
    return dict(data, events=events)


def _offset(text: str) -> int:
    return int((datetime.fromisoformat(text) - BASE).total_seconds())


class OwnershipOracle(Oracle):
    """The evaluate oracle plus group ownership, one 5-minute step at a time."""

    def __init__(self, data: dict[str, Any], now: int, calendar: str, reopen: str) -> None:
        super().__init__(data, now, calendar, reopen)
        self.policy_calendar = calendar
        self.assignments = [
            (max(_offset(e["at"]), self.created), e["group"], e["agent"])
            for e in data["events"]
            if e["type"] == "assignment" and _offset(e["at"]) <= now
        ]

    def open(self, t: int) -> bool:
        return _open(self.calendar, (BASE + timedelta(seconds=t)).timestamp())

    def owner(self, t: int) -> tuple[str | None, str | None]:
        """Group and agent after every assignment up to ``t`` (the last listed holds)."""
        found: tuple[str | None, str | None] = (None, None)
        for at, group, agent in self.assignments:
            if at <= t:
                found = (group, agent)
        return found

    def group_ownership(self, targets: dict[str, dict[str, Any]]) -> list[OracleCycle]:
        stints: list[tuple[int, int | None, str, str | None]] = []
        running: tuple[int, str] | None = None
        for t in range(self.created, self.now + 1, STEP):
            group, _agent = self.owner(t)
            holder = None if self.status(t) in STOPPED_STATUSES else group
            if running is not None and holder != running[1]:
                stints.append((running[0], t, running[1], self.owner(t - 1)[1]))
                running = None
            if holder is not None and running is None:
                running = (t, holder)
        if running is not None:
            stints.append((running[0], None, running[1], self.owner(self.now)[1]))
        out = []
        for start, stop, group, _agent in stints:
            priority = self.priority if stop is None else self.priority_at(stop)
            block = targets.get(priority or "normal", targets["default"])
            table = block.get("group_ownership", {})
            # A group listed has its own rules; any other takes those of the `other` target.
            rules = group if group in table else OTHER
            seconds = table.get(rules)
            if not seconds:
                continue
            calendar, pause = GROUP_RULES.get(rules, (None, frozenset()))
            self.calendar = calendar or self.policy_calendar
            out.append(self.cycle(seconds, start, stop, pause, pause))
        self.calendar = self.policy_calendar
        return out


TARGETS: dict[str, dict[str, Any]] = {
    "urgent": {"first_response": 900, "resolution": 4 * 3600,
               "group_ownership": {"billing": 1800, "emea": 3600, "apac": 3600, OTHER: 1800}},
    "high": {"first_response": 3600, "group_ownership": {"emea": 2 * 3600, "l2": 3600}},
    "default": {"first_response": 2 * 3600, "next_response": 3600, "resolution": 12 * 3600,
                "periodic_update": 4 * 3600,
                "group_ownership": {"billing": 2 * 3600, "emea": 4 * 3600, "apac": 2 * 3600,
                                    "l2": 3 * 3600}},
}  # fmt: skip


@pytest.mark.parametrize(
    ("calendar", "reopen", "seed", "ties"),
    [
        ("always", "resume", 11, False),
        ("split", "new_cycle", 12, False),
        ("always", "new_cycle", 13, True),
        ("split", "resume", 14, True),
    ],
)
def test_group_ownership_agrees_with_the_step_by_step_oracle(
    calendar: str, reopen: str, seed: int, ties: bool
) -> None:
    rng = random.Random(seed)
    policies = _policy_set(calendar, reopen, TARGETS)
    stints = 0
    groups_seen: set[str] = set()
    for number in range(400):
        base, now = _random_ticket(rng, number, ties)
        data = _with_assignments(rng, base, ties)
        ticket = parse_ticket(data)
        at = BASE + timedelta(seconds=now)
        result = evaluate(ticket, policies, at).to_json()
        assert evaluate_json(ticket, policies, at) == result
        oracle = OwnershipOracle(data, now, calendar, reopen)
        for metric in METRICS:
            expected = getattr(oracle, metric)(TARGETS)
            got = result["metrics"].get(metric)
            got_cycles = [] if got is None else [_as_oracle(c) for c in got["cycles"]]
            assert got_cycles == expected, (metric, data, now)
        ownership = result["metrics"].get("group_ownership")
        for cycle in [] if ownership is None else ownership["cycles"]:
            stints += 1
            groups_seen.add(cycle["group"])
            start = _offset(cycle["started_at"])
            assert oracle.owner(start)[0] == cycle["group"]
            stop = cycle["stopped_at"]
            expected_agent = oracle.owner(now if stop is None else _offset(stop) - 1)[1]
            assert cycle["agent"] == expected_agent, (data, now)
    assert stints > 150  # the generator produces real stints
    assert groups_seen >= {"billing", "emea", "apac", "l2"}, groups_seen


def test_the_oracle_notices_a_stint_cut_at_the_wrong_place() -> None:
    # The oracle is not vacuous: a ticket handed from billing to emea at 07:00 has two stints.
    data = {
        "id": "o",
        "created_at": _iso(0),
        "status": "open",
        "priority": None,
        "events": [
            {"at": _iso(0), "type": "assignment", "group": "billing", "agent": None},
            {"at": _iso(3600), "type": "assignment", "group": "emea", "agent": "a-1"},
        ],
    }
    oracle = OwnershipOracle(data, 2 * 3600, "always", "resume")
    cycles = oracle.group_ownership(TARGETS)
    assert [(c.start, c.stop, c.elapsed) for c in cycles] == [(0, 3600, 3600), (3600, None, 0)]
