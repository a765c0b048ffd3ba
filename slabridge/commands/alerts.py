"""``slabridge alerts test --channel NAME``: send one sample alert through a channel."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from slabridge.alerts.channels import load_channels, sample_message
from slabridge.alerts.notifiers.base import DeliveryError
from slabridge.commands.options import config_option
from slabridge.config import ConfigError
from slabridge.logs import configure_logging
from slabridge.plugins import PluginError

EXIT_SENT = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


@click.group(name="alerts")
def command() -> None:
    """Alert channels: send a test message."""


@command.command(name="test")
@click.option("--channel", "channel", required=True, help="The name under alerts.channels.")
@config_option()
def test_channel(channel: str, config_path: Path) -> None:
    """Send one sample alert to CHANNEL now (the outbox is not used).

    Exit status: 0 sent, 1 the delivery failed, 2 the config is invalid or has no such channel.
    """
    configure_logging(level=logging.WARNING)
    try:
        channels = load_channels(config_path)
    except ConfigError as exc:
        click.echo(f"{config_path}: the config is invalid:", err=True)
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except PluginError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    notifier = channels.get(channel)
    if notifier is None:
        defined = ", ".join(sorted(channels)) or "none"
        click.echo(
            f"error: no channel {channel!r} in alerts.channels (defined: {defined})", err=True
        )
        raise SystemExit(EXIT_CONFIG)
    shown = ", ".join(
        f"{key}={value}" for key, value in notifier.describe().items() if key != "name"
    )
    try:
        notifier.send(sample_message(channel))
    except DeliveryError as exc:
        click.echo(f"FAIL   channel {channel} ({shown}): {exc}", err=True)
        raise SystemExit(EXIT_FAILED) from None
    click.echo(f"sent   channel {channel} ({shown}): a sample alert")


__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_SENT", "command"]
