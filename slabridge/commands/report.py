"""`slabridge report`: compliance, goals and service credits for a week, month or quarter."""

from __future__ import annotations

from pathlib import Path

import click

from slabridge.commands.options import config_option
from slabridge.report import history, running
from slabridge.report.compute import build_report, data_start
from slabridge.report.html import render_html
from slabridge.report.models import ReportSettingsError
from slabridge.report.review import review_of_tickets
from slabridge.report.review_source import tickets_updated_since
from slabridge.report.sources import read_ticket_file, replay
from slabridge.report.tabular import render_csv, render_json
from slabridge.report.text import render_text

RENDERERS = {"html": render_html, "csv": render_csv, "json": render_json, "text": render_text}

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("report")
@click.option("--period", required=True, help="2026-10 (month), 2026-W43 (ISO week), 2026-Q4.")
@click.option(
    "--by",
    "by_text",
    default=None,
    help="Group by: tier,product,metric,customer,connector,channel,type,group,agent.",
)
@click.option(
    "--format",
    "chosen_format",
    type=click.Choice(tuple(RENDERERS)),
    default=None,
    help="Output format (default: from --output's suffix, else json).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of standard output.",
)
@config_option("The policy file with its goals:, credits: and state:.")
@click.option(
    "--tickets",
    "tickets_path",
    type=_FILE,
    default=None,
    help="JSON lines of normalized tickets, evaluated as of the period end (default: the "
    "state store's evaluations, and its ticket snapshots replayed where none covers the period).",
)
@click.option(
    "--connector",
    default=None,
    help="Only this connector's tickets (with --tickets: a line's connector, else its source).",
)
@click.option("--timezone", default="UTC", show_default=True, help="Where period days start.")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Compute as of this ISO 8601 time (default: now; never later than the period's end).",
)
@click.option(
    "--review/--no-review",
    default=True,
    show_default=True,
    help="Time in status and the customer's side (reads every ticket's events).",
)
def command(
    period: str,
    by_text: str | None,
    chosen_format: str | None,
    output: Path | None,
    config_path: Path,
    tickets_path: Path | None,
    connector: str | None,
    timezone: str,
    now_text: str | None,
    review: bool,
) -> None:
    """Compliance per group, goals met or missed, and credits owed, for one period."""
    span = running.period_option(period, timezone)
    by = running.group_option(by_text)
    fmt = running.output_format(chosen_format, output, "json")
    config = running.load(config_path)
    # A cycle due after `as_of` is still open, not breached: in a period that is still running,
    # counting it as breached would report misses that have not happened (yet).
    as_of = running.as_of_option(now_text, span)
    start = data_start(span, config.goals, as_of)
    problems: list[str] = []
    counter = history.SourceCounter()
    if tickets_path is not None:
        loaded = read_ticket_file(tickets_path)
        problems.extend(loaded.problems)
        running.connector_option(
            connector,
            (t.origin for t in loaded.tickets if t.origin),
            f"{tickets_path.name}'s sources",
        )
        tickets = [t for t in loaded.tickets if connector is None or t.origin == connector]
        outcomes = counter.count(
            history.TICKET_FILE, replay(tickets, running.engine(config), start, as_of, problems)
        )
    else:
        running.connector_option(connector, config.connectors, str(config_path))
        store = running.open_state(config)
        # Stored evaluations where the window has them, replayed snapshots for the other
        # tickets: a new install reports on the weeks before its first sync.
        outcomes = history.store_history(
            store, running.engine(config), start, as_of, counter, connector, problems
        )
    try:
        report = build_report(
            outcomes,
            span,
            by=by,
            goals=config.goals,
            credits=config.credits,
            problems=problems,
            as_of=as_of,
            customers=config.customers,
        )
    except ReportSettingsError as error:
        raise running.settings_error(config_path, error) from None
    running.echo_warnings(report.warnings)
    if review:
        # Time in status and the customer's side read the tickets' events (docs/reports.md).
        review_problems: list[str] = list(problems)
        review_tickets = (
            tickets
            if tickets_path is not None
            else tickets_updated_since(store, span.start, connector, review_problems)
        )
        report.review = review_of_tickets(
            review_tickets, config.policy_set, report, config.customers
        )
        report.problems.extend(review_problems[len(problems) :])
    report.data_source = counter.data_source
    report.tickets_by_source = {k: v for k, v in counter.tickets.items() if v}
    if tickets_path is not None:
        report.source = f"{tickets_path.name}, evaluated as of {as_of:%Y-%m-%d %H:%M} UTC"
        if not report.total.cycles:
            report.empty_reason = history.file_empty_reason(tickets, tickets_path.name, span, as_of)
    else:
        report.source = history.store_source_text(counter, as_of)
        if not report.total.cycles:
            report.empty_reason = history.store_empty_reason(store, span, as_of, connector)
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    running.write_output(RENDERERS[fmt](report), output)


__all__ = ["command"]
