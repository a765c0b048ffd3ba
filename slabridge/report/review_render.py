"""The review sections of a report (time in status, the customer's side) in JSON, CSV and HTML."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from html import escape
from typing import Any

from slabridge.report.models import format_percent, format_seconds, percent_number
from slabridge.report.review import CustomerSide, Durations, Review, StatusTime

# Added to the report's CSV columns (before `reason`): what a status or customer row carries.
REVIEW_CSV_COLUMNS: tuple[str, ...] = (
    "stays",
    "still_running",
    "median_seconds",
    "p90_seconds",
    "customer_status_stays",
    "customer_status_median_seconds",
    "customer_status_p90_seconds",
    "replies_answered",
    "replies_waiting",
    "reply_median_seconds",
    "reply_p90_seconds",
)


def _seconds(value: Fraction | int | None) -> int | float | None:
    # As slabridge.report.tabular.seconds_number: whole seconds, or .5 for an even median.
    if value is None:
        return None
    if isinstance(value, int) or value.denominator == 1:
        return int(value)
    return float(value)


def _durations_json(durations: Durations, ended: str, running: str) -> dict[str, Any]:
    return {
        ended: durations.ended,
        running: durations.running,
        "median_seconds": _seconds(durations.median_seconds),
        "p90_seconds": _seconds(durations.p90_seconds),
    }


def _status_json(row: StatusTime) -> dict[str, Any]:
    return {"status": row.status, "tickets": row.tickets} | _durations_json(
        row.stays, "ended_stays", "still_in_status"
    )


def _customer_json(row: CustomerSide) -> dict[str, Any]:
    return {
        "customer": row.customer,
        "customer_name": row.customer_name,
        "achieved_cycles": row.achieved_cycles,
        "decided_cycles": row.decided_cycles,
        "achieved_percent": percent_number(row.compliance),
        "customer_status": _durations_json(row.waiting_status, "ended_stays", "still_in_status"),
        "replies": _durations_json(row.replies, "answered", "waiting"),
        "summary": row.summary,
    }


def review_json(review: Review | None) -> dict[str, Any]:
    """`time_in_status` and `customer_side` keys of the report's JSON (empty when not computed)."""
    if review is None:
        return {"time_in_status": [], "customer_side": {"customer_statuses": [], "customers": []}}
    return {
        "time_in_status": [_status_json(row) for row in review.status_times],
        "customer_side": {
            "customer_statuses": list(review.customer_statuses),
            "customers": [_customer_json(row) for row in review.customers],
        },
    }


def review_csv_rows(review: Review | None) -> list[dict[str, Any]]:
    """A `status` row per status and a `customer` row per customer (see docs/reports.md)."""
    if review is None:
        return []
    rows: list[dict[str, Any]] = []
    for status in review.status_times:
        rows.append(
            {
                "section": "status",
                "group": f"status={status.status}",
                "tickets": status.tickets,
                "stays": status.stays.ended,
                "still_running": status.stays.running,
                "median_seconds": _seconds(status.stays.median_seconds),
                "p90_seconds": _seconds(status.stays.p90_seconds),
            }
        )
    for customer in review.customers:
        waiting, replies = customer.waiting_status, customer.replies
        rows.append(
            {
                "section": "customer",
                "group": f"customer={customer.label}",
                "cycles": customer.decided_cycles,
                "achieved": customer.achieved_cycles,
                "achieved_percent": percent_number(customer.compliance),
                "customer_status_stays": waiting.ended,
                "customer_status_median_seconds": _seconds(waiting.median_seconds),
                "customer_status_p90_seconds": _seconds(waiting.p90_seconds),
                "replies_answered": replies.ended,
                "replies_waiting": replies.running,
                "reply_median_seconds": _seconds(replies.median_seconds),
                "reply_p90_seconds": _seconds(replies.p90_seconds),
                "reason": customer.summary,
            }
        )
    return rows


