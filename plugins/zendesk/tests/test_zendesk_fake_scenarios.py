"""FakeZendesk implements the scenario protocol, checked by reading back through the connector."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import Clock

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import Event, Ticket, parse_ticket
from slabridge.testing.fake_protocol import ScenarioFake, missing_scenario_methods

CREATED = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
REGION_FIELD = "360000000555"


def at(minutes: int) -> str:
    return (CREATED + timedelta(minutes=minutes)).isoformat()


def canonical(ticket_id: str = "c1", **extra: Any) -> Ticket:
    """Public and internal replies by agent and customer, status and priority changes."""
    data: dict[str, Any] = {
        "id": ticket_id,
        "created_at": at(0),
        "updated_at": at(300),
        "status": "solved",
        "priority": "urgent",
        "tags": ["vip", "billing"],
        "fields": {REGION_FIELD: "emea-west"},
        "customer": {"id": "org-7", "name": "Acme", "tier": "gold", "region": "emea"},
        "events": [
            {"at": at(0), "type": "status", "status": "new"},
            {"at": at(30), "type": "reply", "author": "agent", "public": True},
            {"at": at(45), "type": "reply", "author": "agent", "public": False},
            {"at": at(60), "type": "status", "status": "pending"},
            {"at": at(120), "type": "reply", "author": "customer", "public": True},
            {"at": at(121), "type": "status", "status": "open"},
            {"at": at(150), "type": "priority", "priority": "urgent", "from": "normal"},
            {"at": at(200), "type": "reply", "author": "customer", "public": False},
            {"at": at(300), "type": "status", "status": "solved"},
        ],
    }
    data.update(extra)
    return parse_ticket(data)


def simple(ticket_id: str, minutes: int) -> Ticket:
    return parse_ticket(
        {
            "id": ticket_id,
            "created_at": at(minutes),
            "updated_at": at(minutes),
            "status": "open",
            "events": [{"at": at(minutes), "type": "status", "status": "open"}],
        }
    )


def essentials(events: tuple[Event, ...]) -> list[tuple[Any, ...]]:
    """Status, reply and priority events (tags/field history is compared on its own)."""
    return [
        (e.at, e.type, e.status, e.priority, e.author, e.public)
        for e in events
        if e.type not in ("tags", "field")
    ]


def read_all(connector: ZendeskConnector, cursor: str | None) -> tuple[list[Any], str | None]:
    items = list(connector.read(cursor))
    checkpoints = [item.cursor for item in items if isinstance(item, Checkpoint)]
    return items, checkpoints[-1] if checkpoints else None


def tickets(items: list[Any]) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def test_the_fake_declares_every_scenario_method(fake: FakeZendesk) -> None:
    assert isinstance(fake, ScenarioFake)
    assert missing_scenario_methods(fake) == []
    assert fake.scenario_limits == frozenset()


def test_a_loaded_ticket_reads_back_event_by_event(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    original = canonical()
    ticket_id = fake.load_ticket(original)
    [back] = tickets(list(connect(history="audits").read(None)))
    assert back.id == ticket_id
    assert essentials(back.events) == essentials(original.events)
    assert (back.status, back.priority) == ("solved", "urgent")
    assert (back.created_at, back.updated_at) == (original.created_at, original.updated_at)
    assert set(back.tags) == {"vip", "billing"}
    assert back.fields[REGION_FIELD] == "emea-west"


def test_a_loaded_ticket_reads_back_through_the_event_stream_too(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    original = canonical()
    fake.load_ticket(original)
    [back] = tickets(list(connect(history="auto").read(None)))
    assert essentials(back.events) == essentials(original.events)


def test_loading_is_as_unkind_as_zendesk(fake: FakeZendesk) -> None:
    ticket_id = fake.load_ticket(canonical(tags=["VIP", "vip", "Billing"]))
    assert fake.tickets[int(ticket_id)]["tags"] == ["vip", "billing"]  # folded, once each
    comments = [
        event
        for audit in fake.audits[int(ticket_id)]
        for event in audit["events"]
        if event["type"] == "Comment"
    ]
    private = [c for c in comments if c["public"] is False]
    assert [fake.users[c["author_id"]]["role"] for c in private] == ["agent", "end-user"]


def test_a_field_zendesk_cannot_hold_is_refused_by_name(fake: FakeZendesk) -> None:
    with pytest.raises(ValueError, match=r"fields\['region'\].*numeric ticket field id"):
        fake.load_ticket(canonical(fields={"region": "emea"}))


def test_a_corrupt_record_is_skipped_and_the_read_goes_on(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    ids = [fake.load_ticket(simple(f"s{n}", n)) for n in range(3)]
    fake.corrupt_ticket(ids[1])
    connector = connect(per_page=1)
    items, cursor = read_all(connector, None)
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [s.ticket_id for s in skipped] == [ids[1]]
    assert skipped[0].reason
    assert [t.id for t in tickets(items)] == [ids[0], ids[2]]
    again, _ = read_all(connector, cursor)
    assert [item for item in again if isinstance(item, Ticket | Skipped)] == []


def test_changes_in_one_second_are_all_read_across_pages_and_reads(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    ids = [fake.load_ticket(simple(f"b{n}", n)) for n in range(5)]
    boundary = CREATED + timedelta(hours=2)
    for ticket_id in ids[:3]:
        fake.touch_at(ticket_id, boundary)
    connector = connect(per_page=2)
    items, cursor = read_all(connector, None)
    latest = {t.id: t.updated_at for t in tickets(items)}
    assert all(latest[i] == boundary for i in ids[:3])
    assert sorted(latest) == sorted(ids)
    fake.touch_at(ids[4], boundary + timedelta(seconds=1))
    again, _ = read_all(connector, cursor)
    assert [(t.id, t.updated_at) for t in tickets(again)] == [
        (ids[4], boundary + timedelta(seconds=1))
    ]


def test_an_edit_after_the_first_page_loses_nothing(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector], clock: Clock
) -> None:
    ids = [fake.load_ticket(simple(f"e{n}", n)) for n in range(5)]
    edited = CREATED + timedelta(hours=3)
    fake.after_list_pages(1, lambda: fake.touch_at(ids[0], edited))
    connector = connect(per_page=2)
    first, cursor = read_all(connector, None)
    second, _ = read_all(connector, cursor)
    seen = {(t.id, t.updated_at) for t in tickets(first + second)}
    assert {ticket_id for ticket_id, _ in seen} == set(ids)
    assert (ids[0], edited) in seen


def test_after_list_pages_runs_its_action_once(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    for n in range(5):
        fake.load_ticket(simple(f"o{n}", n))
    calls: list[int] = []
    fake.after_list_pages(2, lambda: calls.append(fake.list_pages_served))
    connector = connect(per_page=2)
    read_all(connector, None)
    read_all(connector, None)
    assert calls == [2]


def test_a_repeated_page_stops_the_read_with_each_ticket_once(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    ids = [fake.load_ticket(simple(f"r{n}", n)) for n in range(5)]
    fake.repeat_next_page()
    items, _ = read_all(connect(per_page=2), None)
    read = [t.id for t in tickets(items)]
    assert read == ids[:2]
    exports = fake.requests_to("GET", r"/incremental/tickets/cursor")
    assert len(exports) == 2  # the first page and its one repetition
    assert exports[1].query["cursor"]


def test_a_change_recorded_after_the_read_in_its_last_second_is_read_next(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    ids = [fake.load_ticket(simple(f"l{n}", n)) for n in range(5)]
    boundary = CREATED + timedelta(hours=2)
    fake.touch_at(ids[3], boundary)
    connector = connect(per_page=2)
    _, cursor = read_all(connector, None)
    # A lower id than the ticket the cursor ended at: Zendesk orders the stream by when a
    # change was recorded, so it still comes after the cursor.
    fake.touch_at(ids[1], boundary)
    again, _ = read_all(connector, cursor)
    assert [(t.id, t.updated_at) for t in tickets(again)] == [(ids[1], boundary)]


def test_a_field_write_keeps_the_loaded_ticket_s_other_fields(
    fake: FakeZendesk, connect: Callable[..., ZendeskConnector]
) -> None:
    other = "360000000556"
    ticket_id = fake.load_ticket(canonical(fields={REGION_FIELD: "emea-west", other: "keep"}))
    connector = connect()
    [result] = connector.apply([ChangeSet(ticket_id, fields={REGION_FIELD: "amer"})])
    assert result.error is None
    [back] = list(connector.fetch([ticket_id]))
    assert isinstance(back, Ticket)
    assert (back.fields[REGION_FIELD], back.fields[other]) == ("amer", "keep")
