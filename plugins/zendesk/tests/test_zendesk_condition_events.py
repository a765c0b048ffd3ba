"""Zendesk tag and custom-field changes become ``tags`` and ``field`` events (pause/stop)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from slabridge_zendesk.condition_events import condition_event
from slabridge_zendesk.config import ZendeskMapping
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from slabridge_zendesk.mapping import events_from_audits
from zendesk_helpers import Clock, seed

from slabridge.sla.conditions import Condition
from slabridge.sla.evaluate import evaluate_json
from slabridge.sla.policy import CalendarChoice, MetricTarget, Policy, PolicySet
from slabridge.sla.ticket import FieldEvent, TagsEvent, Ticket
from slabridge.testing import fixtures_dir

RECORDED = fixtures_dir() / "zendesk" / "decoded" / "TestTicketAudits.test_values__00.json"


def _recorded_ticket_one() -> list[dict[str, Any]]:
    audits = json.loads(RECORDED.read_text())["response"]["json"]["audits"]
    return [audit for audit in audits if audit["ticket_id"] == 1]


def test_recorded_creation_tags_and_documented_changes_become_condition_events() -> None:
    # The recorded creating audit of ticket 1 lists its tags (Create, field_name "tags"); two
    # later audits in the documented Change{field_name, value, previous_value} shape add a tag
    # and set a custom field (field_name is the field's id).
    audits = [
        *_recorded_ticket_one(),
        {
            "id": 1,
            "created_at": "2023-09-12T10:00:00Z",
            "events": [
                {
                    "type": "Change",
                    "field_name": "tags",
                    "value": ["sample", "support", "waiting_vendor"],
                    "previous_value": ["sample", "support", "zendesk"],
                },
                {
                    "type": "Change",
                    "field_name": "360001234",
                    "value": "vendor",
                    "previous_value": None,
                },
            ],
        },
    ]
    events = events_from_audits(audits, {"id": 1}, {}, ZendeskMapping())
    conditions = [e for e in events if e["type"] in ("tags", "field")]
    assert conditions == [
        {
            "at": "2023-09-09T23:52:05Z",
            "type": "tags",
            "added": ["sample", "support", "zendesk"],
            "removed": [],
        },
        {
            "at": "2023-09-12T10:00:00Z",
            "type": "tags",
            "added": ["waiting_vendor"],
            "removed": ["zendesk"],
        },
        {
            "at": "2023-09-12T10:00:00Z",
            "type": "field",
            "field": "360001234",
            "value": "vendor",
            "from": None,
        },
    ]


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        # A change that leaves the tags as they were (reordered) says nothing.
        (
            {
                "type": "Change",
                "field_name": "tags",
                "value": ["b", "a"],
                "previous_value": ["a", "b"],
            },
            None,
        ),
        # Tags as space-separated text, as some streams give them.
        (
            {"type": "Change", "field_name": "tags", "value": "a c", "previous_value": "a b"},
            {"at": "T", "type": "tags", "added": ["c"], "removed": ["b"]},
        ),
        # A custom field set at creation has no "from": there was none before.
        (
            {"type": "Create", "field_name": "42", "value": True},
            {"at": "T", "type": "field", "field": "42", "value": True},
        ),
    ],
)
def test_condition_events_of_single_audit_events(
    child: dict[str, Any], expected: dict[str, Any] | None
) -> None:
    assert condition_event(child, "T") == expected


def test_an_agents_tag_edit_pauses_a_clock_through_the_connector(
    fake: FakeZendesk, clock: Clock, connect: Callable[..., ZendeskConnector]
) -> None:
    # The seed creates the ticket and moves the clock 3 minutes on; an agent tags it
    # waiting_vendor 30 minutes later (33 after creation). Both history paths (audits, and the
    # ticket-events stream) read a tags event, and a resolution clock that pauses on the tag
    # counts only those 33 minutes.
    [ticket_id] = seed(fake, clock, 1)
    clock.advance(minutes=30)
    fake.agent_edit(ticket_id, add_tags=["waiting_vendor"], fields={360001234: "vendor"})
    clock.advance(minutes=62)
    block = {
        "resolution": MetricTarget(
            "resolution",
            4 * 3600,
            None,
            frozenset({"pending"}),
            (Condition("tag", "waiting_vendor"),),
        )
    }
    policies = PolicySet([Policy("p", (), CalendarChoice("24x7"), {"default": block})])
    for history in ("audits", "auto"):
        [ticket] = [i for i in connect(history=history).read(None) if isinstance(i, Ticket)]
        tags = [
            e for e in ticket.events if isinstance(e, TagsEvent) and "waiting_vendor" in e.added
        ]
        assert len(tags) == 1, history
        assert [
            e.value for e in ticket.events if isinstance(e, FieldEvent) and e.field == "360001234"
        ] == ["vendor"]
        result = evaluate_json(ticket, policies, clock.now)["metrics"]["resolution"]
        assert (result["status"], result["elapsed_seconds"]) == (
            "paused",
            33 * 60,
        ), history
