"""Error budgets of goals: misses allowed so far and for the period, budget left, burn rates.

A goal "90% within 6h this month" allows 10% of the month's decided cycles to miss. The budget
is computed for the goal's period that holds ``as_of`` (docs/reports.md, "Error budgets"):

- **misses allowed so far**: ⌊(1 − share) × decided cycles so far⌋;
- **projected cycles**: the cycles counted so far (decided or still open) plus, while the
  period runs, the cycles the previous period of the same kind had in its part still ahead
  (the same share of it: on day 10 of 30, its last two thirds); with no cycle in the previous
  period, the cycles so far scaled up to the whole period;
- **misses allowed** for the period: ⌊(1 − share) × projected cycles⌋, and **budget left**:
  that minus the misses so far (negative when the budget is spent);
- **burn rates** (Google SRE workbook, "Alerting on SLOs", multi-window multi-burn-rate):
  the miss ratio of the cycles decided in a window divided by the allowed ratio 1 − share.
  A burn rate of 1 spends exactly the budget by the period's end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from fractions import Fraction
from typing import Any

from slabridge.report.compute import (
    CustomerIdentity,
    customer_identity,
    goal_verdict,
    scope_predicate,
)
from slabridge.report.models import Goal, format_percent
from slabridge.report.outcomes import Outcome
from slabridge.report.periods import Period, period_containing


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """A long and a short window and the burn rate both must reach to alert.

    The workbook's windows (1h/5m at 14.4x, 6h/30m at 6x) hold a handful of support cycles at
    best, so slabridge keeps its two longer pairs (docs/slo.md, "Why these windows").
    """

    name: str
    long_seconds: int
    short_seconds: int
    threshold: Fraction


BURN_WINDOWS: tuple[BurnWindow, ...] = (
    # 10% of a 30-day budget in one day: 0.10 × 30 days / 1 day = 3.
    BurnWindow("fast", 86_400, 7_200, Fraction(3)),
    # 10% of a 30-day budget in three days: 0.10 × 30 / 3 = 1.
    BurnWindow("slow", 259_200, 21_600, Fraction(1)),
)


@dataclass(frozen=True, slots=True)
class BurnRate:
    """The burn rate of one goal over one window pair, with the counts behind it."""

    window: BurnWindow
    allowed_ratio: Fraction  # 1 − share
    long_decided: int
    long_missed: int
    short_decided: int
    short_missed: int

    def _rate(self, missed: int, decided: int) -> Fraction | None:
        if decided == 0 or self.allowed_ratio == 0:
            return None
        return Fraction(missed, decided) / self.allowed_ratio

    @property
    def long_rate(self) -> Fraction | None:
        """Miss ratio in the long window ÷ (1 − share); None without decided cycles."""
        return self._rate(self.long_missed, self.long_decided)

    @property
    def short_rate(self) -> Fraction | None:
        return self._rate(self.short_missed, self.short_decided)

    @property
    def firing(self) -> bool:
        """Both windows at or above the threshold: burning now, and for long enough to matter."""
        long, short = self.long_rate, self.short_rate
        return (
            long is not None
            and short is not None
            and long >= self.window.threshold
            and short >= self.window.threshold
        )


@dataclass(frozen=True, slots=True)
class GoalBudget:
    """The error budget of one goal in the goal's period holding `as_of`."""

    goal_index: int
    goal: Goal
    period: Period
    as_of: datetime
    met: int
    missed: int
    open: int
    elapsed: Fraction  # share of the period behind `as_of`
    projection: str  # final | history | extrapolated | none
    history_cycles: int | None  # previous period's cycles in its part still ahead here
    projected_cycles: int
    burn_rates: tuple[BurnRate, ...]

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def allowed_ratio(self) -> Fraction:
        return 1 - self.goal.share

    @property
    def allowed_so_far(self) -> int:
        """Misses the decided cycles so far allow while the share stays at the goal."""
        return math.floor(self.allowed_ratio * self.decided)

    @property
    def allowed(self) -> int:
        """Misses the projected cycles of the whole period allow."""
        return math.floor(self.allowed_ratio * self.projected_cycles)

    @property
    def left(self) -> int:
        """Misses still allowed this period; negative once the budget is overspent."""
        return self.allowed - self.missed

    @property
    def spent(self) -> Fraction | None:
        """Misses so far ÷ misses allowed for the period; None when none are allowed."""
        return None if self.allowed == 0 else Fraction(self.missed, self.allowed)

    @property
    def in_progress(self) -> bool:
        return self.as_of < self.period.end

    @property
    def firing(self) -> tuple[str, ...]:
        """Names of the window pairs whose burn rate alerts."""
        return tuple(rate.window.name for rate in self.burn_rates if rate.firing)

    def sentence(self) -> str:
        """``first_response 90% in 2026-11: 3 missed of 40 decided; 9 allowed ...``."""
        spent = self.spent
        how = {
            "final": "the period's cycles",
            "history": "projected from last period",
            "extrapolated": "extrapolated from the period so far",
            "none": "no cycles yet",
        }[self.projection]
        text = (
            f"{self.goal.label} in {self.period.label}: {self.missed} missed of "
            f"{self.decided} decided ({self.allowed_so_far} allowed so far); "
            f"{self.allowed} allowed for {self.projected_cycles} cycles ({how}), "
            f"{self.left} left"
        )
        if spent is not None:
            text += f" ({format_percent(spent)} spent)"
        for rate in self.burn_rates:
            if rate.firing:
                text += (
                    f"; {rate.window.name} burn: {_rate_text(rate.long_rate)} over "
                    f"{_hours(rate.window.long_seconds)} and {_rate_text(rate.short_rate)} over "
                    f"{_hours(rate.window.short_seconds)} (alert at "
                    f"{_rate_text(rate.window.threshold)})"
                )
        return text


