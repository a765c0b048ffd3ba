"""Good/total cycle counters per goal and period on /metrics (for Sloth, Pyrra, PromQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest

from slabridge.report.budget import goal_budgets
from slabridge.report.models import validate_goals
from slabridge.report.outcomes import Outcome, OutcomeStatus, TicketFacts
from slabridge.report.slo_metrics import GOAL_CYCLES
from slabridge.telemetry import REGISTRY


def cycle(number: int, started: datetime, status: OutcomeStatus, elapsed: int) -> Outcome:
    return Outcome(
        facts=TicketFacts("zendesk", str(number)),
        metric="first_response",
        status=status,
        started_at=started,
        stopped_at=started + timedelta(seconds=elapsed) if status != "open" else None,
        due_at=started + timedelta(hours=1),
        elapsed_seconds=elapsed,
        target_seconds=3600,
    )


def test_the_counters_carry_good_and_total_cycles_per_goal_and_period() -> None:
    goals, problems = validate_goals([{"metric": "first_response", "share": "90%"}])
    assert not problems
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [cycle(i, start + timedelta(hours=i), "achieved", 600) for i in range(7)]
    records += [cycle(7, start, "breached", 7200), cycle(8, start, "open", 60)]
    as_of = datetime(2026, 11, 11, tzinfo=UTC)
    GOAL_CYCLES.set(goal_budgets(records, goals, as_of, UTC))
    labels = {"goal": "first_response 90%", "period": "2026-11"}
    # 7 met + 1 missed = 8 decided (the open cycle counts in neither).
    assert REGISTRY.get_sample_value("slabridge_goal_cycles_total", labels) == 8
    assert REGISTRY.get_sample_value("slabridge_goal_good_cycles_total", labels) == 7
    assert REGISTRY.get_sample_value("slabridge_goal_missed_cycles_total", labels) == 1
    # Projected floor(9 × 3) = 27 cycles (10 of 30 days, no October): floor(2.7) = 2 allowed,
    # 2 - 1 = 1 left.
    assert REGISTRY.get_sample_value("slabridge_goal_budget_left", labels) == 1
    text = generate_latest(REGISTRY).decode()
    assert "# TYPE slabridge_goal_cycles_total counter" in text
    series = 'slabridge_goal_good_cycles_total{goal="first_response 90%",period="2026-11"}'
    assert f"{series} 7.0" in text
    GOAL_CYCLES.set([])
    assert REGISTRY.get_sample_value("slabridge_goal_cycles_total", labels) is None
