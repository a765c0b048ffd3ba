"""``slabridge check``: validate the config and run every connector's ``check()``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from slabridge.commands.check_coverage import coverage_warnings, sample_tickets
from slabridge.commands.options import config_option
from slabridge.commands.output import chosen_format, format_option
from slabridge.config import AppConfig, ConfigError, load_config
from slabridge.connectors.base import CheckProblem, Connector, ConnectorConfig
from slabridge.connectors.http import HttpError
from slabridge.logs import configure_logging, redact_text, register_secrets
from slabridge.plugins import PluginError, connector_types, plugin_manager
from slabridge.sla.policy import PolicySet

if TYPE_CHECKING:
    from slabridge.sync.plan import WriteBackSettings

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CONFIG = 2


@dataclass(slots=True)
class InstanceReport:
    """What ``check()`` found for one configured connector instance."""

    instance: str
    type: str
    problems: list[CheckProblem] = field(default_factory=list)
    # Not failures: the sync can run, but its figures may not be what the admin meant.
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "type": self.type,
            "ok": not self.problems,
            "problems": [{"message": p.message, "hint": p.hint} for p in self.problems],
            "warnings": self.warnings,
        }


def check_instance(
    instance: str,
    config: ConnectorConfig,
    cls: type[Connector],
    open_state: Callable[[], Any] | None = None,
    policies: PolicySet | None = None,
    write_fields: Mapping[str, str] | None = None,
) -> InstanceReport:
    """Create the connector and run its ``check()``; failures become problems, never raise.

    ``open_state`` opens the state store, for a connector that keeps credentials there (a
    refresh in ``check`` rotates the token, and the new one must be saved for the next sync).
    With ``policies``, a healthy connector's first tickets are read to warn when the mapping
    leaves most of them without a key the policies match on. ``write_fields`` (role -> field
    key, from ``actions.fields.<instance>``) are checked to exist and to fit what is written.
    """
    report = InstanceReport(instance, config.type)
    secrets = config.secrets()
    register_secrets(secrets)
    connector: Connector | None = None
    try:
        connector = cls(instance, config)
        if open_state is not None and connector.uses_state_store():
            connector.attach_state_store(open_state())
        found = list(connector.check())
        if write_fields and not any(not problem.warning for problem in found):
            found += connector.check_write_fields(write_fields)
        report.problems = [problem for problem in found if not problem.warning]
        report.warnings = [_with_hint(problem) for problem in found if problem.warning]
        if policies is not None and not report.problems:
            report.warnings += coverage_warnings(sample_tickets(connector), policies, instance)
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
    report.warnings = [redact_text(warning, secrets) for warning in report.warnings]
    return report


def _write_fields(settings: WriteBackSettings | None) -> dict[str, str]:
    if settings is None:
        return {}
    roles = {"due_at": settings.due_at_field, "breached": settings.breached_field}
    return {role: key for role, key in roles.items() if key}


def _with_hint(problem: CheckProblem) -> str:
    return f"{problem.message} (hint: {problem.hint})" if problem.hint else problem.message


def _print_report(report: InstanceReport) -> None:
    where = f"{report.instance} ({report.type})"
    for warning in report.warnings:
        click.echo(f"warn   {where}: {warning}")
    if not report.problems:
        click.echo(f"ok     {where}")
        return
    for problem in report.problems:
        click.echo(f"FAIL   {where}: {problem.message}")
        if problem.hint:
            click.echo(f"       hint: {problem.hint}")


def _check_credit_keys(
    config_path: Path, config: AppConfig, open_state: Callable[[], Any], opened: list[Any]
) -> None:
    """Bare ids in ``credits.customers``, against the stored tickets' customers (docs/reports.md).

    A key that names one customer is deprecated (a warning); one that names customers of several
    helpdesks is a config error (exit 2). The store is read only when there is a bare key.
    """
    from slabridge.report.customer_check import (
        bare_credit_keys,
        check_credit_keys,
        stored_customers,
    )
    from slabridge.sync.store import StateStoreError

    bare = bare_credit_keys(config)
    if not bare:
        return
    try:
        store = open_state()
    except StateStoreError as error:
        click.echo(f"warning: credits.customers not checked against the store: {error}", err=True)
        return
    warnings, problems = check_credit_keys(bare, stored_customers(store, config.customers))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if problems:
        for store in opened:
            store.close()
        click.echo(f"{config_path}: the config is invalid:", err=True)
        for where, problem in problems:
            click.echo(f"  {where}: {problem}", err=True)
        raise SystemExit(EXIT_CONFIG)


@click.command(name="check")
@config_option("The policy file.")
@click.option("--connector", "only", multiple=True, help="Only check this instance (repeatable).")
@format_option(("text", "json"), help="Text (default) or JSON.", json_alias=True)
def command(
    config_path: Path, only: tuple[str, ...], output_format: str | None, json_alias: bool | None
) -> None:
    """Validate the config, then check every connector's credentials, rights and mapped fields.

    Exit status: 0 all good, 1 a connector or plugin has a problem, 2 the config is invalid.
    """
    # Quiet by default: the verdicts are the output; --verbose shows each HTTP request.
    configure_logging(level=logging.WARNING)
    as_json = chosen_format(output_format, json_alias, otherwise="text") == "json"
    plugin_problems = [str(failure) for failure in plugin_manager().load_failures]
    types, config = _load(config_path)
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

    _check_serve(config_path, config)
    _check_credit_keys(config_path, config, open_state, opened)
    from slabridge.sync.runtime import settings_from_config

    write_back = settings_from_config(config)
    for instance, instance_config in config.connectors.items():
        if only and instance not in only:
            continue
        if not isinstance(instance_config, ConnectorConfig):  # only without connector_types
            raise SystemExit(EXIT_CONFIG)
        report = check_instance(
            instance,
            instance_config,
            types[instance_config.type],
            open_state,
            config.policy_set,
            _write_fields(write_back.get(instance)),
        )
        reports.append(report)
        if not as_json:
            _print_report(report)
    for store in opened:
        store.close()
    channels = _check_channels(config_path, as_json)
    if not _print_outcome(config_path, reports, channels, plugin_problems, as_json):
        raise SystemExit(EXIT_PROBLEMS)


def _print_outcome(
    config_path: Path,
    reports: list[Any],
    channels: list[dict[str, Any]],
    plugin_problems: list[str],
    as_json: bool,
) -> bool:
    """Print the JSON document or the closing text lines; True when nothing has a problem."""
    ok = (
        not plugin_problems
        and all(not r.problems for r in reports)
        and all(not c["problems"] for c in channels)
    )
    if as_json:
        document = {
            "config": str(config_path),
            "ok": ok,
            "connectors": [report.to_json() for report in reports],
            "channels": channels,
            "plugin_failures": plugin_problems,
        }
        click.echo(json.dumps(document, indent=2))
    else:
        if not reports and not channels:
            click.echo("the config is valid; no connectors are configured")
        for problem in plugin_problems:
            click.echo(f"FAIL   {problem}")
    return ok


def _load(config_path: Path) -> tuple[dict[str, Any], Any]:
    """The connector types and the loaded config; a plugin clash exits 1, a bad config 2."""
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
    return types, config


def _check_serve(config_path: Path, config: AppConfig) -> None:
    """``serve:`` as ``slabridge serve`` reads it: every ``${ENV}`` set, then every key.

    The config load checked its shape without the environment (decision 93); here a variable
    that is not set is a config error (exit 2), and a secret written in the file a warning.
    """
    from slabridge.config import substitute_environment
    from slabridge.serve.settings import (
        literal_secret_paths,
        parse_serve_settings,
        read_serve_section,
    )

    try:
        raw = read_serve_section(config_path)
        if raw is None:
            return
        types = {name: getattr(entry, "type", "") for name, entry in config.connectors.items()}
        parse_serve_settings(substitute_environment(raw, "serve"), types)
    except ConfigError as exc:
        click.echo(f"{config_path}: the config is invalid:", err=True)
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    for path in literal_secret_paths(raw):
        click.echo(
            f"warning: {path}: a secret written in the file; set it from the environment "
            "instead, e.g. ${NAME} (docs/serve.md)",
            err=True,
        )


def _check_channels(config_path: Path, as_json: bool) -> list[dict[str, Any]]:
    """Validate every ``alerts.channels`` entry and run its ``check()``; nothing is sent."""
    from slabridge.alerts.channels import check_channel, load_channels

    try:
        notifiers = load_channels(config_path)
    except ConfigError as exc:
        click.echo(f"{config_path}: the alert channels are invalid:", err=True)
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except PluginError as exc:  # e.g. two plugins claim one channel type
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_PROBLEMS) from None
    results = []
    for name, notifier in notifiers.items():
        problems = check_channel(notifier)
        results.append({**notifier.describe(), "ok": not problems, "problems": problems})
        if not as_json:
            where = f"channel {name} ({notifier.type_name})"
            click.echo(f"ok     {where}" if not problems else f"FAIL   {where}: {problems[0]}")
            for problem in problems[1:]:
                click.echo(f"FAIL   {where}: {problem}")
    return results


__all__ = ["EXIT_CONFIG", "EXIT_OK", "EXIT_PROBLEMS", "InstanceReport", "check_instance", "command"]
