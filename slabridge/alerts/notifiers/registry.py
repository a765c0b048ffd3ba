"""The table of alert channel types and the channels of a config's ``alerts.channels``.

Built-in types: ``webhook``, ``slack``, ``teams``, ``email``; plugins add more through the
``register_notifiers`` hook. :func:`validate_channels` checks entries (``slabridge check``,
config loading) and :func:`build_channels` turns them into ready :class:`Notifier` objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from slabridge.alerts.notifiers.base import Notifier, NotifierConfig
from slabridge.alerts.notifiers.email import EmailNotifier
from slabridge.alerts.notifiers.slack import SlackNotifier
from slabridge.alerts.notifiers.teams import TeamsNotifier
from slabridge.alerts.notifiers.webhook import WebhookNotifier
from slabridge.config import ConfigError, ConfigIssue
from slabridge.config.checking import pydantic_issues
from slabridge.logs import register_secrets
from slabridge.plugins import SlabridgePluginManager
from slabridge.plugins import notifier_types as _plugin_notifier_types

BUILTIN_NOTIFIERS: tuple[type[Notifier], ...] = (
    WebhookNotifier,
    SlackNotifier,
    TeamsNotifier,
    EmailNotifier,
)
CHANNELS_PATH = "alerts.channels"


def notifier_types(manager: SlabridgePluginManager | None = None) -> dict[str, type[Notifier]]:
    """``type_name`` → Notifier class: the built-ins and every plugin's (see the hookspec)."""
    return _plugin_notifier_types(manager, BUILTIN_NOTIFIERS)


def _issues(error: ValidationError, model: type[NotifierConfig], path: str) -> list[ConfigIssue]:
    # Name keys as written in YAML (`from`), not as the model's Python fields (`sender`).
    spelled = {name: field.alias or name for name, field in model.model_fields.items()}
    issues = []
    for issue in pydantic_issues(error, model, path):
        message = issue.message
        if message.startswith("unknown key (valid:"):
            valid = ", ".join(spelled[name] for name in model.model_fields if name != "type")
            message = f"unknown key (valid: type, {valid})"
        where = issue.path
        for name, alias in spelled.items():
            if name != alias and where.endswith(f".{name}"):
                where = where.removesuffix(name) + alias
        issues.append(ConfigIssue(where, message))
    return issues


def validate_channels(
    raw: Mapping[str, Any] | None,
    types: Mapping[str, type[Notifier]] | None = None,
) -> dict[str, tuple[type[Notifier], NotifierConfig]]:
    """Validate ``alerts.channels`` (``${ENV}`` already substituted) without building anything.

    Raises:
        ConfigError: every problem, each at its key path ``alerts.channels.<name>.<key>``;
            no value is ever echoed (it may be a secret).
    """
    table = notifier_types() if types is None else types
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError([ConfigIssue(CHANNELS_PATH, "must be a mapping of channel names")])
    issues: list[ConfigIssue] = []
    valid: dict[str, tuple[type[Notifier], NotifierConfig]] = {}
    for name, entry in raw.items():
        path = f"{CHANNELS_PATH}.{name}"
        if not isinstance(entry, Mapping):
            issues.append(ConfigIssue(path, "must be a mapping with a type, e.g. {type: slack}"))
            continue
        kind = entry.get("type")
        if not isinstance(kind, str) or not kind:
            known = ", ".join(table)
            issues.append(ConfigIssue(f"{path}.type", f"required: the channel type ({known})"))
            continue
        cls = table.get(kind)
        if cls is None:
            known = ", ".join(table) or "none installed"
            issues.append(ConfigIssue(f"{path}.type", f"unknown channel type (known: {known})"))
            continue
        try:
            config = cls.config_model.model_validate(dict(entry))
        except ValidationError as error:
            issues.extend(_issues(error, cls.config_model, path))
            continue
        valid[str(name)] = (cls, config)
    if issues:
        raise ConfigError(issues)
    return valid


def build_channels(
    raw: Mapping[str, Any] | None,
    *,
    types: Mapping[str, type[Notifier]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Notifier]:
    """The notifier of every channel in ``alerts.channels``, by name.

    Their secrets are registered for redaction from every log line first.

    Raises:
        ConfigError: as :func:`validate_channels`.
    """
    channels: dict[str, Notifier] = {}
    for name, (cls, config) in validate_channels(raw, types).items():
        register_secrets(config.secrets())
        channels[name] = cls(name, config, sleep=sleep)
    return channels


__all__ = ["BUILTIN_NOTIFIERS", "build_channels", "notifier_types", "validate_channels"]
