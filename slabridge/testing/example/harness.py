"""The standard-suite harness for the Example connector: how the suite drives it and its fake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slabridge.connectors.base import Connector
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.testing.suite import ConnectorHarness

from .connector import DEFAULT_PRIORITIES, ExampleConfig, ExampleConnector
from .fake import EXAMPLE_HELPDESK, ExampleFake


class ExampleHarness(ConnectorHarness):
    """Drives :class:`ExampleConnector` against :class:`ExampleFake` for the standard suite."""

    page_size = 2
    token = "good-token"

    def config(self, **overrides: Any) -> ExampleConfig:
        # The entry the plugin registers for its fake (the demo's), with this harness's token.
        settings = {"token": self.token, "page_size": self.page_size, **overrides}
        values = EXAMPLE_HELPDESK.config_for(self.example, **settings)
        return ExampleConfig.model_validate(values)

    def make_connector(self, **overrides: Any) -> Connector:
        return ExampleConnector("example", self.config(**overrides), sleep=self.record_sleep)

    def make_connector_with_bad_credentials(self) -> Connector:
        return self.make_connector(token="wrong-token")

    @property
    def example(self) -> ExampleFake:
        assert isinstance(self.fake, ExampleFake)
        return self.fake

    def seed(self, count: int) -> list[str]:
        return [str(self.example.create_ticket(tags=["vip"])["id"]) for _ in range(count)]

    def touch(self, ticket_id: str) -> None:
        self.example.update_ticket(ticket_id, subject="Printer still on fire")

    def tags(self, ticket_id: str) -> set[str]:
        return set(self.example.tickets[ticket_id]["tags"])

    def priority(self, ticket_id: str) -> str | None:
        return DEFAULT_PRIORITIES.get(self.example.tickets[ticket_id]["priority"])

    def future_cursor(self) -> str:
        return InclusiveCursor.starting_at(self.example.now + timedelta(days=1))

    def scenario_fields(self, connector: Connector) -> dict[str, Any]:
        # The Example API keys custom fields by name, as the mapping reads them (custom.region).
        return {"region": "EU", "plan": "gold"}

    def state(self, ticket_id: str) -> object:
        record = self.example.tickets[ticket_id]
        return (frozenset(record["tags"]), record["priority"], dict(record["custom"]))


__all__ = ["ExampleHarness"]
