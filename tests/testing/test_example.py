"""The Example connector beyond the standard suite: mapping, replies, skipped records, check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

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


def test_history_entries_become_status_and_priority_events(fake: ExampleFake) -> None:
    ticket_id = str(fake.create_ticket()["id"])
    fake.tickets[ticket_id]["history"] = [
        {"at": "2026-01-05T09:02:00Z", "field": "priority", "from": "p3", "to": "p1"},
        {"at": "2026-01-05T09:01:30Z", "field": "status", "to": "waiting"},
        {"at": "2026-01-05T09:03:00Z", "field": "priority", "to": "p2"},
    ]
    [ticket] = tickets_of(list(connector(fake).fetch([ticket_id])))
    assert [(e.type, e.status, e.priority, e.from_priority, e.has_from) for e in ticket.events] == [
        ("status", "pending", None, None, False),
        ("priority", None, "urgent", "normal", True),
        ("priority", None, "high", None, False),
    ]


def test_a_history_entry_of_an_unknown_field_skips_the_record(fake: ExampleFake) -> None:
    ticket_id = str(fake.create_ticket()["id"])
    fake.tickets[ticket_id]["history"] = [{"at": "2026-01-05T09:02:00Z", "field": "mood"}]
    assert list(connector(fake).fetch([ticket_id])) == [
        Skipped(ticket_id, "history[0]: unknown field 'mood'")
    ]


def test_load_ticket_keeps_a_free_numeric_id_and_numbers_the_rest(fake: ExampleFake) -> None:
    at = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    ticket = Ticket(id="7001", created_at=at, updated_at=at, status="on_hold", priority="low")
    assert fake.load_ticket(ticket) == "7001"
    assert fake.tickets["7001"]["status"] == "hold" and fake.tickets["7001"]["priority"] == "p4"
    again = fake.load_ticket(ticket)
    named = fake.load_ticket(Ticket(id="ACME-1", created_at=at, updated_at=at, status="new"))
    assert again not in ("7001", named) and named.isdigit()


def _list(desk: ExampleConnector, **params: object) -> dict[str, Any]:
    page: dict[str, Any] = desk.http.get_json("/api/tickets", params={"limit": 2, **params})
    return page


def test_keyset_tokens_do_not_shift_when_a_ticket_changes_mid_read(fake: ExampleFake) -> None:
    ids = [str(fake.create_ticket()["id"]) for _ in range(4)]
    desk = connector(fake)
    first = _list(desk)
    fake.touch_at(ids[0], datetime(2026, 1, 6, tzinfo=UTC))  # moves to the end of the list
    second = _list(desk, page_token=first["next_page_token"])
    assert [str(t["id"]) for t in second["tickets"]] == ids[2:4]
    by_number = _list(desk, page=2)
    assert [str(t["id"]) for t in by_number["tickets"]] == [ids[3], ids[0]], "page numbers shift"
    assert by_number["next_page"] is None


def test_repeat_next_page_serves_the_last_page_again_in_both_paging_styles(
    fake: ExampleFake,
) -> None:
    for _ in range(5):
        fake.create_ticket()
    desk = connector(fake)
    first = _list(desk)
    fake.repeat_next_page()
    token = first["next_page_token"]
    assert _list(desk, page_token=token) == {**first, "next_page_token": token}
    numbered = _list(desk, page=1)
    assert _list(desk, page=2) == {**numbered, "next_page": 3}
    assert _list(desk, page=3)["tickets"] == numbered["tickets"]


def test_after_list_pages_runs_its_action_once_after_that_many_pages(fake: ExampleFake) -> None:
    fake.create_ticket()
    desk = connector(fake)
    ran: list[int] = []
    _list(desk)
    fake.after_list_pages(2, lambda: ran.append(len(fake.calls)))
    _list(desk)
    assert ran == []
    _list(desk)
    _list(desk)
    assert ran == [2], "the action runs once, while the second page after it is served"


def test_a_bad_page_token_is_a_400(fake: ExampleFake) -> None:
    response = connector(fake).http.get("/api/tickets", params={"page_token": "o2"}, ok=(200, 400))
    assert response.status_code == 400 and "bad query" in response.json()["error"]
