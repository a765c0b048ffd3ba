"""`slabridge export`: data out of the state store (`export tickets`: normalized JSON lines)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from slabridge.commands.options import config_option
from slabridge.report import running
from slabridge.report.sources import parsed_snapshots

if TYPE_CHECKING:
    from slabridge.sync.store import StateStore

EXIT_INPUT = 2


def ticket_lines(
    store: StateStore, connector: str | None, problems: list[str]
) -> Iterator[dict[str, Any]]:
    """Every stored snapshot as POLICY.md §2 JSON plus `connector`, in connector and id order.

    A snapshot the engine could not read is not exported: it becomes a line in ``problems``, so
    that what leaves is exactly what `slabridge evaluate` accepts.
    """
    rows = store.iter_snapshots(connector)
    for stored in parsed_snapshots(rows, problems, note="not exported: "):
        data = stored.ticket.to_json()
        # `source` is the helpdesk type; two instances of one type need their own name.
        # An unknown key to the engine (POLICY.md §2), so `evaluate` keeps and ignores it.
        data["connector"] = stored.connector
        yield data


def _open_output(output: str) -> IO[str]:
    if output == "-":
        return sys.stdout
    try:
        return Path(output).open("w", encoding="utf-8")
    except OSError as error:
        raise running.ReportUsageError(
            f"--output: cannot write {output} ({error.strerror})"
        ) from None


@click.group("export")
def command() -> None:
    """Take data out of the state store."""


@command.command("tickets")
@config_option("The config whose state: store to read.")
@click.option("--connector", default=None, help="Only this connector's tickets.")
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    help="Write the JSON lines here; - for standard output.",
)
def tickets(config_path: Path, connector: str | None, output: str) -> None:
    """Every ticket in the store as normalized JSON lines (what `slabridge evaluate` reads).

    Each line is the ticket as the last sync read it (POLICY.md §2), with `connector`, the
    configured instance it came from. Exit 2 on a bad config or `--connector`, or when a stored
    snapshot could not be exported (it is named on standard error; the others are written).
    """
    config = running.load(config_path)
    store = running.open_state(config)
    try:
        running.connector_option(
            connector,
            [*config.connectors, *store.stored_connectors()],
            f"{config_path} or its state store",
        )
        problems: list[str] = []
        count = 0
        stream = _open_output(output)
        try:
            for data in ticket_lines(store, connector, problems):
                stream.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            if stream is not sys.stdout:
                stream.close()
    finally:
        store.close()
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    if output != "-":
        click.echo(f"wrote {count} tickets to {output}", err=True)
    if problems:
        raise SystemExit(EXIT_INPUT)


__all__ = ["command", "ticket_lines"]
