"""``slabridge new-connector NAME``: scaffold a connector package that passes the standard suite."""

from __future__ import annotations

from pathlib import Path

import click

from slabridge.testing.scaffold import ScaffoldError, check_name, scaffold


@click.command(name="new-connector")
@click.argument("name")
@click.option(
    "--path",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to create (default: ./slabridge-NAME).",
)
def command(name: str, target: Path | None) -> None:
    """Create a connector package NAME: connector, fake API, harness and standard tests.

    The package is a copy of the Example connector, renamed; its tests pass as generated. Exit 2
    when the name is invalid or the directory exists and is not empty.
    """
    try:
        names = check_name(name)
        root = scaffold(name, target)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"created {root}/ ({names.distribution}, connector type {names.name!r})")
    click.echo("next:")
    click.echo(f"  cd {root} && pip install -e . && python -m pytest")
    click.echo("  then adapt connector.py and fake.py to the real API (docs/plugins/tutorial.md)")


__all__ = ["command"]
