"""``slabridge sync``: one run of every configured connector (or the named ones)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from slabridge.alerts.message import AlertMessage
from slabridge.commands.options import config_option
from slabridge.commands.output import chosen_format, format_option
from slabridge.logs import configure_logging, is_quiet, redact_text
from slabridge.metrics_http import push, write_textfile
from slabridge.sync.plan import describe_changes
from slabridge.sync.runtime import (
    Runtime,
    SyncOutcome,
    build_runtime,
    sync_all,
)
from slabridge.sync.summary import PlannedWrite, RunSummary
from slabridge.telemetry import record_run, set_open_tickets

log = structlog.get_logger("slabridge.sync")


def parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time (try 2026-03-10T12:00:00Z)", param_hint="--now"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a UTC offset (add Z or +hh:mm)", param_hint="--now")
    return moment.astimezone(UTC)


@contextmanager
def progress_display(
    enabled: bool, totals: Mapping[str, int | None] | None = None
) -> Iterator[Callable[[str, int], None] | None]:
    """A rich progress bar on a terminal (tickets processed per connector); nothing otherwise.

    Where ``totals`` knows how many tickets a connector will read, its bar has an end and
    shows the time left; otherwise it counts up.
    """
    if not enabled:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} of {task.fields[expected]} tickets"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def advance(connector: str, count: int) -> None:
            if connector not in tasks:
                total = (totals or {}).get(connector)
                expected = f"~{total:,}" if total is not None else "?"
                tasks[connector] = int(bar.add_task(connector, total=total, expected=expected))
            bar.advance(tasks[connector], count)  # type: ignore[arg-type]

        yield advance


def read_estimates(runtime: Runtime, *, full: bool, watched: bool) -> dict[str, int | None]:
    """How many tickets each connector expects to read, where its API says (one call each).

    Asked for a run a person watches (``watched``: the progress bar) and for every first sync,
    which on a large, old account can take hours: it says so up front, with what to change.
    """
    estimates: dict[str, int | None] = {}
    for name, connector in runtime.connectors.items():
        cursor = None if full else runtime.store.get_cursor(name)
        if not watched and cursor is not None:
            continue
        try:
            estimates[name] = connector.estimate_changed(cursor)
        except Exception:  # an estimate is a courtesy; the sync does not depend on it
            estimates[name] = None
        if cursor is None and estimates[name] is not None:
            log.info(
                "first_sync_estimate",
                connector=name,
                tickets=estimates[name],
                hint=f"set connectors.{name}.start to read less history",
            )
            if watched:
                click.echo(
                    f"{name}: first sync, about {estimates[name]:,} tickets to read "
                    f"(connectors.{name}.start reads less history)",
                    err=True,
                )
    return estimates


def planned_json(planned: Sequence[PlannedWrite]) -> list[dict[str, object]]:
    return [
        {
            "connector": write.connector,
            "ticket": write.ticket_id,
            "policy": write.policy,
            "breached": write.breached,
            "at_risk": write.at_risk,
            "changes": write.changes.to_json(),
        }
        for write in planned
    ]


def print_planned(planned: Sequence[PlannedWrite], *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(planned_json(planned), indent=2))
        return
    table = Table(title=f"Planned write-back ({len(planned)} ticket(s); dry run, nothing written)")
    for column in ("Connector", "Ticket", "Policy", "State", "Changes"):
        table.add_column(column)
    for write in planned:
        state = "breached" if write.breached else ("at risk" if write.at_risk else "ok")
        table.add_row(
            write.connector,
            write.ticket_id,
            write.policy or "-",
            state,
            describe_changes(write.changes),
        )
    Console().print(table)


def print_planned_alerts(alerts: Sequence[AlertMessage], *, as_json: bool) -> None:
    """The alerts a dry run would send; JSON output keeps its shape, so they go to stderr."""
    if not alerts:
        return
    if as_json:
        for alert in alerts:
            click.echo(json.dumps({"dry_run_alert": alert.to_json()}, sort_keys=True), err=True)
        return
    table = Table(title=f"Alerts ({len(alerts)} message(s); dry run, nothing sent or stored)")
    for column in ("Channel", "Rule", "Level", "Message"):
        table.add_column(column)
    for alert in alerts:
        table.add_row(alert.channel, alert.rule, str(alert.level), alert.text())
    Console().print(table)


def print_summaries(summaries: Sequence[RunSummary]) -> None:
    table = Table(title="Sync")
    for column in (
        "Connector",
        "Status",
        "Fetched",
        "Due",
        "Changed",
        "Written",
        "Failed",
        "New breaches",
        "API calls",
        "Seconds",
    ):
        table.add_column(column)
    for s in summaries:
        table.add_row(
            s.connector,
            s.status,
            str(s.fetched),
            str(s.due_rechecked),
            str(s.changed),
            str(s.written),
            str(s.failed + s.parked),
            str(s.new_breaches),
            str(s.api_calls),
            f"{s.duration_seconds:.1f}",
        )
    Console(stderr=True).print(table)


def record_metrics(runtime: Runtime, outcome: SyncOutcome, now: datetime | None = None) -> None:
    """Count the round's runs and refresh the open-ticket gauge and goal counters from the store."""
    for summary in outcome.summaries:
        record_run(summary)
    if outcome.summaries and not any(summary.dry_run for summary in outcome.summaries):
        set_open_tickets(runtime.store.open_ticket_counts())
        # Good/total cycles per goal and period, for burn rates in Prometheus (docs/slo.md);
        # without goals there is nothing to count, and the round stays as quick as before.
        if getattr(runtime.config, "goals", None):
            from slabridge.report.slo_metrics import refresh_goal_metrics

            refresh_goal_metrics(runtime, now or datetime.now(UTC))


