"""``slabridge.yaml`` -> an engine-ready ``AppConfig``: every error at once, with its key path.

Error messages echo a value only where it cannot be a secret (durations, hours, time zones,
priorities, metric and calendar names) and never one that came from ``${ENV}`` substitution or
that sits under ``connectors:`` or ``state:``.

The package follows the file's sections: ``calendars``, ``settings``, ``policies``, ``state``,
``connectors`` and ``actions`` each have a checker module, ``environment`` does the ``${ENV}``
substitution, ``checking`` holds the primitives they share and ``loading`` reads a whole file.
"""

from __future__ import annotations

# The old private name, for code written against the single module (use checking.pydantic_issues).
from slabridge.config.checking import pydantic_issues as _pydantic_issues
from slabridge.config.environment import substitute_environment
from slabridge.config.errors import ConfigError, ConfigIssue
from slabridge.config.loading import (
    load_config,
    load_config_data,
    load_config_text,
    load_policy_text,
)
from slabridge.config.model import (
    DEFAULT_STATE,
    TOP_LEVEL_KEYS,
    Actions,
    AppConfig,
    EscalateAction,
    TagActions,
)

__all__ = [
    "DEFAULT_STATE",
    "TOP_LEVEL_KEYS",
    "Actions",
    "AppConfig",
    "ConfigError",
    "ConfigIssue",
    "EscalateAction",
    "TagActions",
    "_pydantic_issues",
    "load_config",
    "load_config_data",
    "load_config_text",
    "load_policy_text",
    "substitute_environment",
]
