"""``slabridge demo``: see slabridge work end to end, with no account and no network."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from slabridge.commands import hints
from slabridge.logs import configure_logging

if TYPE_CHECKING:
    from slabridge.demo.run import DemoResult


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("slabridge-demo"),
    show_default=True,
    help="The working folder for the sample config, the SQLite state and the report.",
)
@click.option(
    "--tickets",
    "tickets_per_helpdesk",
    type=click.IntRange(1, 100_000),
    default=150,
    show_default=True,
    help="Tickets seeded into each fake helpdesk.",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Keep the fake helpdesks running afterwards (until Ctrl-C), to try every command on.",
)
@click.option(
    "--board",
    is_flag=True,
    help="With --serve: also run `slabridge serve` on loopback, to see the live SLA board "
    "and send webhooks (implies --serve).",
)
def command(directory: Path, tickets_per_helpdesk: int, serve: bool, board: bool) -> None:
    """Run fake Zendesk, Freshdesk and Jira on loopback, sync them and write a report.

    Every installed connector plugin that registers its fake (hook register_fakes) joins in.
    """
    import logging

    from slabridge.demo.run import run_demo

    # The demo tells its own story; per-request logs would drown it (sync logs stay for real runs).
    configure_logging(level=logging.WARNING)
    started = time.monotonic()
    serve = serve or board
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.UsageError(
            f"--dir: cannot create {directory}: {error.strerror or error}"
        ) from None
    result = run_demo(
        directory,
        tickets_per_helpdesk=tickets_per_helpdesk,
        say=click.echo,
        serve=(lambda result: _serve(result, started, board=board)) if serve else None,
    )
    if not serve:
        _summarise(result, started)
    sys.exit(result.exit_code)


def _summarise(result: DemoResult, started: float) -> None:
    table = Table(title="Demo sync", box=None)
    for column in ("helpdesk", "read", "written", "new breaches", "API calls", "seconds"):
        table.add_column(column, justify="left" if column == "helpdesk" else "right")
    for summary in result.summaries:
        table.add_row(
            summary.connector,
            str(summary.fetched),
            str(summary.written),
            str(summary.new_breaches),
            str(summary.api_calls),
            f"{summary.duration_seconds:.1f}",
        )
    Console(width=100).print(table)
    _show_alerts(result)
    click.echo(f"Wrote the HTML report {result.report_path} (open it in a browser).")
    click.echo(f"Done in {time.monotonic() - started:.1f} s.")
    click.echo("")
    click.echo("Where to look next:")
    click.echo(f"  {result.config_path}   the commented policy the demo used")
    click.echo(f"  {result.report_path}   compliance, breaches and credits")
    example = Path("docs/examples/ticket.json")
    if example.exists():  # run from a clone of the repository (./dev demo)
        click.echo(
            f"  {hints.program()} explain --config {result.config_path} --ticket {example}"
            "   # one ticket's clocks, in words"
        )
    click.echo("Connect a real helpdesk:")
    click.echo(
        f"  {hints.program()} init --helpdesk zendesk   # or freshdesk, jira; then check, sync"
    )


def _show_alerts(result: DemoResult) -> None:
    """What the alert rules sent to the demo's receiver: per channel, then one sample."""
    if not result.alerts:
        click.echo("Alerts: none sent (no enterprise ticket reached 75 % of a target).")
        return
    per_channel: dict[str, int] = {}
    for channel, message in result.alerts:
        per_channel[channel] = per_channel.get(channel, 0) + len(message.get("items", []))
    counts = ", ".join(f"{channel}: {n} ticket(s)" for channel, n in per_channel.items())
    click.echo(
        f"Alerts: {len(result.alerts)} signed message(s) to the demo's local receiver ({counts})."
    )
    channel, message = result.alerts[0]
    click.echo(f"  to {channel}: {message['title']}")
    for item in message.get("items", [])[:3]:
        click.echo(
            f"    {item['connector']} #{item['ticket_id']} {item['metric']} "
            f"{item['event'].replace('_', ' ')}, due {item['due_local']}: {item['action']}"
        )


def _serve(result: DemoResult, started: float, *, board: bool = False) -> None:
    _summarise(result, started)
    if not board:
        _try_commands(result)
        return
    from slabridge.demo.board import BOARD_URL, running_board

    with running_board(result) as running:
        # The login and the webhook secret stay in demo.env: the shell that sourced it has them.
        lines = [
            "",
            f"The live SLA board (slabridge serve) listens on {running.url.split('?')[0]}",
            f'  open "${BOARD_URL}" in a browser (from demo.env; it carries the login)',
        ]
        if running.webhook_url and running.webhook_secret_name:
            ticket = next(h for h in result.helpdesks if h.connector.type_name == "freshdesk")
            lines += [
                "  send a Freshdesk webhook; its ticket is synced within seconds:",
                f'  curl -X POST -H "X-Slabridge-Webhook-Secret: ${running.webhook_secret_name}" '
                f"-d '{{\"ticket_id\": {ticket.ticket_ids[0]}}}' {running.webhook_url}",
            ]
        _try_commands(result, lines)


def _try_commands(result: DemoResult, more: list[str] | None = None) -> None:
    program = hints.program()
    config = result.config_path
    first = result.helpdesks[0]
    click.echo("")
    click.echo("The fake helpdesks keep running until you press Ctrl-C. In another shell, try:")
    click.echo(f"  set -a; . {config.parent / 'demo.env'}; set +a   # the fakes' credentials")
    for line in (
        f"check --config {config}",
        f"sync --config {config} --dry-run",
        f"explain --config {config} --connector {first.instance} --id {first.ticket_ids[0]}",
        f"sync --config {config}",
        f"status --config {config}",
        f"report --config {config} --period $(date +%Y-%m) --format text",
    ):
        click.echo(f"  {program} {line}")
    for line in more or []:
        click.echo(line)
    wait_for_interrupt()


def wait_for_interrupt() -> None:
    """Block until Ctrl-C (tests replace this to drive the running fakes)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Stopped the fake helpdesks.")


__all__ = ["command"]
