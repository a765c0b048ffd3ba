"""Jira issue JSON -> normalized tickets, including every documented example in the fixtures."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jira_support import jira_fixtures
from slabridge_jira.config import JiraMapping
from slabridge_jira.mapping import (
    SiteMeta,
    comment_author,
    comment_is_public,
    comments_may_be_truncated,
    comments_of,
    error_text,
    history_events,
    map_issue,
    parse_jira_time,
    site_meta,
    user_time_zone,
)

from slabridge.sla.ticket import Event, TagsEvent, TicketError, parse_ticket

DEFAULT = JiraMapping()
NO_META = SiteMeta()


def _load(name: str) -> Any:
    return json.loads((jira_fixtures() / name).read_text(encoding="utf-8"))


def _foo_123() -> dict[str, Any]:
    issue: dict[str, Any] = _load("atlassian-python-api/jira_api2_issue_FOO-123_GET.json")[
        "responses"
    ]["fields=*all"]
    return issue


def _valid(ticket: Any) -> None:
    """The ticket's JSON form parses back under POLICY.md §2 rules."""
    assert ticket.source == "jira"
    assert list(ticket.events) == sorted(ticket.events, key=lambda e: e.at)
    parse_ticket(ticket.to_json())


@pytest.mark.parametrize("name", ["spec-examples/search_jql_GET_200.json"])
def test_the_spec_search_example_parses_into_tickets(name: str) -> None:
    for issue in _load(name)["issues"]:
        ticket = map_issue(issue, [], None, DEFAULT, NO_META)
        _valid(ticket)
        assert ticket.id == "10002" and ticket.extra["key"] == "ED-1"
        # The example's only comment is restricted to Administrators: an internal agent note.
        assert [(e.type, e.author, e.public) for e in ticket.events if e.type == "reply"] == [
            ("reply", "agent", False)
        ]


def test_the_spec_issue_example_parses_with_its_integer_updated() -> None:
    ticket = map_issue(_load("spec-examples/issue_GET_200.json"), [], None, DEFAULT, NO_META)
    _valid(ticket)
    assert ticket.updated_at == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert ticket.status == "new"


def test_the_recorded_v2_issue_maps_status_priority_times_and_labels() -> None:
    ticket = map_issue(_foo_123(), [], None, DEFAULT, NO_META)
    _valid(ticket)
    assert ticket.id == "138135" and ticket.extra["key"] == "FOO-123"
    assert ticket.created_at == datetime(2021, 12, 16, 10, 44, 40, 825000, tzinfo=UTC)
    assert ticket.updated_at == datetime(2022, 7, 11, 10, 25, 48, 416000, tzinfo=UTC)
    assert ticket.status == "new"  # "Backlog", category new
    assert ticket.priority == "normal"  # "Normal"
    assert ticket.tags == ("sample",)
    assert ticket.type == "Epic"
    assert ticket.customer is not None and ticket.customer.id == "abc123"


def test_the_recorded_comments_become_public_agent_replies() -> None:
    comments = _load("atlassian-python-api/jira_api2_issue_FOO-123_comment_GET.json")
    page = comments["responses"]["null"]["comments"]
    ticket = map_issue(_foo_123(), [], page, DEFAULT, NO_META)
    _valid(ticket)
    replies = [e for e in ticket.events if e.type == "reply"]
    assert [(e.author, e.public) for e in replies] == [("agent", True), ("agent", True)]
    assert replies[0].at == datetime(2022, 10, 25, 19, 21, 33, 277000, tzinfo=UTC)


def test_the_jsm_customer_example_counts_as_the_customer_when_they_report() -> None:
    customer = _load("atlassian-python-api/jsm_servicedeskapi_servicedesk_customer_GET.json")
    account = customer["responses"]["start=0&limit=50"]["values"][0]
    issue = _foo_123()
    issue["fields"]["reporter"] = {"accountId": account["accountId"]}
    comment = {
        "author": {"accountId": account["accountId"]},
        "created": "2022-10-25T20:21:33.277+0100",
    }
    ticket = map_issue(issue, [], [comment], DEFAULT, NO_META)
    assert [(e.author, e.public) for e in ticket.events if e.type == "reply"] == [
        ("customer", True)
    ]


def test_jsm_organizations_give_the_customer_and_its_tier() -> None:
    orgs = _load("atlassian-python-api/jsm_servicedeskapi_organization_GET.json")
    issue = _foo_123()
    issue["fields"]["customfield_10002"] = orgs["responses"]["start=0&limit=50"]["values"]
    mapping = JiraMapping.model_validate(
        {
            "organizations_field": "customfield_10002",
            "tier": {"from": "organizations", "values": {"Charlie Cakes Franchises": "gold"}},
        }
    )
    ticket = map_issue(issue, [], None, mapping, NO_META)
    assert ticket.customer is not None
    assert (ticket.customer.id, ticket.customer.name) == ("1", "Charlie Cakes Franchises")
    assert ticket.customer.tier == "gold" and ticket.fields["tier"] == "gold"


