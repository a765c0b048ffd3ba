"""structlog, configured once: pretty on a terminal, JSON lines otherwise, secrets redacted."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

# Redaction itself lives in slabridge/redaction.py; these names stay importable from here.
from slabridge.redaction import REDACTED, redact_text, register_secrets

_SECRET_KEY_PARTS = ("token", "password", "secret", "api_key", "apikey", "authorization")


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _SECRET_KEY_PARTS)


def redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: blank secret-looking keys, scrub known secret values anywhere."""
    for key, value in list(event_dict.items()):
        if _is_secret_key(key) and value is not None:
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = redact_text(value)
        elif value is not None and not isinstance(value, int | float | bool):
            event_dict[key] = redact_text(str(value))
    return event_dict


LOG_LEVELS: dict[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

# What --quiet / --verbose / --log-level asked for, for the command being run; None: its default.
_chosen_level: int | None = None
_quiet = False


def set_log_level(level: int, *, quiet: bool = False) -> None:
    """Override every command's default log level (the shared output options call this)."""
    global _chosen_level, _quiet
    _chosen_level, _quiet = level, quiet


def reset_log_level() -> None:
    global _chosen_level, _quiet
    _chosen_level, _quiet = None, False


def is_quiet() -> bool:
    """Whether ``--quiet`` was given: no progress bars, errors only."""
    return _quiet


def effective_level(default: int) -> int:
    """The level to log at: the option given, else ``SLABRIDGE_LOG_LEVEL``, else ``default``."""
    if _chosen_level is not None:
        return _chosen_level
    from_environment = os.environ.get("SLABRIDGE_LOG_LEVEL", "").strip().lower()
    return LOG_LEVELS.get(from_environment, default)


def colors_wanted() -> bool:
    """False when ``NO_COLOR`` is set to anything non-empty (https://no-color.org)."""
    return not os.environ.get("NO_COLOR")


def configure_logging(
    *, json: bool | None = None, level: int = logging.INFO, file: TextIO | None = None
) -> None:
    """Set up structlog for the CLI; ``json`` defaults to "stderr is not a terminal".

    Lines go to ``file``, standard error unless given (a test passes its own buffer).

    ``level`` is the command's default; ``--quiet``/``--verbose``/``--log-level`` and the
    ``SLABRIDGE_LOG_LEVEL`` environment variable override it. ``NO_COLOR`` turns colours off.
    """
    if json is None:
        json = not sys.stderr.isatty()
    file = sys.stderr if file is None else file
    level = effective_level(level)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=colors_wanted())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Tracebacks become text before redaction, so a secret in one is scrubbed too.
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=file),
        cache_logger_on_first_use=False,
    )


__all__ = [
    "LOG_LEVELS",
    "REDACTED",
    "colors_wanted",
    "configure_logging",
    "effective_level",
    "is_quiet",
    "redact_event",
    "redact_text",
    "register_secrets",
    "reset_log_level",
    "set_log_level",
]