def export_metrics(textfile: Path | None, pushgateway: str | None) -> None:
    """Write or push the metrics of a one-shot run; a failure is reported, not fatal."""
    try:
        if textfile is not None:
            write_textfile(textfile)
        if pushgateway is not None:
            push(pushgateway)
    except OSError as error:
        # The sync itself is done and stored; losing one scrape is no reason to fail it.
        click.echo(f"warning: could not export metrics: {redact_text(str(error))}", err=True)


def report(outcome: SyncOutcome, *, dry_run: bool, as_json: bool | None) -> None:
    terminal = sys.stdout.isatty()
    if dry_run:
        print_planned(outcome.planned, as_json=as_json if as_json is not None else not terminal)
        print_planned_alerts(
            outcome.planned_alerts, as_json=as_json if as_json is not None else not terminal
        )
    elif as_json if as_json is not None else not terminal:
        click.echo(json.dumps([summary.to_json() for summary in outcome.summaries], indent=2))
    elif terminal:
        print_summaries(outcome.summaries)
    for summary in outcome.summaries:
        for error in summary.errors:
            click.echo(f"error: {redact_text(error)}", err=True)
    for locked in outcome.locked:
        click.echo(f"skipped: {locked}", err=True)


@click.command("sync")
@config_option()
@click.option(
    "--connector",
    "connectors",
    multiple=True,
    help="Sync only this connector instance (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Print the planned write-back; write nothing.")
@click.option("--full", is_flag=True, help="Read every ticket, ignoring the stored cursor.")
@click.option("--now", "now_text", help="Evaluate as of this ISO 8601 time (default: now).")
@format_option(
    ("table", "json"),
    help="The run summaries (or the dry-run plan): a table, or JSON on standard output "
    "(default: a table on a terminal, JSON otherwise).",
    json_alias=True,
)
@click.option(
    "--metrics-textfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write Prometheus metrics of this run to FILE (node-exporter textfile collector).",
)
@click.option(
    "--metrics-pushgateway",
    metavar="URL",
    help="Push Prometheus metrics of this run to a Pushgateway at URL.",
)
def command(
    config_path: Path,
    connectors: tuple[str, ...],
    dry_run: bool,
    full: bool,
    now_text: str | None,
    output_format: str | None,
    json_alias: bool | None,
    metrics_textfile: Path | None,
    metrics_pushgateway: str | None,
) -> None:
    """Sync tickets: read changes, evaluate, write back tags, priorities and fields.

    Exit status: 0 done, 1 done with failures, 2 config error, 3 another run holds the lock.
    """
    terminal = sys.stderr.isatty()
    # On a terminal the progress bar says what is happening; one log line per HTTP request
    # would break it, so they need --verbose there. Elsewhere the logs are the record: INFO.
    configure_logging(level=logging.WARNING if terminal else logging.INFO)
    chosen = chosen_format(output_format, json_alias, otherwise="table")
    as_json = None if chosen is None else chosen == "json"
    now = parse_now(now_text)
    # A SetupError ends the command in slabridge.cli, with exit status 2.
    runtime = build_runtime(str(config_path), connectors, dry_run=dry_run)
    try:
        watched = terminal and not is_quiet()
        totals = read_estimates(runtime, full=full, watched=watched)
        with progress_display(watched, totals) as progress:
            outcome = sync_all(runtime, now=now, dry_run=dry_run, full=full, progress=progress)
        record_metrics(runtime, outcome, now)
    finally:
        runtime.close()
    report(outcome, dry_run=dry_run, as_json=as_json)
    if not dry_run:
        export_metrics(metrics_textfile, metrics_pushgateway)
    sys.exit(outcome.exit_code)


__all__ = [
    "command",
    "export_metrics",
    "parse_now",
    "planned_json",
    "progress_display",
    "read_estimates",
    "record_metrics",
    "report",
]
