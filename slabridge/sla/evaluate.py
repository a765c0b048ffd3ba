"""``evaluate(ticket, policies, now)``: the pure, deterministic verdict of POLICY.md §3-§4."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slabridge.sla.metrics import (
    CycleClock,
    Timeline,
    build_timeline,
    clock,
    first_response_window,
    next_response_windows,
    resolution_windows,
    running_segments,
    warn_threshold,
)
from slabridge.sla.policy import Policy, PolicySet
from slabridge.sla.results import METRICS, Cycle, CycleStatus, Evaluation, MetricResult
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket, format_timestamp

if TYPE_CHECKING:
    from slabridge.config import AppConfig

_STOPPED_OR = {
    frozenset(): frozenset(STOPPED_STATUSES),
    frozenset({"pending"}): frozenset({"pending", *STOPPED_STATUSES}),
}


@dataclass(slots=True)
class MetricTrace:
    """One metric's clocks with the calendar they ran on (what ``explain`` shows)."""

    name: str
    calendar: str
    pause_on: frozenset[str]
    clocks: list[CycleClock]


@dataclass(slots=True)
class Trace:
    """Everything the engine decided for one ticket, before it becomes an Evaluation."""

    ticket: Ticket
    now: float
    timeline: Timeline
    priority: str
    policy: Policy | None
    metrics: list[MetricTrace]


def evaluate(ticket: Ticket, policies: PolicySet | AppConfig, now: datetime) -> Evaluation:
    """The ticket's SLA state at ``now``; pure: no I/O, no clock, same input, same output."""
    return to_evaluation(trace(ticket, policies, now))


def trace(ticket: Ticket, policies: PolicySet | AppConfig, now: datetime) -> Trace:
    """Run the engine and keep its working (segments, calendars) for ``explain``."""
    policy_set = policies if isinstance(policies, PolicySet) else policies.policy_set
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now_ts = now.timestamp()
    timeline = build_timeline(ticket, now_ts)
    if now_ts not in timeline.instants:
        timeline.instants[now_ts] = now.astimezone(UTC)
    priority = timeline.priority or policy_set.settings.default_priority
    policy = policy_set.match(ticket, priority)
    if policy is None:
        return Trace(ticket, now_ts, timeline, priority, None, [])
    settings = policy_set.settings
    warn_at = settings.warn_at
    warn_before = settings.warn_before
    traces: list[MetricTrace] = []
    targets = policy.targets_for(priority)
    resolved: dict[int, str] = {}  # calendar choice -> name, resolved once per ticket
    for name in METRICS:
        target = targets.get(name)
        if target is None:
            continue
        choice = target.calendar if target.calendar is not None else policy.calendar
        calendar_name = resolved.get(id(choice))
        if calendar_name is None:
            calendar_name = resolved[id(choice)] = choice.resolve(ticket)
        calendar = policy_set.calendar(calendar_name)
        pause_on = target.pause_on
        seconds = target.seconds
        threshold = (
            warn_at * seconds
            if warn_before is None and warn_at is not None
            else warn_threshold(seconds, warn_at, warn_before)
        )
        clocks: list[CycleClock] = []
        if name == "resolution":
            holes = _STOPPED_OR.get(pause_on)
            if holes is None:
                holes = pause_on | STOPPED_STATUSES
            windows = resolution_windows(timeline, settings.reopen == "new_cycle")
            for start, stop, _resumes in windows:
                end = stop if stop is not None else (now_ts if now_ts > start else start)
                segments = running_segments(timeline, start, end, holes)
                # A running cycle ends at now, after every status change: the last status holds.
                paused = stop is None and timeline.statuses[-1] in pause_on
                clocks.append(
                    clock(calendar, seconds, start, stop, segments, paused, now_ts, threshold)
                )
        else:
            if name == "first_response":
                windows_fr = [first_response_window(timeline)]
            else:
                windows_fr = next_response_windows(timeline)
            for start, stop in windows_fr:
                end = stop if stop is not None else (now_ts if now_ts > start else start)
                if pause_on:
                    segments = running_segments(timeline, start, end, pause_on)
                    paused = stop is None and timeline.statuses[-1] in pause_on
                else:
                    segments = [(start, end)]
                    paused = False
                clocks.append(
                    clock(calendar, seconds, start, stop, segments, paused, now_ts, threshold)
                )
        if clocks:
            traces.append(MetricTrace(name, calendar_name, pause_on, clocks))
    return Trace(ticket, now_ts, timeline, priority, policy, traces)


