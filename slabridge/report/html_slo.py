"""The HTML report's error budget table and credits-at-risk list (docs/slo.md)."""

from __future__ import annotations

from html import escape

from slabridge.report.budget import BurnRate, GoalBudget, burn_rate_text, window_label
from slabridge.report.compute import Report
from slabridge.report.models import format_percent

_PROJECTION = {
    "final": "the period's cycles",
    "history": "so far + last period",
    "extrapolated": "extrapolated",
    "none": "no cycles yet",
}


def _burn_cell(rate: BurnRate) -> str:
    window = rate.window
    text = (
        f"{burn_rate_text(rate.long_rate)} / {burn_rate_text(rate.short_rate)}"
        f'<span class="sub">{window_label(window.long_seconds)} / '
        f"{window_label(window.short_seconds)}, alert at {burn_rate_text(window.threshold)}</span>"
    )
    if rate.firing:
        return f'<span class="missed burn-alert">{text}<span class="sub">alerting</span></span>'
    return text


def _left_cell(budget: GoalBudget) -> str:
    css = "missed" if budget.left < 0 else "met"
    return f'<span class="{css}">{budget.left}</span>'


def _row(budget: GoalBudget) -> str:
    period = budget.period.label + (" (in progress)" if budget.in_progress else "")
    cells = [
        f'<td class="text">{escape(budget.goal.label)}</td>',
        f'<td class="text">{escape(period)}</td>',
        f"<td>{budget.missed} / {budget.decided}</td>",
        f"<td>{budget.allowed_so_far}</td>",
        f"<td>{budget.projected_cycles}"
        f'<span class="sub">{_PROJECTION[budget.projection]}</span></td>',
        f"<td>{budget.allowed}</td>",
        f"<td>{_left_cell(budget)}</td>",
        f"<td>{format_percent(budget.spent)}</td>",
        *(f"<td>{_burn_cell(rate)}</td>" for rate in budget.burn_rates),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def budget_section(report: Report) -> str:
    """`<h2>Error budgets</h2>` and one row per goal; nothing without budgets."""
    if not report.budgets:
        return ""
    rates = report.budgets[0].burn_rates
    headers = [
        '<th class="text">Goal</th>',
        '<th class="text">Period</th>',
        "<th>Missed / decided</th>",
        "<th>Misses allowed so far</th>",
        "<th>Projected cycles</th>",
        "<th>Misses allowed</th>",
        "<th>Budget left</th>",
        "<th>Spent</th>",
        *(f"<th>{escape(rate.window.name.capitalize())} burn</th>" for rate in rates),
    ]
    rows = "".join(_row(budget) for budget in report.budgets)
    return (
        "<h2>Error budgets</h2>"
        f'<div class="scroll"><table id="table-budgets"><thead><tr>{"".join(headers)}</tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
        '<p class="note">Burn rate = the share of decided cycles that missed ÷ the share the '
        "goal allows; 1x spends the budget exactly by the period's end. A pair alerts when "
        "both its long and short window reach the threshold.</p>"
    )


def risk_section(report: Report) -> str:
    """`<h2>Credits at risk</h2>`: one sentence per customer one step from a larger credit."""
    if not report.credits_at_risk:
        return ""
    items = "".join(f"<li>{escape(risk.sentence())}</li>" for risk in report.credits_at_risk)
    return f'<h2>Credits at risk</h2><ul id="credits-at-risk">{items}</ul>'


__all__ = ["budget_section", "risk_section"]
