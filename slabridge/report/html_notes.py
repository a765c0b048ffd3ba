"""The HTML report's notes: where its data came from, and true words where it has none."""

from __future__ import annotations

from html import escape

from slabridge.report.compute import Report


def no_credits_message(report: Report) -> str:
    """The empty credits chart's message; "no credit rules apply" only when none are configured."""
    if report.credits:
        return "No credits owed"
    if report.credits_configured and report.total.decided:
        return "No credit rule covers a customer this period"
    if report.credits_configured:
        return "No customer had a decided cycle to judge"
    return "No credit rules apply"


def no_goal_results(report: Report) -> str:
    """The goals table's stand-in when no goal has a result."""
    if not report.goals:
        return '<p class="note" id="table-goals">No goals configured.</p>'
    return (
        f'<p class="note" id="table-goals">{len(report.goals)} goal(s) configured; none has a '
        "decided cycle in this period.</p>"
    )


def no_credit_rows(report: Report) -> str:
    """The credits table's stand-in when no customer has a credit line."""
    if not report.credits_configured:
        text = "No credits configured."
    elif report.total.cycles:
        text = "No credit rule covers a customer this period."
    else:
        text = "Credit rules are configured; no customer had a cycle in this period."
    return f'<p class="note" id="table-credits">{text}</p>'


def source_lines(report: Report) -> str:
    """Which data the figures rest on and, for an empty report, why it is empty."""
    parts = []
    if report.data_source:
        used = " and ".join(
            f"{name} ({n} ticket{'' if n == 1 else 's'})"
            for name, n in report.tickets_by_source.items()
        )
        parts.append(
            f'<p class="as-of" id="data-source">Data: {escape(used or report.data_source)}.</p>'
        )
    if report.empty_reason:
        parts.append(
            f'<p class="banner empty" id="empty-reason"><b>No data for this period</b>: '
            f"{escape(report.empty_reason)}.</p>"
        )
    return "".join(parts)


__all__ = ["no_credit_rows", "no_credits_message", "no_goal_results", "source_lines"]
