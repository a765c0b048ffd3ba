"""Fixtures for the Jira connector tests: a started FakeJira on a settable clock, connectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jira_support import TOKEN, Clock
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeJira]:
    with FakeJira(token=TOKEN, clock=clock) as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_connector(fake: FakeJira, sleeps: list[float]) -> Iterator[Callable[..., JiraConnector]]:
    made: list[JiraConnector] = []

    def make(**overrides: Any) -> JiraConnector:
        connector = JiraConnector(
            "jira-test", fake.connector_config(**overrides), sleep=sleeps.append
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
