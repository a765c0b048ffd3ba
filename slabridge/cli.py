"""The ``slabridge`` command line: a click group; plugins may add commands."""

from __future__ import annotations

import importlib

import click

from slabridge import __version__

# Built-in commands live in slabridge/commands/<module>.py, each exposing ``command``.
BUILTIN_COMMANDS: tuple[str, ...] = (
    "init",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slabridge")
def cli() -> None:
    """Enforce one set of SLA rules inside Zendesk, Freshdesk and Jira Service Management."""


for _module_name in BUILTIN_COMMANDS:
    _module = importlib.import_module(f"slabridge.commands.{_module_name}")
    cli.add_command(_module.command)


def main() -> None:
    cli(prog_name="slabridge")


__all__ = ["cli", "main"]