@pytest.mark.parametrize(
    ("name", "pick"),
    [
        ("spec-examples/issue_changelog_GET_200.json", lambda body: body["values"]),
        (
            "spec-examples/changelog_bulkfetch_POST_200.json",
            lambda body: body["issueChangeLogs"][0]["changeHistories"],
        ),
    ],
)
def test_the_spec_changelog_examples_parse_into_events(name: str, pick: Any) -> None:
    histories = pick(_load(name))
    # The examples change a generic field only: no status or priority events come of them.
    assert history_events(histories, DEFAULT, NO_META) == []
    as_status = copy.deepcopy(histories)
    for history in as_status:
        for item in history["items"]:
            item.update(field="status", fieldId="status", toString="Waiting for customer")
    events = history_events(as_status, DEFAULT, NO_META)
    assert [e.status for e in events] == ["pending"] * len(histories)
    assert events[0].at == parse_jira_time(histories[0]["created"])


@pytest.mark.parametrize(
    ("name", "pick"),
    [
        ("spec-examples/issue_changelog_GET_200.json", lambda body: body["values"]),
        (
            "spec-examples/changelog_bulkfetch_POST_200.json",
            lambda body: body["issueChangeLogs"][0]["changeHistories"],
        ),
    ],
)
def test_a_priority_change_in_the_spec_changelog_shape_says_what_it_replaced(
    name: str, pick: Any
) -> None:
    """POLICY.md §3.4: ``from`` is the item's ``fromString``; the examples' empty ``fromString``
    and null ``from`` mean the issue had no priority before."""
    histories = copy.deepcopy(pick(_load(name)))
    names = [p["name"] for p in _load("spec-examples/priority_search_GET_200.json")["values"]]
    previous = ""
    for history, to_name in zip(histories, names * len(histories), strict=False):
        for item in history["items"]:
            item.update(field="priority", fieldId="priority", fromString=previous, toString=to_name)
        previous = to_name
    events = history_events(histories, DEFAULT, NO_META)
    assert [(e.priority, e.has_from, e.from_priority) for e in events] == [
        ("high", True, None),
        ("low", True, "high"),
    ]
    # By the configured id when the name is not one slabridge knows.
    by_id = JiraMapping.model_validate({"priorities": {"7": "urgent"}})
    histories[1]["items"][0].update(fromString="Blocker", **{"from": "7"})
    assert history_events(histories, by_id, NO_META)[1].from_priority == "urgent"


def test_the_spec_status_and_field_examples_index_site_meta() -> None:
    meta = site_meta(
        _load("spec-examples/status_GET_200.json"), _load("spec-examples/field_GET_200.json")
    )
    assert meta.status_categories == {"10000": "in-flight", "5": "completed"}
    assert set(meta.fields) == {"description", "summary"}
    assert meta.organizations_field is None


def test_the_spec_priority_example_maps_by_name_and_by_configured_id() -> None:
    values = _load("spec-examples/priority_search_GET_200.json")["values"]
    assert [DEFAULT.priority_for(p["id"], p["name"]) for p in values] == ["high", "low"]
    by_id = JiraMapping.model_validate({"priorities": {"1": "urgent"}})
    assert by_id.priority_for("1", "Major") == "urgent"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-12-16T05:44:40.825-0500", datetime(2021, 12, 16, 10, 44, 40, 825000, tzinfo=UTC)),
        ("2021-01-17T12:34:00.000+0000", datetime(2021, 1, 17, 12, 34, tzinfo=UTC)),
        ("2025-03-10T12:00:00Z", datetime(2025, 3, 10, 12, tzinfo=UTC)),
        ("2025-03-10T12:00:00+01:00", datetime(2025, 3, 10, 11, tzinfo=UTC)),
        (1492070429, datetime(2017, 4, 13, 8, 0, 29, tzinfo=UTC)),
        (1492070429000, datetime(2017, 4, 13, 8, 0, 29, tzinfo=UTC)),
        ("yesterday", None),
        ("2025-03-10T12:00:00", None),
    ],
)
def test_jira_timestamps_parse_with_colonless_offsets(text: Any, expected: Any) -> None:
    assert parse_jira_time(text) == expected


@pytest.mark.parametrize(
    ("comment", "public"),
    [
        ({}, True),
        ({"jsdPublic": True}, True),
        ({"jsdPublic": False}, False),
        ({"visibility": {"type": "role", "value": "Administrators"}}, False),
        ({"properties": [{"key": "sd.public.comment", "value": {"internal": True}}]}, False),
        ({"properties": [{"key": "sd.public.comment", "value": {"internal": False}}]}, True),
    ],
)
def test_internal_jsm_comments_are_private(comment: dict[str, Any], public: bool) -> None:
    assert comment_is_public(comment) is public


