"""The ``serve:`` section as ``slabridge serve`` reads it: from the file, ``${ENV}`` substituted.

The section's model and checks live in slabridge/config/serve.py (every command's config load
checks its shape); this module adds reading it from a file with the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from slabridge.config import ConfigError, ConfigIssue, substitute_environment
from slabridge.config.serve import (
    DEFAULT_SECRET_HEADER,
    SCHEMES,
    BoardAuth,
    ServeSettings,
    WebhookAuth,
    literal_secret_paths,
    parse_serve_settings,
)
from slabridge.yaml_loader import SlabridgeLoader


def read_serve_section(config_path: Path) -> Any:
    """The raw ``serve:`` section of the config file (None when there is none)."""
    try:
        document = yaml.load(config_path.read_text(encoding="utf-8"), Loader=SlabridgeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problem = f"cannot read {config_path} ({type(error).__name__})"
        raise ConfigError([ConfigIssue("", problem)]) from None
    return document.get("serve") if isinstance(document, dict) else None


def read_serve_settings(
    config_path: Path,
    connector_types: Mapping[str, str],
    *,
    environ: Mapping[str, str] | None = None,
) -> ServeSettings:
    """The ``serve:`` section of the config file, ``${ENV}`` substituted and validated."""
    raw = read_serve_section(config_path)
    if raw is None:
        raise ConfigError(
            [ConfigIssue("serve", "missing: slabridge serve needs at least serve.board's login")]
        )
    return parse_serve_settings(
        substitute_environment(raw, "serve", environ=environ), connector_types
    )


__all__ = [
    "DEFAULT_SECRET_HEADER",
    "SCHEMES",
    "BoardAuth",
    "ServeSettings",
    "WebhookAuth",
    "literal_secret_paths",
    "parse_serve_settings",
    "read_serve_section",
    "read_serve_settings",
]
