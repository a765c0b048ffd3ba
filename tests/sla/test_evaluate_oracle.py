"""The engine against a brute-force oracle that walks time in 5-minute steps.

The oracle reads POLICY.md §2-§3 literally and naively: for every step it asks "what is the
status now, is the calendar open (zoneinfo, per step), is this clock running?" and counts. Its
due time is the end of the step in which the count reaches the target. All instants in the
random tickets are on the 5-minute grid and targets are multiples of 5 minutes, so the step
model is exact. Events at one instant apply in the order given (docs/policy.md decision 9): the
oracle orders replies and status changes by ``(instant, place in the list)``. Targets follow
POLICY.md §3.4: a running cycle takes the current priority's, a stopped one the priority's just
before its stop; priority events carry a random ``from`` and some are slabridge's own raises.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slabridge.sla.calendar import CalendarSpec
from slabridge.sla.evaluate import evaluate, evaluate_json
from slabridge.sla.policy import CalendarChoice, MetricTarget, Policy, PolicySet, Settings
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket, parse_ticket

STEP = 300
BASE = datetime(2025, 3, 27, 6, 0, tzinfo=UTC)  # spans the Berlin DST change of 2025-03-30
SPLIT = ((9 * 60, 12 * 60), (13 * 60, 17 * 60))
CALENDARS = {
    "always": CalendarSpec("always", "UTC", always=True),
    "split": CalendarSpec("split", "Europe/Berlin", weekly={d: SPLIT for d in range(5)}),
}
WARN_AT = 0.75
PAUSES: dict[str, frozenset[str]] = {
    "first_response": frozenset(),
    "next_response": frozenset({"on_hold"}),
    "resolution": frozenset({"pending", "on_hold"}),
    "periodic_update": frozenset(),
    "pausable_update": frozenset({"pending", "on_hold"}),
}


def _open_oracle(name: str, t: float) -> bool:
    if name == "always":
        return True
    local = datetime.fromtimestamp(t, ZoneInfo("Europe/Berlin"))
    minute = local.hour * 60 + local.minute
    return local.weekday() < 5 and any(a <= minute < b for a, b in SPLIT)


def _policy_set(calendar: str, reopen: str, targets: dict[str, dict[str, int]]) -> PolicySet:
    blocks = {
        priority: {
            metric: MetricTarget(metric, seconds, None, PAUSES[metric])
            for metric, seconds in block.items()
        }
        for priority, block in targets.items()
    }
    policy = Policy("p", (), CalendarChoice(calendar), blocks)
    return PolicySet([policy], CALENDARS, Settings(warn_at=WARN_AT, reopen=reopen))


def _iso(seconds: int) -> str:
    return (BASE + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer_reply(
    rng: random.Random, events: list[dict[str, Any]], t: int, status: str, ties: bool
) -> str:
    """Append a customer reply at ``t`` (reopening a solved ticket); return the new status."""
    reopen = status in STOPPED_STATUSES  # a customer reply reopens a solved ticket
    where = rng.choice(("after", "before", "never")) if ties and reopen else "after"
    if reopen and where == "before":
        events.append({"at": _iso(t), "type": "status", "status": "open"})
    events.append({"at": _iso(t), "type": "reply", "author": "customer", "public": True})
    if reopen and where == "after":
        events.append({"at": _iso(t), "type": "status", "status": "open"})
    return "open" if reopen and where != "never" else status


def _priority_event(rng: random.Random, t: int) -> dict[str, Any]:
    new = rng.choice(("low", "normal", "high", "urgent"))
    event: dict[str, Any] = {"at": _iso(t), "type": "priority", "priority": new}
    if rng.random() < 0.6:
        event["from"] = rng.choice((None, "low", "normal", "high", "urgent"))
    if rng.random() < 0.25:
        event["by"] = "slabridge"
    return event


def _random_ticket(
    rng: random.Random, number: int, ties: bool = False
) -> tuple[dict[str, Any], int]:
    """A ticket as §2 JSON (times are offsets from BASE in seconds) and an evaluation instant.

    With ``ties``, many events share the instant of the one before them, in every order.
    """
    created = rng.randrange(0, 36 * 3600, STEP)
    t = created
    events: list[dict[str, Any]] = []
    status = "new"
    if rng.random() < 0.8:
        events.append({"at": _iso(t), "type": "status", "status": "new"})
    for _ in range(rng.randrange(0, 11)):
        if not ties or rng.random() < 0.5:
            t += rng.randrange(1, 24) * STEP * rng.choice((1, 1, 4))
        kind = rng.choice(("status", "status", "agent", "agent", "customer", "priority", "note"))
        if kind == "status":
            status = rng.choice(("open", "pending", "on_hold", "solved", "closed", "open"))
            events.append({"at": _iso(t), "type": "status", "status": status})
        elif kind == "agent":
            events.append({"at": _iso(t), "type": "reply", "author": "agent", "public": True})
        elif kind == "note":
            events.append({"at": _iso(t), "type": "reply", "author": "agent", "public": False})
        elif kind == "customer":
            status = _customer_reply(rng, events, t, status, ties)
        else:
            events.append(_priority_event(rng, t))
    if not any(e["type"] == "status" for e in events):
        status = rng.choice(("new", "open", "pending", "solved"))
    final = status if rng.random() < 0.8 else rng.choice(("open", "pending", "solved"))
    updated = t + rng.choice((0, STEP, 6 * STEP, -STEP * 3))
    ticket = {
        "id": str(number),
        "created_at": _iso(created),
        "updated_at": _iso(max(created, updated)),
        "status": final,
        "priority": rng.choice((None, "low", "normal", "high", "urgent")),
        "events": events,
    }
    now = created + rng.randrange(0, (t - created) + 30 * 3600, STEP)
    return ticket, now


@dataclass
class OracleCycle:
    status: str
    start: int
    stop: int | None
    due: int | None
    breached: bool
    elapsed: int
    at_risk: bool


class Oracle:
    """POLICY.md §2-§3, read literally, one step at a time. Times are offsets from BASE."""

    def __init__(self, data: dict[str, Any], now: int, calendar: str, reopen: str) -> None:
        def off(text: str) -> int:
            return int((datetime.fromisoformat(text) - BASE).total_seconds())

        self.calendar = calendar
        self.reopen = reopen
        self.now = now
        self.created = off(data["created_at"])
        events = [dict(e, at=off(e["at"]), place=i) for i, e in enumerate(data["events"])]
        self.changes: list[tuple[int, str]] = [
            (e["at"], e["status"]) for e in events if e["type"] == "status"
        ]
        # Where the status change of each instant is listed: the last event there that solves
        # or reopens the ticket (only that matters to replies; the last status holds); the
        # change at updated_at comes after every event.
        self.listed: dict[int, int] = {}
        current = "new"
        for e in events:
            if e["type"] == "status":
                if (e["status"] in STOPPED_STATUSES) != (current in STOPPED_STATUSES):
                    self.listed[e["at"]] = e["place"]
                current = e["status"]
        self.final: str = data["status"]
        if self.changes and self.changes[-1][1] != self.final:
            at = max(off(data["updated_at"]), self.changes[-1][0])
            self.changes.append((at, self.final))
            self.listed[at] = len(events)
        self.replies = [e for e in events if e["type"] == "reply" and e["at"] <= now]
        self.priority_events = [e for e in events if e["type"] == "priority"]
        self.field_priority = data["priority"]
        self.priority = self.priority_at(now + 1)

    def priority_at(self, t: int) -> str | None:
        """The priority just before ``t``: the first event's ``from`` (else the field), then
        every change up to now before ``t``, where slabridge's own keeps the one before it."""
        found = self.field_priority
        if self.priority_events and "from" in self.priority_events[0]:
            found = self.priority_events[0]["from"]
        for e in self.priority_events:
            if e["at"] < t and e["at"] <= self.now:
                if e.get("by") != "slabridge":
                    found = e["priority"]
                elif "from" in e:
                    found = e["from"]
        return found

    def target(self, targets: dict[str, dict[str, int]], metric: str, stop: int | None) -> int:
        """The target of a cycle: the current priority's while running, else its stop's."""
        priority = self.priority if stop is None else self.priority_at(stop)
        block = targets.get(priority or "normal", targets["default"])
        return block.get(metric, 0)

    def status(self, t: int) -> str:
        if not self.changes:
            return self.final
        found = "new"
        for at, status in self.changes:
            if at <= t and at <= self.now:
                found = status
        return found

    def key(self, t: int) -> tuple[int, int]:
        """The place of the status change at ``t`` in the order given (-1: before every event)."""
        return (t, self.listed.get(t, -1))

    def seen(self, at: int, place: int) -> str:
        """The status a reply sees: a change at its instant counts only if listed before it."""
        return self.status(at) if self.key(at)[1] < place else self.status(at - 1)

    def open(self, t: int) -> bool:
        return _open_oracle(self.calendar, (BASE + timedelta(seconds=t)).timestamp())

    def solves(self) -> list[int]:
        """Instants up to now at which the ticket became solved/closed from another status."""
        out = []
        previous = self.status(self.created)
        if previous in STOPPED_STATUSES:
            out.append(self.created)
        for t in range(self.created + STEP, self.now + 1, STEP):
            status = self.status(t)
            if status in STOPPED_STATUSES and previous not in STOPPED_STATUSES:
                out.append(t)
            previous = status
        return out

    def cycle(
        self,
        target: int,
        start: int,
        stop: int | None,
        holes: frozenset[str],
        pause: frozenset[str],
    ) -> OracleCycle:
        end = stop if stop is not None else max(self.now, start)
        count = 0
        due = None
        t = start
        while t < end:
            if self.open(t) and self.status(t) not in holes:
                count += STEP
                if count == target and due is None:
                    due = t + STEP
            t += STEP
        paused = stop is None and self.status(end) in pause
        if due is None and not (stop is None and paused):
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

    def judged(
        self,
        targets: dict[str, dict[str, int]],
        metric: str,
        start: int,
        stop: int | None,
        holes: frozenset[str],
        pause: frozenset[str],
    ) -> list[OracleCycle]:
        """The cycle counted against its target, or nothing when no target applied to it."""
        target = self.target(targets, metric, stop)
        return [self.cycle(target, start, stop, holes, pause)] if target else []

    def first_response(self, targets: dict[str, dict[str, int]]) -> list[OracleCycle]:
        stops = [r["at"] for r in self.replies if r["author"] == "agent" and r["public"]]
        stops += self.solves()[:1]
        stop = min(stops) if stops else None
        return self.judged(targets, "first_response", self.created, stop, *[frozenset()] * 2)

    def next_response(self, targets: dict[str, dict[str, int]]) -> list[OracleCycle]:
        pause = frozenset({"on_hold"})
        # Replies and solves as (instant, place in the list): the order given.
        agent = [
            (r["at"], r["place"]) for r in self.replies if r["author"] == "agent" and r["public"]
        ]
        customer = [(r["at"], r["place"]) for r in self.replies if r["author"] == "customer"]
        solves = [self.key(s) for s in self.solves()]
        out = []
        for c in customer:
            before = [a for a in agent if a < c]
            if not before:
                continue
            reset = max([before[-1], *[s for s in solves if s < c]])
            if any(reset < other < c for other in customer):
                continue  # not the oldest unanswered reply of this wait
            answer = min([a for a in agent if a > c], default=None)
            start = c
            if self.seen(*c) in STOPPED_STATUSES:  # waits for the reopen
                reopens = range(c[0], self.now + 1, STEP)
                reopen = next((t for t in reopens if self.status(t) not in STOPPED_STATUSES), None)
                if reopen is None:
                    continue
                start = self.key(reopen)
                if answer is not None and answer < start:
                    continue  # answered before the reopen
            ends = [a for a in agent if a > start] + [s for s in solves if s > start]
            stop = min(ends)[0] if ends else None
            out += self.judged(targets, "next_response", start[0], stop, pause, pause)
        return out

    def updates(self, targets: dict[str, dict[str, int]], metric: str) -> list[OracleCycle]:
        """periodic/pausable update: from each public agent reply the unsolved ticket sees to
        the next public agent reply or solve, whichever comes first in the order given."""
        pause = PAUSES[metric]
        agent = [
            (r["at"], r["place"]) for r in self.replies if r["author"] == "agent" and r["public"]
        ]
        solves = [self.key(s) for s in self.solves()]
        out = []
        for reply in agent:
            if self.seen(*reply) in STOPPED_STATUSES:
                continue  # made while solved or closed: starts nothing
            ends = [a for a in agent if a > reply] + [s for s in solves if s > reply]
            stop = min(ends)[0] if ends else None
            out += self.judged(targets, metric, reply[0], stop, pause, pause)
        return out

    def periodic_update(self, targets: dict[str, dict[str, int]]) -> list[OracleCycle]:
        return self.updates(targets, "periodic_update")

    def pausable_update(self, targets: dict[str, dict[str, int]]) -> list[OracleCycle]:
        return self.updates(targets, "pausable_update")

    def group_ownership(self, targets: dict[str, dict[str, int]]) -> list[OracleCycle]:
        """No assignment event, no stint (random assignments: test_group_ownership_oracle.py)."""
        del targets
        return []

    def resolution(self, targets: dict[str, dict[str, int]]) -> list[OracleCycle]:
        pause = frozenset({"pending", "on_hold"})
        holes = pause | STOPPED_STATUSES
        if self.reopen == "resume":
            stop = None
            if self.status(self.now) in STOPPED_STATUSES:
                stop = max(self.solves())
            return self.judged(targets, "resolution", self.created, stop, holes, pause)
        out = []
        start: int | None = self.created
        solves = self.solves()
        if self.created in solves:
            out += self.judged(targets, "resolution", self.created, self.created, holes, pause)
            start = None
        previous = self.status(self.created)
        for t in range(self.created + STEP, self.now + 1, STEP):
            status = self.status(t)
            if (
                status in STOPPED_STATUSES
                and previous not in STOPPED_STATUSES
                and start is not None
            ):
                out += self.judged(targets, "resolution", start, t, holes, pause)
                start = None
            elif status not in STOPPED_STATUSES and previous in STOPPED_STATUSES:
                start = t
            previous = status
        if start is not None:
            out += self.judged(targets, "resolution", start, None, holes, pause)
        return out


