"""A report as JSON (nested, exact counts beside display percentages) or as one CSV table."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from typing import Any

from slabridge.report.compute import GoalResult, GroupSummary, Report
from slabridge.report.credits import CreditResult
from slabridge.report.models import percent_number
from slabridge.report.review_render import REVIEW_CSV_COLUMNS, review_csv_rows, review_json
from slabridge.report.slo_tabular import (
    SLO_CSV_COLUMNS,
    budget_json,
    budget_rows,
    risk_json,
    risk_row,
)
from slabridge.sla.ticket import format_timestamp

CSV_COLUMNS: tuple[str, ...] = (
    "section",
    "group",
    "goal",
    "window",
    "rule",
    "tickets",
    "cycles",
    "achieved",
    "breached",
    "open",
    "achieved_percent",
    "goal_percent",
    "met",
    "credit_percent",
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "resolution_median_seconds",
    "resolution_p90_seconds",
    *REVIEW_CSV_COLUMNS,
    "reason",
    *SLO_CSV_COLUMNS,
    "as_of",
)


def seconds_number(value: Fraction | int | None) -> int | float | None:
    """Whole seconds as an int; a median between two values may end in .5."""
    if value is None:
        return None
    if isinstance(value, int) or value.denominator == 1:
        return int(value)
    return float(value)


def _group_dict(report: Report, key: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(report.by, key, strict=True)) if key else {}


def _group_json(report: Report, summary: GroupSummary) -> dict[str, Any]:
    return {
        "group": _group_dict(report, summary.key),
        "label": report.group_label(summary.key),
        "tickets": summary.tickets,
        "cycles": summary.cycles,
        "achieved": summary.achieved,
        "breached": summary.breached,
        "open": summary.open,
        "achieved_percent": percent_number(summary.achieved_share),
        "first_response": {
            "median_seconds": seconds_number(summary.first_response_median),
            "p90_seconds": seconds_number(summary.first_response_p90),
        },
        "resolution": {
            "median_seconds": seconds_number(summary.resolution_median),
            "p90_seconds": seconds_number(summary.resolution_p90),
        },
    }


def _goal_json(report: Report, result: GoalResult) -> dict[str, Any]:
    goal = result.goal
    return {
        "goal": goal.label,
        "metric": goal.metric,
        "goal_percent": percent_number(goal.share),
        "within_seconds": goal.within,
        "period": goal.period,
        "window": {
            "label": result.window.label,
            "start": format_timestamp(result.window.start),
            "end": format_timestamp(result.window.end),
            "partial": result.window.partial,
        },
        "group": _group_dict(report, result.key),
        "label": report.group_label(result.key),
        "met_cycles": result.met_cycles,
        "decided_cycles": result.decided_cycles,
        "achieved_percent": percent_number(result.share),
        "met": result.met,
    }


def _credit_json(credit: CreditResult) -> dict[str, Any]:
    step = credit.step
    return {
        "customer": credit.customer,
        "customer_name": credit.customer_name,
        "tier": credit.tier,
        "rule": credit.rule,
        "metrics": list(credit.metrics),
        "achieved_cycles": credit.achieved_cycles,
        "decided_cycles": credit.decided_cycles,
        "compliance_percent": percent_number(credit.compliance),
        "step": None
        if step is None
        else {
            "below_percent": percent_number(step.below),
            "credit_percent": percent_number(step.credit),
        },
        "credit_percent": percent_number(credit.credit),
        "capped": credit.capped,
        "reason": credit.reason,
    }


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    period = report.period
    return {
        "period": {
            "label": period.label,
            "kind": period.kind,
            "start": format_timestamp(period.start),
            "end": format_timestamp(period.end),
            "timezone": str(period.zone),
        },
        "as_of": format_timestamp(report.as_of) if report.as_of else None,
        "in_progress": report.in_progress,
        "source": report.source,
        "data_source": report.data_source,
        "tickets_by_source": report.tickets_by_source,
        "empty_reason": report.empty_reason,
        "group_by": list(report.by),
        "total": _group_json(report, report.total),
        "groups": [_group_json(report, group) for group in report.groups] if report.by else [],
        "goals": [_goal_json(report, result) for result in report.goal_results],
        "credits": [_credit_json(credit) for credit in report.credits],
        "budgets": [budget_json(budget) for budget in report.budgets],
        "credits_at_risk": [risk_json(risk) for risk in report.credits_at_risk],
        "weekly": [
            {
                "week": week.label,
                "achieved_percent": percent_number(week.overall),
                "goals": {
                    goal.label: percent_number(value)
                    for goal, value in zip(report.goals, week.goals, strict=True)
                },
            }
            for week in report.weeks
        ],
        "first_response_distribution": {
            "most_common_target_seconds": report.first_response_target,
            "buckets": [
                {
                    "label": bucket.label,
                    "upper_seconds": bucket.upper_seconds,
                    "achieved": bucket.achieved,
                    "breached": bucket.breached,
                }
                for bucket in report.first_response_histogram
            ],
        },
        "breaches_by": report.breaches_by,
        **review_json(report.review),
        "problems": report.problems,
        "warnings": report.warnings,
    }


def render_json(report: Report) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


def _csv_group_row(report: Report, summary: GroupSummary) -> dict[str, Any]:
    return {
        "section": "group" if summary.key else "total",
        "group": report.group_label(summary.key),
        "tickets": summary.tickets,
        "cycles": summary.cycles,
        "achieved": summary.achieved,
        "breached": summary.breached,
        "open": summary.open,
        "achieved_percent": percent_number(summary.achieved_share),
        "first_response_median_seconds": seconds_number(summary.first_response_median),
        "first_response_p90_seconds": seconds_number(summary.first_response_p90),
        "resolution_median_seconds": seconds_number(summary.resolution_median),
        "resolution_p90_seconds": seconds_number(summary.resolution_p90),
    }


def render_csv(report: Report) -> str:
    """One table; `section` says what a row is: total, group, goal or credit (see docs)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    total = _csv_group_row(report, report.total)
    # The total row says when the figures were computed and whether the period is still running.
    as_of = format_timestamp(report.as_of) if report.as_of else ""
    total["as_of"] = as_of + (" (period in progress)" if report.in_progress else "")
    if report.empty_reason:
        total["reason"] = report.empty_reason
    writer.writerow(total)
    if report.by:
        for group in report.groups:
            writer.writerow(_csv_group_row(report, group))
    for result in report.goal_results:
        met = result.met
        writer.writerow(
            {
                "section": "goal",
                "group": report.group_label(result.key),
                "goal": result.goal.label,
                "window": result.window.label,
                "cycles": result.decided_cycles,
                "achieved": result.met_cycles,
                "achieved_percent": percent_number(result.share),
                "goal_percent": percent_number(result.goal.share),
                "met": "no data" if met is None else ("yes" if met else "no"),
            }
        )
    for credit in report.credits:
        name = (
            f"{credit.customer_name} ({credit.customer})"
            if credit.customer_name
            else credit.customer
        )
        writer.writerow(
            {
                "section": "credit",
                "group": f"customer={name}",
                "rule": credit.rule,
                "cycles": credit.decided_cycles,
                "achieved": credit.achieved_cycles,
                "achieved_percent": percent_number(credit.compliance),
                "credit_percent": percent_number(credit.credit),
                "reason": credit.reason,
            }
        )
    for budget in report.budgets:
        writer.writerows(budget_rows(budget))
    for risk in report.credits_at_risk:
        writer.writerow(risk_row(risk))
    for row in review_csv_rows(report.review):
        writer.writerow(row)
    # Where the figures came from: one row per source, with the tickets it gave.
    sources = report.tickets_by_source or ({report.data_source: 0} if report.data_source else {})
    for name, tickets in sources.items():
        writer.writerow(
            {"section": "source", "group": name, "tickets": tickets, "reason": report.source}
        )
    return buffer.getvalue()


__all__ = ["CSV_COLUMNS", "render_csv", "render_json", "report_json", "seconds_number"]
