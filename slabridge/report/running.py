"""What the `report` and `backtest` commands share: config, period, engine, store, output."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from slabridge.errors import InputError
from slabridge.report.compute import parse_group_keys
from slabridge.report.models import ReportSettingsError
from slabridge.report.periods import Period, PeriodError, parse_period
from slabridge.report.sources import Evaluator
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket

if TYPE_CHECKING:
    from slabridge.config import AppConfig
    from slabridge.sync.store import StateStore

FORMATS: tuple[str, ...] = ("html", "csv", "json")


class ReportUsageError(InputError):
    """Bad input to a report command: printed on standard error, exit status 2."""


def load(path: Path) -> AppConfig:
    """Load a config file; every problem (with its key path) becomes one usage error."""
    from slabridge.config import ConfigError, load_config

    try:
        # A report reads the state store only: helpdesk credentials need not be set.
        return load_config(path, skip_connectors=True)
    except ConfigError as error:
        lines = "\n".join(f"  {issue}" for issue in error.issues)
        raise ReportUsageError(f"{path}: invalid config:\n{lines}") from None


def settings_error(path: Path | str, error: ReportSettingsError) -> ReportUsageError:
    """A config problem only the data reveals (a bare customer id naming several customers)."""
    lines = "\n".join(f"  {where}: {problem}" for where, problem in error.problems)
    return ReportUsageError(f"{path}: invalid config:\n{lines}")


def echo_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def period_option(text: str, timezone: str) -> Period:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportUsageError(
            f"--timezone: unknown time zone {timezone!r} (e.g. UTC, Europe/Berlin)"
        ) from None
    try:
        return parse_period(text, zone)
    except PeriodError as error:
        raise ReportUsageError(f"--period: {error}") from None


def group_option(text: str | None) -> tuple[str, ...]:
    try:
        return parse_group_keys(text)
    except ValueError as error:
        raise ReportUsageError(f"--by: {error}") from None


def engine(config: AppConfig) -> Evaluator:
    """The SLA engine bound to one config."""
    from slabridge.sla.evaluate import evaluate

    def run(ticket: Ticket, now: datetime) -> Evaluation:
        return evaluate(ticket, config, now)

    return run


def open_state(config: AppConfig) -> StateStore:
    from slabridge.sync.store import StateStoreError, open_store

    base = config.config_path.parent if config.config_path is not None else None
    try:
        return open_store(config.state, base_dir=base)
    except StateStoreError as error:
        raise ReportUsageError(str(error)) from None


def connector_option(connector: str | None, known: Iterable[str], where: str) -> None:
    """Exit 2 when ``--connector`` names none of ``known`` (a typo would report 0 tickets)."""
    names = sorted(set(known))
    if connector is not None and connector not in names:
        raise ReportUsageError(
            f"--connector {connector!r}: no such connector in {where} "
            f"(there: {', '.join(names) or 'none'})"
        )


def as_of_option(text: str | None, period: Period) -> datetime:
    """``--now`` (default: the current time), capped at the period's end."""
    now = datetime.now(UTC)
    if text is not None:
        try:
            now = datetime.fromisoformat(text)
        except ValueError:
            raise ReportUsageError(
                f"--now: {text!r} is not an ISO 8601 time (try 2026-03-10T12:00:00Z)"
            ) from None
        if now.tzinfo is None:
            raise ReportUsageError("--now: give a UTC offset (add Z or +hh:mm)")
    return min(now.astimezone(UTC), period.end)


def output_format(chosen: str | None, output: Path | None, default: str) -> str:
    """An explicit --format wins; else the --output suffix (.html, .csv, .json); else default."""
    if chosen:
        return chosen
    if output is not None and output.suffix.lstrip(".").lower() in FORMATS:
        return output.suffix.lstrip(".").lower()
    return default


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ReportUsageError(f"--output: cannot write {output} ({error.strerror})") from None
    click.echo(f"wrote {output}", err=True)


__all__ = [
    "FORMATS",
    "ReportUsageError",
    "echo_warnings",
    "engine",
    "group_option",
    "load",
    "open_state",
    "output_format",
    "period_option",
    "settings_error",
    "write_output",
]
