"""``slabridge check``: validate the config and run every connector's ``check()``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from slabridge.commands.options import config_option
from slabridge.config import ConfigError, load_config
from slabridge.connectors.base import CheckProblem, Connector, ConnectorConfig
from slabridge.connectors.http import HttpError
from slabridge.logs import configure_logging, redact_text, register_secrets
from slabridge.plugins import PluginError, connector_types, pm

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CONFIG = 2


@dataclass(slots=True)
class InstanceReport:
    """What ``check()`` found for one configured connector instance."""

    instance: str
    type: str
    problems: list[CheckProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "type": self.type,
            "ok": not self.problems,
            "problems": [{"message": p.message, "hint": p.hint} for p in self.problems],
        }


def check_instance(
    instance: str,
    config: ConnectorConfig,
    cls: type[Connector],
    open_state: Callable[[], Any] | None = None,
) -> InstanceReport:
    """Create the connector and run its ``check()``; failures become problems, never raise.

    ``open_state`` opens the state store, for a connector that keeps credentials there (a
    refresh in ``check`` rotates the token, and the new one must be saved for the next sync).
    """
    report = InstanceReport(instance, config.type)
    secrets = config.secrets()
    register_secrets(secrets)
    connector: Connector | None = None
    try:
        connector = cls(instance, config)
        if open_state is not None and connector.uses_state_store():
            connector.attach_state_store(open_state())
        report.problems = list(connector.check())
    except HttpError as exc:
        report.problems.append(
            CheckProblem(
                f"the API failed: {redact_text(str(exc), secrets)}",
                hint="check the URL and that the helpdesk is reachable from here",
            )
        )
    except Exception as exc:  # a connector bug must not hide the other instances' results
        what = redact_text(str(exc), secrets)
        report.problems.append(
            CheckProblem(f"check() failed: {type(exc).__name__}: {what}".rstrip(": "))
        )
    finally:
        if connector is not None:
            connector.close()
    # A connector may name its URL in a message ("cannot reach ... at URL"): mask it here, once.
    report.problems = [
        CheckProblem(
            redact_text(problem.message, secrets),
            hint=None if problem.hint is None else redact_text(problem.hint, secrets),
        )
        for problem in report.problems
    ]
    return report


def _print_report(report: InstanceReport) -> None:
    where = f"{report.instance} ({report.type})"
    if not report.problems:
        click.echo(f"ok     {where}")
        return
    for problem in report.problems:
        click.echo(f"FAIL   {where}: {problem.message}")
        if problem.hint:
            click.echo(f"       hint: {problem.hint}")


@click.command(name="check")
@config_option("The policy file.")
@click.option("--connector", "only", multiple=True, help="Only check this instance (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("-v", "--verbose", is_flag=True, help="Log every HTTP request to stderr.")
def command(config_path: Path, only: tuple[str, ...], as_json: bool, verbose: bool) -> None:
    """Validate the config, then check every connector's credentials, rights and mapped fields.

    Exit status: 0 all good, 1 a connector or plugin has a problem, 2 the config is invalid.
    """
    configure_logging(level=logging.INFO if verbose else logging.WARNING)
    plugin_problems = [str(failure) for failure in pm.load_failures]
    try:
        types = connector_types()
    except PluginError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_PROBLEMS) from None
    try:
        config = load_config(config_path, connector_types=types)
    except ConfigError as exc:
        click.echo(f"{config_path}: the config is invalid:", err=True)
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    unknown = sorted(set(only) - set(config.connectors))
    if unknown:
        defined = ", ".join(sorted(config.connectors)) or "none"
        click.echo(f"error: no connector {', '.join(unknown)} (defined: {defined})", err=True)
        raise SystemExit(EXIT_CONFIG)
    reports = []
    opened: list[Any] = []

    def open_state() -> Any:
        # Opened once, and only when a connector keeps its rotated tokens there.
        if not opened:
            from slabridge.sync.runtime import state_url
            from slabridge.sync.store import open_store

            url, base = state_url(config)
            opened.append(open_store(url, base_dir=base))
        return opened[0]

    for instance, instance_config in config.connectors.items():
        if only and instance not in only:
            continue
        if not isinstance(instance_config, ConnectorConfig):  # only without connector_types
            raise SystemExit(EXIT_CONFIG)
        report = check_instance(instance, instance_config, types[instance_config.type], open_state)
        reports.append(report)
        if not as_json:
            _print_report(report)
    for store in opened:
        store.close()
    if as_json:
        document = {
            "config": str(config_path),
            "ok": not plugin_problems and all(not r.problems for r in reports),
            "connectors": [report.to_json() for report in reports],
            "plugin_failures": plugin_problems,
        }
        click.echo(json.dumps(document, indent=2))
    else:
        if not reports:
            click.echo("the config is valid; no connectors are configured")
        for problem in plugin_problems:
            click.echo(f"FAIL   {problem}")
    if plugin_problems or any(report.problems for report in reports):
        raise SystemExit(EXIT_PROBLEMS)


__all__ = ["EXIT_CONFIG", "EXIT_OK", "EXIT_PROBLEMS", "InstanceReport", "check_instance", "command"]
