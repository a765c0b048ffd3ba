"""``${ENV}`` substitution: a value from the environment is remembered, never echoed."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from slabridge.config.checking import Checker, FromEnv, key_path, key_text
from slabridge.config.errors import ConfigError

_ENV = re.compile(r"\$(\$(?=\{)|\{([A-Za-z_][A-Za-z0-9_]*)\})")  # `$${` writes `${`
_SECRET_SECTIONS = ("connectors", "state")  # where a ${ENV} value may be a credential


class EnvironmentChecks(Checker):
    """Substitutes ``${NAME}`` from ``environ``; a missing variable is an issue at its key."""

    def substitute(self, value: Any, path: str) -> Any:
        """Replace ``${NAME}`` in every string; ``$${`` is a literal ``${`` (other ``$`` stay)."""
        if isinstance(value, str):
            if "$" not in value:
                return value
            missing: list[str] = []
            used = False

            def replace(found: re.Match[str]) -> str:
                nonlocal used
                if found.group(1) == "$":
                    return "$"
                name = found.group(2)
                used = True
                if name not in self.environ:
                    missing.append(name)
                    return ""
                if path.startswith(_SECRET_SECTIONS):
                    self.secrets.append(self.environ[name])
                return self.environ[name]

            result = _ENV.sub(replace, value)
            for name in missing:
                self.add(path, f"environment variable {name} is not set")
            return FromEnv(result) if used else result
        if isinstance(value, dict):
            return {k: self.substitute(v, key_path(path, key_text(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(item, key_path(path, i)) for i, item in enumerate(value)]
        return value


def substitute_environment(
    value: Any, path: str, *, environ: Mapping[str, str] | None = None
) -> Any:
    """``${ENV}`` substitution of one raw section, as :func:`load_config` does it.

    Raises ConfigError naming ``path`` (e.g. ``alerts.channels.hook.secret``) for every unset
    variable; substituted strings are never echoed in later errors.
    """
    checker = EnvironmentChecks(os.environ if environ is None else environ)
    result = checker.substitute(value, path)
    if checker.issues:
        raise ConfigError(checker.issues)
    return result
