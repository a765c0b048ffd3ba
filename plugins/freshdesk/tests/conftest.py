"""Fixtures for the Freshdesk connector tests: a fake Freshdesk with a clock tests can move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from freshdesk_testkit import API_KEY, Clock
from slabridge_freshdesk.config import FreshdeskConfig
from slabridge_freshdesk.connector import FreshdeskConnector
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.testing import fixtures_dir


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeFreshdesk]:
    with FakeFreshdesk(API_KEY, clock=clock) as started:
        assert isinstance(started, FakeFreshdesk)
        yield started


@pytest.fixture
def make_connector(fake: FakeFreshdesk, clock: Clock) -> Iterator[Any]:
    made: list[FreshdeskConnector] = []

    def make(**overrides: Any) -> FreshdeskConnector:
        config = FreshdeskConfig.model_validate(fake.connector_config(**overrides))
        connector = FreshdeskConnector("freshdesk-test", config, sleep=clock.sleep)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def samples() -> Path:
    path = fixtures_dir() / "freshdesk" / "python-freshdesk-samples"
    if not path.is_dir():
        pytest.fail(f"Freshdesk samples not found at {path}: set SLABRIDGE_FIXTURES")
    return path
