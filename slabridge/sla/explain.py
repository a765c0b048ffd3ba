"""A readable account of one evaluation for an admin: the match, each clock, its intervals."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slabridge.sla.conditions import holds_at, spans
from slabridge.sla.durations import format_duration
from slabridge.sla.evaluate import MetricTrace, Trace, judged_by, to_evaluation
from slabridge.sla.metrics import CycleClock, Segment
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import BY_SLABRIDGE, STOPPED_STATUSES, Event, FieldEvent, TagsEvent

MAX_INTERVALS = 12  # per cycle; the rest is summarized so a long ticket stays readable


def explain_lines(result: Trace, policies: PolicySet) -> list[str]:
    """The explanation as lines of plain text (the CLI prints them; tests read them)."""
    evaluation = to_evaluation(result)
    ticket = result.ticket
    lines = [
        f"Ticket {ticket.id} evaluated at {_utc(result.now)}",
        f"Priority used: {result.priority}"
        + (
            " (the ticket has none; settings.default_priority)"
            if result.timeline.priority is None
            else ""
        )
        + (
            f" (the ticket's {ticket.priority} was written by slabridge: it does not count)"
            if ticket.priority is not None
            and ticket.priority != result.timeline.priority
            and _own_raises(result)
            else ""
        ),
        "",
        "Policy match (first match wins):",
    ]
    for step in policies.explain_match(ticket, result.priority):
        if step.failed is None:
            why = (
                "no match keys, matches every ticket" if not step.policy.match else "all keys hold"
            )
            lines.append(f"  ✔ {step.policy.name}: applies ({why})")
        else:
            found = ", ".join(step.found) if step.found else "nothing"
            lines.append(
                f"  ✘ {step.policy.name}: {step.failed.describe()}, the ticket has {found}"
            )
    if result.policy is None:
        lines += ["", "No policy matches this ticket: no SLA applies."]
        return lines
    lines += ["", "Status history (UTC):"]
    timeline = result.timeline
    for at, status in zip(timeline.times, timeline.statuses, strict=True):
        lines.append(f"  {_utc(at)}  {status}")
    changes = _changes(result)
    if changes:
        lines += [
            "",
            "Priority changes (running cycles take the current target, stopped ones keep theirs):",
        ]
        for event in changes:
            replaced = f" (from {event.from_priority or 'none'})" if event.has_from else ""
            own = "  by slabridge: ignored for matching and targets" if _is_own(event) else ""
            lines.append(
                f"  {_utc(event.at.timestamp())}  {event.priority or 'none'}{replaced}{own}"
            )
    if any(metric.pause_when or metric.stop_when for metric in result.metrics):
        lines += ["", "Tag and field changes (for pause and stop conditions):"]
        lines += _condition_changes(result) or [
            "  none recorded: current values count from updated_at"
        ]
    if not result.metrics:
        lines += ["", f"Policy {result.policy.name} sets no target for priority {result.priority}."]
    for metric in result.metrics:
        lines.append("")
        lines.extend(_metric_lines(metric, result, policies))
    summary = "BREACHED" if evaluation.breached else "at risk" if evaluation.at_risk else "on track"
    lines += ["", f"Overall: {summary}."]
    if evaluation.next_instant is not None:
        lines.append(f"Next change by the clock alone: {_utc(evaluation.next_instant.timestamp())}")
    return lines


def _metric_lines(metric: MetricTrace, result: Trace, policies: PolicySet) -> list[str]:
    spec = policies.calendar_specs[metric.calendar]
    zone = ZoneInfo(spec.timezone)
    target = metric.clocks[0].target
    pauses = ", ".join(
        [*sorted(metric.pause_on), *(condition.describe() for condition in metric.pause_when)]
    )
    pauses = pauses or "nothing"
    lines = [
        f"{metric.name}: target {format_duration(target)} ({target}s) on calendar "
        f"{metric.calendar} ({spec.timezone}); pauses on: {pauses}",
    ]
    if metric.owners is not None:  # each stint has its group's target, calendar and pauses
        lines = [
            f"{metric.name}: one cycle per group stint, each on its group's target and calendar"
        ]
    if metric.stop_when:
        stops = ", ".join(condition.describe() for condition in metric.stop_when)
        lines.append(f"  also stops when: {stops}")
    for number, c in enumerate(metric.clocks, 1):
        # A cycle may run on another calendar than the latest (group_ownership: its group's).
        own = zone if c.calendar.name == metric.calendar else c.calendar.zone
        cycle = _cycle_lines(number, c, metric, result, own)
        if metric.owners is not None:
            group, agent = metric.owners[number - 1]
            cycle[0] += f" (group {group}, agent {agent or 'none'}, calendar {c.calendar.name})"
        lines += [cycle[0], "    " + judged_line(c, result, policies, own), *cycle[1:]]
    return lines


def judged_line(c: CycleClock, result: Trace, policies: PolicySet, zone: ZoneInfo) -> str:
    """Which priority and policy judged a cycle, and why (POLICY.md §3.4).

    For example ``judged by high (target 1h, policy enterprise): stopped Mon 09:30 UTC while
    high; later raise to urgent by slabridge ignored``.
    """
    priority, policy = judged_by(result.ticket, policies, result.timeline, c.stop)
    name = policy.name if policy is not None else "none"
    head = f"judged by {priority} (target {format_duration(c.target)}, policy {name}): "
    changes = _changes(result)
    if c.stop is None:
        why = "running: takes the current target, counted from its start"
        ignored = [e for e in changes if _is_own(e)]
        notes = [f"raise to {e.priority} by slabridge ignored" for e in ignored]
    else:
        why = f"stopped {_local(c.stop, zone)} while {priority}"
        later = [e for e in changes if e.at.timestamp() >= c.stop]
        notes = [
            f"later raise to {e.priority} by slabridge ignored"
            if _is_own(e)
            else f"later change to {e.priority or 'none'} does not apply to it"
            for e in later
        ]
    return head + "; ".join([why, *notes])


def _changes(result: Trace) -> list[Event]:
    """The ticket's priority events up to ``now``."""
    return [
        event
        for event in result.ticket.events
        if event.type == "priority" and event.at.timestamp() <= result.now
    ]


