"""Freshdesk payloads (the shared sample fixtures among them) become valid normalized tickets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from slabridge_freshdesk.config import FreshdeskConfig, FreshdeskMapping
from slabridge_freshdesk.connector import FreshdeskConnector
from slabridge_freshdesk.mapping import (
    Lookups,
    conversation_event,
    conversation_events,
    map_ticket,
    needs_conversations,
    status_events,
)
from slabridge_freshdesk.statuses import StatusChoice

from slabridge.sla.ticket import Event, Ticket, TicketError
from slabridge.sync.own_writes import PriorityWrite, mark_own_writes
from slabridge.testing.suite import assert_valid_ticket

DEFAULT = FreshdeskMapping()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def load(samples: Path, name: str) -> Any:
    return json.loads((samples / name).read_text())


def assert_valid(ticket: Ticket) -> None:
    config = FreshdeskConfig(api_key="unused", domain="example")  # type: ignore[arg-type]
    connector = FreshdeskConnector("freshdesk", config)
    try:
        assert_valid_ticket(ticket, connector)
    finally:
        connector.close()


def statuses(ticket: Ticket) -> list[tuple[str, str | None]]:
    return [(e.at.isoformat(), e.status) for e in ticket.events if e.type == "status"]


def replies(ticket: Ticket) -> list[tuple[str, str | None, bool]]:
    return [(e.at.isoformat(), e.author, e.public) for e in ticket.events if e.type == "reply"]


# -- the shared sample payloads ---------------------------------------------------------


def test_sample_ticket_with_stats_becomes_a_valid_ticket(samples: Path) -> None:
    ticket = map_ticket(load(samples, "ticket_1.json"), DEFAULT)
    assert_valid(ticket)
    assert (ticket.id, ticket.source, ticket.status, ticket.priority) == (
        "1",
        "freshdesk",
        "open",
        "low",
    )
    assert ticket.type == "question" and ticket.channel == "portal"
    assert ticket.tags == ("foo", "bar")
    assert ticket.fields == {
        "parent_or_child": None,
        "parent_ticket_id": None,
        "child_ticket_id": None,
    }
    assert ticket.customer is None  # no company, no group in the sample
    # Without conversations, replies come from stats: the first and latest agent reply and the
    # latest customer reply. (The hand-written sample's stats postdate its updated_at.)
    assert replies(ticket) == [
        ("2020-06-17T20:23:43+00:00", "agent", True),
        ("2020-06-25T23:10:15+00:00", "customer", True),
        ("2020-06-26T01:23:39+00:00", "agent", True),
    ]
    assert statuses(ticket) == [
        ("2016-05-18T04:36:04+00:00", "open"),
        ("2020-07-24T15:35:21+00:00", "solved"),
        ("2020-07-24T15:35:21+00:00", "open"),  # status_updated_at: the current status wins
    ]


def test_sample_updated_ticket_without_stats_becomes_a_valid_ticket(samples: Path) -> None:
    ticket = map_ticket(load(samples, "ticket_1_updated.json"), DEFAULT)
    assert_valid(ticket)
    assert (ticket.status, ticket.priority, ticket.tags) == ("solved", "high", ("hello", "world"))
    # No stats: only the creation is known; POLICY §2 dates the change to `solved` at updated_at.
    assert statuses(ticket) == [("2016-05-18T04:36:04+00:00", "open")]
    assert replies(ticket) == []


def test_old_v1_shaped_list_samples_map_with_their_offsets_converted(samples: Path) -> None:
    listed = load(samples, "all_tickets.json")
    searched = load(samples, "search_tickets.json")["results"]
    tickets = [map_ticket(raw, DEFAULT) for raw in [*listed, *searched]]
    for ticket in tickets:
        assert_valid(ticket)
    first = tickets[0]
    assert first.created_at == datetime(2014, 12, 31, 2, 27, 9, tzinfo=UTC)  # +10:00 → UTC
    assert first.type == "question"  # v1 `ticket_type`
    assert first.fields == {}  # v1 `custom_field`
    assert [t.tags for t in tickets] == [("mytag",), ("mytag",), ("mytag", "myothertag")]


def test_sample_conversations_become_a_private_note_and_a_public_agent_reply(
    samples: Path,
) -> None:
    events = conversation_events(load(samples, "conversations.json"))
    assert events == [
        Event(at("2016-05-19T05:36:12Z"), "reply", author="agent", public=False),
        Event(at("2016-05-19T05:36:14Z"), "reply", author="agent", public=True),
    ]


def test_sample_reply_and_note_parse_into_events(samples: Path) -> None:
    reply = conversation_event(load(samples, "reply_1.json"))
    note = conversation_event(load(samples, "note_1.json"))
    assert (reply.type, reply.author, reply.public) == ("reply", "agent", True)
    assert (note.type, note.author, note.public) == ("reply", "agent", False)


def test_sample_ticket_with_its_sample_conversations_uses_them_not_stats(samples: Path) -> None:
    ticket = map_ticket(
        load(samples, "ticket_1.json"), DEFAULT, conversations=load(samples, "conversations.json")
    )
    assert_valid(ticket)
    assert replies(ticket) == [
        ("2016-05-19T05:36:12+00:00", "agent", False),
        ("2016-05-19T05:36:14+00:00", "agent", True),
    ]


def test_sample_company_gives_the_tier_and_its_domain_can_map_one(samples: Path) -> None:
    company = load(samples, "company.json")
    raw = {**load(samples, "ticket_1.json"), "company_id": 1}
    lookups = Lookups(companies={1: company})
    ticket = map_ticket(raw, DEFAULT, lookups)
    assert ticket.customer is not None
    assert (ticket.customer.id, ticket.customer.name, ticket.customer.tier) == (
        "1",
        "Super Nova",
        "Premium",
    )
    by_domain = FreshdeskMapping.model_validate(
        {"tier": {"from": "company.domains", "values": {"nova": "enterprise"}, "default": "free"}}
    )
    assert map_ticket(raw, by_domain, lookups).lookup("customer.tier") == "enterprise"
    by_custom = FreshdeskMapping.model_validate(
        {"tier": {"from": "company.custom_fields.website", "values": {}}}
    )
    assert (
        map_ticket(raw, by_custom, lookups).lookup("customer.tier") == "https://www.supernova.org"
    )


# -- mapping rules ----------------------------------------------------------------------


def ticket_payload(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": 42,
        "status": 2,
        "priority": 2,
        "source": 1,
        "type": "Incident",
        "created_at": "2026-01-05T09:00:00Z",
        "updated_at": "2026-01-05T10:00:00Z",
        "tags": ["vip"],
        "custom_fields": {"cf_region": "emea", "cf_breached": False},
        "group_id": 5,
        "product_id": 9,
        "company_id": None,
    }
    raw.update(overrides)
    return raw


def test_group_becomes_region_and_product_id_becomes_the_product_name() -> None:
    lookups = Lookups(groups={5: "emea"}, products={9: "payments"})
    ticket = map_ticket(ticket_payload(), DEFAULT, lookups)
    assert ticket.product == "payments"
    assert ticket.customer is not None and ticket.customer.region == "emea"
    assert ticket.fields == {"cf_region": "emea", "cf_breached": False, "region": "emea"}
    assert (ticket.priority, ticket.type, ticket.channel) == ("normal", "incident", "email")


def test_region_and_product_can_come_from_ticket_fields_and_ids() -> None:
    mapping = FreshdeskMapping.model_validate(
        {
            "region": {"from": "custom_fields.cf_region", "values": {"emea": "EU"}},
            "product": {"from": "product_id", "values": {"9": "billing"}},
            "fields": {"team": {"from": "group.name"}},
        }
    )
    ticket = map_ticket(ticket_payload(), mapping, Lookups(groups={5: "Tier 2"}))
    assert ticket.lookup("customer.region") == "EU"
    assert ticket.product == "billing"
    assert ticket.fields["team"] == "Tier 2"


def test_statuses_map_by_default_and_custom_statuses_are_configurable() -> None:
    assert [map_ticket(ticket_payload(status=s), DEFAULT).status for s in (2, 3, 4, 5, 6, 7)] == [
        "open",
        "pending",
        "solved",
        "closed",
        "open",  # a custom status nothing says anything about: the clock keeps running
        "open",
    ]
    mapping = FreshdeskMapping.model_validate(
        {"statuses": {"6": "pending"}, "other_statuses": "on_hold"}
    )
    assert [map_ticket(ticket_payload(status=s), mapping).status for s in (3, 6, 7)] == [
        "pending",
        "pending",
        "on_hold",
    ]


def test_a_custom_status_follows_freshdesks_sla_timer_setting_unless_the_config_maps_it() -> None:
    statuses = {
        6: StatusChoice(6, "Waiting on Customer", stops_sla_timer=True),
        7: StatusChoice(7, "Working on it", stops_sla_timer=False),
        8: StatusChoice(8, "Escalated"),  # the API named it but said nothing about its timer
    }
    lookups = Lookups(statuses=statuses)
    read = [map_ticket(ticket_payload(status=s), DEFAULT, lookups).status for s in (6, 7, 8, 9)]
    assert read == ["on_hold", "open", "open", "open"]
    as_pending = FreshdeskMapping.model_validate(
        {"sla_timer_stopped": "pending", "statuses": {"7": "on_hold"}}
    )
    read = [map_ticket(ticket_payload(status=s), as_pending, lookups).status for s in (6, 7, 8)]
    assert read == ["pending", "on_hold", "open"]
    with pytest.raises(ValidationError, match="sla_timer_stopped"):
        FreshdeskMapping.model_validate({"sla_timer_stopped": "solved"})


def test_priorities_map_both_ways_and_medium_is_normal() -> None:
    assert [map_ticket(ticket_payload(priority=p), DEFAULT).priority for p in (1, 2, 3, 4)] == [
        "low",
        "normal",
        "high",
        "urgent",
    ]
    assert [DEFAULT.native_priority(p) for p in ("low", "normal", "high", "urgent")] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="no Freshdesk priority maps to 'critical'"):
        DEFAULT.native_priority("critical")


def test_bad_mapping_names_the_key_and_the_valid_values() -> None:
    with pytest.raises(ValidationError, match="status '6' maps to 'waiting'"):
        FreshdeskMapping.model_validate({"statuses": {"6": "waiting"}})
    with pytest.raises(ValidationError, match="use one of new, open"):
        FreshdeskMapping.model_validate({"other_statuses": "parked"})
    with pytest.raises(ValidationError, match="same name"):
        FreshdeskMapping.model_validate({"priorities": {"1": "normal"}})


def test_a_payload_without_created_at_is_an_error_naming_the_ticket_and_key() -> None:
    with pytest.raises(TicketError, match="ticket '42': created_at"):
        map_ticket(ticket_payload(created_at=None), DEFAULT)
    with pytest.raises(TicketError, match="ticket '42': status"):
        map_ticket(ticket_payload(status="Open"), DEFAULT)


# -- status reconstruction --------------------------------------------------------------


def test_every_pending_period_ended_by_a_customer_reply_is_recovered() -> None:
    created = at("2026-01-05T09:00:00Z")
    stats = {
        "pending_since": "2026-01-05T15:00:00Z",  # only the latest pending period survives here
        "status_updated_at": "2026-01-05T15:00:00Z",
        "resolved_at": None,
        "closed_at": None,
        "reopened_at": None,
    }
    conversation = [
        Event(at("2026-01-05T10:00:00Z"), "reply", author="agent"),
        Event(at("2026-01-05T12:00:00Z"), "reply", author="customer"),
        Event(at("2026-01-05T14:00:00Z"), "reply", author="agent"),
    ]
    # The first pending period (10:00-12:00) is not in stats any more: it is lost.
    events = status_events(created, "pending", stats, conversation)
    assert [(e.at.hour, e.status) for e in events] == [(9, "open"), (15, "pending")]
    # Read while that period was the latest: its start is known, its end is the reply.
    stats_then = {**stats, "pending_since": "2026-01-05T11:00:00Z"}
    stats_then["status_updated_at"] = "2026-01-05T16:00:00Z"
    events = status_events(created, "pending", stats_then, conversation)
    assert [(e.at.hour, e.status) for e in events] == [
        (9, "open"),
        (11, "pending"),
        (12, "open"),  # the customer's reply reopened it (Freshdesk's default automation)
        (16, "pending"),
    ]


def test_a_customer_reply_after_the_last_status_change_does_not_reopen() -> None:
    created = at("2026-01-05T09:00:00Z")
    stats = {"pending_since": "2026-01-05T11:00:00Z", "status_updated_at": "2026-01-05T11:00:00Z"}
    late_reply = [Event(at("2026-01-05T12:00:00Z"), "reply", author="customer")]
    events = status_events(created, "pending", stats, late_reply)
    assert [e.status for e in events] == ["open", "pending"]
    assert status_events(created, "pending", stats, late_reply, customer_reply_reopens=False)[
        -1
    ].status == ("pending")


def test_resolve_reopen_and_pending_again_come_out_in_order() -> None:
    created = at("2026-01-05T09:00:00Z")
    stats = {
        "resolved_at": "2026-01-06T10:00:00Z",
        "reopened_at": "2026-01-07T12:00:00Z",
        "pending_since": "2026-01-08T09:00:00Z",
        "status_updated_at": "2026-01-08T09:00:00Z",
        "closed_at": None,
    }
    events = status_events(created, "pending", stats, [])
    assert [(e.at.day, e.status) for e in events] == [
        (5, "open"),
        (6, "solved"),
        (7, "open"),
        (8, "pending"),
    ]


def test_conversations_are_needed_only_when_the_customer_wrote_after_the_first_agent_reply() -> (
    None
):
    def raw(first: str | None, customer: str | None) -> dict[str, Any]:
        return {"stats": {"first_responded_at": first, "requester_responded_at": customer}}

    assert not needs_conversations(raw(None, None))
    assert not needs_conversations(raw(None, "2026-01-05T10:00:00Z"))
    assert not needs_conversations(raw("2026-01-05T10:00:00Z", "2026-01-05T09:30:00Z"))
    assert needs_conversations(raw("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"))
    assert needs_conversations({"id": 1})  # no stats at all: only conversations tell
    assert needs_conversations(raw(None, None), "always")
    assert not needs_conversations(raw("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"), "never")


def test_the_samples_carry_no_priority_history_and_the_connector_says_so(samples: Path) -> None:
    """Freshdesk v2 keeps no priority history: the recorded ticket went from Low to High between
    the two samples, and neither says when; the sync supplies slabridge's own raises instead."""
    before = map_ticket(load(samples, "ticket_1.json"), DEFAULT)
    after = map_ticket(load(samples, "ticket_1_updated.json"), DEFAULT)
    assert (before.priority, after.priority) == ("low", "high")
    assert [e for e in (*before.events, *after.events) if e.type == "priority"] == []
    assert FreshdeskConnector.capabilities.priority_history is False
    # Had slabridge written that High, the sync would add its raise, marked as its own.
    written = after.updated_at
    write = PriorityWrite("high", "low", written, written, "applied")
    marked = mark_own_writes(after, [write], has_history=False)
    [event] = [e for e in marked.events if e.type == "priority"]
    assert (event.at, event.priority, event.from_priority, event.by) == (
        written,
        "high",
        "low",
        "slabridge",
    )
