"""``evaluate(ticket, policies, now)``: the pure, deterministic verdict of POLICY.md §3-§4."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from slabridge.sla.conditions import Condition, any_spans, cut, first_hold, holds_at
from slabridge.sla.metrics import (
    ClockRow,
    CycleClock,
    Segment,
    Timeline,
    build_timeline,
    count_clock,
    first_response_window,
    next_response_windows,
    priority_before,
    resolution_windows,
    running_segments,
    update_windows,
    warn_threshold,
)
from slabridge.sla.ola import METRIC as GROUP_OWNERSHIP
from slabridge.sla.ola import OwnedRows, group_ownership_rows
from slabridge.sla.policy import CalendarChoice, Policy, PolicySet
from slabridge.sla.results import (
    METRICS,
    Cycle,
    CycleStatus,
    Evaluation,
    MetricResult,
    OwnedCycle,
)
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket, format_timestamp


class HasPolicies(Protocol):
    """What the engine needs of a loaded config (``slabridge.config.AppConfig`` is one)."""

    @property
    def policy_set(self) -> PolicySet: ...


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
    # The current target's conditions (docs/policy.md, "Pause and stop on conditions"),
    # for explain's labels.
    pause_when: tuple[Condition, ...] = ()
    stop_when: tuple[Condition, ...] = ()
    # group_ownership: each clock's (group, agent); None for the other metrics.
    owners: list[tuple[str, str | None]] | None = None


@dataclass(slots=True)
class Trace:
    """Everything the engine decided for one ticket, before it becomes an Evaluation."""

    ticket: Ticket
    now: float
    timeline: Timeline
    priority: str
    policy: Policy | None
    metrics: list[MetricTrace]


# One metric's result straight from the engine: (metric, calendar name, pause_on, its cycles).
MetricRows = tuple[str, str, frozenset[str], list[ClockRow]]

# What the engine needs of one metric of a (policy, priority), worked out once per policy set:
# (metric, target seconds, calendar choice, its calendar name when fixed, pause_on, warn
# threshold, statuses that stop the clock (resolution only), whether a reopen starts a new
# resolution cycle, its pause_when and stop_when conditions).
_MetricPlan = tuple[
    str,
    int,
    CalendarChoice,
    str | None,
    frozenset[str],
    float | None,
    frozenset[str] | None,
    bool,
    tuple[Condition, ...],
    tuple[Condition, ...],
]


def evaluate(ticket: Ticket, policies: PolicySet | HasPolicies, now: datetime) -> Evaluation:
    """The ticket's SLA state at ``now``; pure: no I/O, no clock, same input, same output."""
    now_ts, timeline, _priority, policy, metrics = _run(ticket, policies, now)
    return _evaluation(ticket.id, policy, timeline, now_ts, metrics)


def trace(ticket: Ticket, policies: PolicySet | HasPolicies, now: datetime) -> Trace:
    """Run the engine and keep its working (segments, calendars) for ``explain``."""
    now_ts, timeline, priority, policy, metrics = _run(ticket, policies, now)
    targets = {} if policy is None else policy.targets_for(priority)
    traces = []
    for name, calendar, pause_on, rows in metrics:
        target = targets.get(name)
        traces.append(
            MetricTrace(
                name,
                calendar,
                pause_on,
                [CycleClock(*row) for row in rows],
                () if target is None else target.pause_when,
                () if target is None else target.stop_when,
                rows.owners if isinstance(rows, OwnedRows) else None,
            )
        )
    return Trace(ticket, now_ts, timeline, priority, policy, traces)


def to_evaluation(result: Trace) -> Evaluation:
    """Turn a trace into the §4 result, with the next instant the verdict changes by itself."""
    metrics: list[MetricRows] = []
    for metric in result.metrics:
        rows: list[ClockRow] = [_row(c) for c in metric.clocks]
        if metric.owners is not None:
            owned = OwnedRows()
            owned.extend(rows)
            owned.owners.extend(metric.owners)
            rows = owned
        metrics.append((metric.name, metric.calendar, metric.pause_on, rows))
    return _evaluation(result.ticket.id, result.policy, result.timeline, result.now, metrics)


def _row(c: CycleClock) -> ClockRow:
    return (
        c.start,
        c.stop,
        c.segments,
        c.paused,
        c.elapsed,
        c.due,
        c.breached,
        c.at_risk,
        c.target,
        c.calendar,
        c.warn_instant,
    )


