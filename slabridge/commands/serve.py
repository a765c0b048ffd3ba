"""``slabridge serve``: webhooks from the helpdesks, scheduled syncs and the live SLA board."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import structlog

from slabridge.commands.options import config_option
from slabridge.config import ConfigError
from slabridge.logs import configure_logging, redact_text
from slabridge.sync.runtime import EXIT_CONFIG, Runtime, SetupError, build_runtime

log = structlog.get_logger("slabridge.serve")


def connector_type_names(runtime: Runtime) -> dict[str, str]:
    return {name: connector.type_name for name, connector in runtime.connectors.items()}


@click.command("serve")
@config_option()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback exposes the board and the webhooks: "
    "put TLS in front (docs/serve.md).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port."
)
def command(config_path: Path, host: str, port: int) -> None:
    """Accept signed webhooks, sync their tickets within seconds, and show the live SLA board.

    Scheduled syncs (serve.sync_every) keep running in the same process. Exit status: 0
    stopped (Ctrl-C or SIGTERM), 2 config error or the address cannot be used.
    """
    from slabridge.serve.server import ServeServer, is_loopback
    from slabridge.serve.settings import read_serve_settings

    configure_logging()
    try:
        runtime = build_runtime(str(config_path))
    except SetupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_CONFIG)
    try:
        settings = read_serve_settings(config_path, connector_type_names(runtime))
    except ConfigError as error:
        runtime.close()
        click.echo(f"error: {redact_text(str(error))}", err=True)
        sys.exit(EXIT_CONFIG)
    if not is_loopback(host):
        click.echo(
            f"warning: --host {host} is not loopback: the board and the webhooks are reachable "
            "from the network; serve them only behind TLS (docs/serve.md, Security)",
            err=True,
        )
    try:
        server = ServeServer(runtime, settings, host, port)
    except OSError as error:
        runtime.close()
        click.echo(f"error: --port: cannot listen on {host}:{port}: {error.strerror}", err=True)
        sys.exit(EXIT_CONFIG)
    hooks = ", ".join(f"/webhooks/{name}" for name in settings.webhooks) or "none configured"
    click.echo(f"Serving the SLA board on {server.base_url}/ (webhooks: {hooks})", err=True)
    log.info("serve_listening", host=host, port=server.port, webhooks=list(settings.webhooks))
    try:
        server.run()
    finally:
        runtime.close()


__all__ = ["command", "connector_type_names"]
