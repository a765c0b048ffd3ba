"""Options every command shares for how much it says: ``--quiet``, ``--verbose``, ``--log-level``.

They are added to every command (built-in and plugin) by :func:`add_output_options`, so that a
cron job can silence any of them and an admin chasing a problem can turn any of them up, with
the same words. They only set the logging threshold (see :func:`slabridge.logs.set_log_level`);
what a command prints as its result (a report, a summary, JSON) is not a log and stays.

``--format`` is the one name for the shape of a command's result; :func:`format_option` builds
it, with the old ``--json`` flag kept as a hidden alias for the commands that had one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from slabridge.logs import LOG_LEVELS, reset_log_level, set_log_level

F = TypeVar("F", bound=Callable[..., Any])

_CHOSEN = "slabridge_output_choice"


def _remember(context: click.Context, name: str, value: Any) -> None:
    # Each of the three options records itself; the last callback to run settles the level,
    # and refuses the contradictions (quiet and verbose at once).
    if value in (None, False):
        return
    chosen: dict[str, Any] = context.meta.setdefault(_CHOSEN, {})
    if not chosen:
        # The choice lasts for this invocation only (tests run many in one process).
        context.call_on_close(reset_log_level)
    chosen[name] = value
    if "quiet" in chosen and "verbose" in chosen:
        raise click.UsageError("--quiet and --verbose contradict each other: give one", context)
    if "log_level" in chosen and len(chosen) > 1:
        raise click.UsageError(
            "--log-level sets the level itself: give it without --quiet or --verbose", context
        )
    if "quiet" in chosen:
        set_log_level(logging.ERROR, quiet=True)
    elif "verbose" in chosen:
        set_log_level(logging.DEBUG)
    else:
        set_log_level(LOG_LEVELS[chosen["log_level"]])


def _option_callback(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(context: click.Context, _parameter: click.Parameter, value: Any) -> None:
        _remember(context, name, value)

    return callback


def output_options() -> list[click.Option]:
    """The three options, as parameters to append to a command."""
    return [
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_option_callback("quiet"),
            help="Log errors only, and show no progress bar (results are still printed).",
        ),
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_option_callback("verbose"),
            help="Log everything, down to each HTTP request and retry.",
        ),
        click.Option(
            ["--log-level"],
            type=click.Choice(tuple(LOG_LEVELS), case_sensitive=False),
            expose_value=False,
            is_eager=True,
            callback=_option_callback("log_level"),
            help="Log at this level and above (also SLABRIDGE_LOG_LEVEL).",
        ),
    ]


def add_output_options(command: click.Command) -> None:
    """Give ``command`` (and, for a group, its subcommands) the shared output options.

    An option name the command already uses is left to the command, so that a plugin command
    with its own ``--verbose`` keeps working.
    """
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            add_output_options(subcommand)
        return
    taken = {name for parameter in command.params for name in parameter.opts}
    for option in output_options():
        if not taken.intersection(option.opts):
            command.params.append(option)


def format_option(
    choices: Sequence[str], *, help: str, json_alias: bool = False
) -> Callable[[F], F]:
    """``--format CHOICE``, passed as ``output_format`` (``None`` when not given).

    With ``json_alias``, the old ``--json`` flag still works (hidden) and means ``--format json``.
    """

    def decorator(function: F) -> F:
        function = click.option(
            "--format",
            "output_format",
            type=click.Choice(tuple(choices)),
            default=None,
            help=help,
        )(function)
        if json_alias:
            function = click.option(
                "--json/--no-json",
                "json_alias",
                default=None,
                hidden=True,
                help="Same as --format json (kept for scripts written before --format).",
            )(function)
        return function

    return decorator


def chosen_format(
    output_format: str | None, json_alias: bool | None, *, otherwise: str
) -> str | None:
    """The format asked for: ``--format`` wins, then ``--json``/``--no-json``, else ``None``."""
    if output_format is not None:
        return output_format
    if json_alias is None:
        return None
    return "json" if json_alias else otherwise


__all__ = ["add_output_options", "chosen_format", "format_option", "output_options"]
