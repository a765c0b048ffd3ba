"""Signatures already accepted, kept for the replay window (so a captured request fails)."""

from __future__ import annotations

import threading


class Unauthorized(Exception):
    """The request does not prove it comes from the helpdesk (HTTP 401); the text says why."""


class ReplayGuard:
    """Remembers accepted replay keys until they fall out of the window (memory is bounded
    by the webhooks of one window)."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def seen(self, key: str, now: float) -> bool:
        with self._lock:
            accepted = self._seen.get(key)
            return accepted is not None and now - accepted <= self.window

    def remember(self, key: str, now: float) -> None:
        with self._lock:
            self._seen[key] = now
            if len(self._seen) > 1024:
                self._seen = {k: t for k, t in self._seen.items() if now - t <= self.window}


__all__ = ["ReplayGuard", "Unauthorized"]
