"""``slabridge explain``: why a ticket got its SLA verdict, in words an admin can check."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from slabridge.commands.evaluate import EXIT_INPUT, load_engine_config, parse_now
from slabridge.commands.options import config_option
from slabridge.sla.evaluate import trace
from slabridge.sla.explain import explain_lines
from slabridge.sla.ticket import TicketError, parse_ticket


@click.command("explain")
@config_option("The policy file.")
@click.option("--ticket", "ticket_path", required=True, help="A ticket JSON file, or - for stdin.")
@click.option("--now", "now_text", default=None, help="Explain at this instant (ISO 8601).")
def command(config_path: Path, ticket_path: str, now_text: str | None) -> None:
    """Explain which policy applies to a ticket and how each clock ran."""
    now = parse_now(now_text)
    config = load_engine_config(config_path)
    try:
        text = sys.stdin.read() if ticket_path == "-" else Path(ticket_path).read_text("utf-8")
        data: Any = json.loads(text)
        if isinstance(data, list):
            if len(data) != 1:
                raise ValueError("explain takes one ticket, not an array")
            data = data[0]
        ticket = parse_ticket(data)
        result = trace(ticket, config.policy_set, now)
    except (OSError, ValueError, TicketError) as error:
        click.echo(f"slabridge: {error}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    for line in explain_lines(result, config.policy_set):
        click.echo(line)


__all__ = ["command"]