@pytest.mark.parametrize(
    ("author", "mapping", "expected"),
    [
        ({"accountId": "c1", "accountType": "customer"}, {}, "customer"),
        ({"accountId": "rep"}, {}, "customer"),
        ({"accountId": "a1", "accountType": "atlassian"}, {}, "agent"),
        ({"accountId": "rep"}, {"agent_account_ids": ["rep"]}, "agent"),
        ({"accountId": "a1"}, {"customer_account_ids": ["a1"]}, "customer"),
        ({"accountId": "bot", "accountType": "app"}, {}, None),
        ({"accountId": "bot", "accountType": "app"}, {"app_comments": "agent"}, "agent"),
    ],
)
def test_comment_authors_are_agents_or_customers(
    author: dict[str, Any], mapping: dict[str, Any], expected: str | None
) -> None:
    rules = JiraMapping.model_validate(mapping)
    assert comment_author({"author": author}, "rep", rules) == expected


def test_an_internal_note_is_an_agents_even_from_the_reporter() -> None:
    comment = {"author": {"accountId": "rep"}, "jsdPublic": False}
    assert comment_author(comment, "rep", DEFAULT) == "agent"


def _issue(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "created": "2025-03-10T09:00:00.000+0000",
        "updated": "2025-03-10T10:00:00.000+0000",
        "status": {
            "id": "10002",
            "name": "Waiting for customer",
            "statusCategory": {"key": "indeterminate"},
        },
        "reporter": {"accountId": "rep", "displayName": "Fred"},
    }
    base.update(fields)
    return {"id": "10001", "key": "HELP-1", "fields": base}


@pytest.mark.parametrize(
    ("status", "mapping", "expected"),
    [
        ({"id": "1", "name": "Waiting for customer"}, {}, "pending"),
        ({"id": "1", "name": "Pending"}, {}, "on_hold"),
        ({"id": "1", "name": "Resolved"}, {}, "solved"),
        ({"id": "1", "name": "Triage", "statusCategory": {"key": "new"}}, {}, "new"),
        ({"id": "1", "name": "Fixing", "statusCategory": {"key": "indeterminate"}}, {}, "open"),
        ({"id": "1", "name": "Shipped", "statusCategory": {"key": "done"}}, {}, "solved"),
        (
            {"id": "1", "name": "Shipped", "statusCategory": {"key": "done"}},
            {"status_categories": {"done": "closed"}},
            "closed",
        ),
        ({"id": "10077", "name": "Fixing"}, {"statuses": {"10077": "on_hold"}}, "on_hold"),
        (
            {"id": "1", "name": "waiting FOR customer"},
            {"statuses": {"Waiting for customer": "open"}},
            "open",
        ),
    ],
)
def test_statuses_map_by_id_name_then_category(
    status: dict[str, Any], mapping: dict[str, Any], expected: str
) -> None:
    ticket = map_issue(_issue(status=status), [], [], JiraMapping.model_validate(mapping), NO_META)
    assert ticket.status == expected


def test_past_statuses_use_the_site_categories_when_no_name_is_mapped() -> None:
    meta = site_meta([{"id": "77", "name": "Fixing", "statusCategory": {"key": "done"}}], [])
    history = {
        "created": "2025-03-10T09:30:00.000+0000",
        "items": [
            {
                "field": "status",
                "fieldId": "status",
                "from": "1",
                "fromString": "Open",
                "to": "77",
                "toString": "Fixing",
            }
        ],
    }
    ticket = map_issue(_issue(), [history], [], DEFAULT, meta)
    assert [(e.at.minute, e.status) for e in ticket.events] == [(0, "open"), (30, "solved")]


def test_history_gives_status_and_priority_events_and_the_initial_status() -> None:
    histories = [
        {
            "created": "2025-03-10T09:40:00.000+0000",
            "items": [
                {
                    "field": "priority",
                    "fieldId": "priority",
                    "from": "3",
                    "fromString": "Medium",
                    "to": "1",
                    "toString": "Highest",
                }
            ],
        },
        {
            "created": "2025-03-10T09:20:00.000+0000",
            "items": [
                {
                    "field": "status",
                    "fieldId": "status",
                    "from": "10001",
                    "fromString": "Waiting for support",
                    "to": "10002",
                    "toString": "Waiting for customer",
                },
                {"field": "labels", "fieldId": "labels", "toString": "x"},
            ],
        },
    ]
    comments = [
        {
            "author": {"accountId": "agent"},
            "created": "2025-03-10T09:10:00.000+0000",
            "jsdPublic": True,
        },
        {"author": {"accountId": "rep"}, "created": "2025-03-10T09:50:00.000+0000"},
    ]
    ticket = map_issue(_issue(), histories, comments, DEFAULT, NO_META)

    def at(minute: int) -> datetime:
        return datetime(2025, 3, 10, 9, minute, tzinfo=UTC)

    assert list(ticket.events) == [
        Event(at(0), "status", status="open"),
        Event(at(10), "reply", author="agent"),
        Event(at(20), "status", status="pending"),
        TagsEvent(at(20), "tags", added=("x",)),  # labels are tags (for pause/stop conditions)
        Event(at(40), "priority", priority="urgent", from_priority="normal", has_from=True),
        Event(at(50), "reply", author="customer"),
    ]


