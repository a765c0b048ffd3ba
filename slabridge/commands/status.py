"""``slabridge status``: last runs, cursors, leases and pending or parked writes per connector."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from slabridge.commands.options import config_option
from slabridge.logs import redact_text
from slabridge.sync.runtime import Runtime, build_runtime
from slabridge.sync.store import OutboxEntry, RunRecord, StateStore

# At most this many parked writes are listed per connector (the count is always whole).
PARKED_SHOWN = 20


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _run_json(run: RunRecord | None) -> dict[str, Any] | None:
    if run is None:
        return None
    summary = run.summary or {}
    return {
        "id": run.id,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "fetched": summary.get("fetched"),
        "written": summary.get("written"),
        "new_breaches": summary.get("new_breaches"),
        "errors": len(summary.get("errors") or []),
    }


def _parked_json(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "outbox_id": entry.id,
        "ticket": entry.ticket_id,
        "attempts": entry.attempts,
        "reason": redact_text(entry.last_error or "no reason recorded"),
        "since": _iso(entry.updated_at),
    }


def connector_status(
    store: StateStore, name: str, now: datetime, counts: dict[tuple[str, str], int]
) -> dict[str, Any]:
    """The status of one connector as JSON-ready data; ``counts`` is ``store.outbox_counts()``."""
    last = next(iter(store.last_runs(name, 1)), None)
    last_ok = store.last_run_with_status(name, "ok")
    parked = store.parked_outbox(name)
    holder = store.lease_holder(name)
    lag = (now - last_ok.finished_at).total_seconds() if last_ok and last_ok.finished_at else None
    return {
        "connector": name,
        "last_run": _run_json(last),
        "last_ok_run": _run_json(last_ok),
        "lag_seconds": round(lag) if lag is not None else None,
        "cursor": redact_text(store.get_cursor(name) or "") or None,
        "lease": {"owner": holder[0], "expires_at": _iso(holder[1])} if holder else None,
        "pending_writes": counts.get((name, "pending"), 0),
        "parked_writes": counts.get((name, "parked"), 0),
        "parked": [_parked_json(entry) for entry in parked[-PARKED_SHOWN:]],
    }


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "never synced"
    minutes, secs = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h ago"
    if hours:
        return f"{hours}h {minutes}m ago"
    if minutes:
        return f"{minutes}m {secs}s ago"
    return f"{secs}s ago"


def print_table(statuses: list[dict[str, Any]]) -> None:
    console = Console()
    table = Table(title="slabridge status")
    for column in ("Connector", "Last run", "Last ok", "Cursor", "Pending", "Parked", "Lease"):
        table.add_column(column)
    for item in statuses:
        last = item["last_run"]
        table.add_row(
            item["connector"],
            f"{last['status']} at {last['finished_at'] or last['started_at']}" if last else "-",
            _duration(item["lag_seconds"]),
            item["cursor"] or "-",
            str(item["pending_writes"]),
            str(item["parked_writes"]),
            item["lease"]["owner"] if item["lease"] else "-",
        )
    console.print(table)
    for item in statuses:
        for entry in item["parked"]:
            console.print(
                f"parked: {item['connector']} ticket {entry['ticket']} "
                f"({entry['attempts']} attempt(s)): {entry['reason']}",
                markup=False,
                highlight=False,
            )


@click.command("status")
@config_option()
@click.option("--connector", "connectors", multiple=True, help="Only this connector (repeatable).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default=None,
    help="Output format (default: a table on a terminal, JSON otherwise).",
)
@click.option(
    "--retry-parked",
    is_flag=True,
    help="Queue the parked writes again (each ticket's latest only); the next sync sends them.",
)
def command(
    config_path: Path,
    connectors: tuple[str, ...],
    output_format: str | None,
    retry_parked: bool,
) -> None:
    """Show each connector's last runs, lag, cursor, lease and pending or parked writes.

    Exit status: 0 every shown connector's last run was ok, 1 one failed or has parked writes,
    2 config error.
    """
    # A SetupError ends the command in slabridge.cli, with exit status 2.
    runtime: Runtime = build_runtime(str(config_path), connectors)
    try:
        names = list(runtime.connectors)
        requeued = {}
        if retry_parked:
            requeued = {name: runtime.store.requeue_parked(name) for name in names}
        now = datetime.now(UTC)
        counts = runtime.store.outbox_counts()  # one grouped query for every connector
        statuses = [connector_status(runtime.store, name, now, counts) for name in names]
    finally:
        runtime.close()
    for name, count in requeued.items():
        click.echo(f"{name}: {count} parked write(s) queued again for the next sync", err=True)
    as_json = output_format == "json" or (output_format is None and not sys.stdout.isatty())
    if as_json:
        click.echo(json.dumps({"connectors": statuses, "as_of": _iso(now)}, indent=2))
    else:
        print_table(statuses)
    unhealthy = any(
        (item["last_run"] and item["last_run"]["status"] == "failed") or item["parked_writes"]
        for item in statuses
    )
    sys.exit(1 if unhealthy else 0)


__all__ = ["command", "connector_status"]