def _plan(policy_set: PolicySet, policy: Policy, priority: str) -> tuple[_MetricPlan, ...]:
    """The metric plans of ``policy`` at ``priority`` (cached; rebuilt if the settings change)."""
    settings = policy_set.settings
    key = (id(policy), priority)
    cached = policy_set.plans.get(key)
    if cached is not None and cached[0] is policy and cached[1] is settings:
        plan: tuple[_MetricPlan, ...] = cached[2]
        return plan
    warn_at = settings.warn_at
    warn_before = settings.warn_before
    new_cycle = settings.reopen == "new_cycle"
    targets = policy.targets_for(priority)
    plans: list[_MetricPlan] = []
    for name in METRICS:
        target = targets.get(name)
        if target is None or name == GROUP_OWNERSHIP:  # group ownership has its own loop (ola)
            continue
        choice = target.calendar if target.calendar is not None else policy.calendar
        seconds = target.seconds
        threshold = (
            warn_at * seconds
            if warn_before is None and warn_at is not None
            else warn_threshold(seconds, warn_at, warn_before)
        )
        holes: frozenset[str] | None = None
        if name == "resolution":
            holes = _STOPPED_OR.get(target.pause_on)
            if holes is None:
                holes = target.pause_on | STOPPED_STATUSES
        fixed = choice.default if choice.by is None else None
        plans.append(
            (
                name,
                seconds,
                choice,
                fixed,
                target.pause_on,
                threshold,
                holes,
                new_cycle,
                target.pause_when,
                target.stop_when,
            )
        )
    plan = tuple(plans)
    policy_set.plans[key] = (policy, settings, plan)
    return plan


_last_now: tuple[object, float, datetime] = (None, 0.0, datetime.min)


