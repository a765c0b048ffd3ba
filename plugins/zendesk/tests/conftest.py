"""Fixtures for the Zendesk plugin tests: a started FakeZendesk on a controllable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeZendesk]:
    with FakeZendesk(email=EMAIL, token=TOKEN) as started:
        assert isinstance(started, FakeZendesk)
        started.clock = clock
        yield started


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(
    fake: FakeZendesk, clock: Clock, sleeps: list[float]
) -> Iterator[Callable[..., ZendeskConnector]]:
    made: list[ZendeskConnector] = []

    def make(**overrides: Any) -> ZendeskConnector:
        config = ZendeskConfig.model_validate(fake.connector_config(**overrides))
        connector = ZendeskConnector("zendesk-test", config, sleep=sleeps.append, clock=clock)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
