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
    "policy_test",
    "shadow",
    "slo",
    "serve",
)


class SlabridgeGroup(click.Group):
    """The command group; plugin commands join when the list of commands is asked for
    (``slabridge --help``, completion) or a name that is not built in is looked up.

    So a built-in command (and its own ``--help``) imports no plugin (plugins load lazily,
    docs/plugins/index.md), while ``slabridge --help`` still lists every plugin's commands.

    It is also the one place that maps slabridge's errors to exit codes: a
    :class:`SlabridgeError` a command lets through ends here, its message on stderr and the exit
    status it carries (slabridge.errors). The messages never quote a secret (they are written
    so, docs/policy.md decision 59), so they are printed as they are.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SlabridgeError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)

    plugin_commands_added = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and not self.plugin_commands_added:
            self.add_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def add_plugin_commands(self) -> None:
        """Load the plugins and add their commands (once), with the output options."""
        if self.plugin_commands_added:
            return
        self.plugin_commands_added = True
        built_in = set(self.commands)
        # Plugins add their commands through the `register_commands` hook (after the built-ins).
        register_plugin_commands(self)
        for name, command in self.commands.items():
            if name not in built_in:
                add_output_options(command)


@click.group(
    cls=SlabridgeGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="slabridge")
def cli() -> None:
    """Enforce one set of SLA rules inside Zendesk, Freshdesk and Jira Service Management."""


for _module_name in BUILTIN_COMMANDS:
    _module = importlib.import_module(f"slabridge.commands.{_module_name}")
    cli.add_command(_module.command)

# --quiet / --verbose / --log-level on every command (plugin commands get them when added).
for _command in cli.commands.values():
    add_output_options(_command)


def main() -> None:
    cli(prog_name="slabridge")


__all__ = ["SlabridgeGroup", "cli", "main"]
