"""The standard connector suite (slabridge.testing.suite) run against FakeZendesk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, seed

from slabridge.testing.suite import ConnectorHarness, StandardConnectorTests


class ZendeskHarness(ConnectorHarness):
    page_size = 2

    def __init__(self, fake: FakeZendesk, clock: Clock) -> None:
        super().__init__(fake, secrets=[TOKEN])
        self.zendesk = fake
        self.clock = clock

    def make_connector(self, **overrides: Any) -> ZendeskConnector:
        entry = self.zendesk.connector_config(per_page=self.page_size, **overrides)
        return ZendeskConnector(
            "zendesk-suite",
            ZendeskConfig.model_validate(entry),
            sleep=self.record_sleep,
            clock=self.clock,
        )

    def make_connector_with_bad_credentials(self) -> ZendeskConnector:
        return self.make_connector(token="not-the-token")

    def seed(self, count: int) -> list[str]:
        return seed(self.zendesk, self.clock, count)

    def touch(self, ticket_id: str) -> None:
        self.zendesk.agent_edit(ticket_id, add_tags=["touched"])
        self.clock.advance(minutes=2)

    def tags(self, ticket_id: str) -> set[str]:
        return self.zendesk.tags(ticket_id)

    def priority(self, ticket_id: str) -> str | None:
        return self.zendesk.priority(ticket_id)

    def future_cursor(self) -> str:
        later = self.clock.now + timedelta(days=1)
        return json.dumps({"after_cursor": None, "start_time": int(later.timestamp())})

    def repeat_next_page_token(self) -> None:
        self.zendesk.repeat_page_token = True


class TestZendeskConnector(StandardConnectorTests):
    @pytest.fixture
    def harness(self, clock: Clock) -> Iterator[ZendeskHarness]:  # type: ignore[override]
        with FakeZendesk(email=EMAIL, token=TOKEN) as fake:
            assert isinstance(fake, FakeZendesk)
            fake.clock = clock
            yield ZendeskHarness(fake, clock)
