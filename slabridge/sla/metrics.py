"""The three clocks of POLICY.md §3 on epoch floats: timelines, cycles, pauses, due and breach."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime

from slabridge.sla.calendar import BusinessCalendar
from slabridge.sla.ticket import BY_SLABRIDGE, STOPPED_STATUSES, Ticket

Segment = tuple[float, float]
_INF = float("inf")
_NO_INSTANT = -_INF  # equal to no event instant


@dataclass(slots=True)
class Timeline:
    """What a ticket's history says up to ``now``, as epoch floats.

    ``times[i]`` is when ``statuses[i]`` began; it lasts until ``times[i + 1]`` (the last one until
    ``now``). ``replies`` holds ``(at, is_public_agent_reply, is_customer_reply)`` in time order,
    and ``priority`` is the ticket's priority at ``now`` (None when it has none).

    ``ties`` places a status change among the replies at its instant (events at one instant apply
    in the order given): for an instant in ``times`` it holds how many replies at that instant are
    listed before the change, when any are; an instant not in it (or ``ties`` None, the usual
    case) has the change before its replies.

    ``priorities`` is the priority history when the priority changed by ``now``:
    ``(instant, priority)`` pairs in time order, the first at ``-inf`` (the priority before the
    first change); None when it did not change, so every cycle is judged by ``priority``.

    ``assignments`` holds the ``assignment`` events up to ``now`` as ``(at, group, agent)`` in
    time order (empty for most tickets: only group ownership reads it).
    """

    created: float
    now: float
    times: tuple[float, ...]
    statuses: tuple[str, ...]
    replies: tuple[tuple[float, bool, bool], ...]
    priority: str | None
    # The ticket's own datetimes by epoch float, so results reuse them instead of converting.
    instants: dict[float, datetime]
    ties: dict[float, int] | None = None
    priorities: tuple[tuple[float, str | None], ...] | None = None
    assignments: tuple[tuple[float, str | None, str | None], ...] = ()

    def moment(self, instant: float) -> datetime:
        """The aware UTC datetime of an epoch float (the ticket's own object when it has one)."""
        found = self.instants.get(instant)
        if found is None:
            found = datetime.fromtimestamp(instant, UTC)
            self.instants[instant] = found
        return found


def build_timeline(ticket: Ticket, now: float) -> Timeline:  # noqa: C901, PLR0912, PLR0915  one call per ticket on the hot path: inline on purpose (docs/benchmarks.md)
    """Apply §2's status rules and drop everything after ``now``.

    No status event: the ticket was in ``status`` since ``created_at``. Before the first status
    event it was ``new``. When the last status event disagrees with ``status``, the change happened
    at ``updated_at`` (or at that last event, if ``updated_at`` is older). Events before
    ``created_at`` count as happening at ``created_at``. The priority at ``now`` is the one of the
    last priority event at or before ``now``; before the first priority event it is that event's
    ``from``, or without one the ticket's ``priority``. A change slabridge wrote itself (``by:
    slabridge``) does not count: the priority stays what it was before it (its ``from``).

    Several status changes at one instant count as one, to the last status, made where the last
    of them that solves/closes or reopens the ticket is listed; the change placed at
    ``updated_at`` comes after every event. Where replies at that instant are listed before it,
    ``ties`` says so.
    """
    created_at = ticket.created_at
    created = created_at.timestamp()
    instants = {created: created_at}
    status_changes: list[tuple[float, str]] = []
    replies: list[tuple[float, bool, bool]] = []
    priority = ticket.priority
    last_status: str | None = None
    last_status_at = created
    reply_at = _NO_INSTANT  # the instant of the latest reply kept
    ties: dict[float, int] | None = None
    seen_priority = False
    changes: list[tuple[float, str | None]] | None = None
    assignments: list[tuple[float, str | None, str | None]] | None = None
    for event in ticket.events:
        kind = event.type
        moment = event.at
        at = moment.timestamp()
        if at < created:
            at = created
        else:
            instants[at] = moment
        if kind == "status":
            if at == reply_at and (event.status in STOPPED_STATUSES) is not (
                last_status in STOPPED_STATUSES
            ):
                # A solve or reopen listed after a reply at its instant (only these matter to
                # the replies: solved -> closed after a reply leaves the reply after the solve).
                ties = _tie(ties, replies, at)
            last_status = event.status
            last_status_at = at
            if at <= now and last_status is not None:
                status_changes.append((at, last_status))
        elif kind == "reply":
            if at <= now:
                agent = event.author == "agent"
                replies.append((at, agent and event.public, not agent))
                reply_at = at
        elif kind == "priority":
            if not seen_priority:  # before its first change the ticket had the one replaced
                seen_priority = True
                if event.has_from:
                    priority = event.from_priority
            if at > now:
                continue
            if event.by == BY_SLABRIDGE:
                # slabridge's own raise: the ticket keeps the priority it had before it.
                became = event.from_priority if event.has_from else priority
            else:
                became = event.priority
            if became != priority:
                if changes is None:
                    changes = [(-_INF, priority)]
                changes.append((at, became))
                priority = became
        elif kind == "assignment" and at <= now:
            if assignments is None:
                assignments = []
            assignments.append((at, event.group, event.agent))
    if last_status is None:
        initial = ticket.status
    else:
        initial = "new"
        if last_status != ticket.status:
            at = max(ticket.updated_at.timestamp(), last_status_at)
            if at <= now:
                status_changes.append((at, ticket.status))
                if at <= reply_at:  # it comes after every event, so after any reply at `at`
                    ties = _tie(ties, replies, at)
    times = [created]
    statuses = [initial]
    for at, status in status_changes:
        if status == statuses[-1]:
            continue
        if at == times[-1]:
            statuses[-1] = status  # several changes at one instant: the last one holds
            if len(statuses) > 1 and statuses[-2] == status:
                times.pop()
                statuses.pop()
        else:
            times.append(at)
            statuses.append(status)
    return Timeline(
        created,
        now,
        tuple(times),
        tuple(statuses),
        tuple(replies),
        priority,
        instants,
        ties,
        None if changes is None else tuple(changes),
        () if assignments is None else tuple(assignments),
    )


def priority_before(timeline: Timeline, instant: float) -> str | None:
    """The ticket's priority just before ``instant`` (a change at ``instant`` comes after it)."""
    history = timeline.priorities
    if history is None:
        return timeline.priority
    found = history[0][1]
    for at, priority in history:
        if at >= instant:
            break
        found = priority
    return found


def _tie(
    ties: dict[float, int] | None, replies: list[tuple[float, bool, bool]], at: float
) -> dict[float, int] | None:
    """``ties`` noting that every reply kept so far at ``at`` comes before the change there."""
    listed = 0
    for reply in replies:
        if reply[0] == at:
            listed += 1
    if listed:
        if ties is None:
            ties = {}
        ties[at] = listed
    return ties


def status_at(timeline: Timeline, at: float) -> str:
    """The status in force at ``at`` (after every change at that instant)."""
    index = bisect_right(timeline.times, at) - 1
    return timeline.statuses[index if index > 0 else 0]


def running_segments(
    timeline: Timeline, start: float, end: float, holes: frozenset[str]
) -> list[Segment]:
    """The parts of ``[start, end)`` during which the status is not in ``holes``, merged."""
    out: list[Segment] = []
    times = timeline.times
    statuses = timeline.statuses
    count = len(times)
    for i in range(count):
        seg_start = times[i]
        seg_end = times[i + 1] if i + 1 < count else end
        if seg_end <= start:
            continue
        if seg_start >= end:
            break
        if statuses[i] in holes:
            continue
        a = seg_start if seg_start > start else start
        b = seg_end if seg_end < end else end
        if a < b:
            if out and out[-1][1] == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        elif a == b and not out:
            out.append((a, a))  # a zero-length cycle still has its start
    return out


@dataclass(slots=True)
class CycleClock:
    """One cycle's clock in epoch floats, with the business segments it could count."""

    start: float
    stop: float | None
    segments: list[Segment]
    paused: bool
    elapsed: float
    due: float | None
    breached: bool
    at_risk: bool
    target: int
    calendar: BusinessCalendar
    warn_instant: float | None


# A counted cycle as a plain tuple, in CycleClock's field order: what the engine's hot path
# passes around (``CycleClock(*row)`` builds the object ``explain`` reads).
ClockRow = tuple[
    float,
    float | None,
    list[Segment],
    bool,
    float,
    float | None,
    bool,
    bool,
    int,
    BusinessCalendar,
    float | None,
]


def count_clock(
    calendar: BusinessCalendar,
    target: int,
    start: float,
    stop: float | None,
    segments: list[Segment],
    paused: bool,
    now: float,
    threshold: float | None,
) -> ClockRow:
    """Count a cycle: elapsed business time, due (§3.6), breach (§3.7) and at-risk (§4).

    ``segments`` are the stretches of ``[start, stop or now)`` outside the metric's pauses;
    ``paused`` says whether a running cycle sits in a pause at ``now``; ``threshold`` is the
    elapsed time from which a running cycle is at risk (see :func:`warn_threshold`). The
    result is a :data:`ClockRow` (``CycleClock(*row)`` builds the object ``explain`` reads).
    """
    end = stop if stop is not None else (now if now > start else start)
    if stop is not None:
        elapsed, due, warn_instant = calendar.count_cycle(segments, target, stop, None)
    elif paused:
        elapsed, due, warn_instant = calendar.count_cycle(segments, target, None, None)
    else:
        elapsed, due, warn_instant = calendar.count_cycle(segments, target, end, threshold)
    breached = due is not None and due < end
    at_risk = False
    if stop is None and not breached and threshold is not None:
        at_risk = elapsed >= threshold
        if at_risk and not paused:
            warn_instant = end
    return (
        start,
        stop,
        segments,
        paused,
        elapsed,
        due,
        breached,
        at_risk,
        target,
        calendar,
        warn_instant,
    )


def warn_threshold(target: int, warn_at: float | None, warn_before: int | None) -> float | None:
    """Elapsed seconds from which a running cycle is at risk (the earlier of the two rules)."""
    if warn_before is None:
        return None if warn_at is None else warn_at * target
    early = float(target - warn_before) if target > warn_before else 0.0
    return early if warn_at is None or early < warn_at * target else warn_at * target


def first_stop(timeline: Timeline) -> float | None:
    """When the ticket first became solved or closed (None if it has not by now)."""
    statuses = timeline.statuses
    stopped = STOPPED_STATUSES
    for status in statuses:
        if status in stopped:
            # The first occurrence of that status is this one (any earlier would have stopped).
            return timeline.times[statuses.index(status)]
    return None


def first_response_window(timeline: Timeline) -> tuple[float, float | None]:
    """Start and stop of first_response: the first public agent reply, or the first solve."""
    stop = first_stop(timeline)
    for at, public_agent, _customer in timeline.replies:
        if public_agent:
            if stop is None or at < stop:
                stop = at
            break
    return timeline.created, stop


def next_response_windows(timeline: Timeline) -> list[tuple[float, float | None]]:  # noqa: C901, PLR0912  one call per ticket on the hot path: inline on purpose (docs/benchmarks.md)
    """The waits of next_response, oldest first: ``(start, stop or None while waiting)``.

    A wait begins at the oldest customer reply after a public agent reply that is still
    unanswered and ends at the next public agent reply. Solving or closing ends a running wait
    (and answers it); a customer reply while the ticket is solved or closed starts its wait only
    when the ticket is reopened. A reply at the instant of a status change comes before it only
    when it is listed before it (``Timeline.ties``).
    """
    replies = timeline.replies
    for _at, _agent, customer in replies:  # a loop: cheaper than any() over a generator
        if customer:
            break
    else:
        return []
    # Only the instants where the ticket becomes solved/closed or is reopened matter here.
    times = timeline.times
    statuses = timeline.statuses
    # Our own copy: each reply listed before a change at its instant uses one up.
    ties = None if timeline.ties is None else dict(timeline.ties)
    solved = statuses[0] in STOPPED_STATUSES
    flips: list[tuple[float, bool]] = []
    previous = solved
    if solved and ties is not None and times[0] in ties:
        flips.append((times[0], True))  # solved at created_at, after replies listed before it
        solved = False
    for i in range(1, len(times)):
        flipped = statuses[i] in STOPPED_STATUSES
        if flipped is not previous:
            flips.append((times[i], flipped))
            previous = flipped
    windows: list[tuple[float, float | None]] = []
    answered = False
    waiting: float | None = None
    running: float | None = None
    index = 0
    count = len(flips)
    for at, public_agent, customer in [*replies, (_INF, False, False)]:
        # Status flips up to this reply; one at this very instant comes first unless the reply
        # is listed before it (events at one instant apply in the order given).
        while index < count and flips[index][0] <= at:
            flip_at, now_solved = flips[index]
            if flip_at == at and ties is not None and ties.get(at):
                ties[at] -= 1  # this reply uses up one listed before it
                break
            index += 1
            if now_solved:
                if running is not None:
                    windows.append((running, flip_at))
                running = None
                waiting = None
            elif waiting is not None and running is None:
                running = flip_at
            solved = now_solved
        if public_agent:
            if running is not None:
                windows.append((running, at))
            answered = True
            running = None
            waiting = None
        elif customer and answered and waiting is None:
            waiting = at
            if not solved:
                running = at
    if running is not None:
        windows.append((running, None))
    return windows


def _stop_flips(
    timeline: Timeline, ties: dict[float, int] | None
) -> tuple[list[tuple[float, bool]], bool]:
    """The instants the ticket becomes solved/closed (True) or is reopened (False), and whether
    it starts solved for the replies (not when replies at ``created_at`` are listed before)."""
    times = timeline.times
    statuses = timeline.statuses
    solved = statuses[0] in STOPPED_STATUSES
    flips: list[tuple[float, bool]] = []
    previous = solved
    if solved and ties is not None and times[0] in ties:
        flips.append((times[0], True))  # solved at created_at, after replies listed before it
        solved = False
    for i in range(1, len(times)):
        flipped = statuses[i] in STOPPED_STATUSES
        if flipped is not previous:
            flips.append((times[i], flipped))
            previous = flipped
    return flips, solved


def update_windows(timeline: Timeline) -> list[tuple[float, float | None]]:
    """The cycles of periodic_update and pausable_update, oldest first: ``(start, stop)``.

    Each public agent reply made while the ticket is not solved or closed starts a cycle; it
    stops at the next public agent reply (which starts the next) or when the ticket becomes
    solved or closed. A reply made while solved or closed starts nothing. A reply at the
    instant of a status change comes before it only when listed before it (``Timeline.ties``).
    """
    replies = timeline.replies
    for _at, public_agent, _customer in replies:
        if public_agent:
            break
    else:
        return []
    ties = None if timeline.ties is None else dict(timeline.ties)
    flips, solved = _stop_flips(timeline, ties)
    windows: list[tuple[float, float | None]] = []
    running: float | None = None
    index = 0
    count = len(flips)
    for at, public_agent, _customer in replies:
        while index < count and flips[index][0] <= at:
            flip_at, now_solved = flips[index]
            if flip_at == at and ties is not None and ties.get(at):
                ties[at] -= 1  # this reply is listed before the change at its instant
                break
            index += 1
            if now_solved and running is not None:
                windows.append((running, flip_at))
                running = None
            solved = now_solved
        if public_agent and not solved:
            if running is not None:
                windows.append((running, at))
            running = at
    while running is not None and index < count:  # a solve after the last reply stops it
        flip_at, now_solved = flips[index]
        index += 1
        if now_solved:
            windows.append((running, flip_at))
            running = None
    if running is not None:
        windows.append((running, None))
    return windows


def resolution_windows(
    timeline: Timeline, new_cycle: bool
) -> list[tuple[float, float | None, bool]]:
    """Resolution cycles: ``(start, stop or None, skips_solved_time)``.

    With ``resume`` there is one cycle from ``created_at`` whose clock skips the time spent
    solved or closed; it is stopped while the ticket is solved or closed. With ``new_cycle``
    every reopen starts a fresh cycle.
    """
    times = timeline.times
    statuses = timeline.statuses
    if not new_cycle:
        stop: float | None = None
        if statuses[-1] in STOPPED_STATUSES:
            stop = times[-1]
            # The stop is the instant the latest solved/closed stretch began.
            for i in range(len(statuses) - 1, -1, -1):
                if statuses[i] not in STOPPED_STATUSES:
                    break
                stop = times[i]
        return [(timeline.created, stop, True)]
    windows: list[tuple[float, float | None, bool]] = []
    running: float | None = None
    for i, (at, status) in enumerate(zip(times, statuses, strict=True)):
        stopped = status in STOPPED_STATUSES
        if i == 0:
            running = at
            if stopped:
                windows.append((at, at, False))
                running = None
            continue
        if stopped and running is not None:
            windows.append((running, at, False))
            running = None
        elif not stopped and running is None:
            running = at
    if running is not None:
        windows.append((running, None, False))
    return windows


__all__ = [
    "ClockRow",
    "CycleClock",
    "Segment",
    "Timeline",
    "build_timeline",
    "count_clock",
    "first_response_window",
    "first_stop",
    "next_response_windows",
    "priority_before",
    "resolution_windows",
    "running_segments",
    "status_at",
    "update_windows",
    "warn_threshold",
]
