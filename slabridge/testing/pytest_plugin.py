"""The ``slabridge`` pytest plugin (entry point ``pytest11``): fixtures for connector tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
import structlog

from slabridge.logs import redact_event
from slabridge.testing import fixtures_dir as _fixtures_dir
from slabridge.testing.fakeapi import FakeAPI
from slabridge.testing.registered import RegisteredFake, start_registered_fake

FakeT = TypeVar("FakeT", bound=FakeAPI)


class CapturedLogs:
    """Every structlog event logged while the fixture is active, after secret redaction.

    ``entries`` holds the event dicts as the production pipeline would render them (the
    ``redact_event`` processor has run); ``text`` is all of them as JSON lines, for a plain
    "is this secret anywhere" check.
    """

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def _capture(
        self, _logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        entry = dict(event_dict)
        entry.setdefault("log_level", method)
        self.entries.append(entry)
        raise structlog.DropEvent

    @property
    def text(self) -> str:
        return "\n".join(json.dumps(entry, default=str, sort_keys=True) for entry in self.entries)

    def events(self, name: str) -> list[dict[str, Any]]:
        """The captured entries whose event name is ``name`` (e.g. ``"http_request"``)."""
        return [entry for entry in self.entries if entry.get("event") == name]

    def clear(self) -> None:
        self.entries.clear()


@pytest.fixture
def captured_logs() -> Iterator[CapturedLogs]:
    """Capture structlog output (redacted like in production) for the duration of a test."""
    logs = CapturedLogs()
    previous = structlog.get_config()
    structlog.configure(
        processors=[redact_event, logs._capture],
        wrapper_class=structlog.make_filtering_bound_logger(0),
        cache_logger_on_first_use=False,
    )
    try:
        yield logs
    finally:
        structlog.configure(**previous)


@pytest.fixture
def fake_api_factory() -> Iterator[Callable[..., Any]]:
    """Start fakes on demand and stop them all at teardown: ``fake_api_factory(MyFake, seed=1)``."""
    started: list[FakeAPI] = []

    def start(cls: type[FakeT] = FakeAPI, /, *args: Any, **kwargs: Any) -> FakeT:  # type: ignore[assignment]
        fake = cls(*args, **kwargs)
        fake.start()
        started.append(fake)
        return fake

    try:
        yield start
    finally:
        for fake in started:
            fake.stop()


@pytest.fixture
def registered_fake() -> Iterator[Callable[..., RegisteredFake]]:
    """Start any connector's registered fake by type, stopped at teardown.

    ``registered_fake("zendesk", clock=...)`` returns a :class:`RegisteredFake`: the started
    fake, ``config()``/``connector()`` built from the plugin's registered config entry, and
    ``load(ticket)`` to seed it (see :func:`slabridge.testing.registered.start_registered_fake`).
    """
    started: list[RegisteredFake] = []

    def start(connector_type: str, /, **options: Any) -> RegisteredFake:
        running = start_registered_fake(connector_type, **options)
        started.append(running)
        return running

    try:
        yield start
    finally:
        for running in started:
            running.stop()


@pytest.fixture
def shared_fixtures() -> Path:
    """The shared recorded fixtures directory (see :func:`slabridge.testing.fixtures_dir`)."""
    path = _fixtures_dir()
    if not path.is_dir():
        pytest.fail(f"shared fixtures not found at {path}: set SLABRIDGE_FIXTURES")
    return path


__all__ = [
    "CapturedLogs",
    "captured_logs",
    "fake_api_factory",
    "registered_fake",
    "shared_fixtures",
]


@pytest.fixture(autouse=True)
def _secrets_registered_per_test() -> Iterator[None]:
    """Secrets a test registers (a config load, a runtime) are forgotten after it.

    The registry is process-wide; without this a webhook URL of one test (its path part
    ``slabridge``, say) would redact that word in every later test's output.
    """
    from slabridge.redaction import secrets_kept_apart

    with secrets_kept_apart():
        yield