def _as_oracle(cycle: dict[str, Any]) -> OracleCycle:
    def off(text: str | None) -> int | None:
        if text is None:
            return None
        return int((datetime.fromisoformat(text) - BASE).total_seconds())

    start = off(cycle["started_at"])
    assert start is not None
    return OracleCycle(
        cycle["status"],
        start,
        off(cycle["stopped_at"]),
        off(cycle["due_at"]),
        cycle["breached_at"] is not None,
        cycle["elapsed_seconds"],
        cycle["at_risk"],
    )


@pytest.mark.parametrize(
    ("calendar", "reopen", "seed", "ties"),
    [
        ("always", "resume", 1, False),
        ("split", "resume", 2, False),
        ("always", "new_cycle", 3, False),
        ("split", "new_cycle", 4, False),
        ("always", "resume", 5, True),
        ("split", "new_cycle", 6, True),
    ],
)
def test_engine_agrees_with_the_step_by_step_oracle_on_random_tickets(
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
    compared = 0
    per_metric = dict.fromkeys(METRICS, 0)
    for number in range(500):
        data, now = _random_ticket(rng, number, ties)
        ticket: Ticket = parse_ticket(data)
        result = evaluate(ticket, policies, BASE + timedelta(seconds=now)).to_json()
        assert evaluate_json(ticket, policies, BASE + timedelta(seconds=now)) == result
        oracle = Oracle(data, now, calendar, reopen)
        for metric in METRICS:
            expected = getattr(oracle, metric)(targets)
            got = result["metrics"].get(metric)
            got_cycles = [] if got is None else [_as_oracle(c) for c in got["cycles"]]
            assert got_cycles == expected, (metric, data, now)
            compared += len(expected)
            per_metric[metric] += len(expected)
    assert compared > 800  # the generator produces real work, not empty tickets
    del per_metric["group_ownership"]  # these tickets have no assignments (see its own oracle)
    assert min(per_metric.values()) > 50, per_metric  # every metric, the update ones too


def test_a_target_reached_exactly_at_closing_time_is_due_at_closing_time() -> None:
    # Thursday 2025-03-27 16:00 Berlin (15:00Z) with a 1h target on 13:00-17:00: due at 17:00
    # local (16:00Z), not at the next opening on Friday.
    policies = _policy_set("split", "resume", {"default": {"first_response": 3600}})
    ticket = parse_ticket(
        {"id": "c", "created_at": "2025-03-27T15:00:00Z", "status": "open", "events": []}
    )
    result = evaluate(ticket, policies, datetime(2025, 3, 27, 16, 0, tzinfo=UTC)).to_json()
    first = result["metrics"]["first_response"]
    assert first["due_at"] == "2025-03-27T16:00:00Z"
    assert first["status"] == "active"  # now == due_at is not past it
    later = evaluate(ticket, policies, datetime(2025, 3, 27, 18, 0, tzinfo=UTC)).to_json()
    assert later["metrics"]["first_response"]["breached_at"] == "2025-03-27T16:00:00Z"
