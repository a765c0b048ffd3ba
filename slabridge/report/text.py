"""The report as plain text for a terminal or an e-mail body (`slabridge report --format text`)."""

from __future__ import annotations

from slabridge.report.compute import GroupSummary, Report
from slabridge.report.models import format_percent, format_seconds, short_percent
from slabridge.report.review_render import review_text
from slabridge.report.review_render import text_columns as columns


def _group_row(report: Report, summary: GroupSummary) -> list[str]:
    return [
        report.group_label(summary.key),
        str(summary.tickets),
        str(summary.cycles),
        format_percent(summary.achieved_share),
        str(summary.breached),
        str(summary.open),
        format_seconds(summary.first_response_median),
        format_seconds(summary.first_response_p90),
        format_seconds(summary.resolution_median),
        format_seconds(summary.resolution_p90),
    ]


def render_text(report: Report) -> str:
    """Headline figures, groups, goals, error budgets, credits, credits at risk and the review
    sections, in that order."""
    period = report.period
    lines = [
        f"SLA report {period.label} ({period.kind}, {period.start:%Y-%m-%d %H:%M} to "
        f"{period.end:%Y-%m-%d %H:%M} UTC; cycles that started in the period)",
    ]
    if report.source:
        lines.append(f"Source: {report.source}")
    if report.as_of is not None:
        state = "period in progress" if report.in_progress else "the period has ended"
        lines.append(f"As of {report.as_of:%Y-%m-%d %H:%M} UTC ({state})")
    if report.empty_reason:
        lines.append(f"No data for this period: {report.empty_reason}")
    lines += ["", "Groups (times are business time):"]
    groups = [report.total, *report.groups] if report.by else [report.total]
    lines += columns(
        [
            "group",
            "tickets",
            "cycles",
            "achieved",
            "breaches",
            "open",
            "first resp. median",
            "p90",
            "resolution median",
            "p90",
        ],
        [_group_row(report, summary) for summary in groups],
    )
    if report.goal_results:
        lines += ["", "Goals:"]
        lines += columns(
            ["goal", "group", "window", "met / decided", "achieved", "goal", "verdict"],
            [
                [
                    r.goal.label,
                    report.group_label(r.key),
                    r.window.label + (" (partial)" if r.window.partial else ""),
                    f"{r.met_cycles} / {r.decided_cycles}",
                    format_percent(r.share),
                    short_percent(r.goal.share),
                    "no data" if r.met is None else ("met" if r.met else "missed"),
                ]
                for r in report.goal_results
            ],
        )
    if report.budgets:
        lines += ["", "Error budgets:"]
        lines.extend(f"  {budget.sentence()}" for budget in report.budgets)
    if report.credits:
        lines += ["", "Service credits:"]
        lines += columns(
            ["customer", "compliance", "credit", "rule"],
            [
                [
                    f"{c.customer_name} ({c.customer})" if c.customer_name else c.customer,
                    format_percent(c.compliance),
                    short_percent(c.credit),
                    c.reason,
                ]
                for c in report.credits
            ],
        )
    if report.credits_at_risk:
        lines += ["", "Credits at risk:"]
        lines.extend(f"  {risk.sentence()}" for risk in report.credits_at_risk)
    lines += review_text(report.review)
    if report.problems:
        lines += ["", "Not included:", *(f"  - {problem}" for problem in report.problems)]
    return "\n".join(lines) + "\n"


__all__ = ["render_text"]
