"""Group ownership (OLA): one cycle per stint of a group, on that group's target and calendar."""

from __future__ import annotations

from bisect import bisect_right

from slabridge.sla.metrics import (
    ClockRow,
    Timeline,
    count_clock,
    priority_before,
    running_segments,
    warn_threshold,
)
from slabridge.sla.policy import Policy, PolicySet
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket

METRIC = "group_ownership"
# A stint: (start, stop or None while it runs, group, agent at its end).
Stint = tuple[float, float | None, str, str | None]


class OwnedRows(list[ClockRow]):
    """The counted cycles of group_ownership, with the ``(group, agent)`` of each alongside."""

    __slots__ = ("owners",)

    def __init__(self) -> None:
        super().__init__()
        self.owners: list[tuple[str, str | None]] = []


def ownership_stints(timeline: Timeline) -> list[Stint]:
    """The stints of the ticket's groups, oldest first (docs/policy.md, "Group ownership").

    A stint runs while the ticket has a group and is not solved or closed. It starts at the
    assignment to that group (or at the reopen of a ticket the group still holds) and stops at
    the assignment to another group or to none, or at the solve/close. Several changes at one
    instant count as one, to the last of them; a change of agent alone starts nothing. A
    stint's agent is the one assigned at its stop (at ``now`` while it runs).
    """
    assignments = timeline.assignments
    if not assignments:
        return []
    times = timeline.times
    statuses = timeline.statuses
    # Every instant where the owner or the status may change, each once, in order.
    instants = sorted({*times, *(at for at, _group, _agent in assignments)})
    stints: list[Stint] = []
    group: str | None = None  # the ticket's group, solved or not
    agent: str | None = None
    running: float | None = None  # start of the stint running so far
    held = ""  # its group
    index = 0
    count = len(assignments)
    for at in instants:
        agent_before = agent  # the agent of a stint stopping here: before any change here
        while index < count and assignments[index][0] <= at:
            _, group, agent = assignments[index]
            index += 1
        position = bisect_right(times, at) - 1
        holder = None if statuses[position if position > 0 else 0] in STOPPED_STATUSES else group
        if running is not None and holder != held:
            stints.append((running, at, held, agent_before))
            running = None
        if holder is not None and running is None:
            running = at
            held = holder
    if running is not None:
        stints.append((running, None, held, agent))
    return stints


def group_ownership_rows(
    ticket: Ticket,
    policy_set: PolicySet,
    timeline: Timeline,
    now: float,
    policy: Policy,
    priority: str,
) -> tuple[str, frozenset[str], OwnedRows]:
    """The counted stints: ``(calendar name of the latest, its pause_on, rows with owners)``.

    A running stint is judged by ``policy`` at ``priority`` (the current ones); a stopped stint
    by those in force just before its stop (POLICY.md §3.4). A stint of a group without a
    target is not measured.
    """
    settings = policy_set.settings
    default = settings.default_priority
    last_status = timeline.statuses[-1]
    rows = OwnedRows()
    calendar_name = ""
    pause_on: frozenset[str] = frozenset()
    current = policy.targets_for(priority).get(METRIC)
    for start, stop, group, agent in ownership_stints(timeline):
        target = current
        judging = policy
        if stop is not None and timeline.priorities is not None:
            at_priority = priority_before(timeline, stop) or default
            found = policy_set.match(ticket, at_priority)
            target = None if found is None else found.targets_for(at_priority).get(METRIC)
            if found is not None:
                judging = found
        groups = None if target is None else target.groups
        judged = None if groups is None else groups.for_group(group)
        if judged is None:
            continue
        choice = judged.calendar if judged.calendar is not None else judging.calendar
        calendar_name = choice.resolve(ticket)
        calendar = policy_set.compiled.get(calendar_name) or policy_set.calendar(calendar_name)
        pause_on = judged.pause_on
        end = stop if stop is not None else (now if now > start else start)
        if pause_on:
            segments = running_segments(timeline, start, end, pause_on)
            paused = stop is None and last_status in pause_on
        else:
            segments = [(start, end)]
            paused = False
        threshold = warn_threshold(judged.seconds, settings.warn_at, settings.warn_before)
        rows.append(
            count_clock(calendar, judged.seconds, start, stop, segments, paused, now, threshold)
        )
        rows.owners.append((group, agent))
    return calendar_name, pause_on, rows


__all__ = ["METRIC", "OwnedRows", "Stint", "group_ownership_rows", "ownership_stints"]
