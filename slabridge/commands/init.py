"""``slabridge init``: write a commented ``slabridge.yaml`` for one helpdesk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from slabridge.commands import hints
from slabridge.demo.sample_config import environment_variables, sample_config
from slabridge.plugins import connector_types


@click.command("init")
@click.option(
    "--helpdesk",
    "helpdesk",
    required=True,
    help="The connector type to configure: zendesk, freshdesk, jira or any installed one.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("slabridge.yaml"),
    show_default=True,
    help="Where to write the file.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def command(helpdesk: str, output: Path, force: bool) -> None:
    """Write a commented slabridge.yaml for HELPDESK, and say what to set next."""
    types = connector_types()
    if helpdesk not in types:
        installed = ", ".join(sorted(types)) or "none"
        raise click.UsageError(
            f"no connector of type {helpdesk!r} is installed (installed: {installed}); "
            "`slabridge plugins` lists what is installed"
        )
    if output.exists() and not force:
        raise click.UsageError(f"{output} exists already; pass --force to overwrite it")
    instance = helpdesk
    text = sample_config(
        {instance: (types[helpdesk], None)},
        year=datetime.now(UTC).year,
        header=(
            f"# slabridge configuration for {helpdesk}, written by `slabridge init`.\n"
            "# Reference: docs/policy.md (policies), docs/connectors/ (connector keys).\n"
        ),
    )
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        hint = " (create the folder first)" if not output.parent.exists() else ""
        raise click.UsageError(
            f"--output: cannot write {output}: {error.strerror or error}{hint}"
        ) from None
    click.echo(f"Wrote {output}.")
    variables = environment_variables(text)
    if variables:
        click.echo("Set these environment variables (secrets never go into the file):")
        for name in variables:
            click.echo(f"  export {name}=...")
    click.echo("Then:")
    program = hints.program()
    click.echo(f"  {program} check --config {output}          # config, credentials, permissions")
    click.echo(f"  {program} sync --config {output} --dry-run # what would change; writes nothing")


__all__ = ["command"]
