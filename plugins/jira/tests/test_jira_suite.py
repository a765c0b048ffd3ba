"""The standard connector suite, run against FakeJira (Cloud) and FakeJiraDataCenter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jira_support import DC_TOKEN, TOKEN, Clock
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira
from slabridge_jira.fake_dc import FakeJiraDataCenter

from slabridge.connectors.base import Connector
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.testing.fakeapi import FakeRequest
from slabridge.testing.suite import ConnectorHarness, StandardConnectorTests


class JiraHarness(ConnectorHarness):
    page_size = 2

    def __init__(self, fake: FakeJira, clock: Clock) -> None:
        super().__init__(fake, secrets=[TOKEN])
        self.jira = fake
        self.clock = clock

    def make_connector(self, **overrides: Any) -> Connector:
        config = self.jira.connector_config(page_size=self.page_size, **overrides)
        return JiraConnector("jira-suite", config, sleep=self.record_sleep)

    def make_connector_with_bad_credentials(self) -> Connector:
        return self.make_connector(token="not-the-token")

    def seed(self, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            self.clock.advance(minutes=3)
            ids.append(self.jira.create_issue(labels=["customer_label"]))
        return ids

    def touch(self, ticket_id: str) -> None:
        self.clock.advance(minutes=3)
        self.jira.agent_edit(ticket_id, summary="edited by an agent")

    def tags(self, ticket_id: str) -> set[str]:
        return self.jira.tags(ticket_id)

    def priority(self, ticket_id: str) -> str | None:
        return self.jira.priority(ticket_id)

    def future_cursor(self) -> str:
        return InclusiveCursor.starting_at(self.clock() + timedelta(days=1))

    def repeat_next_page_token(self) -> None:
        self.jira.repeat_page_tokens = True

    def missing_ticket_id(self) -> str:
        return "987654321"

    def is_write(self, request: FakeRequest) -> bool:
        # Jira reads with POST (search/jql, changelog/bulkfetch); only PUT /issue writes.
        return request.method == "PUT"


class TestJiraConnector(StandardConnectorTests):
    @pytest.fixture
    def harness(self) -> Iterator[JiraHarness]:
        clock = Clock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
        with FakeJira(token=TOKEN, clock=clock) as fake:
            yield JiraHarness(fake, clock)


class JiraDataCenterHarness(JiraHarness):
    """Jira Data Center / Server: PAT as bearer, REST v2, ``startAt`` paging."""

    def __init__(self, fake: FakeJiraDataCenter, clock: Clock) -> None:
        super().__init__(fake, clock)
        self.secrets = [DC_TOKEN]

    def make_connector_with_bad_credentials(self) -> Connector:
        return self.make_connector(token="not-the-personal-access-token")

    def repeat_next_page_token(self) -> None:
        # Offsets, not tokens: the broken server ignores startAt and answers page one again.
        self.jira.repeat_page_tokens = True


class TestJiraDataCenterConnector(StandardConnectorTests):
    @pytest.fixture
    def harness(self) -> Iterator[JiraDataCenterHarness]:
        clock = Clock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
        with FakeJiraDataCenter(pat=DC_TOKEN, clock=clock) as fake:
            yield JiraDataCenterHarness(fake, clock)
