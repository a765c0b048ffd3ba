"""``slabridge demo``: see slabridge work end to end, with no account and no network."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from slabridge.logs import configure_logging


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
def command(directory: Path, tickets_per_helpdesk: int) -> None:
    """Run fake Zendesk, Freshdesk and Jira on loopback, sync them and write a report."""
    import logging

    from slabridge.demo.run import run_demo

    # The demo tells its own story; per-request logs would drown it (sync logs stay for real runs).
    configure_logging(level=logging.WARNING)
    started = time.monotonic()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.UsageError(
            f"--dir: cannot create {directory}: {error.strerror or error}"
        ) from None
    result = run_demo(directory, tickets_per_helpdesk=tickets_per_helpdesk, say=click.echo)
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
    click.echo(f"Wrote the HTML report {result.report_path} (open it in a browser).")
    click.echo(f"Done in {time.monotonic() - started:.1f} s.")
    click.echo("")
    click.echo("Where to look next:")
    click.echo(f"  {result.config_path}   the commented policy the demo used")
    click.echo(f"  {result.report_path}   compliance, breaches and credits")
    example = Path("docs/examples/ticket.json")
    if example.exists():  # run from a clone of the repository (./dev demo)
        click.echo(
            f"  slabridge explain --config {result.config_path} --ticket {example}"
            "   # one ticket's clocks, in words"
        )
    click.echo("Connect a real helpdesk:")
    click.echo(
        "  slabridge init --helpdesk zendesk   # or freshdesk, jira; then: check, sync --dry-run"
    )
    sys.exit(result.exit_code)


__all__ = ["command"]
