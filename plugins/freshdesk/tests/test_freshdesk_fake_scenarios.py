"""FakeFreshdesk implements the scenario protocol, checked by reading back through the connector."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slabridge_freshdesk.connector import FreshdeskConnector
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import Event, Ticket, parse_ticket
from slabridge.testing.fake_protocol import (
    LIMIT_PRIORITY_HISTORY,
    LIMIT_STATUS_HISTORY,
    ScenarioFake,
    missing_scenario_methods,
)

CREATED = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
Connect = Callable[..., FreshdeskConnector]


def at(minutes: float) -> str:
    return (CREATED + timedelta(minutes=minutes)).isoformat()


REPLIES: list[dict[str, Any]] = [
    {"at": at(30), "type": "reply", "author": "agent", "public": True},
    {"at": at(45), "type": "reply", "author": "agent", "public": False},
    {"at": at(120), "type": "reply", "author": "customer", "public": True},
    {"at": at(200), "type": "reply", "author": "customer", "public": False},
]


def canonical(**extra: Any) -> Ticket:
    """The canonical case without what Freshdesk declares it cannot hold (its limits)."""
    data: dict[str, Any] = {
        "id": "c1",
        "created_at": at(0),
        "updated_at": at(300),
        "status": "solved",
        "priority": "urgent",
        "tags": ["vip", "billing"],
        "fields": {"cf_region": "emea-west"},
        "customer": {"name": "Acme", "tier": "gold"},
        "events": REPLIES,
    }
    data.update(extra)
    return parse_ticket(data)


def simple(minutes: float) -> Ticket:
    return parse_ticket({"id": f"s{minutes}", "created_at": at(minutes), "status": "open"})


def replies(events: tuple[Event, ...]) -> list[tuple[Any, ...]]:
    return [(e.at, e.author, e.public) for e in events if e.type == "reply"]


def read_all(connector: FreshdeskConnector, cursor: str | None) -> tuple[list[Any], str | None]:
    items = list(connector.read(cursor))
    checkpoints = [item.cursor for item in items if isinstance(item, Checkpoint)]
    return items, checkpoints[-1] if checkpoints else None


def tickets(items: list[Any]) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def connect_from_start(make_connector: Connect, **overrides: Any) -> FreshdeskConnector:
    return make_connector(start=CREATED - timedelta(days=1), **overrides)


def test_the_fake_declares_every_scenario_method_and_its_limits(fake: FakeFreshdesk) -> None:
    assert isinstance(fake, ScenarioFake)
    assert missing_scenario_methods(fake) == []
    assert fake.scenario_limits == {LIMIT_PRIORITY_HISTORY, LIMIT_STATUS_HISTORY}


def test_a_loaded_ticket_reads_back_reply_by_reply(
    fake: FakeFreshdesk, make_connector: Connect
) -> None:
    original = canonical()
    ticket_id = fake.load_ticket(original)
    [back] = tickets(list(connect_from_start(make_connector).read(None)))
    assert back.id == ticket_id
    assert replies(back.events) == replies(original.events)
    assert (back.status, back.priority) == ("solved", "urgent")
    assert (back.created_at, back.updated_at) == (original.created_at, original.updated_at)
    assert set(back.tags) == {"vip", "billing"}
    assert back.fields["cf_region"] == "emea-west"


def test_conversations_are_stored_as_freshdesk_holds_them(fake: FakeFreshdesk) -> None:
    number = int(fake.load_ticket(canonical()))
    requester = fake.tickets[number]["requester_id"]
    shapes = [
        (c["incoming"], c["private"], c["user_id"] == requester) for c in fake.conversations[number]
    ]
    assert shapes == [
        (False, False, False),
        (False, True, False),
        (True, False, True),
        (True, True, True),
    ]
    assert "cf_region" in fake.ticket_fields


def test_a_ticket_without_a_priority_is_stored_as_low(fake: FakeFreshdesk) -> None:
    number = int(fake.load_ticket(canonical(priority=None)))
    assert fake.tickets[number]["priority"] == 1  # Freshdesk's priority is never empty


def test_a_field_freshdesk_cannot_hold_is_refused_by_name(fake: FakeFreshdesk) -> None:
    with pytest.raises(ValueError, match=r"fields\['region'\].*cf_<name>"):
        fake.load_ticket(canonical(fields={"region": "emea"}))


def test_a_corrupt_record_is_skipped_and_the_read_goes_on(
    fake: FakeFreshdesk, make_connector: Connect
) -> None:
    ids = [fake.load_ticket(simple(n * 10)) for n in range(3)]
    fake.corrupt_ticket(ids[1])
    connector = connect_from_start(make_connector, per_page=1)
    items, cursor = read_all(connector, None)
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [s.ticket_id for s in skipped] == [ids[1]]
    assert "created_at" in skipped[0].reason
    assert [t.id for t in tickets(items)] == [ids[0], ids[2]]
    again, _ = read_all(connector, cursor)
    assert [item for item in again if isinstance(item, Ticket | Skipped)] == []


def test_changes_in_one_second_are_all_read_across_pages_and_reads(
    fake: FakeFreshdesk, make_connector: Connect
) -> None:
    ids = [fake.load_ticket(simple(n * 10)) for n in range(5)]
    boundary = CREATED + timedelta(hours=2)
    for ticket_id in ids[:3]:
        fake.touch_at(ticket_id, boundary)
    connector = connect_from_start(make_connector, per_page=2)
    items, cursor = read_all(connector, None)
    latest = {t.id: t.updated_at for t in tickets(items)}
    assert sorted(latest) == sorted(ids)
    assert all(latest[i] == boundary for i in ids[:3])
    fake.touch_at(ids[3], boundary)  # lands in the second the cursor ends at
    fake.touch_at(ids[4], boundary + timedelta(seconds=1))
    again, _ = read_all(connector, cursor)
    assert sorted((t.id, t.updated_at) for t in tickets(again)) == [
        (ids[3], boundary),
        (ids[4], boundary + timedelta(seconds=1)),
    ]


def test_an_edit_after_the_first_page_loses_nothing(
    fake: FakeFreshdesk, make_connector: Connect
) -> None:
    ids = [fake.load_ticket(simple(n * 10)) for n in range(5)]
    edited = CREATED + timedelta(hours=3)
    fake.after_list_pages(1, lambda: fake.touch_at(ids[0], edited))
    connector = connect_from_start(make_connector, per_page=2)
    first, cursor = read_all(connector, None)
    second, _ = read_all(connector, cursor)
    seen = {(t.id, t.updated_at) for t in tickets(first + second)}
    assert {ticket_id for ticket_id, _ in seen} == set(ids)
    assert (ids[0], edited) in seen


def test_a_repeated_page_stops_the_read_with_each_ticket_once(
    fake: FakeFreshdesk, make_connector: Connect
) -> None:
    ids = [fake.load_ticket(simple(n * 10)) for n in range(5)]
    fake.repeat_next_page()
    items, _ = read_all(connect_from_start(make_connector, per_page=2), None)
    read = [t.id for t in tickets(items)]
    assert read == ids[:2]
    assert fake.list_pages_served == 3  # the first page, then only repeats of it


def test_a_field_write_keeps_the_loaded_ticket_s_other_fields(
    fake: FakeFreshdesk, make_connector: Connect
) -> None:
    ticket_id = fake.load_ticket(canonical(fields={"cf_region": "emea-west", "cf_other": "keep"}))
    connector = connect_from_start(make_connector)
    [result] = connector.apply([ChangeSet(ticket_id, fields={"cf_region": "amer"})])
    assert result.error is None
    [back] = list(connector.fetch([ticket_id]))
    assert isinstance(back, Ticket)
    assert (back.fields["cf_region"], back.fields["cf_other"]) == ("amer", "keep")