def _run(  # noqa: C901, PLR0912, PLR0915  the engine's hot path, one call per ticket: inline on purpose (docs/benchmarks.md, Evaluate)
    ticket: Ticket, policies: PolicySet | HasPolicies, now: datetime
) -> tuple[float, Timeline, str, Policy | None, list[MetricRows]]:
    """The engine: timeline, priority, policy and every metric's counted cycles."""
    policy_set = policies if isinstance(policies, PolicySet) else policies.policy_set
    global _last_now
    cached = _last_now  # read once: another thread may swap it
    if now is cached[0]:  # bulk evaluation: one `now` for every ticket
        _, now_ts, now_utc = cached
    else:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        now_ts = now.timestamp()
        now_utc = now.astimezone(UTC)
        _last_now = (now, now_ts, now_utc)
    timeline = build_timeline(ticket, now_ts)
    if now_ts not in timeline.instants:
        timeline.instants[now_ts] = now_utc
    priority = timeline.priority or policy_set.settings.default_priority
    policy = policy_set.match(ticket, priority)
    metrics: list[MetricRows] = []
    if policy is None:
        return now_ts, timeline, priority, None, metrics
    changes = timeline.priorities
    if changes is not None:  # the priority changed: stopped cycles keep theirs
        # No cycle stops before the first response does (its stop is the first public agent
        # reply or solve), so when that comes after the last change every cycle is judged by
        # the current priority: the usual loop below gives the same result, cheaper.
        # A stop condition can stop a cycle earlier than that, so then each is judged too.
        earliest_stop = first_response_window(timeline)[1]
        if (earliest_stop is not None and earliest_stop <= changes[-1][0]) or any(
            entry[9] for entry in _plan(policy_set, policy, priority)
        ):
            _judge_each_cycle(ticket, policy_set, timeline, now_ts, policy, priority, metrics)
            if timeline.assignments:
                _add_group_ownership(
                    ticket, policy_set, timeline, now_ts, policy, priority, metrics
                )
            return now_ts, timeline, priority, policy, metrics
    compiled = policy_set.compiled
    last_status = timeline.statuses[-1]
    resolved: dict[int, str] = {}  # calendar choice -> name, resolved once per ticket
    conditions: dict[tuple[Condition, ...], list[Segment]] = {}  # their spans, once per ticket
    for (
        name,
        seconds,
        choice,
        fixed,
        pause_on,
        threshold,
        holes,
        new_cycle,
        pause_when,
        stop_when,
    ) in _plan(policy_set, policy, priority):
        calendar_name = fixed or resolved.get(id(choice))
        if calendar_name is None:
            calendar_name = resolved[id(choice)] = choice.resolve(ticket)
        calendar = compiled.get(calendar_name) or policy_set.calendar(calendar_name)
        windows: list[tuple[float, float | None, bool]] | list[tuple[float, float | None]]
        if holes is not None:  # resolution: its clock also stops while solved or closed
            windows = resolution_windows(timeline, new_cycle)
            holes_of = holes
        else:
            if name == "first_response":
                windows = [first_response_window(timeline)]
            elif name == "next_response":
                windows = next_response_windows(timeline)
            else:
                windows = update_windows(timeline)
            holes_of = pause_on
        count_cycle = calendar.count_cycle
        rows: list[ClockRow] = []
        for window in windows:
            start = window[0]
            stop = window[1]
            if stop_when:
                stop = _stop_condition(ticket, now_ts, stop_when, conditions, start, stop)
            end = stop if stop is not None else (now_ts if now_ts > start else start)
            if holes_of:
                segments = running_segments(timeline, start, end, holes_of)
                # A running cycle ends at now, after every status change: the last status holds.
                paused = stop is None and last_status in pause_on
            else:
                segments = [(start, end)]
                paused = False
            if pause_when:
                segments, paused = _pause_conditions(
                    ticket, now_ts, pause_when, conditions, segments, paused, stop, end
                )
            # metrics.count_clock, inline (one call less per cycle on the hot path).
            if stop is not None:
                elapsed, due, warn = count_cycle(segments, seconds, stop, None)
            elif paused:
                elapsed, due, warn = count_cycle(segments, seconds, None, None)
            else:
                elapsed, due, warn = count_cycle(segments, seconds, end, threshold)
            breached = due is not None and due < end
            at_risk = False
            if stop is None and not breached and threshold is not None:
                at_risk = elapsed >= threshold
                if at_risk and not paused:
                    warn = end
            rows.append(
                (
                    start,
                    stop,
                    segments,
                    paused,
                    elapsed,
                    due,
                    breached,
                    at_risk,
                    seconds,
                    calendar,
                    warn,
                )
            )
        if rows:
            metrics.append((name, calendar_name, pause_on, rows))
    if timeline.assignments:  # only tickets with assignment events can have group stints
        _add_group_ownership(ticket, policy_set, timeline, now_ts, policy, priority, metrics)
    return now_ts, timeline, priority, policy, metrics


def _condition_spans(
    ticket: Ticket,
    now: float,
    conditions: tuple[Condition, ...],
    cache: dict[tuple[Condition, ...], list[Segment]],
) -> list[Segment]:
    found = cache.get(conditions)
    if found is None:
        found = cache[conditions] = any_spans(ticket, now, conditions)
    return found


def _stop_condition(
    ticket: Ticket,
    now: float,
    stop_when: tuple[Condition, ...],
    cache: dict[tuple[Condition, ...], list[Segment]],
    start: float,
    stop: float | None,
) -> float | None:
    """The cycle's stop: its own, or the first instant from its start a stop condition holds."""
    limit = stop if stop is not None else now
    found = first_hold(_condition_spans(ticket, now, stop_when, cache), start, limit)
    return stop if found is None else found


def _pause_conditions(
    ticket: Ticket,
    now: float,
    pause_when: tuple[Condition, ...],
    cache: dict[tuple[Condition, ...], list[Segment]],
    segments: list[Segment],
    paused: bool,
    stop: float | None,
    end: float,
) -> tuple[list[Segment], bool]:
    """Segments without the spans a pause condition holds; a running cycle in one is paused."""
    holes = _condition_spans(ticket, now, pause_when, cache)
    if not holes:
        return segments, paused
    if stop is None and not paused:
        paused = holds_at(holes, end)
    return cut(segments, holes), paused


def _add_group_ownership(
    ticket: Ticket,
    policy_set: PolicySet,
    timeline: Timeline,
    now_ts: float,
    policy: Policy,
    priority: str,
    metrics: list[MetricRows],
) -> None:
    """Append the group_ownership cycles (slabridge.sla.ola), when any stint is measured."""
    calendar_name, pause_on, rows = group_ownership_rows(
        ticket, policy_set, timeline, now_ts, policy, priority
    )
    if rows:
        metrics.append((GROUP_OWNERSHIP, calendar_name, pause_on, rows))