def _is_own(event: Event) -> bool:
    return event.by == BY_SLABRIDGE


def _own_raises(result: Trace) -> list[Event]:
    return [event for event in _changes(result) if _is_own(event)]


def _state_text(c: CycleClock, zone: ZoneInfo) -> str:
    if c.breached:
        state = f"BREACHED at {_local(c.due, zone)}" if c.due is not None else "BREACHED"
    elif c.stop is not None:
        state = "achieved"
    elif c.paused:
        state = "paused"
    else:
        state = "running"
    return state + ", AT RISK" if c.at_risk else state


def _cycle_lines(
    number: int, c: CycleClock, metric: MetricTrace, result: Trace, zone: ZoneInfo
) -> list[str]:
    end = c.stop if c.stop is not None else max(result.now, c.start)
    state = _state_text(c, zone)
    stop = f"stopped {_local(c.stop, zone)}" if c.stop is not None else "not stopped"
    lines = [f"  cycle {number}: started {_local(c.start, zone)}, {stop}: {state}"]
    counted: list[Segment] = []
    for a, b in c.segments:
        counted.extend(c.calendar.intervals(a, b))
    lines.append(f"    counted business time ({len(counted)} interval(s), calendar local time):")
    for a, b in counted[:MAX_INTERVALS]:
        lines.append(
            f"      {_local(a, zone)} → {_local(b, zone, short=True)}  ({format_duration(b - a)})"
        )
    if len(counted) > MAX_INTERVALS:
        rest = sum(b - a for a, b in counted[MAX_INTERVALS:])
        lines.append(f"      … {len(counted) - MAX_INTERVALS} more ({format_duration(rest)})")
    holes = metric.pause_on | (STOPPED_STATUSES if metric.name == "resolution" else frozenset())
    pauses = [
        (a, b, f"not counted while {status}")
        for a, b, status in _pauses(result, c.start, end, holes)
    ]
    pauses += [(a, b, f"paused by {cause}") for a, b, cause in _condition_pauses(result, metric, c)]
    for a, b, why in sorted(pauses):
        lines.append(f"    {why}: {_local(a, zone)} → {_local(b, zone, short=True)}")
    if c.stop is not None:
        causes = [
            condition.describe()
            for condition in metric.stop_when
            if holds_at(spans(result.ticket, result.now, condition), c.stop)
        ]
        if causes:
            lines.append(f"    stopped by stop_when: {', '.join(causes)}")
    remaining = c.target - round(c.elapsed)
    lines.append(
        f"    elapsed {format_duration(c.elapsed)} of {format_duration(c.target)}, "
        f"remaining {format_duration(remaining)}"
    )
    if c.due is None:
        lines.append("    due: none while paused short of the target")
    else:
        lines.append(f"    due {_local(c.due, zone)} ({_utc(c.due)})")
    return lines


def _pauses(
    result: Trace, start: float, end: float, holes: frozenset[str]
) -> list[tuple[float, float, str]]:
    timeline = result.timeline
    out: list[tuple[float, float, str]] = []
    times = timeline.times
    for i, status in enumerate(timeline.statuses):
        a = max(times[i], start)
        b = min(times[i + 1] if i + 1 < len(times) else end, end)
        if status in holes and a < b:
            out.append((a, b, status))
    return out


def _condition_pauses(
    result: Trace, metric: MetricTrace, c: CycleClock
) -> list[tuple[float, float, str]]:
    """Each span of a pause condition inside the cycle, with the condition that caused it."""
    end = c.stop if c.stop is not None else max(result.now, c.start)
    out: list[tuple[float, float, str]] = []
    for condition in metric.pause_when:
        for a, b in spans(result.ticket, result.now, condition):
            a, b = max(a, c.start), min(b, end)
            if a < b:
                out.append((a, b, condition.describe()))
    return out


def _condition_changes(result: Trace) -> list[str]:
    """The ticket's ``tags`` and ``field`` events up to ``now``, one line each."""
    lines: list[str] = []
    for event in result.ticket.events:
        if event.at.timestamp() > result.now:
            continue
        if isinstance(event, TagsEvent):
            change = " ".join([*(f"+{t}" for t in event.added), *(f"-{t}" for t in event.removed)])
            lines.append(f"  {_utc(event.at.timestamp())}  tags {change}")
        elif isinstance(event, FieldEvent):
            replaced = f" (from {event.from_value!r})" if event.has_from else ""
            lines.append(
                f"  {_utc(event.at.timestamp())}  field {event.field} = {event.value!r}{replaced}"
            )
    return lines


def _utc(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(instant: float, zone: ZoneInfo, *, short: bool = False) -> str:
    moment = datetime.fromtimestamp(instant, UTC).astimezone(zone)
    return moment.strftime("%a %H:%M %Z" if short else "%a %Y-%m-%d %H:%M %Z")


__all__ = ["MAX_INTERVALS", "explain_lines", "judged_line"]
