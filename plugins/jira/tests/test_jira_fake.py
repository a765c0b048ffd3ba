"""FakeJira answers as the official OpenAPI spec documents, and keeps a normalized ticket intact."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
import requests
from jira_support import TOKEN, Clock, response_schema, validate_response
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import BREACHED_FIELD, DUE_AT_FIELD, FakeJira

from slabridge.sla.ticket import Ticket, parse_ticket

API = "/rest/api/3"
ERRORS = "/components/schemas/ErrorCollection"


def _session(fake: FakeJira, token: str = TOKEN) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = (
        "Basic " + base64.b64encode(f"{fake.email}:{token}".encode()).decode()
    )
    return session


def _seed_history(fake: FakeJira, clock: Clock) -> str:
    issue = fake.create_issue(organization="Acme GmbH", tier="enterprise", region="emea")
    clock.advance(minutes=5)
    fake.add_comment(issue, author="agent", public=True)
    clock.advance(minutes=5)
    fake.transition(issue, "Waiting for customer")
    fake.add_comment(issue, author="agent", public=False)
    clock.advance(minutes=5)
    fake.add_comment(issue, author="customer")
    fake.change_priority(issue, "Highest")
    return issue


def test_every_read_response_validates_against_the_official_spec(
    fake: FakeJira, clock: Clock
) -> None:
    issue = _seed_history(fake, clock)
    http = _session(fake)
    base = fake.base_url
    checks: list[tuple[str, str, dict[str, Any] | None, str]] = [
        ("GET", "/rest/api/3/myself", None, ""),
        ("GET", "/rest/api/3/status", None, ""),
        ("GET", "/rest/api/3/field", None, ""),
        ("GET", "/rest/api/3/priority", None, ""),
        ("GET", "/rest/api/3/priority/search", None, ""),
        ("GET", "/rest/api/3/mypermissions", None, "?projectKey=HELP&permissions=EDIT_ISSUES"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}", None, ""),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}/changelog", None, "?maxResults=1"),
        ("GET", "/rest/api/3/issue/{issueIdOrKey}/comment", None, ""),
        (
            "POST",
            "/rest/api/3/search/jql",
            {"jql": "project = HELP", "fields": ["*all"], "maxResults": 1},
            "",
        ),
        (
            "POST",
            "/rest/api/3/changelog/bulkfetch",
            {"issueIdsOrKeys": [issue], "fieldIds": ["status", "priority", "labels"]},
            "",
        ),
    ]
    for method, path, body, query in checks:
        url = base + path.replace("{issueIdOrKey}", issue) + query
        response = http.request(method, url, json=body)
        assert response.status_code == 200, (path, response.text)
        validate_response(response.json(), response_schema(method, path))


def test_search_pages_with_tokens_and_the_last_page_has_none(fake: FakeJira) -> None:
    for _ in range(3):
        fake.create_issue()
    http = _session(fake)
    url = fake.base_url + API + "/search/jql"
    body: dict[str, Any] = {"jql": "project = HELP ORDER BY key ASC", "maxResults": 2}
    first = http.post(url, json=body).json()
    assert first["isLast"] is False and first["issues"] == [{"id": "10001"}, {"id": "10002"}]
    second = http.post(url, json={**body, "nextPageToken": first["nextPageToken"]}).json()
    assert second["isLast"] is True and "nextPageToken" not in second
    assert second["issues"] == [{"id": "10003"}]
    validate_response(second, response_schema("POST", "/rest/api/3/search/jql"))


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/search/jql", {"jql": "ORDER BY updated"}, 400),
        ("POST", "/search/jql", {"jql": "project = HELP", "nextPageToken": "garbage"}, 400),
        ("POST", "/search/jql", {"jql": 'issuekey in ("10999")'}, 400),
        ("POST", "/search", {"jql": "project = HELP"}, 410),
        ("GET", "/issue/10999", None, 404),
        ("PUT", "/issue/10001", {"update": {"labels": [{"add": "two words"}]}}, 400),
        ("PUT", "/issue/10001", {"fields": {"priority": {"name": "Blocker"}}}, 400),
        ("PUT", "/issue/10001", {"fields": {"customfield_99999": 1}}, 400),
        ("GET", "/mypermissions?projectKey=NOPE&permissions=EDIT_ISSUES", None, 404),
    ],
)
def test_errors_are_jira_error_collections(
    fake: FakeJira, method: str, path: str, body: Any, status: int
) -> None:
    fake.create_issue()
    response = _session(fake).request(method, fake.base_url + API + path, json=body)
    assert response.status_code == status
    validate_response(response.json(), ERRORS)
    assert response.json()["errorMessages"] or response.json()["errors"]


def test_a_bad_token_gets_401_with_an_error_collection(fake: FakeJira) -> None:
    response = _session(fake, token="wrong").get(fake.base_url + API + "/myself")
    assert response.status_code == 401
    validate_response(response.json(), ERRORS)
    assert "authenticated" in response.json()["errorMessages"][0]


def test_429_carries_retry_after_and_jira_rate_limit_headers(fake: FakeJira) -> None:
    fake.inject("429", times=1, retry_after="7")
    response = _session(fake).get(fake.base_url + API + "/myself")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["RateLimit-Reason"] == "jira-burst-based"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    validate_response(response.json(), ERRORS)


def test_edit_adds_and_removes_labels_and_counts_only_real_changes(fake: FakeJira) -> None:
    issue = fake.create_issue(labels=["keep", "old"])
    http = _session(fake)
    url = f"{fake.base_url}{API}/issue/{issue}"
    body = {
        "update": {"labels": [{"add": "sla_breached"}, {"remove": "old"}]},
        "fields": {"priority": {"id": "2"}, BREACHED_FIELD: 1},
    }
    assert http.put(url, json=body).status_code == 204
    assert fake.tags(issue) == {"keep", "sla_breached"}
    assert fake.priority(issue) == "high"
    assert fake.field(issue, BREACHED_FIELD) == 1
    assert http.put(url, json=body).status_code == 204
    assert fake.write_count() == 1


def test_edit_rejects_a_field_both_set_and_updated(fake: FakeJira) -> None:
    issue = fake.create_issue()
    body = {"update": {"labels": [{"add": "a"}]}, "fields": {"labels": ["b"]}}
    response = _session(fake).put(f"{fake.base_url}{API}/issue/{issue}", json=body)
    assert response.status_code == 400
    assert "labels" in response.json()["errors"]


def test_jql_dates_are_read_in_the_api_users_time_zone(fake: FakeJira, clock: Clock) -> None:
    clock.now = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT)
    issue = fake.create_issue()
    url = fake.base_url + API + "/search/jql"
    http = _session(fake)

    def found(when: str) -> bool:
        jql = f'project = HELP AND updated >= "{when}"'
        return bool(http.post(url, json={"jql": jql}).json()["issues"])

    assert found("2025-03-10 10:00")
    assert not found("2025-03-10 10:01")
    assert not found("2025-03-10 14:00")  # 14:00 would match if the fake read UTC
    assert issue


# What Jira cannot carry, so the round trip leaves it out: the normalized id (Jira issues get
# their own), the channel, the customer's id (JSM organizations get numeric ids), and events
# at one instant come back comments first, then changelog entries.
ROUND_TRIP_TICKET = {
    "id": "4821",
    "source": "jira",
    "created_at": "2025-03-07T16:30:00Z",
    "updated_at": "2025-03-10T11:30:00Z",
    "status": "open",
    "priority": "urgent",
    "type": "Incident",
    "product": "payments",
    "tags": ["vip", "emea_team"],
    "fields": {DUE_AT_FIELD: "2025-03-11T09:00:00Z", BREACHED_FIELD: 0},
    "customer": {"id": "org-9", "name": "Acme GmbH", "tier": "enterprise", "region": "emea"},
    "events": [
        {"at": "2025-03-07T16:30:00Z", "type": "status", "status": "new"},
        {"at": "2025-03-07T17:00:00Z", "type": "status", "status": "open"},
        {"at": "2025-03-10T08:05:00Z", "type": "reply", "author": "agent", "public": True},
        {"at": "2025-03-10T08:06:00Z", "type": "reply", "author": "agent", "public": False},
        {"at": "2025-03-10T09:00:00Z", "type": "status", "status": "pending"},
        {"at": "2025-03-10T11:00:00Z", "type": "reply", "author": "customer", "public": True},
        {"at": "2025-03-10T11:00:00Z", "type": "status", "status": "open"},
        {"at": "2025-03-10T11:20:00Z", "type": "status", "status": "on_hold"},
        {"at": "2025-03-10T11:25:00Z", "type": "status", "status": "open"},
        {"at": "2025-03-10T11:30:00Z", "type": "priority", "priority": "urgent", "from": "high"},
    ],
}


def _comparable(ticket: Ticket) -> dict[str, Any]:
    data = ticket.to_json()
    data.pop("id")
    data.pop("key", None)
    data["customer"].pop("id")
    data["fields"] = {
        k: v for k, v in data["fields"].items() if k in (DUE_AT_FIELD, BREACHED_FIELD)
    }
    data["events"] = sorted(data["events"], key=lambda e: (e["at"], e["type"]))
    return data


def test_a_normalized_ticket_survives_the_round_trip_through_jira(
    fake: FakeJira, make_connector: Any
) -> None:
    original = parse_ticket(ROUND_TRIP_TICKET)
    issue = fake.load_normalized(original)
    (ticket,) = [t for t in make_connector().read(None) if isinstance(t, Ticket)]
    assert ticket.id == issue
    assert _comparable(ticket) == _comparable(original)
    assert ticket.fields["tier"] == "enterprise" and ticket.fields["region"] == "emea"


def test_a_priority_change_on_the_fake_reads_back_with_what_it_replaced(
    fake: FakeJira, make_connector: Any, clock: Clock
) -> None:
    issue = fake.create_issue(priority="High")
    clock.advance(minutes=1)
    fake.agent_edit(issue, priority="urgent")
    (ticket,) = [t for t in make_connector().read(None) if isinstance(t, Ticket)]
    [change] = [e for e in ticket.events if e.type == "priority"]
    assert (change.priority, change.has_from, change.from_priority) == ("urgent", True, "high")


def test_agent_edit_bumps_updated_for_conflict_tests(fake: FakeJira, clock: Clock) -> None:
    issue = fake.create_issue()
    before = fake.updated(issue)
    clock.advance(minutes=1)
    fake.agent_edit(issue, tags=["agent_label"], priority="urgent", status="pending")
    assert fake.updated(issue) > before
    assert fake.tags(issue) == {"agent_label"}
    assert fake.priority(issue) == "urgent"


def test_the_default_connector_config_points_at_the_fake(fake: FakeJira) -> None:
    config = fake.connector_config()
    assert config["base_url"] == fake.base_url and config["token"] == TOKEN
    assert JiraConnector("j", config).check() == []


@pytest.mark.parametrize("shape", ["page", "list"])
def test_search_embeds_at_most_twenty_comments_and_the_endpoint_pages_them(
    clock: Clock, shape: Literal["page", "list"]
) -> None:
    with FakeJira(token=TOKEN, clock=clock, comment_shape=shape) as fake:
        issue = fake.create_issue()
        for _ in range(45):
            clock.advance(minutes=1)
            fake.add_comment(issue)
        session = _session(fake)
        found = session.post(
            f"{fake.base_url}{API}/search/jql",
            json={"jql": 'project in ("HELP")', "fields": ["comment"]},
        ).json()["issues"][0]["fields"]["comment"]
        if shape == "list":
            assert isinstance(found, list) and len(found) == 20
        else:
            assert (len(found["comments"]), found["total"]) == (20, 45)
        page = session.get(
            f"{fake.base_url}{API}/issue/{issue}/comment",
            params={"startAt": 40, "maxResults": 100},
        ).json()
        assert (page["startAt"], page["total"], len(page["comments"])) == (40, 45, 5)
