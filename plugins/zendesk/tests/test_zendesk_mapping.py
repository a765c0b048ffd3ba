"""Mapping Zendesk payloads onto normalized tickets: recorded fixtures, audits, mapping rules."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from slabridge_zendesk.config import ZendeskConfig, ZendeskMapping
from slabridge_zendesk.mapping import (
    SkipTicket,
    audits_from_ticket_events,
    events_from_audits,
    normalize_ticket,
)

from slabridge.sla.ticket import parse_ticket
from slabridge.testing import fixtures_dir

ZENDESK = fixtures_dir() / "zendesk"


def _tickets_in(body: Any) -> Iterator[dict[str, Any]]:
    """Every ticket object in a response body (``ticket`` or ``tickets``)."""
    if not isinstance(body, dict):
        return
    if isinstance(body.get("ticket"), dict):
        yield body["ticket"]
    for ticket in body.get("tickets") or []:
        if isinstance(ticket, dict) and "status" in ticket:
            yield ticket


def _decoded_bodies() -> Iterator[tuple[str, Any]]:
    for path in sorted((ZENDESK / "decoded").glob("*.json")):
        data = json.loads(path.read_text())
        if "pages" in data:
            for index, page in enumerate(data["pages"]):
                yield f"{path.name}#{index}", page["response"]["json"]
        else:
            yield path.name, data["response"]["json"]


def _cassette_bodies() -> Iterator[tuple[str, Any]]:
    for path in sorted((ZENDESK / "betamax").glob("*.json")):
        for index, interaction in enumerate(json.loads(path.read_text())["http_interactions"]):
            body = interaction["response"]["body"]
            raw = base64.b64decode(body["base64_string"]) if body.get("base64_string") else b""
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            text = raw.decode("utf-8") if raw else body.get("string", "")
            if text.strip().startswith("{"):
                yield f"{path.name}#{index}", json.loads(text)


def _recorded_tickets() -> list[tuple[str, dict[str, Any]]]:
    found = [
        (name, ticket)
        for source in (_decoded_bodies(), _cassette_bodies())
        for name, body in source
        for ticket in _tickets_in(body)
    ]
    found.append(
        (
            "zenpy-spec-examples/ticket.json",
            json.loads((ZENDESK / "zenpy-spec-examples" / "ticket.json").read_text()),
        )
    )
    return found


RECORDED = _recorded_tickets()


def test_the_fixtures_hold_many_recorded_tickets() -> None:
    # The decoded files, the 99-page cursor chain and the cassettes: hundreds of payloads.
    assert len(RECORDED) > 500
    assert {name.split("#")[0] for name, _ in RECORDED} >= {
        "incremental_tickets_cursor_chain_per_page_1.json",
        "TicketsIncrementalTest.test_get_values.json",
        "zenpy-spec-examples/ticket.json",
    }


def test_every_recorded_ticket_payload_becomes_a_valid_normalized_ticket() -> None:
    """Live tickets normalize; the export's deleted tickets (``status: deleted``, over a thousand
    in the recordings) are skipped as deleted, and would normalize but for that status."""
    rules = ZendeskMapping()
    failures = []
    deleted = 0
    for name, recorded in RECORDED:
        payload = recorded
        if recorded.get("status") == "deleted":
            with pytest.raises(SkipTicket, match=r"^deleted$"):
                normalize_ticket(recorded, organization=None, users={}, events=[], rules=rules)
            deleted += 1
            payload = {**recorded, "status": "closed"}
        try:
            ticket = normalize_ticket(payload, organization=None, users={}, events=[], rules=rules)
        except SkipTicket as exc:
            failures.append(f"{name} ticket {payload.get('id')}: {exc}")
            continue
        assert ticket.id == str(payload["id"])
        assert ticket.source == "zendesk"
        assert ticket.created_at.tzinfo is not None and ticket.created_at <= ticket.updated_at
        assert parse_ticket(ticket.to_json()) == ticket
        for entry in payload.get("custom_fields") or []:
            assert str(entry["id"]) in ticket.fields
    assert failures == []
    assert 0 < deleted < len(RECORDED)


def test_the_recorded_null_priority_and_type_stay_null() -> None:
    _, payload = next(item for item in RECORDED if item[0].startswith("TicketsIncremental"))
    ticket = normalize_ticket(
        payload, organization=None, users={}, events=[], rules=ZendeskMapping()
    )
    assert payload["priority"] is None and ticket.priority is None
    assert ticket.type is None
    assert ticket.channel == payload["via"]["channel"]


def test_recorded_audits_become_time_ordered_events_without_the_creating_comment() -> None:
    body = json.loads((ZENDESK / "decoded" / "TestTicketAudits.test_values__00.json").read_text())
    audits = body["response"]["json"]["audits"]
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for audit in audits:
        by_ticket.setdefault(audit["ticket_id"], []).append(audit)
    sample = by_ticket[1]
    ticket = {"id": 1, "requester_id": 6130869168922, "status": "open"}
    events = events_from_audits(sample, ticket, {}, ZendeskMapping())
    creating = [e for e in sample[0]["events"] if e["type"] == "Create"]
    assert creating, "the first recorded audit creates the ticket"
    # The creating audit's tags Create becomes a tags event (for pause/stop conditions).
    assert events[:2] == [
        {
            "at": "2023-09-09T23:52:05Z",
            "type": "tags",
            "added": ["sample", "support", "zendesk"],
            "removed": [],
        },
        {"at": "2023-09-09T23:52:05Z", "type": "status", "status": "open"},
    ]
    assert all(e["type"] != "reply" or e["at"] != "2023-09-09T23:52:05Z" for e in events)
    for tid, ticket_audits in by_ticket.items():
        made = events_from_audits(ticket_audits, {"id": tid}, {}, ZendeskMapping())
        assert [e["at"] for e in made] == sorted(e["at"] for e in made)


def test_comment_authors_are_classified_by_role_then_by_requester() -> None:
    audits = [
        {
            "id": 1,
            "created_at": "2025-01-01T10:00:00Z",
            "events": [
                {"type": "Create", "field_name": "status", "value": "new"},
                {"type": "Comment", "author_id": 5, "public": True},
            ],
        },
        {
            "id": 2,
            "created_at": "2025-01-01T11:00:00Z",
            "events": [
                {"type": "Comment", "author_id": 9, "public": True},
                {"type": "Change", "field_name": "status", "value": "pending"},
            ],
        },
        {
            "id": 3,
            "created_at": "2025-01-01T12:00:00Z",
            "events": [{"type": "Comment", "author_id": 5, "public": True}],
        },
        {
            "id": 4,
            "created_at": "2025-01-01T13:00:00Z",
            "events": [
                {"type": "Comment", "author_id": 7, "public": False},
                {"type": "Change", "field_name": "status", "value": "hold"},
                {"type": "Change", "field_name": "priority", "value": "urgent"},
            ],
        },
    ]
    users = {7: {"id": 7, "role": "end-user"}, 9: {"id": 9, "role": "agent"}}
    events = events_from_audits(audits, {"id": 3, "requester_id": 5}, users, ZendeskMapping())
    assert events == [
        {"at": "2025-01-01T10:00:00Z", "type": "status", "status": "new"},
        {"at": "2025-01-01T11:00:00Z", "type": "reply", "author": "agent", "public": True},
        {"at": "2025-01-01T11:00:00Z", "type": "status", "status": "pending"},
        {"at": "2025-01-01T12:00:00Z", "type": "reply", "author": "customer", "public": True},
        {"at": "2025-01-01T13:00:00Z", "type": "reply", "author": "customer", "public": False},
        {"at": "2025-01-01T13:00:00Z", "type": "status", "status": "on_hold"},
        {"at": "2025-01-01T13:00:00Z", "type": "priority", "priority": "urgent"},
    ]


def test_ticket_events_in_both_change_spellings_read_like_audits() -> None:
    stream = [
        {
            "id": 11,
            "ticket_id": 3,
            "created_at": "2025-01-01T10:00:00Z",
            "updater_id": 5,
            "child_events": [
                {"id": 1, "event_type": "Create", "status": "new"},
                {"id": 2, "event_type": "Comment", "author_id": 5, "public": True},
            ],
        },
        {
            "id": 12,
            "ticket_id": 3,
            "created_at": "2025-01-01T11:00:00Z",
            "updater_id": 9,
            "child_events": [
                {"id": 3, "event_type": "Change", "field_name": "status", "value": "solved"},
                {"id": 4, "event_type": "Change", "priority": "high", "previous_value": None},
            ],
        },
    ]
    events = events_from_audits(
        audits_from_ticket_events(stream), {"id": 3, "requester_id": 5}, {}, ZendeskMapping()
    )
    assert [(e["type"], e.get("status") or e.get("priority")) for e in events] == [
        ("status", "new"),
        ("status", "solved"),
        ("priority", "high"),
    ]


ORG = {
    "id": 77,
    "name": "Acme",
    "tags": ["enterprise", "emea"],
    "organization_fields": {"tier": "gold", "region": "apac", "segment": "smb"},
}
TICKET = {
    "id": 5,
    "status": "hold",
    "priority": "high",
    "created_at": "2025-01-01T10:00:00Z",
    "updated_at": "2025-01-02T10:00:00Z",
    "tags": ["vip"],
    "brand_id": 360001,
    "ticket_form_id": 360002,
    "organization_id": 77,
    "via": {"channel": "email"},
    "custom_fields": [{"id": 360009, "value": "payments"}, {"id": 360010, "value": True}],
}


def _mapped(mapping: dict[str, Any]) -> Any:
    rules = ZendeskMapping.model_validate(mapping)
    return normalize_ticket(TICKET, organization=ORG, users={}, events=[], rules=rules)


def test_default_mapping_reads_tier_and_region_from_organization_fields() -> None:
    ticket = _mapped({})
    assert ticket.status == "on_hold"
    assert ticket.priority == "high"
    assert ticket.customer is not None
    assert (ticket.customer.id, ticket.customer.name) == ("77", "Acme")
    assert (ticket.customer.tier, ticket.customer.region) == ("gold", "apac")
    assert ticket.product is None
    assert ticket.fields["360009"] == "payments" and ticket.fields["360010"] is True
    assert ticket.fields["region"] == "apac"


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (
            {
                "tier": {
                    "from": "organization.tags",
                    "values": {"enterprise": "ent"},
                    "default": "free",
                }
            },
            ("tier", "ent"),
        ),
        (
            {"tier": {"from": "organization.tags", "values": {"pro": "pro"}, "default": "free"}},
            ("tier", "free"),
        ),
        ({"tier": {"from": "organization.field", "key": "segment"}}, ("tier", "smb")),
        ({"product": {"from": "custom_field", "id": 360009}}, ("product", "payments")),
        ({"product": {"from": "brand", "values": {"360001": "mobile"}}}, ("product", "mobile")),
        ({"product": {"from": "form", "values": {"360002": "billing"}}}, ("product", "billing")),
        ({"region": {"from": "custom_field", "id": 360009}}, ("region", "payments")),
        ({"region": {"from": "organization.tags", "values": {"emea": "EU"}}}, ("region", "EU")),
        ({"statuses": {"hold": "pending"}}, ("status", "pending")),
        ({"priorities": {"high": "urgent"}}, ("priority", "urgent")),
    ],
)
def test_mapping_rules_choose_where_each_value_comes_from(
    mapping: dict[str, Any], expected: tuple[str, str]
) -> None:
    ticket = _mapped(mapping)
    name, value = expected
    actual = (
        ticket.lookup(f"customer.{name}") if name in ("tier", "region") else getattr(ticket, name)
    )
    assert actual == value


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"product": {"from": "custom_field"}}, "mapping.product: 'from: custom_field' needs"),
        ({"tier": {"from": "organization.field"}}, "needs 'key: <field key>'"),
        ({"statuses": {"hold": "paused"}}, "valid: new, open"),
    ],
)
def test_bad_mapping_is_a_config_error_naming_the_key(
    mapping: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ZendeskConfig.model_validate(
            {
                "type": "zendesk",
                "subdomain": "acme",
                "email": "a@b.c",
                "token": "t",
                "mapping": mapping,
            }
        )
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({**TICKET, "status": "deleted"}, "deleted"),
        ({**TICKET, "status": "archived"}, "status 'archived' has no mapping"),
        ({**TICKET, "created_at": "yesterday"}, "created_at: not an ISO 8601 timestamp"),
        ({**TICKET, "id": "abc"}, "id: expected an integer"),
        ({**TICKET, "tags": "vip"}, "tags: expected a list of strings"),
    ],
)
def test_malformed_or_deleted_records_are_skipped_with_a_reason(
    payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(SkipTicket, match=reason):
        normalize_ticket(payload, organization=None, users={}, events=[], rules=ZendeskMapping())


def test_fixture_directory_is_read_in_place() -> None:
    assert Path(ZENDESK).is_dir() and not (Path(__file__).parent / "decoded").exists()


def test_a_recorded_priority_change_says_what_it_replaced_from_its_previous_value() -> None:
    """POLICY.md §3.4: ``from`` is the audit's ``previous_value`` (recorded: null -> normal)."""
    body = json.loads((ZENDESK / "decoded" / "TestTicketAudits.test_values__00.json").read_text())
    audits = [a for a in body["response"]["json"]["audits"] if a["ticket_id"] == 1]
    changes = [
        child
        for audit in audits
        for child in audit["events"]
        if child.get("type") == "Change" and child.get("field_name") == "priority"
    ]
    assert changes == [
        {
            "id": 6130876540570,
            "type": "Change",
            "value": "normal",
            "field_name": "priority",
            "previous_value": None,
        }
    ]
    events = events_from_audits(audits, {"id": 1, "status": "open"}, {}, ZendeskMapping())
    assert [e for e in events if e["type"] == "priority"] == [
        {"at": "2023-09-09T23:52:05Z", "type": "priority", "priority": "normal", "from": None}
    ]
    ticket = parse_ticket(
        {
            "id": "1",
            "created_at": "2023-09-09T23:52:05Z",
            "updated_at": "2023-09-09T23:52:05Z",
            "status": "open",
            "priority": "normal",
            "events": events,
        }
    )
    [change] = [e for e in ticket.events if e.type == "priority"]
    assert change.has_from and change.from_priority is None


def test_a_mapped_previous_value_and_the_ticket_event_spelling_both_fill_from() -> None:
    rules = ZendeskMapping.model_validate({"priorities": {"p1": "urgent", "p2": "high"}})
    audit = {
        "id": 1,
        "created_at": "2025-01-01T10:00:00Z",
        "events": [
            {"type": "Change", "field_name": "priority", "value": "p1", "previous_value": "p2"}
        ],
    }
    stream = [
        {
            "id": 2,
            "ticket_id": 3,
            "created_at": "2025-01-01T11:00:00Z",
            "child_events": [{"event_type": "Change", "priority": "p2", "previous_value": "p1"}],
        }
    ]
    events = events_from_audits([audit, *audits_from_ticket_events(stream)], {"id": 3}, {}, rules)
    assert [(e["priority"], e["from"]) for e in events] == [("urgent", "high"), ("high", "urgent")]
    # An audit without previous_value (older exports) gives no ``from`` rather than a guess.
    del audit["events"][0]["previous_value"]
    [event] = events_from_audits([audit], {"id": 3}, {}, rules)
    assert "from" not in event
