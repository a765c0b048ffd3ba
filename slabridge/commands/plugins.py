"""``slabridge plugins``: the installed plugins, their versions and hooks, and load failures."""

from __future__ import annotations

import json

import click

from slabridge.commands.output import chosen_format, format_option
from slabridge.plugins import get_plugins, pm


@click.command(name="plugins")
@format_option(("table", "json"), help="A table (default) or JSON.", json_alias=True)
def command(output_format: str | None, json_alias: bool | None) -> None:
    """List installed plugins, their versions, the hooks they implement and load failures.

    ``--format json`` prints a list of ``{name, version, hooks, connectors, error}``; ``error``
    is null for a loaded plugin. Exits 1 when a plugin failed to load (it is then not used).
    """
    as_json = chosen_format(output_format, json_alias, otherwise="table") == "json"
    plugins = get_plugins()
    failures = [{"name": failure.name, "error": failure.error} for failure in pm.load_failures]
    if as_json:
        # One list, like `llm plugins`: loaded plugins have "error": null, failed ones a message.
        entries = [{**plugin, "error": None} for plugin in plugins]
        entries += [
            {"name": f["name"], "version": None, "hooks": [], "connectors": [], "error": f["error"]}
            for f in failures
        ]
        click.echo(json.dumps(entries, indent=2))
    else:
        if not plugins:
            click.echo("No plugins installed.")
        for plugin in plugins:
            version = plugin["version"] or "(no version)"
            click.echo(f"{plugin['name']} {version}")
            if plugin["connectors"]:
                click.echo(f"  connectors: {', '.join(plugin['connectors'])}")
            click.echo(f"  hooks: {', '.join(plugin['hooks']) or '(none)'}")
        for failure in failures:
            click.echo(
                f"error: plugin {failure['name']!r} failed to load: {failure['error']}", err=True
            )
    if failures:
        raise SystemExit(1)


__all__ = ["command"]
