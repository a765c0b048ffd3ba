"""The ``alerts.channels`` of a config file, read for ``slabridge check`` and ``alerts test``.

Until the ``alerts:`` section is part of :class:`slabridge.config.AppConfig`, the file is
validated with :func:`slabridge.config.load_config` and the channels are read from it here,
with the same ``${ENV}`` substitution.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from slabridge.alerts.message import AlertItem, AlertMessage
from slabridge.alerts.notifiers.base import Notifier
from slabridge.alerts.notifiers.registry import CHANNELS_PATH, build_channels
from slabridge.config import ConfigError, ConfigIssue, load_config, substitute_environment
from slabridge.logs import redact_text
from slabridge.yaml_loader import SlabridgeLoader


def raw_channels(config_path: Path, environ: Mapping[str, str] | None = None) -> Any:
    """``alerts.channels`` of the file with ``${ENV}`` substituted (None when absent).

    Raises:
        ConfigError: the file is invalid, or a variable the channels use is not set.
    """
    load_config(config_path, skip_connectors=True, environ=environ)  # the rest must be valid
    data = yaml.load(config_path.read_text(encoding="utf-8"), Loader=SlabridgeLoader)
    alerts = data.get("alerts") if isinstance(data, dict) else None
    if alerts is None:
        return None
    if not isinstance(alerts, dict):
        raise ConfigError([ConfigIssue("alerts", "must be a mapping (channels:, rules:)")])
    return substitute_environment(alerts.get("channels"), CHANNELS_PATH, environ=environ)


def load_channels(
    config_path: Path, environ: Mapping[str, str] | None = None
) -> dict[str, Notifier]:
    """Every configured channel's notifier, by name (see :func:`raw_channels`)."""
    return build_channels(raw_channels(config_path, environ))


def sample_message(channel: str, now: datetime | None = None) -> AlertMessage:
    """The message ``slabridge alerts test`` sends: one made-up ticket, clearly a test."""
    current = (now or datetime.now(UTC)).replace(microsecond=0)
    due = current + timedelta(hours=2)
    return AlertMessage(
        channel=channel,
        rule="slabridge-alerts-test",
        level=1,
        title=f"slabridge test alert for channel {channel}",
        items=(
            AlertItem(
                connector="example",
                ticket_id="TEST-1",
                ticket_url=None,
                subject="A sample ticket: this channel works",
                metric="first_response",
                cycle=1,
                event="at_risk",
                due_at=due,
                due_local=due.strftime("%a %d %b %Y %H:%M UTC"),
                policy="sample",
                priority="normal",
                action="nothing to do: this is a test sent by `slabridge alerts test`",
            ),
        ),
    )


def check_channel(notifier: Notifier) -> list[str]:
    """``notifier.check()``; a failing check is a problem, never an exception (nor a secret)."""
    try:
        return list(notifier.check())
    except Exception as exc:  # a plugin's bug must not hide the other channels' results
        what = redact_text(str(exc), notifier.config.secrets())
        return [f"check() failed: {type(exc).__name__}: {what}".rstrip(": ")]


__all__ = ["check_channel", "load_channels", "raw_channels", "sample_message"]
