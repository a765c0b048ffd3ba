"""The demo: bundled fake helpdesks on loopback, a sample config, a full sync and an HTML report."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import SecretStr

from slabridge.connectors.base import Connector
from slabridge.demo.alerts_inbox import ALERTS_SECTION, AlertInbox
from slabridge.demo.sample_config import ACTIONS_SECTION, GOALS_SECTION, POLICY_SECTIONS
from slabridge.demo.seed import demo_tickets
from slabridge.plugins import connector_types, fake_helpdesks
from slabridge.testing.fakeapi import FakeAPI
from slabridge.testing.fakes import FakeHelpdesk

if TYPE_CHECKING:
    from slabridge.sync.store import TrackedTicket

DEMO_HEADER = """\
# slabridge demo configuration, written by `slabridge demo`.
#
# The connectors below point at fake helpdesks the demo started on loopback; they are gone
# once the demo ends (unless it runs with --serve, until Ctrl-C), so this file is an example
# to read and copy from, not to sync again.
# To connect a real helpdesk: `slabridge init --helpdesk zendesk|freshdesk|jira`.
"""


@dataclass(slots=True)
class DemoHelpdesk:
    """One fake helpdesk the demo runs, and the config entry that points at it."""

    instance: str
    connector: type[Connector]
    fake: FakeAPI
    entry: dict[str, Any]
    registered: FakeHelpdesk[Any]  # how the plugin seeds it and sets its clock
    ticket_ids: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return len(self.ticket_ids)


def _secret_fields(connector: type[Connector]) -> set[str]:
    return {
        name
        for name, field in connector.config_model.model_fields.items()
        if field.annotation is SecretStr or "SecretStr" in str(field.annotation)
    }


def config_entry(
    instance: str, connector: type[Connector], values: dict[str, Any], environ: dict[str, str]
) -> dict[str, Any]:
    """The config entry with every credential moved into an environment variable."""
    entry: dict[str, Any] = {}
    for key, value in values.items():
        if key in _secret_fields(connector) and value is not None:
            variable = re.sub(r"[^A-Z0-9]+", "_", f"{instance}_{key}".upper())
            environ[variable] = str(value)
            entry[key] = f"${{{variable}}}"
        else:
            entry[key] = value
    return entry


@contextmanager
def running_helpdesks(
    now: datetime,
    tickets_per_helpdesk: int,
    environ: dict[str, str],
    only: Iterable[str] | None = None,
) -> Iterator[list[DemoHelpdesk]]:
    """Start every installed connector's registered fake, seeded with realistic tickets.

    The fakes come from the plugins' ``register_fakes`` (built-in or third-party alike), in
    their demo order; ``only`` limits them to those connector types. Stopped on exit.
    """
    types = connector_types()
    wanted = None if only is None else set(only)
    helpdesks: list[DemoHelpdesk] = []
    with ExitStack() as stack:
        for type_name, registered in fake_helpdesks().items():
            if type_name not in types or (wanted is not None and type_name not in wanted):
                continue
            fake = registered.start(clock=lambda: now)
            stack.callback(fake.stop)
            instance = f"demo-{type_name}"
            values = registered.config_for(fake)
            entry = config_entry(instance, types[type_name], values, environ)
            helpdesk = DemoHelpdesk(instance, types[type_name], fake, entry, registered)
            for ticket in demo_tickets(tickets_per_helpdesk, source=type_name, now=now):
                helpdesk.ticket_ids.append(registered.load_ticket(fake, ticket))
            helpdesks.append(helpdesk)
        yield helpdesks


def write_demo_config(
    path: Path, helpdesks: list[DemoHelpdesk], year: int, alerts_url: str | None = None
) -> None:
    connectors = yaml.safe_dump(
        {"connectors": {h.instance: h.entry for h in helpdesks}}, sort_keys=False
    )
    text = "\n".join(
        [
            DEMO_HEADER,
            POLICY_SECTIONS.format(year=year),
            GOALS_SECTION,
            ACTIONS_SECTION,
            *([ALERTS_SECTION.format(url=alerts_url)] if alerts_url else []),
            "# Where slabridge keeps cursors, tracked tickets, the outbox and the SLA history.\n"
            "state: sqlite:///slabridge.db\n",
            "# The helpdesks to sync; credentials come from the environment.\n" + connectors,
        ]
    )
    path.write_text(text, encoding="utf-8")


# The company the demo joins across two helpdesks (a `customers:` entry, docs/reports.md).
JOINED_NAME = "Acme GmbH"
JOINED_KEY = "acme"
JOINED_TYPES: tuple[str, ...] = ("zendesk", "jira")


def joined_ids(
    tickets: Iterable[TrackedTicket], instances: Iterable[str], name: str = JOINED_NAME
) -> dict[str, list[str]]:
    """The ids each helpdesk instance gave the customer called ``name`` (from synced tickets)."""
    wanted = set(instances)
    found: dict[str, list[str]] = {}
    for row in tickets:
        customer = row.snapshot.get("customer")
        if row.connector not in wanted or not isinstance(customer, dict):
            continue
        if customer.get("name") == name and customer.get("id") is not None:
            ids = found.setdefault(row.connector, [])
            if str(customer["id"]) not in ids:
                ids.append(str(customer["id"]))
    return {instance: sorted(ids) for instance, ids in sorted(found.items())}


def customers_section(ids: dict[str, list[str]], others: Iterable[str]) -> str:
    """The demo's ``customers:`` entry joining Acme GmbH's accounts in ``ids``' helpdesks."""
    flow = yaml.safe_dump(ids, default_flow_style=True, width=1000).strip()
    left_out = ", ".join(others)
    note = (
        f"# {left_out}'s {JOINED_NAME} is not listed, so it stays a line of its own\n"
        f"# ({left_out}:<id>); add its id under ids: to join it too.\n"
        if left_out
        else ""
    )
    return (
        '\n# One company across helpdesks (docs/reports.md, "Customers across helpdesks").\n'
        "# Ids differ per helpdesk and collide between them, so a customer is keyed\n"
        "# <connector>:<id> unless joined here. The demo wrote this entry after its sync,\n"
        f"# with the ids the fake helpdesks gave {JOINED_NAME}: its tickets there are one\n"
        f"# report and credit line, keyed `{JOINED_KEY}`. Requester e-mail domains can join\n"
        "# too (domains: [acme.example]).\n"
        + note
        + f"customers:\n  {JOINED_KEY}:\n    name: {JOINED_NAME}\n    ids: {flow}\n"
    )


