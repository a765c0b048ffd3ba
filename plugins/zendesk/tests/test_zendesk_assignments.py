"""Zendesk audits of ``group_id`` and ``assignee_id`` become ``assignment`` events (OLAs)."""

from __future__ import annotations

import json
from typing import Any

from slabridge_zendesk.config import ZendeskMapping
from slabridge_zendesk.mapping import audits_from_ticket_events, events_from_audits

from slabridge.sla.ticket import parse_ticket
from slabridge.testing import fixtures_dir

ZENDESK = fixtures_dir() / "zendesk"


def _assignments(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == "assignment"]


def test_the_recorded_creating_audit_assigns_its_group_and_agent() -> None:
    # Recorded (zenpy cassette): ticket 1 is created with group 6130852536346 and assignee
    # 6130907993114 in one audit: one assignment event, after that audit's status.
    body = json.loads((ZENDESK / "decoded" / "TestTicketAudits.test_values__00.json").read_text())
    audits = [a for a in body["response"]["json"]["audits"] if a["ticket_id"] == 1]
    events = events_from_audits(audits, {"id": 1, "status": "open"}, {}, ZendeskMapping())
    assert _assignments(events) == [
        {
            "at": "2023-09-09T23:52:05Z",
            "type": "assignment",
            "group": "6130852536346",
            "agent": "6130907993114",
        }
    ]
    kinds = [event["type"] for event in events]
    # The creating audit's own events first (its tags, its status), the assignment after them.
    assert kinds.index("status") < kinds.index("assignment"), kinds
    parse_ticket({"id": "1", "created_at": "2023-09-09T23:52:05Z", "status": "open",
                  "events": events})  # fmt: skip


def test_the_example_audit_of_the_api_docs_assigns_at_creation() -> None:
    example = json.loads((ZENDESK / "zenpy-spec-examples" / "ticket_audit.json").read_text())
    audit = example["audit"]
    events = events_from_audits([audit], {"id": 1, "status": "open"}, {}, ZendeskMapping())
    assert _assignments(events) == [
        {"at": audit["created_at"], "type": "assignment", "group": "26425647",
         "agent": "1276936927"}
    ]  # fmt: skip


def test_a_reassignment_keeps_what_it_did_not_change_and_an_unassign_is_null() -> None:
    audits = [
        {
            "id": 1,
            "created_at": "2025-01-01T10:00:00Z",
            "events": [
                {"type": "Create", "field_name": "status", "value": "new"},
                {"type": "Create", "field_name": "group_id", "value": "100"},
            ],
        },
        {
            "id": 2,
            "created_at": "2025-01-01T11:00:00Z",
            "events": [
                {
                    "type": "Change",
                    "field_name": "assignee_id",
                    "value": "7",
                    "previous_value": None,
                }
            ],
        },
        {
            "id": 3,
            "created_at": "2025-01-01T12:00:00Z",
            "events": [
                {
                    "type": "Change",
                    "field_name": "group_id",
                    "value": "200",
                    "previous_value": "100",
                },
                {
                    "type": "Change",
                    "field_name": "assignee_id",
                    "value": None,
                    "previous_value": "7",
                },
            ],
        },
        {
            "id": 4,
            "created_at": "2025-01-01T13:00:00Z",
            "events": [{"type": "Change", "field_name": "subject", "value": "x"}],
        },
    ]
    events = events_from_audits(audits, {"id": 3}, {}, ZendeskMapping())
    assert [(e["at"][11:16], e["group"], e["agent"]) for e in _assignments(events)] == [
        ("10:00", "100", None),
        ("11:00", "100", "7"),  # the agent changed; the group is still 100
        ("12:00", "200", None),  # both in one audit: one event
    ]


def test_incremental_ticket_events_carry_assignments_by_key_too() -> None:
    stream = [
        {
            "id": 11,
            "ticket_id": 3,
            "created_at": "2025-01-01T10:00:00Z",
            "updater_id": 5,
            "child_events": [
                {"id": 1, "event_type": "Create", "status": "new"},
                {"id": 2, "event_type": "Create", "group_id": 100},
                {"id": 3, "event_type": "Change", "assignee_id": 7, "previous_value": None},
            ],
        }
    ]
    events = events_from_audits(audits_from_ticket_events(stream), {"id": 3}, {}, ZendeskMapping())
    assert _assignments(events) == [
        {"at": "2025-01-01T10:00:00Z", "type": "assignment", "group": "100", "agent": "7"}
    ]
