"""Turn outcome records into a report: group figures, goals, credits and chart series."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from slabridge.customers import CustomerDirectory, resolve_rule_keys
from slabridge.report.credits import CreditResult, credits_owed
from slabridge.report.models import CreditSettings, Goal, ReportSettingsError
from slabridge.report.outcomes import Outcome
from slabridge.report.periods import Period, Window, goal_windows, weeks_of
from slabridge.report.stats import median, percentile_nearest_rank, share
from slabridge.sections.scope import CustomerIdentity, customer_identity, scope_predicate

if TYPE_CHECKING:
    from slabridge.report.at_risk import CreditRisk
    from slabridge.report.budget import GoalBudget

if TYPE_CHECKING:
    from slabridge.report.review import Review

# Report group keys; each but `metric`, `customer` and `connector` is a TicketFacts attribute
# of the same name (so a new fact key only needs adding here and to TicketFacts).
# `group`/`agent`: the owner of a group_ownership cycle (docs/reports.md); "(none)" otherwise.
GROUP_KEYS: tuple[str, ...] = (
    "tier",
    "product",
    "metric",
    "customer",
    "connector",
    "channel",
    "type",
    "group",
    "agent",
)
NONE_LABEL = "(none)"
TOTAL_KEY: tuple[str, ...] = ()

# First-response histogram buckets: upper bounds in business seconds (the last is open-ended).
HISTOGRAM_BOUNDS: tuple[tuple[str, int | None], ...] = (
    ("≤15m", 900),
    ("15–30m", 1800),
    ("30m–1h", 3600),
    ("1–2h", 7200),
    ("2–4h", 14400),
    ("4–8h", 28800),
    ("8–24h", 86400),
    (">24h", None),
)


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """The figures for one group (or the total, whose key is empty)."""

    key: tuple[str, ...]
    tickets: int
    cycles: int
    achieved: int
    breached: int
    open: int
    first_response_median: Fraction | None
    first_response_p90: int | None
    resolution_median: Fraction | None
    resolution_p90: int | None
    # The same stopped cycles in wall-clock time, start to stop (closed hours and pauses count):
    # a reply sent before the office opens is 0s of business time but hours for the customer.
    first_response_calendar_median: Fraction | None = None
    first_response_calendar_p90: int | None = None
    resolution_calendar_median: Fraction | None = None
    resolution_calendar_p90: int | None = None

    @property
    def decided(self) -> int:
        return self.achieved + self.breached

    @property
    def achieved_share(self) -> Fraction | None:
        return share(self.achieved, self.decided)


@dataclass(frozen=True, slots=True)
class GoalResult:
    """One goal judged over one window for one group."""

    goal_index: int
    goal: Goal
    key: tuple[str, ...]
    window: Window
    met_cycles: int
    decided_cycles: int

    @property
    def share(self) -> Fraction | None:
        return share(self.met_cycles, self.decided_cycles)

    @property
    def met(self) -> bool | None:
        """True when the share reaches the goal (exactly 90% meets 90%); None without data."""
        value = self.share
        return None if value is None else value >= self.goal.share


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """Compliance in one ISO week of the report period (clipped to the period)."""

    label: str
    overall: Fraction | None
    goals: tuple[Fraction | None, ...]


@dataclass(frozen=True, slots=True)
class HistogramBucket:
    label: str
    upper_seconds: int | None
    achieved: int
    breached: int


@dataclass(slots=True)
class Report:
    """Everything a renderer needs; computed once from outcome records."""

    period: Period
    by: tuple[str, ...]
    goals: tuple[Goal, ...]
    groups: list[GroupSummary]
    total: GroupSummary
    goal_results: list[GoalResult]
    credits: list[CreditResult]
    weeks: list[WeekPoint]
    first_response_histogram: list[HistogramBucket]
    first_response_target: int | None
    breaches_by: dict[str, dict[str, int]]
    customer_names: dict[str, str]
    source: str = ""
    problems: list[str] = field(default_factory=list)
    # When the figures were computed for; before the period's end the period is in progress.
    as_of: datetime | None = None
    # Where the figures came from (see slabridge/report/history.py) and, when no cycle started
    # in the period, why: an empty report says why it is empty, never just "0".
    data_source: str = ""
    tickets_by_source: dict[str, int] = field(default_factory=dict)
    empty_reason: str | None = None
    # Whether the config has credit rules: "no credit rules apply" must not be said when it does.
    credits_configured: bool = False
    # Config that still works but should change (e.g. a bare customer id in credits.customers).
    warnings: list[str] = field(default_factory=list)
    # Error budgets per goal (as of `as_of`) and credits one step from growing (docs/slo.md).
    budgets: list[GoalBudget] = field(default_factory=list)
    credits_at_risk: list[CreditRisk] = field(default_factory=list)
    # Per customer key: (achieved, decided) cycles of every metric in the period.
    customer_cycles: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Time in status and the customer's side (slabridge.report.review), when computed.
    review: Review | None = None

    @property
    def in_progress(self) -> bool:
        return self.as_of is not None and self.as_of < self.period.end

    def group_label(self, key: tuple[str, ...]) -> str:
        if not key:
            return "all"
        parts = []
        for name, value in zip(self.by, key, strict=True):
            if name == "customer" and value in self.customer_names:
                value = f"{self.customer_names[value]} ({value})"
            parts.append(f"{name}={value}")
        return ", ".join(parts)


def parse_group_keys(text: str | None) -> tuple[str, ...]:
    """`"tier,product"` -> ("tier", "product"); raises ValueError naming the valid keys."""
    if not text:
        return ()
    keys = tuple(part.strip() for part in text.split(",") if part.strip())
    for key in keys:
        if key not in GROUP_KEYS:
            raise ValueError(f"unknown group key {key!r} (use {', '.join(GROUP_KEYS)})")
    if len(set(keys)) != len(keys):
        raise ValueError("a group key is repeated")
    return keys


def goal_verdict(goal: Goal, outcome: Outcome) -> bool | None:
    """Did a cycle meet the goal? None while it is undecided.

    Without `within` the cycle's SLA outcome counts. With `within`, a stopped cycle meets it when
    its business time is at most `within`; a running one misses it once it has used more.
    """
    if goal.within is None:
        return None if outcome.status == "open" else outcome.status == "achieved"
    if outcome.stopped_at is not None:
        return outcome.elapsed_seconds <= goal.within
    return False if outcome.elapsed_seconds > goal.within else None


def data_start(period: Period, goals: Sequence[Goal], as_of: datetime | None = None) -> datetime:
    """The earliest cycle start a report needs (a quarterly goal in a monthly report looks back).

    With `as_of`, also what error budgets need: the previous goal period while one still runs.
    """
    starts = [period.start]
    for goal in goals:
        starts.extend(window.start for window in goal_windows(goal.period, period))
    if as_of is not None:
        from slabridge.report.budget import budget_start

        budgets = budget_start(goals, as_of, period.zone)
        starts.extend([budgets] if budgets is not None else [])
    return min(starts)


class _Accumulator:
    __slots__ = (
        "achieved",
        "breached",
        "first_response",
        "first_response_calendar",
        "open",
        "resolution",
        "resolution_calendar",
        "tickets",
    )

    def __init__(self) -> None:
        self.tickets: set[tuple[str, str]] = set()
        self.achieved = 0
        self.breached = 0
        self.open = 0
        self.first_response: list[int] = []
        self.resolution: list[int] = []
        self.first_response_calendar: list[int] = []
        self.resolution_calendar: list[int] = []

    def add(self, outcome: Outcome, wall: int) -> None:
        """Count one cycle; `wall` is its calendar seconds from start to stop (if stopped)."""
        facts = outcome.facts
        self.tickets.add((facts.connector, facts.ticket_id))
        status = outcome.status
        if status == "achieved":
            self.achieved += 1
        elif status == "breached":
            self.breached += 1
        else:
            self.open += 1
        if outcome.stopped_at is not None:
            if outcome.metric == "first_response":
                self.first_response.append(outcome.elapsed_seconds)
                self.first_response_calendar.append(wall)
            elif outcome.metric == "resolution":
                self.resolution.append(outcome.elapsed_seconds)
                self.resolution_calendar.append(wall)

    def summary(self, key: tuple[str, ...]) -> GroupSummary:
        # Sorted once here, the median's and the percentile's own sorts run in linear time.
        for values in (
            self.first_response,
            self.resolution,
            self.first_response_calendar,
            self.resolution_calendar,
        ):
            values.sort()
        return GroupSummary(
            key=key,
            tickets=len(self.tickets),
            cycles=self.achieved + self.breached + self.open,
            achieved=self.achieved,
            breached=self.breached,
            open=self.open,
            first_response_median=median(self.first_response),
            first_response_p90=percentile_nearest_rank(self.first_response, 90),
            resolution_median=median(self.resolution),
            resolution_p90=percentile_nearest_rank(self.resolution, 90),
            first_response_calendar_median=median(self.first_response_calendar),
            first_response_calendar_p90=percentile_nearest_rank(self.first_response_calendar, 90),
            resolution_calendar_median=median(self.resolution_calendar),
            resolution_calendar_p90=percentile_nearest_rank(self.resolution_calendar, 90),
        )


def _group_value(name: str, outcome: Outcome, customer: str | None) -> str:
    facts = outcome.facts
    if name == "metric":
        return outcome.metric
    if name == "customer":
        value = customer
    elif name == "connector":
        value = facts.connector
    elif name in ("group", "agent"):
        value = outcome.group if name == "group" else outcome.agent
    else:
        value = getattr(facts, name)
    return NONE_LABEL if value is None else str(value)


class _PeriodTally:
    """The figures of the cycles that start in the period: groups, weeks, histogram, breaches."""

    __slots__ = (
        "breaches_by",
        "bucket_bounds",
        "groups",
        "histogram",
        "targets",
        "total",
        "week_overall",
    )

    def __init__(self, weeks: int) -> None:
        self.total = _Accumulator()
        self.groups: dict[tuple[str, ...], _Accumulator] = defaultdict(_Accumulator)
        self.week_overall = [[0, 0] for _ in range(weeks)]
        self.histogram = [[0, 0] for _ in HISTOGRAM_BOUNDS]
        self.bucket_bounds = [upper for _, upper in HISTOGRAM_BOUNDS if upper is not None]
        self.targets: Counter[int] = Counter()
        self.breaches_by: dict[str, Counter[str]] = {"product": Counter(), "tier": Counter()}

    def add(self, outcome: Outcome, key: tuple[str, ...], week: int) -> None:
        facts = outcome.facts
        stopped = outcome.stopped_at
        wall = 0 if stopped is None else int((stopped - outcome.started_at).total_seconds())
        self.total.add(outcome, wall)
        self.groups[key].add(outcome, wall)
        status = outcome.status
        if status != "open":
            self.week_overall[week][0] += status == "achieved"
            self.week_overall[week][1] += 1
        if status == "breached":
            self.breaches_by["product"][facts.product or NONE_LABEL] += 1
            self.breaches_by["tier"][facts.tier or NONE_LABEL] += 1
        if outcome.metric == "first_response" and stopped is not None:
            # Bucket i holds (bound[i-1], bound[i]]; past the last bound is the open bucket.
            bucket = bisect_left(self.bucket_bounds, outcome.elapsed_seconds)
            self.histogram[bucket][0 if status == "achieved" else 1] += 1
            self.targets[outcome.target_seconds] += 1

    def first_response_histogram(self) -> list[HistogramBucket]:
        return [
            HistogramBucket(label, upper, achieved, breached)
            for (label, upper), (achieved, breached) in zip(
                HISTOGRAM_BOUNDS, self.histogram, strict=True
            )
        ]

    def first_response_target(self) -> int | None:
        """The most common first-response target (the histogram's reference line)."""
        return self.targets.most_common(1)[0][0] if self.targets else None


class _CustomerTally:
    """Per customer key: names, helpdesk aliases, latest tier and cycles per metric."""

    __slots__ = ("aliases", "customers", "names", "per_customer", "tiers")

    def __init__(self, customers: CustomerDirectory | None) -> None:
        self.customers = customers
        self.per_customer: dict[str, dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0])
        )
        self.names: dict[str, str] = {}
        self.tiers: dict[str, tuple[float, str | None]] = {}
        # The helpdesk ids and names behind each customer key: what a bare credit key may mean.
        self.aliases: dict[str, set[str]] = defaultdict(set)

    def add(self, outcome: Outcome, customer: str, started: float) -> None:
        facts = outcome.facts
        joined_name = self.customers.name_of(customer) if self.customers else None
        if joined_name is not None:
            self.names[customer] = joined_name
        elif facts.customer_name is not None and facts.customer_id is not None:
            self.names[customer] = facts.customer_name
        aliases = self.aliases[customer]
        for alias in (facts.customer_id, facts.customer_name):
            if alias is not None:
                aliases.add(alias)
        seen = self.tiers.get(customer)
        if seen is None or started >= seen[0]:
            self.tiers[customer] = (started, facts.tier)
        status = outcome.status
        if status != "open":
            counts = self.per_customer[customer][outcome.metric]
            counts[0] += status == "achieved"
            counts[1] += 1

    def credits_owed(self, settings: CreditSettings) -> tuple[list[CreditResult], list[str]]:
        """The credits owed and the warnings about ``credits.customers`` keys.

        Raises ReportSettingsError when a bare key names customers of several helpdesks.
        """
        tiers = {customer: tier for customer, (_, tier) in self.tiers.items()}
        resolution = resolve_rule_keys(settings.customers, self.aliases, self.names)
        if resolution.problems:
            raise ReportSettingsError(resolution.problems)
        owed = credits_owed(self.per_customer, tiers, self.names, settings, resolution.rules)
        return owed, resolution.warnings

    def cycles(self) -> dict[str, tuple[int, int]]:
        """Per customer key: (achieved, decided) cycles of every metric."""
        return {
            customer: (
                sum(counts[0] for counts in metrics.values()),
                sum(counts[1] for counts in metrics.values()),
            )
            for customer, metrics in self.per_customer.items()
        }


