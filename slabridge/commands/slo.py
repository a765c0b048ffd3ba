"""`slabridge slo export`: the goals as SLO documents for SLO tools (OpenSLO v1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import yaml

from slabridge.commands.options import config_option
from slabridge.report import running
from slabridge.report.openslo import slo_documents


@click.group("slo")
def command() -> None:
    """Service level objectives: the goals of slabridge.yaml for SLO tools."""


@command.command("export")
@click.option(
    "--format",
    "chosen_format",
    type=click.Choice(["openslo"]),
    default="openslo",
    show_default=True,
    help="The document format.",
)
@config_option("The policy file with its goals:.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of standard output.",
)
@click.option("--service", default="support", show_default=True, help="spec.service of each SLO.")
@click.option(
    "--timezone", default="UTC", show_default=True, help="Where the goal periods' days start."
)
def export(
    chosen_format: str, config_path: Path, output: Path | None, service: str, timezone: str
) -> None:
    """Write one OpenSLO v1 `SLO` document per goal (a multi-document YAML stream)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise running.ReportUsageError(
            f"--timezone: unknown time zone {timezone!r} (e.g. UTC, Europe/Berlin)"
        ) from None
    config = running.load(config_path)
    if not config.goals:
        raise running.ReportUsageError(f"{config_path}: no goals: to export (see docs/slo.md)")
    documents, problems = slo_documents(
        config.goals, config.policies, service=service, zone=timezone, now=datetime.now(UTC)
    )
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    if not documents:
        raise running.ReportUsageError(f"{config_path}: no goal can be written as an OpenSLO SLO")
    running.write_output(yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True), output)


__all__ = ["command"]