def to_evaluation(result: Trace) -> Evaluation:
    """Turn a trace into the §4 result, with the next instant the verdict changes by itself."""
    metrics: dict[str, MetricResult] = {}
    next_instant: float | None = None
    now = result.now
    instants = result.timeline.instants
    moment = result.timeline.moment
    for metric in result.metrics:
        cycles: list[Cycle] = []
        calendar = metric.calendar
        for c in metric.clocks:
            stop = c.stop
            status: CycleStatus
            if c.breached:
                status = "breached"
            elif stop is not None:
                status = "achieved"
            elif c.paused:
                status = "paused"
            else:
                status = "active"
                for instant in (None if c.at_risk else c.warn_instant, c.due):
                    if (
                        instant is not None
                        and instant >= now
                        and (next_instant is None or instant < next_instant)
                    ):
                        next_instant = instant
            due = None if c.due is None else instants.get(c.due) or moment(c.due)
            elapsed = round(c.elapsed)
            cycles.append(
                Cycle(
                    status,
                    calendar,
                    c.target,
                    instants.get(c.start) or moment(c.start),
                    None if stop is None else instants.get(stop) or moment(stop),
                    due,
                    due if c.breached else None,
                    elapsed,
                    c.target - elapsed,
                    c.at_risk,
                )
            )
        metrics[metric.name] = MetricResult(metric.name, tuple(cycles))
    return Evaluation(
        result.ticket.id,
        None if result.policy is None else result.policy.name,
        moment(now),
        metrics,
        None if next_instant is None else moment(next_instant),
    )


def evaluate_json(ticket: Ticket, policies: PolicySet | AppConfig, now: datetime) -> dict[str, Any]:
    """``evaluate(...).to_json()`` without the intermediate objects (the bulk command's path).

    Equal to ``evaluate(ticket, policies, now).to_json()`` for every input; the tests check it.
    """
    result = trace(ticket, policies, now)
    timeline = result.timeline
    texts: dict[float, str] = {}

    def text(instant: float) -> str:
        found = texts.get(instant)
        if found is None:
            found = texts[instant] = _iso(timeline.moment(instant))
        return found

    metrics: dict[str, Any] = {}
    breached = False
    at_risk = False
    for metric in result.metrics:
        cycles: list[dict[str, Any]] = []
        calendar = metric.calendar
        for c in metric.clocks:
            stop = c.stop
            if c.breached:
                status = "breached"
                breached = True
            elif stop is not None:
                status = "achieved"
            elif c.paused:
                status = "paused"
            else:
                status = "active"
            at_risk = at_risk or c.at_risk
            due = None if c.due is None else text(c.due)
            elapsed = round(c.elapsed)
            cycles.append(
                {
                    "status": status,
                    "calendar": calendar,
                    "target_seconds": c.target,
                    "started_at": text(c.start),
                    "stopped_at": None if stop is None else text(stop),
                    "due_at": due,
                    "breached_at": due if c.breached else None,
                    "elapsed_seconds": elapsed,
                    "remaining_seconds": c.target - elapsed,
                    "at_risk": c.at_risk,
                }
            )
        data = dict(cycles[-1])
        data["cycles"] = cycles
        metrics[metric.name] = data
    return {
        "ticket": ticket.id,
        "policy": None if result.policy is None else result.policy.name,
        "evaluated_at": format_timestamp(timeline.moment(result.now)),
        "breached": breached,
        "at_risk": at_risk,
        "metrics": metrics,
    }


def _iso(moment: datetime) -> str:
    if moment.tzinfo is UTC:
        return moment.isoformat().replace("+00:00", "Z")
    return format_timestamp(moment)


__all__ = ["MetricTrace", "Trace", "evaluate", "evaluate_json", "to_evaluation", "trace"]