class _GoalTally:
    """Met and decided cycles per goal, window and group, and per goal and week of the period."""

    __slots__ = (
        "counts",
        "goals",
        "in_scope",
        "week_goals",
        "window_ends",
        "window_starts",
        "windows",
    )

    def __init__(
        self, goals: Sequence[Goal], period: Period, weeks: int, identify: CustomerIdentity
    ) -> None:
        self.goals = list(enumerate(goals))
        self.windows = [goal_windows(goal.period, period) for goal in goals]
        self.window_starts = [[w.start.timestamp() for w in ws] for ws in self.windows]
        self.window_ends = [[w.end.timestamp() for w in ws] for ws in self.windows]
        self.in_scope = [
            scope_predicate(goal.scope, identify) if goal.scope.conditions() else None
            for goal in goals
        ]
        self.counts: dict[tuple[int, int, tuple[str, ...]], list[int]] = defaultdict(lambda: [0, 0])
        self.week_goals = [[[0, 0] for _ in goals] for _ in range(weeks)]

    def add(
        self,
        outcome: Outcome,
        started: float,
        groups: tuple[tuple[str, ...], ...],
        week: int | None,
    ) -> None:
        """Count the cycle for each goal it meets or misses; ``week`` is None outside the period."""
        facts = outcome.facts
        for index, goal in self.goals:
            if outcome.metric != goal.metric:
                continue
            predicate = self.in_scope[index]
            if predicate is not None and not predicate(facts):
                continue
            verdict = goal_verdict(goal, outcome)
            if verdict is None:
                continue
            window_index = bisect_right(self.window_starts[index], started) - 1
            if window_index >= 0 and started < self.window_ends[index][window_index]:
                for group in groups:
                    counts = self.counts[(index, window_index, group)]
                    counts[0] += verdict
                    counts[1] += 1
            if week is not None:
                self.week_goals[week][index][0] += verdict
                self.week_goals[week][index][1] += 1

    def results(self) -> list[GoalResult]:
        results = [
            GoalResult(
                index, self.goals[index][1], group, self.windows[index][window], met, decided
            )
            for (index, window, group), (met, decided) in self.counts.items()
        ]
        results.sort(key=lambda r: (r.goal_index, r.key != TOTAL_KEY, r.key, r.window.start))
        return results


