"""Helpers shared by the Freshdesk tests (a uniquely named module: no clash with other plugins)."""

from __future__ import annotations

from datetime import datetime, timedelta

API_KEY = "fd-test-key-9f8e7d6c5b4a"


class Clock:
    """A settable clock for the fake (and a sleep that moves it instead of waiting)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


__all__ = ["API_KEY", "Clock"]
