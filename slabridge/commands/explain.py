"""``slabridge explain``: why a ticket got its SLA verdict, in words an admin can check.

The ticket comes from a JSON file (``--ticket``), from the state store as the last sync saw it
(``--connector NAME --id ID``), or straight from the helpdesk (add ``--live``).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from slabridge.commands.evaluate import EXIT_INPUT, load_engine_config, parse_now
from slabridge.commands.options import config_option
from slabridge.connectors.base import Skipped
from slabridge.connectors.http import HttpError
from slabridge.logs import configure_logging, redact_text
from slabridge.sla.evaluate import trace
from slabridge.sla.explain import explain_lines
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import Ticket, TicketError, parse_ticket

EXIT_UNREADABLE = 1  # the helpdesk failed or returned a record that is not a ticket


def ticket_from_file(ticket_path: str) -> Ticket:
    """The one ticket in a JSON file (or ``-`` for stdin); exit 2 when it is not one."""
    try:
        text = sys.stdin.read() if ticket_path == "-" else Path(ticket_path).read_text("utf-8")
        data: Any = json.loads(text)
        if isinstance(data, list):
            if len(data) != 1:
                raise ValueError("explain takes one ticket, not an array")
            data = data[0]
        return parse_ticket(data)
    except (OSError, ValueError, TicketError) as error:
        click.echo(f"slabridge: {error}", err=True)
        raise SystemExit(EXIT_INPUT) from None


def ticket_from_helpdesk(
    config_path: Path, connector: str, ticket_id: str, *, live: bool
) -> tuple[Ticket, PolicySet, str]:
    """The ticket as the store holds it, or as the helpdesk returns it now, and where from."""
    from slabridge.sync.runtime import SetupError, build_runtime

    try:
        # A dry-run runtime: nothing is written, not even a new state file.
        runtime = build_runtime(str(config_path), [connector], dry_run=True)
    except SetupError as error:
        click.echo(f"slabridge: {error}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    try:
        policies: PolicySet = runtime.config.policy_set
        if live:
            return (
                _fetch_live(runtime.connectors[connector], connector, ticket_id),
                policies,
                (f"read live from {connector} just now"),
            )
        stored = runtime.store.get_tickets(connector, [ticket_id]).get(ticket_id)
        if stored is None:
            held = sum(1 for _ in runtime.store.iter_tickets(connector))
            click.echo(
                f"slabridge: ticket {ticket_id!r} of connector {connector!r} is not in the state "
                f"store ({held} tickets of {connector} are); run `slabridge sync` first, or add "
                "--live to read it from the helpdesk",
                err=True,
            )
            raise SystemExit(EXIT_INPUT)
        seen = stored.evaluated_at.isoformat().replace("+00:00", "Z")
        return parse_ticket(stored.snapshot), policies, f"as the sync stored it at {seen}"
    finally:
        runtime.close()


def _fetch_live(connector: Any, name: str, ticket_id: str) -> Ticket:
    try:
        found = list(connector.fetch([ticket_id]))
    except HttpError as error:
        click.echo(f"slabridge: {name}: {redact_text(str(error))}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None
    for item in found:
        if isinstance(item, Skipped):
            state = "is gone (deleted or not visible)" if item.gone else "could not be read"
            click.echo(f"slabridge: {name}: ticket {ticket_id!r} {state}: {item.reason}", err=True)
            raise SystemExit(EXIT_UNREADABLE)
        if isinstance(item, Ticket):
            return item
    click.echo(f"slabridge: {name}: the helpdesk returned no ticket {ticket_id!r}", err=True)
    raise SystemExit(EXIT_UNREADABLE)


@click.command("explain")
@config_option("The policy file.")
@click.option("--ticket", "ticket_path", help="A ticket JSON file, or - for stdin.")
@click.option("--connector", help="Explain a ticket of this connector (with --id).")
@click.option("--id", "ticket_id", help="The helpdesk's ticket id (with --connector).")
@click.option(
    "--live", is_flag=True, help="With --connector/--id: read the ticket from the helpdesk now."
)
@click.option("--now", "now_text", default=None, help="Explain at this instant (ISO 8601).")
def command(
    config_path: Path,
    ticket_path: str | None,
    connector: str | None,
    ticket_id: str | None,
    live: bool,
    now_text: str | None,
) -> None:
    """Explain which policy applies to a ticket and how each clock ran.

    Give the ticket as a JSON file (--ticket), or as --connector NAME --id ID: the copy the last
    sync stored, or with --live the helpdesk's current state. Exit 2 for bad input or a ticket
    the store does not hold; 1 when the helpdesk cannot give the ticket.
    """
    from_helpdesk = connector is not None or ticket_id is not None
    if ticket_path is not None and from_helpdesk:
        raise click.UsageError("give --ticket FILE, or --connector and --id, not both")
    if ticket_path is None and not (connector and ticket_id):
        raise click.UsageError("give --ticket FILE, or --connector NAME --id ID")
    if live and not from_helpdesk:
        raise click.UsageError("--live reads from a helpdesk: give --connector and --id")
    now = parse_now(now_text)
    if ticket_path is not None:
        config = load_engine_config(config_path)
        ticket, policies, origin = ticket_from_file(ticket_path), config.policy_set, None
    else:
        configure_logging(level=logging.WARNING)  # the explanation is the output
        assert connector is not None and ticket_id is not None
        ticket, policies, where = ticket_from_helpdesk(config_path, connector, ticket_id, live=live)
        origin = f"Ticket {ticket_id} of {connector}, {where}."
    try:
        result = trace(ticket, policies, now)
    except (ValueError, TicketError) as error:
        click.echo(f"slabridge: {error}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    if origin is not None:
        click.echo(origin)
    for line in explain_lines(result, policies):
        click.echo(line)


__all__ = ["command", "ticket_from_file", "ticket_from_helpdesk"]
