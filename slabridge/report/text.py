"""The report as plain text for a terminal: totals, goals, error budgets and credits."""

from __future__ import annotations

from slabridge.report.compute import Report
from slabridge.report.models import format_percent, short_percent


def render_text(report: Report) -> str:
    """A few readable lines per section; JSON and CSV carry the exact counts."""
    period, total = report.period, report.total
    when = f"as of {report.as_of:%Y-%m-%d %H:%M} UTC" if report.as_of else "as of the period end"
    if report.in_progress:
        when += ", period in progress"
    lines = [
        f"SLA report {period.label} ({when})",
        f"Cycles: {total.cycles} ({total.achieved} achieved, {total.breached} breached, "
        f"{total.open} open), achieved {format_percent(total.achieved_share)}",
    ]
    if report.empty_reason:
        lines.append(f"No data: {report.empty_reason}")
    if report.goal_results:
        lines.append("Goals:")
        for result in report.goal_results:
            verdict = "no data" if result.met is None else ("met" if result.met else "missed")
            lines.append(
                f"  {result.goal.label} [{report.group_label(result.key)}, {result.window.label}]:"
                f" {result.met_cycles}/{result.decided_cycles} = {format_percent(result.share)}"
                f" (goal {short_percent(result.goal.share)}) {verdict}"
            )
    if report.budgets:
        lines.append("Error budgets:")
        lines.extend(f"  {budget.sentence()}" for budget in report.budgets)
    if report.credits:
        lines.append("Credits:")
        for credit in report.credits:
            who = (
                f"{credit.customer_name} ({credit.customer})"
                if credit.customer_name
                else credit.customer
            )
            lines.append(
                f"  {who}: {format_percent(credit.compliance)} compliance, credit "
                f"{short_percent(credit.credit)} ({credit.reason})"
            )
    if report.credits_at_risk:
        lines.append("Credits at risk:")
        lines.extend(f"  {risk.sentence()}" for risk in report.credits_at_risk)
    return "\n".join(lines) + "\n"


__all__ = ["render_text"]
