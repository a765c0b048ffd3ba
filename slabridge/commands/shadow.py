"""``slabridge shadow``: the parity audit of slabridge's SLA verdicts against the helpdesk's own.

Reads each ticket and the helpdesk's SLA verdict on it live, evaluates the ticket with the
config's policies at the same moment, and lists every ticket where the two disagree. Exit 0 when
they agree, 1 when a verdict differs, 2 for bad input (config, options, unknown connector).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from slabridge.commands.evaluate import parse_now
from slabridge.commands.options import config_option
from slabridge.connectors.base import Connector, Skipped
from slabridge.connectors.helpdesk_sla import HelpdeskSla
from slabridge.connectors.http import HttpError
from slabridge.logs import configure_logging, redact_text
from slabridge.report.running import write_output
from slabridge.report.shadow import RENDERERS, ShadowReport, compare_ticket
from slabridge.sla.durations import DurationError, parse_duration
from slabridge.sla.evaluate import evaluate_json
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import Ticket

if TYPE_CHECKING:
    from slabridge.sync.store import StateStore

EXIT_DISAGREE = 1
EXIT_INPUT = 2
EXIT_UNREADABLE = 3  # documented in docs/shadow.md: a helpdesk failed during the audit


def _tolerance(text: str) -> int:
    try:
        return parse_duration(text) if text not in ("0", "0s") else 0
    except DurationError as error:
        raise click.BadParameter(str(error), param_hint="--tolerance") from None


def _ticket_ids(store: StateStore, name: str, wanted: tuple[str, ...], limit: int) -> list[str]:
    """``--id`` values, else the open tickets the state store tracks for ``name``."""
    if wanted:
        return list(wanted)
    ids = []
    for tracked in store.iter_tickets(name):
        if tracked.is_open:
            ids.append(tracked.ticket_id)
            if len(ids) >= limit:
                break
    return ids


def audit_connector(
    report: ShadowReport,
    name: str,
    connector: Connector,
    ticket_ids: list[str],
    policies: PolicySet,
    tolerance: int,
    now: datetime | None = None,
) -> None:
    """Compare every ticket of one connector; what cannot be compared becomes a note."""
    verdicts = connector.helpdesk_slas(ticket_ids)
    if verdicts is None:
        report.notes.append(
            f"{name}: its connector ({connector.type_name}) reads no SLA verdict from the "
            "helpdesk; nothing to compare"
        )
        return
    helpdesk: dict[str, HelpdeskSla] = {}
    for item in verdicts:
        if isinstance(item, Skipped):
            report.notes.append(f"{name}/{item.ticket_id}: no helpdesk SLA ({item.reason})")
        else:
            helpdesk[item.ticket_id] = item
    tickets: dict[str, Ticket] = {}
    for found in connector.fetch(list(helpdesk)):
        if isinstance(found, Skipped):
            report.notes.append(f"{name}/{found.ticket_id}: not read ({found.reason})")
        else:
            tickets[found.id] = found
    # Judged at the moment both sides were read, so a clock running out between the two reads
    # cannot show as a disagreement.
    now = now or datetime.now(UTC)
    report.as_of = now
    for ticket_id, verdict in helpdesk.items():
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        evaluation = evaluate_json(ticket, policies, now)
        report.compared[name] += 1
        report.differences += compare_ticket(name, evaluation, verdict, tolerance, now)


@click.command("shadow")
@config_option()
@click.option("--connector", "connectors", multiple=True, help="Only this connector (repeatable).")
@click.option(
    "--id", "ticket_ids", multiple=True, help="These tickets (with one --connector; repeatable)."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="At most this many open tickets per connector, from the state store.",
)
@click.option(
    "--tolerance",
    default="1m",
    show_default=True,
    help="Due times at most this far apart count as equal (e.g. 0s, 1m, 5m).",
)
@click.option("--format", "chosen_format", type=click.Choice(tuple(RENDERERS)), default="text")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--now", "now_text", default=None, hidden=True, help="Judge both sides at this instant (tests)."
)
def command(
    config_path: Path,
    connectors: tuple[str, ...],
    ticket_ids: tuple[str, ...],
    limit: int,
    tolerance: str,
    chosen_format: str,
    output: Path | None,
    now_text: str | None,
) -> None:
    """List every ticket where slabridge and the helpdesk's own SLA disagree."""
    from slabridge.sync.runtime import SetupError, build_runtime

    configure_logging(level=logging.WARNING)  # the audit is the output; logs go to stderr
    tolerance_seconds = _tolerance(tolerance)
    now = parse_now(now_text) if now_text else None
    if ticket_ids and len(connectors) != 1:
        raise click.UsageError("--id needs exactly one --connector")
    try:
        # A dry-run runtime: the audit writes nothing, to the helpdesk or the state store.
        runtime = build_runtime(str(config_path), list(connectors), dry_run=True)
    except SetupError as error:
        click.echo(f"slabridge: {error}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    report = ShadowReport(as_of=datetime.now(UTC), config=str(config_path))
    try:
        for name, connector in runtime.connectors.items():
            ids = _ticket_ids(runtime.store, name, ticket_ids, limit)
            if not ids:
                report.notes.append(
                    f"{name}: no open tickets in the state store; run `slabridge sync` "
                    "first (with no actions: it writes nothing back) or give --id"
                )
                continue
            try:
                audit_connector(
                    report, name, connector, ids, runtime.config.policy_set, tolerance_seconds, now
                )
            except HttpError as error:
                click.echo(f"slabridge: {name}: {redact_text(str(error))}", err=True)
                raise SystemExit(EXIT_UNREADABLE) from None
    finally:
        runtime.close()
    write_output(RENDERERS[chosen_format](report, tolerance_seconds), output)
    if report.disagreements:
        raise SystemExit(EXIT_DISAGREE)


__all__ = ["audit_connector", "command"]
