"""`slabridge backtest`: replay ticket histories under a proposed policy beside the current one."""

from __future__ import annotations

from pathlib import Path

import click

from slabridge.report import running
from slabridge.report.backtest import (
    Side,
    render_backtest_csv,
    render_backtest_json,
    render_backtest_text,
    run_backtest,
)
from slabridge.report.models import ReportSettingsError
from slabridge.report.sources import read_store_tickets, read_ticket_file

RENDERERS = {"text": render_backtest_text, "json": render_backtest_json, "csv": render_backtest_csv}

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("backtest")
@click.option(
    "--config",
    "proposed_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The proposed policy file.",
)
@click.option(
    "--current",
    "current_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("slabridge.yaml"),
    show_default=True,
    help="The policy file in force.",
)
@click.option("--period", required=True, help="2026-10 (month), 2026-W43 (ISO week), 2026-Q4.")
@click.option(
    "--by",
    "by_text",
    default=None,
    help="Group by: tier,product,metric,customer,connector,channel,type,group,agent.",
)
@click.option(
    "--tickets",
    "tickets_path",
    type=_FILE,
    default=None,
    help="JSON lines of normalized tickets (default: the ticket snapshots in the "
    "current config's state store).",
)
@click.option(
    "--connector",
    default=None,
    help="Only this connector's tickets (with --tickets: a line's connector, else its source).",
)
@click.option(
    "--format",
    "chosen_format",
    type=click.Choice(tuple(RENDERERS)),
    default=None,
    help="Output format (default: from --output's suffix, else text).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--timezone", default="UTC", show_default=True, help="Where period days start.")
def command(
    proposed_path: Path,
    current_path: Path,
    period: str,
    by_text: str | None,
    tickets_path: Path | None,
    connector: str | None,
    chosen_format: str | None,
    output: Path | None,
    timezone: str,
) -> None:
    """Compliance and credits per group under both policies, and the tickets that would change."""
    span = running.period_option(period, timezone)
    by = running.group_option(by_text)
    fmt = chosen_format or (
        output.suffix.lstrip(".").lower()
        if output is not None and output.suffix.lstrip(".").lower() in RENDERERS
        else "text"
    )
    current = running.load(current_path)
    proposed = running.load(proposed_path)
    if tickets_path is not None:
        loaded = read_ticket_file(tickets_path)
        running.connector_option(
            connector,
            (t.origin for t in loaded.tickets if t.origin),
            f"{tickets_path.name}'s sources",
        )
        tickets = [t for t in loaded.tickets if connector is None or t.origin == connector]
        source = tickets_path.name
    else:
        running.connector_option(connector, current.connectors, str(current_path))
        loaded = read_store_tickets(running.open_state(current), connector)
        tickets = loaded.tickets
        source = "state store ticket snapshots"
    # A proposed file without goals, credits or customers is judged by the current ones.
    try:
        result = run_backtest(
            tickets,
            span,
            Side(
                "current",
                running.engine(current),
                current.goals,
                current.credits,
                current.customers,
            ),
            Side(
                "proposed",
                running.engine(proposed),
                proposed.goals or current.goals,
                proposed.credits or current.credits,
                proposed.customers or current.customers,
            ),
            by=by,
            source=source,
            problems=loaded.problems,
        )
    except ReportSettingsError as error:
        raise running.settings_error(f"{current_path} or {proposed_path}", error) from None
    running.echo_warnings(dict.fromkeys(result.current.warnings + result.proposed.warnings))
    running.write_output(RENDERERS[fmt](result), output)


__all__ = ["command"]