def _gather(
    outcomes: Iterable[Outcome],
    period: Period,
    by: tuple[str, ...],
    identify: CustomerIdentity,
    week_starts: list[float],
    tallies: tuple[_PeriodTally, _CustomerTally, _GoalTally],
) -> None:
    """One pass over the records, counting each cycle in the period, customer and goal tallies."""
    period_tally, customer_tally, goal_tally = tallies
    # Instants as POSIX seconds: float comparisons and bisection are far cheaper per record than
    # comparing aware datetimes, which matters at a million records.
    period_start, period_end = period.start.timestamp(), period.end.timestamp()
    for outcome in outcomes:
        started = outcome.started_at.timestamp()
        customer = identify(outcome.facts)
        key = tuple(_group_value(name, outcome, customer) for name in by)
        week: int | None = None
        if period_start <= started < period_end:
            week = bisect_right(week_starts, started) - 1
            period_tally.add(outcome, key, week)
            if customer is not None:
                customer_tally.add(outcome, customer, started)
        goal_tally.add(outcome, started, (TOTAL_KEY, key) if by else (TOTAL_KEY,), week)


def _week_points(
    weeks: Sequence[Period], period_tally: _PeriodTally, goal_tally: _GoalTally
) -> list[WeekPoint]:
    return [
        WeekPoint(
            label=week.label,
            overall=share(*period_tally.week_overall[i]),
            goals=tuple(share(*counts) for counts in goal_tally.week_goals[i]),
        )
        for i, week in enumerate(weeks)
    ]


