"""The standard connector suite, run against the fake Freshdesk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from freshdesk_testkit import API_KEY, Clock
from slabridge_freshdesk.config import FreshdeskConfig
from slabridge_freshdesk.connector import FreshdeskConnector
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.connectors.base import Connector
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.testing.suite import ConnectorHarness, StandardConnectorTests


class FreshdeskHarness(ConnectorHarness):
    """Drives the Freshdesk connector against :class:`FakeFreshdesk` with a movable clock."""

    page_size = 2

    def __init__(self, fake: FakeFreshdesk, clock: Clock) -> None:
        super().__init__(fake, secrets=[API_KEY])
        self.freshdesk = fake
        self.clock = clock

    def make_connector(self, **overrides: Any) -> Connector:
        values = self.freshdesk.connector_config(per_page=self.page_size)
        values.update(overrides)
        config = FreshdeskConfig.model_validate(values)
        return FreshdeskConnector("freshdesk-suite", config, sleep=self.record_sleep)

    def make_connector_with_bad_credentials(self) -> Connector:
        return self.make_connector(api_key="not-the-right-key")

    def seed(self, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            self.clock.advance(60)
            ids.append(str(self.freshdesk.add_ticket(tags=["vip"])))
        return ids

    def touch(self, ticket_id: str) -> None:
        self.clock.advance(60)
        self.freshdesk.agent_edit(ticket_id, subject="Printer still on fire")

    def tags(self, ticket_id: str) -> set[str]:
        return self.freshdesk.tags(ticket_id)

    def priority(self, ticket_id: str) -> str | None:
        return self.freshdesk.priority(ticket_id)

    def future_cursor(self) -> str:
        return InclusiveCursor.starting_at(self.clock() + timedelta(days=1))

    def repeat_next_page_token(self) -> None:
        self.freshdesk.repeat_page_links = True


class TestFreshdeskConnector(StandardConnectorTests):
    @pytest.fixture
    def harness(self, fake: FakeFreshdesk, clock: Clock) -> Iterator[FreshdeskHarness]:
        yield FreshdeskHarness(fake, clock)