def judged_by(
    ticket: Ticket, policy_set: PolicySet, timeline: Timeline, stop: float | None
) -> tuple[str, Policy | None]:
    """The priority and policy a cycle is judged by (POLICY.md §3.4).

    A running cycle (``stop`` None) takes the current ones; a stopped cycle keeps those in force
    at its stop, before any change at that very instant (the stop came first: a met target
    stays met). Only the priority has a history; the other match keys are the ticket's now.
    """
    default = policy_set.settings.default_priority
    if stop is None:
        priority = timeline.priority or default
    else:
        priority = priority_before(timeline, stop) or default
    return priority, policy_set.match(ticket, priority)


def _judge_each_cycle(  # noqa: C901, PLR0912, PLR0915  the engine's hot path, one call per ticket: inline on purpose (docs/benchmarks.md, Evaluate)
    ticket: Ticket,
    policy_set: PolicySet,
    timeline: Timeline,
    now_ts: float,
    policy: Policy,
    priority: str,
    metrics: list[MetricRows],
) -> None:
    """The engine's loop for a ticket whose priority changed: each cycle gets its own target.

    A stopped cycle whose policy at its stop set no target for the metric is not measured.
    """
    # By priority: only the priority has a history, so one priority always matches one policy
    # (the other match keys are the ticket's now); each is matched and planned once.
    plans: dict[str, dict[str, _MetricPlan]] = {
        priority: {entry[0]: entry for entry in _plan(policy_set, policy, priority)}
    }
    current = plans[priority]
    default = policy_set.settings.default_priority
    at_stop: dict[float, dict[str, _MetricPlan]] = {}
    resolved: dict[int, str] = {}  # calendar choice -> name, resolved once per ticket
    conditions: dict[tuple[Condition, ...], list[Segment]] = {}
    compiled = policy_set.compiled
    last_status = timeline.statuses[-1]
    new_cycle = policy_set.settings.reopen == "new_cycle"

    def judged_at(stop: float) -> dict[str, _MetricPlan]:
        """judged_by(), with the match and plan of each priority worked out once."""
        judged = at_stop.get(stop)
        if judged is None:
            at_priority = priority_before(timeline, stop) or default
            judged = plans.get(at_priority)
            if judged is None:
                at_policy = policy_set.match(ticket, at_priority)
                judged = plans[at_priority] = (
                    {}
                    if at_policy is None
                    else {entry[0]: entry for entry in _plan(policy_set, at_policy, at_priority)}
                )
            at_stop[stop] = judged
        return judged

    for name in METRICS:
        if name == GROUP_OWNERSHIP:  # its own loop: _add_group_ownership
            continue
        windows: list[tuple[float, float | None, bool]] | list[tuple[float, float | None]]
        if name == "resolution":
            windows = resolution_windows(timeline, new_cycle)
        elif name == "first_response":
            windows = [first_response_window(timeline)]
        elif name == "next_response":
            windows = next_response_windows(timeline)
        else:
            windows = update_windows(timeline)
        rows: list[ClockRow] = []
        calendar_name = ""
        pause_on: frozenset[str] = frozenset()
        for window in windows:
            start = window[0]
            stop = window[1]
            entry = current.get(name) if stop is None else judged_at(stop).get(name)
            if entry is not None and entry[9]:
                # The stop conditions of the target that judges the cycle without them; a stop
                # they bring forward is judged at that stop (docs/policy.md, "Pause and stop on
                # conditions").
                stopped = _stop_condition(ticket, now_ts, entry[9], conditions, start, stop)
                if stopped != stop:
                    stop = stopped
                    entry = None if stop is None else judged_at(stop).get(name)
            if entry is None:
                continue
            _, seconds, choice, fixed, pause_on, threshold, holes, _, pause_when, _ = entry
            chosen = fixed or resolved.get(id(choice))
            if chosen is None:
                chosen = resolved[id(choice)] = choice.resolve(ticket)
            calendar_name = chosen
            calendar = compiled.get(calendar_name) or policy_set.calendar(calendar_name)
            cut = holes if holes is not None else pause_on
            end = stop if stop is not None else (now_ts if now_ts > start else start)
            if cut:
                segments = running_segments(timeline, start, end, cut)
                paused = stop is None and last_status in pause_on
            else:
                segments = [(start, end)]
                paused = False
            if pause_when:
                segments, paused = _pause_conditions(
                    ticket, now_ts, pause_when, conditions, segments, paused, stop, end
                )
            rows.append(
                count_clock(calendar, seconds, start, stop, segments, paused, now_ts, threshold)
            )
        if rows:
            metrics.append((name, calendar_name, pause_on, rows))


