"""The ``slabridge`` command line: a click group; plugins may add commands."""

from __future__ import annotations

import importlib

import click

from slabridge import __version__
from slabridge.commands.output import add_output_options
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
    "serve",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


__all__ = ["cli", "main"]
