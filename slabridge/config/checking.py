"""The checker's primitives: key paths, quoting values that cannot be secrets, issues.

Every section checker (calendars, policies, ...) is a :class:`Checker`: it collects issues
instead of stopping at the first, and quotes a value only through :func:`show_value`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from slabridge.config.errors import ConfigIssue
from slabridge.redaction import redact_text
from slabridge.sla.durations import DurationError, parse_duration

_SHOWN_LENGTH = 60  # the longest value an error message quotes


class FromEnv(str):
    """A string that ``${ENV}`` substitution produced: never echoed in an error."""

    __slots__ = ()


def key_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def key_text(raw: Any) -> str:
    # Booleans read as they compare in matching (the loader keeps on/off/yes/no as text).
    if raw is True:
        return "true"
    if raw is False:
        return "false"
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


_LONG_QUOTE = re.compile(rf"(['\"])([^'\"]{{{_SHOWN_LENGTH}}})[^'\"]{{20,}}\1")


def shorten_quotes(message: str) -> str:
    """Cut every long quoted value in a message (a validator may quote a 20,000-character one)."""
    return _LONG_QUOTE.sub(lambda m: f"{m.group(1)}{m.group(2)}...{m.group(1)}", message)


def keys_as_text(value: Any) -> Any:
    """``value`` with every mapping key as text (see :func:`_key`), at every depth."""
    if isinstance(value, dict):
        return {key_text(key): keys_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [keys_as_text(item) for item in value]
    return value


def show_value(value: Any) -> str:
    """Quote a value that cannot be a secret; one from ${ENV} is never shown."""
    if isinstance(value, FromEnv):
        return "the value from the environment"
    shown = repr(value) if isinstance(value, str) else str(value)
    # A 20,000-character value would bury the message (and the other issues) under itself.
    return (
        shown if len(shown) <= _SHOWN_LENGTH else f"{shown[:_SHOWN_LENGTH]}... ({len(shown)} chars)"
    )


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class Checker:
    """Walks the raw data, collecting issues instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.issues: list[ConfigIssue] = []
        # Values that may be credentials: ${ENV} under connectors:/state:, SecretStr fields.
        self.secrets: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(ConfigIssue(path, message))

    def mapping(self, value: Any, path: str, what: str = "a mapping") -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"expected {what}, got {kind_of(value)}")
            return None
        return {key_text(k): v for k, v in value.items()}

    def known_keys(self, data: Mapping[str, Any], path: str, valid: tuple[str, ...]) -> None:
        for key in data:
            if key not in valid:
                self.add(key_path(path, key), f"unknown key (valid: {', '.join(valid)})")

    def text(self, value: Any, path: str, what: str = "a string") -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.add(path, f"expected {what}, got {kind_of(value)}")
        return None

    def choice(self, value: Any, path: str, allowed: tuple[str, ...], what: str) -> str | None:
        if isinstance(value, str) and value in allowed:
            return value
        shown = (
            f"{show_value(value)} is not a {what}"
            if isinstance(value, str)
            else f"expected a {what}"
        )
        self.add(path, f"{shown} (valid: {', '.join(allowed)})")
        return None

    def duration(self, value: Any, path: str) -> int | None:
        try:
            return parse_duration(value)
        except DurationError as error:
            if isinstance(value, FromEnv):
                self.add(path, "the value from the environment is not a duration (e.g. 4h)")
            else:
                self.add(path, str(error))
            return None


_PYDANTIC_MESSAGES: Mapping[str, str] = {
    "missing": "required",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "url_parsing": "not a valid URL",
    "url_scheme": "URL scheme not allowed",
    "string_too_short": "must not be empty",
}


def pydantic_issues(error: ValidationError, model: type[BaseModel], path: str) -> list[ConfigIssue]:
    """pydantic errors as key-path issues, without ever echoing the input."""
    issues: list[ConfigIssue] = []
    for item in error.errors(include_input=True, include_url=False):
        where = path
        for part in item["loc"]:
            where = key_path(where, part if isinstance(part, int) else str(part))
        kind = item["type"]
        if kind == "extra_forbidden":
            valid = ", ".join(name for name in model.model_fields if name != "type")
            message = (
                f"unknown key (valid: type, {valid})" if len(item["loc"]) == 1 else "unknown key"
            )
        elif kind in _PYDANTIC_MESSAGES:
            message = _PYDANTIC_MESSAGES[kind]
        else:
            text = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
            message = _scrub(text, item.get("input"))
        issues.append(ConfigIssue(where, message))
    return issues


def _scrub(message: str, value: Any) -> str:
    """Drop the input from a validator's message, in case it quoted it.

    Only inputs long or unusual enough to be secrets are replaced (``redaction.worth_redacting``):
    an ``email: one`` must not turn "give exactly one of" into "give exactly *** of".
    """
    texts: list[str] = []
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        texts.append(str(value))
    elif isinstance(value, dict):
        # A model-level validator sees the whole entry; its `type` names a connector, not a secret.
        texts.extend(str(v) for k, v in value.items() if k != "type" and isinstance(v, str | int))
    return redact_text(message, texts)
