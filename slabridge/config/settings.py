"""The ``settings:`` section: when a clock is at risk, the default priority, reopening."""

from __future__ import annotations

import re
from typing import Any

from slabridge.config.checking import Checker, show_value
from slabridge.sla.policy import Settings
from slabridge.sla.ticket import PRIORITIES

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_FRACTION = re.compile(r"^\s*\d*\.?\d+\s*$")


class SettingsChecks(Checker):
    """Checks ``settings:`` into the engine's :class:`Settings`."""

    def settings(self, raw: Any) -> Settings:
        data = self.mapping(raw, "settings") or {}
        self.known_keys(data, "settings", ("warn_at", "warn_before", "default_priority", "reopen"))
        warn_at: float | None = 0.75 if "warn_before" not in data else None
        if "warn_at" in data:
            warn_at = self.share(data["warn_at"], "settings.warn_at")
        warn_before = None
        if data.get("warn_before") is not None:
            warn_before = self.duration(data["warn_before"], "settings.warn_before")
        default_priority = "normal"
        if "default_priority" in data:
            default_priority = (
                self.choice(
                    data["default_priority"], "settings.default_priority", PRIORITIES, "priority"
                )
                or "normal"
            )
        reopen = "resume"
        if "reopen" in data:
            reopen = (
                self.choice(
                    data["reopen"], "settings.reopen", ("resume", "new_cycle"), "reopen mode"
                )
                or "resume"
            )
        return Settings(warn_at, warn_before, default_priority, reopen)

    def share(self, raw: Any, path: str) -> float | None:
        if raw is None:
            return None
        value: float | None = None
        if isinstance(raw, str):
            found = _PERCENT.match(raw)
            if found:
                value = float(found.group(1)) / 100
            elif _FRACTION.match(raw):  # e.g. "0.8" from ${ENV}
                value = float(raw)
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw) if raw <= 1 else None
        if value is None or not 0 < value <= 1:
            self.add(path, f"{show_value(raw)} is not a share of the target (try 75% or 0.75)")
            return None
        return value