def _evaluation(
    ticket_id: str,
    policy: Policy | None,
    timeline: Timeline,
    now: float,
    metric_rows: list[MetricRows],
) -> Evaluation:
    """The §4 result of the engine's rows, with the next instant the verdict changes by itself."""
    metrics: dict[str, MetricResult] = {}
    next_instant: float | None = None
    # The ticket's own datetimes where it has them; other instants get a new one, not cached in
    # the timeline (they rarely repeat, and growing the dict costs more than it saves).
    instants = timeline.instants
    known = instants.get
    from_epoch = _from_epoch
    utc = UTC
    for name, _calendar, _pause_on, rows in metric_rows:
        cycles: list[Cycle] = []
        for (
            start,
            stop,
            _segments,
            paused,
            elapsed,
            due,
            breached,
            at_risk,
            target,
            cycle_calendar,
            warn,
        ) in rows:
            status: CycleStatus
            if breached:
                status = "breached"
            elif stop is not None:
                status = "achieved"
            elif paused:
                status = "paused"
            else:
                status = "active"
                if (
                    warn is not None
                    and not at_risk
                    and warn >= now
                    and (next_instant is None or warn < next_instant)
                ):
                    next_instant = warn
                if due is not None and due >= now and (next_instant is None or due < next_instant):
                    next_instant = due
            whole = round(elapsed)
            # Epoch floats: the cycle turns them into datetimes when (if ever) they are read.
            cycles.append(
                Cycle(
                    status,
                    cycle_calendar.name,  # a stopped cycle may have run on another calendar
                    target,
                    start,
                    stop,
                    due,
                    due if breached else None,
                    whole,
                    target - whole,
                    at_risk,
                    instants,
                )
            )
        metrics[name] = MetricResult(name, tuple(cycles))
    if timeline.assignments:  # once per ticket: the other metrics' loop stays as it was
        _name_owners(metrics, metric_rows)
    # Filled slot by slot: the frozen dataclass's __init__ pays one object.__setattr__ per field.
    result: Evaluation = _new(Evaluation)
    _set_ticket_id(result, ticket_id)
    _set_policy(result, None if policy is None else policy.name)
    _set_evaluated_at(result, known(now) or from_epoch(now, utc))
    _set_metrics(result, metrics)
    _set_next_instant(
        result,
        None if next_instant is None else known(next_instant) or from_epoch(next_instant, utc),
    )
    return result


def _name_owners(metrics: dict[str, MetricResult], metric_rows: list[MetricRows]) -> None:
    """Give the group_ownership cycles their owners (OwnedCycle), from the engine's rows."""
    result = metrics.get(GROUP_OWNERSHIP)
    rows = metric_rows[-1][3] if metric_rows else None  # group ownership comes last
    if result is None or not isinstance(rows, OwnedRows):
        return
    result.cycles = tuple(
        OwnedCycle.of(cycle, group, agent)
        for cycle, (group, agent) in zip(result.cycles, rows.owners, strict=True)
    )


_new = object.__new__
_set_ticket_id, _set_policy, _set_evaluated_at, _set_metrics, _set_next_instant = (
    getattr(Evaluation, name).__set__
    for name in ("ticket_id", "policy", "evaluated_at", "metrics", "next_instant")
)


_from_epoch = datetime.fromtimestamp
_NOW_TEXT: dict[float, str] = {}  # evaluated_at of the bulk path: one text per `now`
# Whole-second instants from 1970 to 2106 are printed without a datetime: below 2**32 seconds a
# float has room for microseconds, so it names one instant (and one with a fraction of a second
# is never integral); further out, two instants a microsecond apart may share a float.
_TEXT_FAST_LIMIT = float(2**32)
_ORDINAL_1970 = date(1970, 1, 1).toordinal()
_DAY_TEXT: dict[int, str] = {}  # days since 1970 -> "YYYY-MM-DDT" (at most 49,711 entries)
_HOUR_TEXT = tuple(f"{hour:02d}:" for hour in range(24))
_MINUTE_SECOND_TEXT = tuple(f"{second // 60:02d}:{second % 60:02d}Z" for second in range(3600))