def _table(table_id: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    # The report's table markup (slabridge.report.html): the first column is text.
    head = "".join(
        f'<th class="text">{h}</th>' if i == 0 else f"<th>{h}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="text">{c}</td>' if i == 0 else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    table = f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def _status_html(review: Review) -> str:
    if not review.status_times:
        return '<p class="note" id="table-status">No ticket changed status in this period.</p>'
    rows = [
        [
            escape(row.status),
            str(row.tickets),
            str(row.stays.ended),
            str(row.stays.running),
            format_seconds(row.stays.median_seconds),
            format_seconds(row.stays.p90_seconds),
        ]
        for row in review.status_times
    ]
    headers = ["Status", "Tickets", "Stays ended", "Still in status", "Median", "p90"]
    return _table("table-status", headers, rows)


def _customer_html(review: Review) -> str:
    if not review.customers:
        return '<p class="note" id="table-customer-side">No customer in this period.</p>'
    statuses = ", ".join(review.customer_statuses)
    lines = "".join(
        f"<li><b>{escape(row.label)}</b>: {escape(row.summary)}.</li>" for row in review.customers
    )
    rows = [
        [
            escape(row.label),
            format_percent(row.compliance),
            format_seconds(row.waiting_status.median_seconds),
            format_seconds(row.waiting_status.p90_seconds),
            format_seconds(row.replies.median_seconds),
            format_seconds(row.replies.p90_seconds),
            str(row.replies.ended),
            str(row.replies.running),
        ]
        for row in review.customers
    ]
    headers = [
        "Customer",
        "Our SLA achieved",
        f"In {escape(statuses)} median",
        f"In {escape(statuses)} p90",
        "Reply time median",
        "Reply time p90",
        "Answered",
        "Still waiting",
    ]
    return f'<ul id="customer-lines">{lines}</ul>' + _table("table-customer-side", headers, rows)


def review_html(review: Review | None) -> str:
    """The "Time in status" and "The customer's side" sections; nothing when not computed."""
    if review is None:
        return ""
    statuses = ", ".join(review.customer_statuses)
    return (
        "<h2>Time in status</h2>"
        f"{_status_html(review)}"
        "<h2>The customer's side</h2>"
        f'<p class="note">How long we waited on each customer: time in {escape(statuses)}, and '
        "from our public reply to the customer's next one. Business time on the calendar of "
        "the ticket's policy; stays and waits count in the period they started in, and those "
        "still running are counted apart, not in the median or p90.</p>"
        f"{_customer_html(review)}"
    )


def text_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns padded to the widest cell, indented; the first line is the header."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]


def review_text(review: Review | None) -> list[str]:
    """The review sections as lines of plain text; none when not computed."""
    if review is None:
        return []
    statuses = ", ".join(review.customer_statuses)
    lines = ["", "Time in status (business time; stays that started in the period):"]
    if review.status_times:
        lines += text_columns(
            ["status", "tickets", "stays ended", "still in status", "median", "p90"],
            [
                [
                    row.status,
                    str(row.tickets),
                    str(row.stays.ended),
                    str(row.stays.running),
                    format_seconds(row.stays.median_seconds),
                    format_seconds(row.stays.p90_seconds),
                ]
                for row in review.status_times
            ],
        )
    else:
        lines.append("  No ticket changed status in this period.")
    lines += ["", f"The customer's side (waiting on the customer: {statuses}; replies):"]
    if not review.customers:
        lines.append("  No customer in this period.")
    for row in review.customers:
        waiting, replies = row.waiting_status, row.replies
        lines += [
            f"  {row.label}: {row.summary}.",
            f"    in {statuses}: median {format_seconds(waiting.median_seconds)}, p90 "
            f"{format_seconds(waiting.p90_seconds)} ({waiting.ended} ended, {waiting.running} "
            f"still); replies: median {format_seconds(replies.median_seconds)}, p90 "
            f"{format_seconds(replies.p90_seconds)} ({replies.ended} answered, "
            f"{replies.running} waiting)",
        ]
    return lines


__all__ = [
    "REVIEW_CSV_COLUMNS",
    "review_csv_rows",
    "review_html",
    "review_json",
    "review_text",
    "text_columns",
]
