"""Error budgets and credits at risk as JSON objects and CSV rows (beside the report's own)."""

from __future__ import annotations

from typing import Any

from slabridge.report.at_risk import CreditRisk
from slabridge.report.budget import BurnRate, GoalBudget, burn_rate_text, window_label
from slabridge.report.models import percent_number
from slabridge.sla.ticket import format_timestamp

# Added to the report's CSV columns (before `as_of`): rows of other sections leave them empty.
SLO_CSV_COLUMNS: tuple[str, ...] = (
    "misses_allowed_so_far",
    "projected_cycles",
    "misses_allowed",
    "budget_left",
    "burn_rate",
    "misses_to_next_step",
)


def _rate(value: Any) -> float | None:
    # A burn rate as a number truncated to two decimals, like every percentage (rate/100 × 100).
    return percent_number(value / 100) if value is not None else None


def _burn_json(rate: BurnRate) -> dict[str, Any]:
    window = rate.window
    return {
        "window": window.name,
        "long_window": window_label(window.long_seconds),
        "short_window": window_label(window.short_seconds),
        "threshold": _rate(window.threshold),
        "long": {
            "decided_cycles": rate.long_decided,
            "missed_cycles": rate.long_missed,
            "burn_rate": _rate(rate.long_rate),
        },
        "short": {
            "decided_cycles": rate.short_decided,
            "missed_cycles": rate.short_missed,
            "burn_rate": _rate(rate.short_rate),
        },
        "firing": rate.firing,
    }


def budget_json(budget: GoalBudget) -> dict[str, Any]:
    """One goal's budget: exact counts, the projection used, and each burn-rate window pair."""
    goal = budget.goal
    return {
        "goal": goal.label,
        "metric": goal.metric,
        "goal_percent": percent_number(goal.share),
        "period": {
            "label": budget.period.label,
            "start": format_timestamp(budget.period.start),
            "end": format_timestamp(budget.period.end),
        },
        "in_progress": budget.in_progress,
        "elapsed_percent": percent_number(budget.elapsed),
        "met_cycles": budget.met,
        "missed_cycles": budget.missed,
        "open_cycles": budget.open,
        "decided_cycles": budget.decided,
        "misses_allowed_so_far": budget.allowed_so_far,
        "projection": budget.projection,
        "history_cycles": budget.history_cycles,
        "projected_cycles": budget.projected_cycles,
        "misses_allowed": budget.allowed,
        "budget_left": budget.left,
        "budget_spent_percent": percent_number(budget.spent),
        "burn_rates": [_burn_json(rate) for rate in budget.burn_rates],
        "alerting": list(budget.firing),
        "summary": budget.sentence(),
    }


def risk_json(risk: CreditRisk) -> dict[str, Any]:
    """One customer's next credit step and the misses that reach it."""
    current = risk.current_step
    return {
        "customer": risk.customer,
        "customer_name": risk.customer_name,
        "tier": risk.tier,
        "rule": risk.rule,
        "current_step": None
        if current is None
        else {
            "below_percent": percent_number(current.below),
            "credit_percent": percent_number(current.credit),
        },
        "current_credit_percent": percent_number(risk.current_credit),
        "next_step": {
            "below_percent": percent_number(risk.next_step.below),
            "credit_percent": percent_number(risk.next_step.credit),
        },
        "next_credit_percent": percent_number(risk.next_credit),
        "misses_to_next_step": risk.misses_to_next,
        "summary": risk.sentence(),
    }


def budget_rows(budget: GoalBudget) -> list[dict[str, Any]]:
    """A `budget` row, then one `burn` row per window (long and short) of each pair."""
    rows: list[dict[str, Any]] = [
        {
            "section": "budget",
            "goal": budget.goal.label,
            "window": budget.period.label,
            "cycles": budget.decided,
            "achieved": budget.met,
            "breached": budget.missed,
            "open": budget.open,
            "goal_percent": percent_number(budget.goal.share),
            "misses_allowed_so_far": budget.allowed_so_far,
            "projected_cycles": budget.projected_cycles,
            "misses_allowed": budget.allowed,
            "budget_left": budget.left,
            "reason": budget.sentence(),
        }
    ]
    for rate in budget.burn_rates:
        window = rate.window
        verdict = (
            "alerting"
            if rate.firing
            else f"alerts when both windows reach {burn_rate_text(window.threshold)}"
        )
        for seconds, decided, missed, value in (
            (window.long_seconds, rate.long_decided, rate.long_missed, rate.long_rate),
            (window.short_seconds, rate.short_decided, rate.short_missed, rate.short_rate),
        ):
            rows.append(
                {
                    "section": "burn",
                    "goal": budget.goal.label,
                    "window": f"{window.name} {window_label(seconds)}",
                    "cycles": decided,
                    "breached": missed,
                    "burn_rate": _rate(value),
                    "reason": f"{window.name}: {verdict}",
                }
            )
    return rows


def risk_row(risk: CreditRisk) -> dict[str, Any]:
    return {
        "section": "credit_risk",
        "group": f"customer={risk.who}",
        "rule": risk.rule,
        "credit_percent": percent_number(risk.next_credit),
        "misses_to_next_step": risk.misses_to_next,
        "reason": risk.sentence(),
    }


__all__ = ["SLO_CSV_COLUMNS", "budget_json", "budget_rows", "risk_json", "risk_row"]
