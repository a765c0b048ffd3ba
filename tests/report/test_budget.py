"""Error budgets and burn rates, every figure worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from slabridge.report.budget import (
    BURN_WINDOWS,
    budget_period,
    budget_start,
    burn_rate_text,
    goal_budgets,
)
from slabridge.report.models import Goal, validate_goals
from slabridge.report.outcomes import Outcome, OutcomeStatus, TicketFacts

AS_OF = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)  # day 10 of 30 done: elapsed 1/3


def goals(raw: list[dict[str, object]]) -> list[Goal]:
    found, problems = validate_goals(raw)
    assert not problems
    return found


FIRST_RESPONSE_90 = goals([{"metric": "first_response", "share": "90%"}])


def cycle(
    started: datetime,
    status: OutcomeStatus,
    elapsed: int,
    *,
    stopped: bool = True,
    metric: str = "first_response",
    target: int = 3600,
    tier: str = "enterprise",
    number: list[int] = [0],  # noqa: B006 - a running ticket number across calls
) -> Outcome:
    number[0] += 1
    facts = TicketFacts(connector="zendesk", ticket_id=str(number[0]), tier=tier)
    return Outcome(
        facts=facts,
        metric=metric,
        status=status,
        started_at=started,
        stopped_at=started + timedelta(seconds=elapsed) if stopped else None,
        due_at=started + timedelta(seconds=target),
        elapsed_seconds=elapsed,
        target_seconds=target,
    )


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def november() -> list[Outcome]:
    """21 first-response cycles of November up to the 11th, 1h target, 24x7 clock."""
    records = [cycle(at(2, 10 + i), "achieved", 1800) for i in range(14)]  # decided Nov 2
    records.append(cycle(at(9, 12), "achieved", 1800))  # decided Nov 9 12:30
    records.append(cycle(at(10, 9), "achieved", 1800))  # decided Nov 10 09:30
    records.append(cycle(at(10, 10), "achieved", 1800))  # decided Nov 10 10:30
    records.append(cycle(at(10, 23), "achieved", 1800))  # decided Nov 10 23:30
    # Breach A: due Nov 3 09:00, answered 10:00; the miss is dated at its due time.
    records.append(cycle(at(3, 8), "breached", 7200))
    # Breach B: due Nov 10 23:00, still running at as_of.
    records.append(cycle(at(10, 22), "breached", 7200, stopped=False))
    # Open: started Nov 10 23:30, due Nov 11 00:30, running: undecided.
    records.append(cycle(at(10, 23, 30), "open", 1800, stopped=False))
    return records


def october() -> list[Outcome]:
    """42 October cycles; the cut is Oct 1 + 1/3 × 31 days = Oct 11 08:00."""
    records = [cycle(at(5, 9, month=10), "achieved", 600) for _ in range(11)]
    records.append(cycle(at(11, 7, 59, 59, month=10), "achieved", 600))  # before the cut
    records.append(cycle(at(11, 8, month=10), "achieved", 600))  # at the cut: counts
    records += [cycle(at(20, 9, month=10), "achieved", 600) for _ in range(29)]
    return records


def test_budget_of_a_month_in_progress_projected_from_last_month() -> None:
    (budget,) = goal_budgets(october() + november(), FIRST_RESPONSE_90, AS_OF, UTC)
    assert budget.period.label == "2026-11"
    # 18 achieved (14 + 1 + 2 + 1), 2 breached, 1 open: 21 counted, 20 decided.
    assert (budget.met, budget.missed, budget.open, budget.decided) == (18, 2, 1, 20)
    assert budget.elapsed == Fraction(1, 3)  # 10 of 30 days
    # Allowed so far: floor(10% × 20) = 2.
    assert budget.allowed_so_far == 2
    # History: October's cycles at or after Oct 11 08:00: 1 + 29 = 30.
    assert (budget.projection, budget.history_cycles) == ("history", 30)
    # Projected: 21 so far + 30 = 51; allowed floor(10% × 51) = floor(5.1) = 5; left 5 - 2 = 3.
    assert (budget.projected_cycles, budget.allowed, budget.left) == (51, 5, 3)
    assert budget.spent == Fraction(2, 5)  # 40% of the month's budget spent
    assert budget.in_progress


def test_burn_rates_over_the_fast_and_slow_windows() -> None:
    (budget,) = goal_budgets(october() + november(), FIRST_RESPONSE_90, AS_OF, UTC)
    fast, slow = budget.burn_rates
    assert (fast.window.name, slow.window.name) == ("fast", "slow")
    # fast long (Nov 10 00:00, Nov 11 00:00]: met at 09:30, 10:30, 23:30 and breach B at 23:00:
    # 1 miss of 4 = 25%, ÷ 10% allowed = 2.5x.
    assert (fast.long_decided, fast.long_missed, fast.long_rate) == (4, 1, Fraction(5, 2))
    # fast short (Nov 10 22:00, 24:00]: 23:30 met, 23:00 missed: 1 of 2 = 50% ÷ 10% = 5x.
    assert (fast.short_decided, fast.short_missed, fast.short_rate) == (2, 1, Fraction(5))
    # 2.5x < 3x over the long window: the fast pair does not alert.
    assert not fast.firing
    # slow long (Nov 8 00:00, Nov 11]: the four above and Nov 9 12:30: 1 of 5 = 20% ÷ 10% = 2x.
    assert (slow.long_decided, slow.long_missed, slow.long_rate) == (5, 1, Fraction(2))
    # slow short (Nov 10 18:00, 24:00]: the same 1 of 2 = 5x; both ≥ 1x: the slow pair alerts.
    assert slow.short_rate == Fraction(5)
    assert slow.firing and budget.firing == ("slow",)
    assert burn_rate_text(fast.long_rate) == "2.5x"
    assert "slow burn: 2x over 3d and 5x over 6h (alert at 1x)" in budget.sentence()


def test_without_last_month_the_period_so_far_is_extrapolated() -> None:
    (budget,) = goal_budgets(november(), FIRST_RESPONSE_90, AS_OF, UTC)
    # 21 counted in 1/3 of the month: floor(21 × 3) = 63; allowed floor(6.3) = 6; left 6 - 2 = 4.
    assert (budget.projection, budget.history_cycles) == ("extrapolated", None)
    assert (budget.projected_cycles, budget.allowed, budget.left) == (63, 6, 4)


def test_an_ended_period_counts_its_own_cycles() -> None:
    end = datetime(2026, 12, 1, tzinfo=UTC)
    (budget,) = goal_budgets(october() + november(), FIRST_RESPONSE_90, end, UTC)
    # As of Dec 1 the month is over: projected = the 21 counted; floor(2.1) = 2 allowed, 0 left.
    assert (budget.projection, budget.projected_cycles, budget.allowed, budget.left) == (
        "final",
        21,
        2,
        0,
    )
    # Burn windows end at Dec 1: nothing was decided in them (breach B's due time is Nov 10).
    assert all(rate.long_rate is None for rate in budget.burn_rates)


def test_an_overspent_budget_is_negative() -> None:
    records = [cycle(at(2, 9 + i), "breached", 7200) for i in range(3)]
    records += [cycle(at(3, 9 + i), "achieved", 60) for i in range(7)]
    end = datetime(2026, 12, 1, tzinfo=UTC)
    (budget,) = goal_budgets(records, FIRST_RESPONSE_90, end, UTC)
    # 10 decided, floor(1.0) = 1 allowed, 3 missed: 1 - 3 = -2; spent 3 / 1 = 300%.
    assert (budget.allowed, budget.left, budget.spent) == (1, -2, Fraction(3))


def test_a_running_cycle_past_within_is_a_miss_dated_now() -> None:
    within = goals([{"metric": "resolution", "share": "80%", "within": "5h"}])
    # Running for 6h of business time at as_of: over 5h, a miss known at as_of.
    late = cycle(at(10, 18), "open", 6 * 3600, stopped=False, metric="resolution", target=28800)
    # Stopped after 4h: met, dated at its stop, Nov 10 16:00.
    quick = cycle(at(10, 12), "achieved", 4 * 3600, metric="resolution", target=28800)
    (budget,) = goal_budgets([late, quick], within, AS_OF, UTC)
    fast = budget.burn_rates[0]
    # short window (Nov 10 22:00, 24:00] holds only the miss dated at as_of: 1 of 1 = 100% ÷ 20%
    # allowed = 5x; the long window holds both: 1 of 2 = 50% ÷ 20% = 2.5x.
    assert (fast.short_decided, fast.short_rate) == (1, Fraction(5))
    assert (fast.long_decided, fast.long_rate) == (2, Fraction(5, 2))


def test_scope_and_metric_choose_the_cycles() -> None:
    scoped = goals([{"metric": "first_response", "share": "90%", "scope": {"tier": "pro"}}])
    records = [
        cycle(at(2, 9), "breached", 7200, tier="pro"),
        cycle(at(2, 10), "breached", 7200),  # enterprise: out of scope
        cycle(at(2, 11), "achieved", 60, tier="pro", metric="resolution"),  # another metric
    ]
    (budget,) = goal_budgets(records, scoped, AS_OF, UTC)
    assert (budget.met, budget.missed, budget.open) == (0, 1, 0)


def test_a_full_share_goal_allows_no_miss_and_has_no_burn_rate() -> None:
    strict = goals([{"metric": "first_response", "share": "100%"}])
    (budget,) = goal_budgets(november(), strict, AS_OF, UTC)
    assert (budget.allowed, budget.spent) == (0, None)
    assert all(rate.long_rate is None for rate in budget.burn_rates)


def test_budget_periods_and_the_data_they_need() -> None:
    weekly = goals([{"metric": "first_response", "share": "90%", "period": "week"}])
    # Nov 11 00:00 is the end of Tuesday Nov 10: ISO week 46 (Mon Nov 9 - Sun Nov 15).
    assert budget_period(weekly[0], AS_OF, UTC).label == "2026-W46"
    # In progress: the previous week (from Mon Nov 2) is needed for the projection.
    assert budget_start(weekly, AS_OF, UTC) == datetime(2026, 11, 2, tzinfo=UTC)
    # At the very end of November the month is over: only November itself is needed.
    end = datetime(2026, 12, 1, tzinfo=UTC)
    assert budget_period(FIRST_RESPONSE_90[0], end, UTC).label == "2026-11"
    assert budget_start(FIRST_RESPONSE_90, end, UTC) == datetime(2026, 11, 1, tzinfo=UTC)
    assert [w.name for w in BURN_WINDOWS] == ["fast", "slow"]