def _hours(seconds: int) -> str:
    return f"{seconds // 86_400}d" if seconds % 86_400 == 0 else f"{seconds // 3600}h"


def _rate_text(rate: Fraction | None) -> str:
    """``Fraction(9, 2)`` -> ``4.5x``; burn rates truncated to two decimals."""
    if rate is None:
        return "n/a"
    text = format_percent(rate / 100).rstrip("%")
    return text.rstrip("0").rstrip(".") + "x"


def window_label(seconds: int) -> str:
    """``86400`` -> ``1d``, ``7200`` -> ``2h``: the names windows go by in reports."""
    return _hours(seconds)


def burn_rate_text(rate: Fraction | None) -> str:
    """A burn rate for people: ``4.5x`` (truncated), ``n/a`` without decided cycles."""
    return _rate_text(rate)


def budget_period(goal: Goal, as_of: datetime, zone: tzinfo) -> Period:
    """The goal's period that holds the last instant before `as_of` (a period ends exclusive)."""
    last = (as_of - timedelta(microseconds=1)).astimezone(zone).date()
    return period_containing(goal.period, last, zone)


def _previous(period: Period) -> Period:
    return period_containing(period.kind, period.first_day - timedelta(days=1), period.zone)


def budget_start(goals: Sequence[Goal], as_of: datetime, zone: tzinfo) -> datetime | None:
    """The earliest cycle start budgets need: the previous period while a period still runs."""
    starts = []
    for goal in goals:
        period = budget_period(goal, as_of, zone)
        starts.append(_previous(period).start if as_of < period.end else period.start)
    return min(starts, default=None)


class _GoalTally:
    __slots__ = ("cut", "decisions", "history", "history_any", "met", "missed", "open")

    def __init__(self, cut: float) -> None:
        self.cut = cut  # previous-period instant matching `as_of` in this one
        self.met = self.missed = self.open = 0
        self.history = 0
        self.history_any = False
        self.decisions: list[tuple[float, bool]] = []  # (decided at, missed)