def test_tier_product_region_and_extra_fields_come_from_the_configured_paths() -> None:
    issue = _issue(
        components=[{"name": "Payments"}],
        labels=["vip"],
        customfield_10100={"value": "Gold", "id": "1"},
        customfield_10101=[{"value": "EMEA"}],
        customfield_10201="2025-03-11T09:00:00.000+0100",
    )
    mapping = JiraMapping.model_validate(
        {
            "tier": {"from": "fields.customfield_10100", "values": {"Gold": "enterprise"}},
            "product": {"from": "components", "values": {"Payments": "payments"}},
            "region": {"from": "fields.customfield_10101"},
            "fields": {"vip": {"from": "labels", "values": {"vip": "yes"}, "default": "no"}},
        }
    )
    ticket = map_issue(issue, [], [], mapping, NO_META)
    assert ticket.customer is not None
    assert (ticket.customer.tier, ticket.product, ticket.customer.region) == (
        "enterprise",
        "payments",
        "EMEA",
    )
    assert ticket.fields["customfield_10100"] == "Gold"
    assert ticket.fields["customfield_10201"] == "2025-03-11T08:00:00Z"
    assert ticket.fields["vip"] == "yes"
    assert mapping.custom_fields() == ["customfield_10100", "customfield_10101"]


@pytest.mark.parametrize(
    ("issue", "key"),
    [
        ({"fields": {}}, "id"),
        ({"id": "1"}, "fields"),
        ({"id": "1", "fields": {"created": "not a time"}}, "fields.created"),
        (
            {"id": "1", "fields": {"created": "2025-03-10T09:00:00.000+0000", "updated": "x"}},
            "fields.updated",
        ),
        (
            {"id": "1", "fields": {"created": "2025-03-10T09:00:00.000+0000", "labels": "a"}},
            "fields.labels",
        ),
    ],
)
def test_malformed_issues_raise_an_error_naming_the_key(issue: dict[str, Any], key: str) -> None:
    with pytest.raises(TicketError) as caught:
        map_issue(issue, [], [], DEFAULT, NO_META)
    assert caught.value.key == key


def test_the_spec_myself_example_gives_the_jql_time_zone() -> None:
    zone = user_time_zone(_load("spec-examples/myself_GET_200.json"))
    assert zone is not None and zone.key == "Australia/Sydney"
    assert user_time_zone({"timeZone": "Mars/Olympus"}) is None
    assert user_time_zone({}) is None


def test_every_documented_error_example_reads_as_a_reason() -> None:
    examples = _load("spec-examples/error_examples_by_status.json")
    for status, cases in examples.items():
        for case in cases:
            body = case["example"]
            text = error_text(json.dumps(body))
            expected = body.get("errorMessages") or [e["message"] for e in body["errors"]]
            assert all(message in text for message in expected), (status, text)
    field_error = {"errorMessages": [], "errors": {"priority": "Priority 'X' is not valid"}}
    assert error_text(field_error) == "priority: Priority 'X' is not valid"
    assert error_text("<html>Bad gateway</html>") == "<html>Bad gateway</html>"


def test_the_spec_examples_plain_comment_list_has_no_total() -> None:
    issue = _load("spec-examples/search_jql_GET_200.json")["issues"][0]
    comments, total = comments_of(issue["fields"])
    assert total is None
    assert len(comments) == 1
    assert comments_may_be_truncated(comments, total) is False


@pytest.mark.parametrize(
    ("count", "total", "truncated"),
    [
        (19, None, False),
        (20, None, True),  # a bare list as long as the embedding limit may have been cut there
        (25, None, True),
        (20, 20, False),
        (20, 45, True),
        (3, 5, True),  # a total says so even below the usual limit
    ],
)
def test_embedded_comments_may_be_truncated(count: int, total: int | None, truncated: bool) -> None:
    comments = [{"id": str(n)} for n in range(count)]
    assert comments_may_be_truncated(comments, total) is truncated