def evaluate_json(  # noqa: C901, PLR0912  the engine's hot path, one call per ticket: inline on purpose (docs/benchmarks.md, Evaluate)
    ticket: Ticket, policies: PolicySet | HasPolicies, now: datetime
) -> dict[str, Any]:
    """``evaluate(...).to_json()`` without the intermediate objects (the bulk command's path).

    Equal to ``evaluate(ticket, policies, now).to_json()`` for every input; the tests check it.
    """
    now_ts, timeline, _priority, policy, metric_rows = _run(ticket, policies, now)
    moment = timeline.moment
    texts: dict[float, str] = {}

    def text(instant: float) -> str:
        """The instant as §4 text: whole seconds from the epoch directly, the rest via datetime."""
        if 0.0 <= instant < _TEXT_FAST_LIMIT and instant.is_integer():
            days, seconds = divmod(int(instant), 86_400)
            day = _DAY_TEXT.get(days)
            if day is None:
                day = _DAY_TEXT[days] = date.fromordinal(days + _ORDINAL_1970).isoformat() + "T"
            hours, rest = divmod(seconds, 3600)
            return day + _HOUR_TEXT[hours] + _MINUTE_SECOND_TEXT[rest]
        found = texts.get(instant)
        if found is None:
            found = texts[instant] = _iso(moment(instant))
        return found

    metrics: dict[str, Any] = {}
    breached = False
    at_risk = False
    for name, _calendar, _pause_on, rows in metric_rows:
        cycles: list[dict[str, Any]] = []
        for (
            start,
            stop,
            _segments,
            paused,
            elapsed,
            due,
            c_breached,
            c_at_risk,
            target,
            cycle_calendar,
            _w,
        ) in rows:
            if c_breached:
                status = "breached"
                breached = True
            elif stop is not None:
                status = "achieved"
            elif paused:
                status = "paused"
            else:
                status = "active"
            if c_at_risk:
                at_risk = True
            due_text = None if due is None else text(due)
            whole = round(elapsed)
            cycles.append(
                {
                    "status": status,
                    "calendar": cycle_calendar.name,
                    "target_seconds": target,
                    "started_at": text(start),
                    "stopped_at": None if stop is None else text(stop),
                    "due_at": due_text,
                    "breached_at": due_text if c_breached else None,
                    "elapsed_seconds": whole,
                    "remaining_seconds": target - whole,
                    "at_risk": c_at_risk,
                }
            )
        data = dict(cycles[-1])
        data["cycles"] = cycles
        metrics[name] = data
    if timeline.assignments:  # group ownership comes last: its cycles name their owners
        last = metric_rows[-1][3] if metric_rows else None
        owned = metrics.get(GROUP_OWNERSHIP)
        if owned is not None and isinstance(last, OwnedRows):
            for cycle_json, (group, agent) in zip(owned["cycles"], last.owners, strict=True):
                cycle_json["group"] = group
                cycle_json["agent"] = agent
            owned["group"], owned["agent"] = last.owners[-1]
    evaluated_at = _NOW_TEXT.get(now_ts)
    if evaluated_at is None:
        evaluated_at = format_timestamp(moment(now_ts))
        if -_TEXT_FAST_LIMIT < now_ts < _TEXT_FAST_LIMIT:  # there the float is the instant
            if len(_NOW_TEXT) > 64:
                _NOW_TEXT.clear()
            _NOW_TEXT[now_ts] = evaluated_at
    return {
        "ticket": ticket.id,
        "policy": None if policy is None else policy.name,
        "evaluated_at": evaluated_at,
        "breached": breached,
        "at_risk": at_risk,
        "metrics": metrics,
    }


def _iso(moment: datetime) -> str:
    if moment.tzinfo is UTC:
        return moment.isoformat().replace("+00:00", "Z")
    return format_timestamp(moment)


__all__ = [
    "MetricRows",
    "MetricTrace",
    "Trace",
    "evaluate",
    "evaluate_json",
    "judged_by",
    "to_evaluation",
    "trace",
]
