"""Jira changelog items of labels and custom fields become ``tags`` and ``field`` events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jira_support import TOKEN
from pydantic import ValidationError
from slabridge_jira.config import JiraConfig, JiraMapping
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira
from slabridge_jira.mapping import SiteMeta, history_events, map_issue

from slabridge.sla.conditions import Condition
from slabridge.sla.evaluate import evaluate_json
from slabridge.sla.policy import CalendarChoice, MetricTarget, Policy, PolicySet
from slabridge.sla.ticket import FieldEvent, TagsEvent
from slabridge.testing import fixtures_dir

CHANGELOG = fixtures_dir() / "jira" / "spec-examples" / "issue_changelog_GET_200.json"


def test_the_spec_changelog_label_changes_become_tags_events() -> None:
    # The changelog example of Jira's OpenAPI sets label-1, then label-1 label-2 (its items
    # carry placeholder names "fields"/"fieldId"; a real labels item says "labels").
    values = json.loads(CHANGELOG.read_text())["values"]
    histories = [
        {
            **value,
            "items": [{**item, "field": "labels", "fieldId": "labels"} for item in value["items"]],
        }
        for value in values
    ]
    events = history_events(histories, JiraMapping(), SiteMeta())
    assert [(type(e), e.added, e.removed) for e in events if isinstance(e, TagsEvent)] == [
        (TagsEvent, ("label-1",), ()),
        (TagsEvent, ("label-2",), ()),
    ]
    # The placeholders themselves name neither labels nor a custom field: no event.
    assert history_events(values, JiraMapping(), SiteMeta()) == []


def _issue() -> dict[str, Any]:
    return {
        "id": "10001",
        "key": "HELP-1",
        "fields": {
            "created": "2025-03-10T09:00:00.000+0000",
            "updated": "2025-03-10T11:00:00.000+0000",
            "status": {
                "id": "3",
                "name": "In Progress",
                "statusCategory": {"key": "indeterminate"},
            },
            "labels": [],
            "customfield_10050": {"value": "Customer", "id": "3"},
        },
    }


def test_a_custom_field_change_pauses_a_clock_until_it_changes_again() -> None:
    # customfield_10050 (a select) goes to Vendor at 09:30 (from nothing) and to Customer at
    # 10:30. A resolution clock that pauses while it is Vendor counts 09:00-09:30 and
    # 10:30-11:00 by 11:00: 1h.
    histories = [
        {
            "created": "2025-03-10T09:30:00.000+0000",
            "items": [
                {
                    "field": "Waiting on",
                    "fieldtype": "custom",
                    "fieldId": "customfield_10050",
                    "from": None,
                    "fromString": None,
                    "to": "2",
                    "toString": "Vendor",
                }
            ],
        },
        {
            "created": "2025-03-10T10:30:00.000+0000",
            "items": [
                {
                    "field": "Waiting on",
                    "fieldtype": "custom",
                    "fieldId": "customfield_10050",
                    "from": "2",
                    "fromString": "Vendor",
                    "to": "3",
                    "toString": "Customer",
                }
            ],
        },
    ]
    ticket = map_issue(_issue(), histories, [], JiraMapping(), SiteMeta())
    fields = [e for e in ticket.events if isinstance(e, FieldEvent)]
    assert [(e.field, e.from_value, e.value) for e in fields] == [
        ("customfield_10050", None, "Vendor"),
        ("customfield_10050", "Vendor", "Customer"),
    ]
    assert ticket.fields["customfield_10050"] == "Customer"  # the same text the events use
    condition = Condition("field", "customfield_10050", ("Vendor",))
    block = {"resolution": MetricTarget("resolution", 8 * 3600, None, frozenset(), (condition,))}
    policies = PolicySet([Policy("p", (), CalendarChoice("24x7"), {"default": block})])
    now = datetime(2025, 3, 10, 11, 0, tzinfo=UTC)
    assert evaluate_json(ticket, policies, now)["metrics"]["resolution"]["elapsed_seconds"] == 3600


def test_the_bulk_changelog_asks_for_labels_and_the_configured_history_fields() -> None:
    with FakeJira(token=TOKEN) as fake:
        fake.transition(fake.create_issue(), "In Progress")
        config = fake.connector_config(history_fields=["customfield_10050"])
        list(JiraConnector("jira-test", config, sleep=lambda _s: None).read(None))
        [request] = fake.requests_to("POST", "/changelog/bulkfetch")
        assert request.json()["fieldIds"] == [
            "status",
            "priority",
            "labels",
            "assignee",
            "customfield_10050",
        ]


@pytest.mark.parametrize(
    "bad", [["Waiting on"], ["customfield_x"], [f"customfield_{n}" for n in range(6)]]
)
def test_history_fields_take_at_most_five_custom_field_ids(bad: list[str]) -> None:
    with FakeJira(token=TOKEN) as fake, pytest.raises(ValidationError) as caught:
        JiraConfig.model_validate(fake.connector_config(history_fields=bad))
    assert "history_fields" in str(caught.value)