@dataclass(slots=True)
class DemoResult:
    config_path: Path
    report_path: Path
    helpdesks: list[DemoHelpdesk]
    summaries: list[Any]
    exit_code: int
    # (channel, message JSON) as the demo's alert receiver got them, in order.
    alerts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def run_demo(
    directory: Path,
    *,
    tickets_per_helpdesk: int = 150,
    now: datetime | None = None,
    say: Callable[[str], None] = print,
    serve: Callable[[DemoResult], None] | None = None,
) -> DemoResult:
    """Run the whole demo in ``directory``; return what it made.

    With ``serve``, the fake helpdesks stay up (their clocks now follow real time) while
    ``serve(result)`` runs, so that every command can be tried against them; the credentials
    are written to ``demo.env`` in ``directory`` (mode 0600) for another shell to source.
    """
    from slabridge.sync.runtime import build_runtime, sync_all

    now = now or datetime.now(UTC).replace(microsecond=0)
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "slabridge.yaml"
    for stale in (directory / "slabridge.db", directory / "slabridge.db-wal"):
        stale.unlink(missing_ok=True)
    environ: dict[str, str] = {}
    with running_helpdesks(now, tickets_per_helpdesk, environ) as helpdesks:
        if not helpdesks:
            raise RuntimeError(
                "no bundled connector is installed: install plugins/zendesk, plugins/freshdesk "
                "or plugins/jira (./dev demo does), or a connector plugin that registers its "
                "fake (hook register_fakes)"
            )
        loaded = ", ".join(f"{h.loaded} in {h.connector.type_name}" for h in helpdesks)
        say(f"Started {len(helpdesks)} fake helpdesk(s) on loopback, seeded with {loaded}.")
        inbox = AlertInbox()
        inbox.start()
        try:
            environ["DEMO_ALERTS_SECRET"] = inbox.secret
            write_demo_config(config_path, helpdesks, now.year, alerts_url=inbox.base_url)
            say(f"Wrote {config_path}.")
            os.environ.update(environ)
            runtime = build_runtime(str(config_path), (), dry_run=False)
            try:
                outcome = sync_all(runtime, now=now, dry_run=False, full=False, progress=None)
                joined = [h.instance for h in helpdesks if h.connector.type_name in JOINED_TYPES]
                ids = joined_ids(runtime.store.iter_tickets(), joined)
            finally:
                runtime.close()
            if len(ids) > 1:
                others = [h.instance for h in helpdesks if h.instance not in ids]
                with config_path.open("a", encoding="utf-8") as handle:
                    handle.write(customers_section(ids, others))
            report_path = directory / f"report-{now:%Y-%m}.html"
            write_report(config_path, report_path, now)
            result = DemoResult(
                config_path,
                report_path,
                helpdesks,
                list(outcome.summaries),
                outcome.exit_code,
                alerts=list(inbox.received),
            )
            if serve is not None:
                write_environment(directory / "demo.env", environ)
                for helpdesk in helpdesks:
                    helpdesk.registered.set_clock(helpdesk.fake, _wall_clock)
                serve(result)
        finally:
            inbox.stop()
    return result


def _wall_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def write_environment(path: Path, environ: dict[str, str]) -> None:
    """The demo's (fake) credentials as ``NAME='value'`` lines, readable by the owner only."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        for name, value in sorted(environ.items()):
            handle.write(f"{name}={shlex.quote(value)}\n")


def write_report(config_path: Path, report_path: Path, now: datetime) -> None:
    from slabridge.cli import cli

    try:
        # Outside standalone mode click returns the exit code the command group set for a
        # slabridge error (``ctx.exit``) and raises SystemExit for others: both mean failure.
        code = cli.main(
            [
                "report",
                "--config",
                str(config_path),
                "--period",
                f"{now:%Y-%m}",
                "--by",
                "tier,product",
                "--format",
                "html",
                "--output",
                str(report_path),
            ],
            prog_name="slabridge",
            standalone_mode=False,
        )
    except SystemExit as exit_:
        code = exit_.code
    if code not in (0, None):
        raise RuntimeError(f"the report failed (exit {code})")


__all__ = [
    "DemoHelpdesk",
    "DemoResult",
    "config_entry",
    "customers_section",
    "joined_ids",
    "run_demo",
    "running_helpdesks",
    "write_demo_config",
    "write_environment",
    "write_report",
]
