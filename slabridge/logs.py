"""structlog, configured once: pretty on a terminal, JSON lines otherwise, secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

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


def configure_logging(*, json: bool | None = None, level: int = logging.INFO) -> None:
    """Set up structlog for the CLI; ``json`` defaults to "stderr is not a terminal"."""
    if json is None:
        json = not sys.stderr.isatty()
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


__all__ = ["REDACTED", "configure_logging", "redact_event", "redact_text", "register_secrets"]