class BudgetTally:
    """Counts what budgets need while outcomes stream past (one pass, with the report's)."""

    def __init__(
        self,
        goals: Sequence[Goal],
        as_of: datetime,
        zone: tzinfo,
        *,
        identify: CustomerIdentity | None = None,
        windows: Sequence[BurnWindow] = BURN_WINDOWS,
    ) -> None:
        self.goals = tuple(goals)
        self.as_of = as_of
        self.windows = tuple(windows)
        who = identify or customer_identity()
        self._scopes = [
            scope_predicate(goal.scope, who) if goal.scope.conditions() else None
            for goal in self.goals
        ]
        self._periods = [budget_period(goal, as_of, zone) for goal in self.goals]
        self._previous = [_previous(period) for period in self._periods]
        self._elapsed = [_elapsed(period, as_of) for period in self._periods]
        self._tallies = []
        for previous, elapsed in zip(self._previous, self._elapsed, strict=True):
            start, end = previous.start.timestamp(), previous.end.timestamp()
            self._tallies.append(_GoalTally(start + float(elapsed) * (end - start)))
        longest = max((window.long_seconds for window in self.windows), default=0)
        self._burn_from = as_of.timestamp() - longest
        self._burn_from_at = as_of - timedelta(seconds=longest)

    def observe(self, outcomes: Iterable[Outcome]) -> Iterator[Outcome]:
        """Yield every outcome unchanged, counting it for each goal it belongs to."""
        as_of = self.as_of.timestamp()
        # Per metric, the goals that count it: one dict lookup per outcome, not one per goal.
        by_metric: dict[str, list[tuple[int, Goal, Any, tuple[float, float, float]]]] = {}
        for index, goal in enumerate(self.goals):
            period, previous = self._periods[index], self._previous[index]
            bounds = (
                period.start.timestamp(),
                previous.start.timestamp(),
                previous.end.timestamp(),
            )
            by_metric.setdefault(goal.metric, []).append((index, goal, self._scopes[index], bounds))
        for outcome in outcomes:
            counting = by_metric.get(outcome.metric)
            if counting:
                started = outcome.started_at.timestamp()
                recent = self._may_be_recent(outcome)
                for index, goal, predicate, bounds in counting:
                    if predicate is None or predicate(outcome.facts):
                        self._count(index, goal, outcome, started, recent, bounds, as_of)
            yield outcome

    def _may_be_recent(self, outcome: Outcome) -> bool:
        """Whether the cycle can have been decided inside the burn windows at all."""
        if outcome.stopped_at is None:
            return True  # a running miss is dated at as_of, a breach at its due time
        due = outcome.due_at
        return outcome.stopped_at > self._burn_from_at or (
            due is not None and due > self._burn_from_at
        )

    def _count(
        self,
        index: int,
        goal: Goal,
        outcome: Outcome,
        started: float,
        recent: bool,
        bounds: tuple[float, float, float],
        as_of: float,
    ) -> None:
        tally = self._tallies[index]
        start, previous_start, previous_end = bounds
        verdict = goal_verdict(goal, outcome)
        if start <= started < as_of:
            if verdict is None:
                tally.open += 1
            elif verdict:
                tally.met += 1
            else:
                tally.missed += 1
        elif previous_start <= started < previous_end:
            tally.history_any = True
            tally.history += started >= tally.cut
        if verdict is not None and recent:
            decided = decided_at(goal, outcome, self.as_of).timestamp()
            if self._burn_from < decided <= as_of:
                tally.decisions.append((decided, not verdict))

    def budgets(self) -> list[GoalBudget]:
        """The budgets, in the order of the goals (call after the outcomes were consumed)."""
        result = []
        as_of = self.as_of.timestamp()
        for index, goal in enumerate(self.goals):
            tally = self._tallies[index]
            period, elapsed = self._periods[index], self._elapsed[index]
            counted = tally.met + tally.missed + tally.open
            history: int | None = tally.history if tally.history_any else None
            if elapsed >= 1:
                projection, projected = "final", counted
            elif history is not None:
                projection, projected = "history", counted + history
            elif counted and elapsed > 0:
                projection, projected = "extrapolated", math.floor(counted / elapsed)
            else:
                projection, projected = "none", counted
            rates = tuple(
                _burn(window, 1 - goal.share, tally.decisions, as_of) for window in self.windows
            )
            result.append(
                GoalBudget(
                    goal_index=index,
                    goal=goal,
                    period=period,
                    as_of=self.as_of,
                    met=tally.met,
                    missed=tally.missed,
                    open=tally.open,
                    elapsed=elapsed,
                    projection=projection,
                    history_cycles=history,
                    projected_cycles=projected,
                    burn_rates=rates,
                )
            )
        return result


def _elapsed(period: Period, as_of: datetime) -> Fraction:
    length = (period.end - period.start).total_seconds()
    done = (min(as_of, period.end) - period.start).total_seconds()
    return Fraction(max(int(done), 0), int(length))


def _burn(
    window: BurnWindow, allowed: Fraction, decisions: Sequence[tuple[float, bool]], as_of: float
) -> BurnRate:
    counts = []
    for seconds in (window.long_seconds, window.short_seconds):
        inside = [missed for when, missed in decisions if as_of - seconds < when <= as_of]
        counts.append((len(inside), sum(inside)))
    (long_decided, long_missed), (short_decided, short_missed) = counts
    return BurnRate(window, allowed, long_decided, long_missed, short_decided, short_missed)


def decided_at(goal: Goal, outcome: Outcome, as_of: datetime) -> datetime:
    """When a decided cycle's verdict became known: the instant burn windows date it by.

    A met or stopped cycle at its stop; an SLA breach at its due time (`breached_at`); a
    running cycle past a `within` threshold at `as_of` (it is still being missed).
    """
    if outcome.stopped_at is not None and (goal.within is not None or outcome.status != "breached"):
        return outcome.stopped_at
    if goal.within is None and outcome.due_at is not None:
        return outcome.due_at
    return outcome.stopped_at or as_of


def goal_budgets(
    outcomes: Iterable[Outcome],
    goals: Sequence[Goal],
    as_of: datetime,
    zone: tzinfo,
    *,
    identify: CustomerIdentity | None = None,
) -> list[GoalBudget]:
    """Every goal's error budget as of `as_of` from outcome records (for the board and tests).

    `outcomes` must reach back to :func:`budget_start` for the projection from history.
    """
    tally = BudgetTally(goals, as_of, zone, identify=identify)
    for _ in tally.observe(outcomes):
        pass
    return tally.budgets()


__all__ = [
    "BURN_WINDOWS",
    "BudgetTally",
    "BurnRate",
    "BurnWindow",
    "GoalBudget",
    "budget_period",
    "budget_start",
    "burn_rate_text",
    "decided_at",
    "goal_budgets",
    "window_label",
]
