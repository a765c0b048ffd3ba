"""The ``slabridge`` command line: a click group; plugins may add commands."""

from __future__ import annotations

import importlib
from typing import Any

import click

from slabridge import __version__
from slabridge.commands.output import add_output_options
from slabridge.errors import SlabridgeError
from slabridge.plugins import register_plugin_commands

# Built-in commands live in slabridge/commands/<module>.py, each exposing ``command``.
BUILTIN_COMMANDS: tuple[str, ...] = (
    "init",
    "demo",
    "sync",
    "run",
    "report",
    "backtest",
    "export",
    "evaluate",
    "explain",
    "plugins",
    "check",
    "new_connector",
    "status",
    "alerts",
)


class SlabridgeGroup(click.Group):
    """The command group; a :class:`SlabridgeError` a command lets through ends it here.

    The one place that maps slabridge's errors to exit codes: the message on stderr, the exit
    status the error carries (slabridge.errors). The messages never quote a secret (they are
    written so, docs/policy.md decision 59), so they are printed as they are.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SlabridgeError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=SlabridgeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slabridge")
def cli() -> None:
    """Enforce one set of SLA rules inside Zendesk, Freshdesk and Jira Service Management."""


for _module_name in BUILTIN_COMMANDS:
    _module = importlib.import_module(f"slabridge.commands.{_module_name}")
    cli.add_command(_module.command)

# Plugins add their commands through the `register_commands` hook (after the built-ins).
register_plugin_commands(cli)

# --quiet / --verbose / --log-level on every command, plugin commands included.
for _command in cli.commands.values():
    add_output_options(_command)


def main() -> None:
    cli(prog_name="slabridge")


__all__ = ["SlabridgeGroup", "cli", "main"]
