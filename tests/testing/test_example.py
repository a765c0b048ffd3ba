"""The Example connector beyond the standard suite: mapping, replies, skipped records, check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from slabridge.connectors.base import Skipped
from slabridge.sla.ticket import Ticket
from slabridge.testing.example import ExampleConfig, ExampleConnector, ExampleFake
from slabridge.testing.suite import tickets_of

TOKEN = "example-token-1234"


@pytest.fixture
def fake() -> Iterator[ExampleFake]:
    with ExampleFake(tokens={TOKEN: "admin"}) as server:
        yield server


def connector(fake: ExampleFake, **mapping: object) -> ExampleConnector:
    config = ExampleConfig.model_validate(
        {"type": "example", "base_url": fake.base_url, "token": TOKEN, "mapping": mapping}
    )
    return ExampleConnector("desk", config, sleep=lambda seconds: None)


def test_mapping_config_sets_status_priority_tier_region_and_fields(fake: ExampleFake) -> None:
    record = fake.create_ticket(
        status="hold",
        priority="p1",
        tags=["emea"],
        custom={"region": "EU", "plan": "gold"},
    )
    desk = connector(
        fake,
        statuses={"hold": "pending"},
        tier={"from": "custom.plan", "values": {"gold": "enterprise"}, "default": "free"},
        region={"from": "tags", "values": {"emea": "EMEA"}},
        fields={"plan": {"from": "custom.plan"}},
    )
    [ticket] = tickets_of(list(desk.read(None)))
    assert ticket.id == str(record["id"]) and ticket.source == "example"
    assert (ticket.status, ticket.priority) == ("pending", "urgent")
    assert ticket.customer is not None
    assert (ticket.customer.tier, ticket.customer.region) == ("enterprise", "EMEA")
    assert ticket.fields == {"region": "EU", "plan": "gold"}


def test_replies_become_reply_events_in_time_order(fake: ExampleFake) -> None:
    ticket_id = str(fake.create_ticket()["id"])
    fake.add_reply(ticket_id, by="customer")
    fake.add_reply(ticket_id, by="agent", public=False)
    [ticket] = [item for item in connector(fake).fetch([ticket_id]) if isinstance(item, Ticket)]
    assert [(e.type, e.author, e.public) for e in ticket.events] == [
        ("reply", "customer", True),
        ("reply", "agent", False),
    ]
    assert ticket.updated_at == ticket.events[-1].at == datetime(2026, 1, 5, 9, 3, tzinfo=UTC)


def test_a_record_with_an_unknown_status_is_skipped_not_fatal(fake: ExampleFake) -> None:
    bad = fake.create_ticket(status="limbo")
    good = fake.create_ticket()
    items = list(connector(fake).read(None))
    assert Skipped(str(bad["id"]), "unknown status 'limbo'") in items
    assert [ticket.id for ticket in tickets_of(items)] == [str(good["id"])]


def test_fetch_skips_a_deleted_ticket(fake: ExampleFake) -> None:
    assert list(connector(fake).fetch(["4040"])) == [
        Skipped("4040", "not found (deleted?)", gone=True)
    ]


def test_the_plugin_module_registers_the_example_connector() -> None:
    from slabridge.plugins import connector_types, create_plugin_manager, register_plugin
    from slabridge.testing import example

    manager = create_plugin_manager()
    manager.loaded = True
    register_plugin(manager, example, "example")
    assert connector_types(manager) == {"example": ExampleConnector}
