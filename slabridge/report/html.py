"""The HTML report: one self-contained page (inline CSS and SVG; no scripts, fonts or network)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from html import escape

from slabridge.report.compute import GroupSummary, Report
from slabridge.report.credits import CreditResult
from slabridge.report.html_notes import (
    no_credit_rows,
    no_credits_message,
    no_goal_results,
    source_lines,
)
from slabridge.report.html_slo import budget_section, risk_section
from slabridge.report.models import format_percent, format_seconds, short_percent
from slabridge.report.review_render import review_html
from slabridge.report.svg import PALETTE, Series, bar_list, legend, line_chart, stacked_columns

# A bar chart shows this many rows at most; the note under it says how many there are.
BAR_LIMIT = 15

STYLE = """
body{margin:0;background:#f3f4f6;color:#1f2937;
font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}
main{max-width:1160px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}
.meta{color:#6b7280;margin:0 0 18px}
.banner{background:#fef3c7;border:1px solid #f59e0b;border-radius:6px;
padding:10px 14px;margin:0 0 18px}
.as-of{color:#6b7280;margin:0 0 18px}
.kpis{display:flex;gap:12px;flex-wrap:wrap}
.kpi{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;box-shadow:0 1px 2px #0001}
.kpi b{display:block;font-size:26px}.kpi span{color:#6b7280}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:16px}
figure.chart{background:#fff;margin:0;padding:12px;border-radius:8px;box-shadow:0 1px 2px #0001}
figure.chart svg{max-width:100%;height:auto}
figcaption{font-weight:600;margin-bottom:6px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden}
th,td{padding:6px 10px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.text,th.text{text-align:left}
td.text{white-space:normal;overflow-wrap:anywhere;min-width:8em}
th{background:#f9fafb;font-weight:600;white-space:normal}
.scroll{overflow-x:auto}
.met{color:#15803d;font-weight:600}.missed{color:#b91c1c;font-weight:600}.nodata{color:#6b7280}
.note{color:#6b7280;font-size:12px}
.chart-note{margin:6px 0 0}
.legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 18px}
.legend li{display:flex;align-items:baseline;gap:6px;min-width:0}
.legend .swatch{flex:none;width:14px;height:4px;align-self:center;border-radius:2px}
.legend .name{overflow-wrap:anywhere}.legend .goal{color:#6b7280;white-space:nowrap}
td .business,td .calendar,th .sub{display:block}
td .calendar,th .sub{color:#6b7280;font-size:12px;font-weight:400}
td .sub{display:block;color:#6b7280;font-size:12px;font-weight:400}
#table-budgets td{white-space:normal}
"""


def _pct(value: Fraction | None) -> str:
    return format_percent(value)


def _verdict(met: bool | None) -> str:
    if met is None:
        return '<span class="nodata">no data</span>'
    return '<span class="met">met</span>' if met else '<span class="missed">missed</span>'


def _table(
    table_id: str, headers: Sequence[str], rows: Sequence[Sequence[str]], text_cols: int
) -> str:
    # Headers are HTML written here (some carry a sub-label), never text from tickets.
    head = "".join(
        f'<th class="text">{h}</th>' if i < text_cols else f"<th>{h}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="text">{c}</td>' if i < text_cols else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    table = f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def _time_cell(business: Fraction | int | None, calendar: Fraction | int | None) -> str:
    """Business time with the calendar time beneath it in grey; the column header names both.

    "0s" of business time alone hides a reply sent before the office opened.
    """
    if business is None:
        return format_seconds(None)
    return (
        f'<span class="business">{format_seconds(business)}</span>'
        f'<span class="calendar" title="calendar time">{format_seconds(calendar)}</span>'
    )


def _group_row(report: Report, summary: GroupSummary) -> list[str]:
    return [
        escape(report.group_label(summary.key)),
        str(summary.tickets),
        str(summary.cycles),
        _pct(summary.achieved_share),
        str(summary.breached),
        str(summary.open),
        _time_cell(summary.first_response_median, summary.first_response_calendar_median),
        _time_cell(summary.first_response_p90, summary.first_response_calendar_p90),
        _time_cell(summary.resolution_median, summary.resolution_calendar_median),
        _time_cell(summary.resolution_p90, summary.resolution_calendar_p90),
    ]


def _times_header(name: str) -> str:
    return f'{escape(name)}<span class="sub">business / calendar</span>'


def _shown_note(shown: int, total: int, noun: str, order: str, see: str) -> str:
    """Say that a chart leaves rows out, which ones it kept, and where to find them all."""
    if shown >= total:
        return ""
    return f'<p class="note chart-note">{shown} of {total} {noun} shown ({order}); {see}.</p>'


def _percent_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value * 100)


def _weekly_chart(report: Report) -> str:
    labels = [week.label.split("-")[1] for week in report.weeks]
    series = [
        Series(
            goal.label, [_percent_float(w.goals[i]) for w in report.weeks], float(goal.share * 100)
        )
        for i, goal in enumerate(report.goals[: len(PALETTE) - 1])
    ]
    series.append(Series("all metrics (SLA)", [_percent_float(w.overall) for w in report.weeks]))
    chart = line_chart("Compliance per week against the goal", labels, series)
    # An empty chart says why it is empty; a legend for lines it does not draw would mislead.
    drawn = any(v is not None for line in series for v in line.values)
    return chart + legend(series) if drawn and labels else chart


def _histogram_chart(report: Report) -> str:
    buckets = report.first_response_histogram
    target = report.first_response_target
    marker = None
    if target is not None:
        marker = next(
            (
                i
                for i, b in enumerate(buckets)
                if b.upper_seconds is not None and target <= b.upper_seconds
            ),
            len(buckets) - 1,
        )
        # Draw the marker at the bucket's right edge only when the target is that bound exactly.
        if buckets[marker].upper_seconds != target:
            marker -= 1 if marker > 0 else 0
    return stacked_columns(
        "First response times against the target",
        [b.label for b in buckets],
        [b.achieved for b in buckets],
        [b.breached for b in buckets],
        ("within target", "over target"),
        marker,
        f"most common target {format_seconds(target)}" if target is not None else "",
    )


def _breach_chart(report: Report, dimension: str) -> str:
    counts = list(report.breaches_by.get(dimension, {}).items())
    shown = counts[:BAR_LIMIT]
    chart = bar_list(
        f"Breaches by {dimension}",
        [(name, float(count)) for name, count in shown],
        [f"{count}" for _, count in shown],
        empty_message="No breaches in this period",
    )
    see = f"a report with --by {dimension} lists every one"
    return chart + _shown_note(len(shown), len(counts), f"{dimension}s", "most breaches", see)


def _credits_chart(report: Report) -> str:
    owed = sorted(report.credits, key=lambda c: c.credit, reverse=True)
    names = Counter(c.customer_name or c.customer for c in owed)

    def label(credit: CreditResult) -> str:
        # The same company in two helpdesks has two customer ids: show the id where names clash.
        name = credit.customer_name or credit.customer
        return (
            f"{name} ({credit.customer})" if names[name] > 1 and name != credit.customer else name
        )

    shown = owed[:BAR_LIMIT]
    chart = bar_list(
        "Credits owed by customer",
        [(label(c), float(c.credit * 100)) for c in shown],
        [short_percent(c.credit) for c in shown],
        color="#d97706",
        empty_message=no_credits_message(report),
    )
    see = "the Service credits table lists every one"
    return chart + _shown_note(len(shown), len(owed), "customers", "largest credits", see)


def _as_of_banner(report: Report) -> str:
    if report.as_of is None:
        return ""
    when = f"{report.as_of:%Y-%m-%d %H:%M} UTC"
    if not report.in_progress:
        return f'<p class="as-of" id="as-of">Computed as of {when}; the period has ended.</p>'
    return (
        f'<p class="banner in-progress" id="in-progress"><b>Period in progress</b>: figures '
        f"so far, as of {when}. {report.total.open} cycle(s) are still open (running and not "
        "yet due); they count neither as achieved nor as breached until they stop or pass "
        "their due time.</p>"
    )


def render_html(report: Report) -> str:
    """The report as a single HTML document that works offline."""
    total = report.total
    period = report.period
    owed = [c for c in report.credits if c.credit > 0]
    goal_rows = [
        [
            escape(r.goal.label),
            escape(report.group_label(r.key)),
            escape(r.window.label + (" (partial)" if r.window.partial else "")),
            f"{r.met_cycles} / {r.decided_cycles}",
            _pct(r.share),
            short_percent(r.goal.share),
            _verdict(r.met),
        ]
        for r in report.goal_results
    ]
    credit_rows = [
        [
            escape(f"{c.customer_name} ({c.customer})" if c.customer_name else c.customer),
            escape(c.tier or ""),
            escape(c.reason),
            f"{c.achieved_cycles} / {c.decided_cycles}",
            _pct(c.compliance),
            short_percent(c.credit),
        ]
        for c in report.credits
    ]
    groups = [_group_row(report, report.total)]
    if report.by:
        groups += [_group_row(report, group) for group in report.groups]
    missed = sum(1 for r in report.goal_results if r.met is False and not r.key)
    problems = "".join(f"<li>{escape(p)}</li>" for p in report.problems)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No external resources of any kind: the page must open offline.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>SLA report {escape(period.label)}</title><style>{STYLE}</style>",
        "</head><body><main>",
        f"<h1>SLA report {escape(period.label)}</h1>",
        f'<p class="meta">{escape(period.kind)} from {period.start:%Y-%m-%d %H:%M} to '
        f"{period.end:%Y-%m-%d %H:%M} UTC (days from midnight {escape(str(period.zone))}) · "
        "cycles that started in the period · "
        f"source: {escape(report.source)}</p>",
        _as_of_banner(report),
        source_lines(report),
        '<section class="kpis" id="kpis">',
        f'<div class="kpi"><b>{total.tickets}</b><span>tickets</span></div>',
        f'<div class="kpi"><b>{_pct(total.achieved_share)}</b><span>cycles achieved</span></div>',
        f'<div class="kpi"><b>{total.breached}</b><span>breaches</span></div>',
        f'<div class="kpi"><b>{missed}</b><span>goals missed</span></div>',
        f'<div class="kpi"><b>{len(owed)}</b><span>customers owed credits</span></div>',
        "</section>",
        "<h2>Charts</h2>",
        '<section class="charts">',
        f'<figure class="chart" id="chart-weekly"><figcaption>Compliance per week against the goal'
        f"</figcaption>{_weekly_chart(report)}</figure>",
        f'<figure class="chart" id="chart-first-response"><figcaption>First response times '
        f"(business time) against the target</figcaption>{_histogram_chart(report)}</figure>",
        f'<figure class="chart" id="chart-breaches-product"><figcaption>Breaches by product'
        f"</figcaption>{_breach_chart(report, 'product')}</figure>",
        f'<figure class="chart" id="chart-breaches-tier"><figcaption>Breaches by tier'
        f"</figcaption>{_breach_chart(report, 'tier')}</figure>",
        f'<figure class="chart" id="chart-credits"><figcaption>Credits by customer'
        f"</figcaption>{_credits_chart(report)}</figure>",
        "</section>",
        "<h2>Goals</h2>",
        _table(
            "table-goals",
            ["Goal", "Group", "Window", "Met / decided", "Achieved", "Goal", "Verdict"],
            goal_rows,
            3,
        )
        if goal_rows
        else no_goal_results(report),
        budget_section(report),
        "<h2>Groups</h2>",
        _table(
            "table-groups",
            [
                "Group",
                "Tickets",
                "Cycles",
                "Achieved",
                "Breaches",
                "Open",
                _times_header("First response median"),
                _times_header("First response p90"),
                _times_header("Resolution median"),
                _times_header("Resolution p90"),
            ],
            groups,
            1,
        ),
        "<h2>Service credits</h2>",
        _table(
            "table-credits",
            ["Customer", "Tier", "Rule", "Achieved / decided", "Compliance", "Credit"],
            credit_rows,
            3,
        )
        if credit_rows
        else no_credit_rows(report),
        risk_section(report),
        review_html(report.review),
        '<p class="note">Percentages are exact ratios shown truncated to two decimals; times are '
        "business time on each metric's calendar (closed hours and pauses left out), with the "
        "calendar time from start to stop beneath it; p90 is the nearest-rank 90th "
        "percentile.</p>",
    ]
    if problems:
        parts.append(f'<h2>Not included</h2><ul id="problems">{problems}</ul>')
    parts.append("</main></body></html>\n")
    return "".join(parts)


__all__ = ["render_html"]