def build_report(
    outcomes: Iterable[Outcome],
    period: Period,
    *,
    by: Sequence[str] = (),
    goals: Sequence[Goal] = (),
    credits: CreditSettings | None = None,
    source: str = "",
    problems: Sequence[str] = (),
    as_of: datetime | None = None,
    customers: CustomerDirectory | None = None,
) -> Report:
    """Compute a report over the cycles that START inside `period` (see docs/reports.md).

    Customers are keyed `connector:id`, or by their `customers:` entry when joined. Raises
    ReportSettingsError when a bare id in `credits.customers` names customers of several
    helpdesks (the candidates are in the message).
    """
    from slabridge.report import at_risk, budget  # they build on this module's helpers

    by = tuple(by)
    identify = customer_identity(customers)
    tally = None
    if goals and as_of is not None:
        # Budgets count in the same pass; their outcomes may reach back to the previous period.
        tally = budget.BudgetTally(goals, as_of, period.zone, identify=identify)
        outcomes = tally.observe(outcomes)
    # A week that has not begun at `as_of` has no data yet: it is not drawn as an empty week.
    weeks = [w for w in weeks_of(period) if as_of is None or w.start < as_of]
    week_starts = [week.start.timestamp() for week in weeks]
    period_tally = _PeriodTally(len(weeks))
    customer_tally = _CustomerTally(customers)
    goal_tally = _GoalTally(goals, period, len(weeks), identify)
    tallies = (period_tally, customer_tally, goal_tally)
    _gather(outcomes, period, by, identify, week_starts, tallies)

    goal_results = goal_tally.results()
    settings = credits or CreditSettings()
    owed, warnings = customer_tally.credits_owed(settings)
    groups = period_tally.groups
    return Report(
        period=period,
        by=by,
        goals=tuple(goals),
        groups=[groups[key].summary(key) for key in sorted(groups)],
        total=period_tally.total.summary(TOTAL_KEY),
        goal_results=goal_results,
        credits=owed,
        weeks=_week_points(weeks, period_tally, goal_tally),
        first_response_histogram=period_tally.first_response_histogram(),
        first_response_target=period_tally.first_response_target(),
        breaches_by={
            name: dict(counter.most_common()) for name, counter in period_tally.breaches_by.items()
        },
        customer_names=customer_tally.names,
        source=source,
        problems=list(problems),
        as_of=as_of,
        credits_configured=bool(credits),
        warnings=warnings,
        budgets=tally.budgets() if tally is not None else [],
        credits_at_risk=at_risk.credits_at_risk(owed, settings),
        customer_cycles=customer_tally.cycles(),
    )


__all__ = [
    "GROUP_KEYS",
    "HISTOGRAM_BOUNDS",
    "NONE_LABEL",
    "CustomerIdentity",
    "GoalResult",
    "GroupSummary",
    "HistogramBucket",
    "Report",
    "WeekPoint",
    "build_report",
    "customer_identity",
    "data_start",
    "goal_verdict",
    "parse_group_keys",
    "scope_predicate",
]
