"""Jira Data Center / Server: PAT auth, REST v2 search by startAt, DC shapes, check hints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jira_support import DC_TOKEN, Clock
from pydantic import ValidationError
from slabridge_jira.auth import rejected_credentials
from slabridge_jira.config import JiraConfig, JiraMapping
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import BREACHED_FIELD
from slabridge_jira.fake_dc import FakeJiraDataCenter
from slabridge_jira.mapping import SiteMeta, map_issue, user_id
from slabridge_jira.service_desk_comments import platform_comment

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import Ticket


@pytest.fixture
def dc(clock: Clock) -> Iterator[FakeJiraDataCenter]:
    with FakeJiraDataCenter(pat=DC_TOKEN, clock=clock) as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def connectors() -> Iterator[list[JiraConnector]]:
    made: list[JiraConnector] = []
    yield made
    for connector in made:
        connector.close()


def connect(dc: FakeJiraDataCenter, made: list[JiraConnector], **overrides: Any) -> JiraConnector:
    connector = JiraConnector("jira-dc", dc.connector_config(**overrides), sleep=lambda _s: None)
    made.append(connector)
    return connector


def tickets(items: Any) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def seed(dc: FakeJiraDataCenter, clock: Clock, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        clock.advance(minutes=3)
        ids.append(dc.create_issue())
    return ids


def searches(dc: FakeJiraDataCenter) -> list[Any]:
    return [c.request for c in dc.calls if c.request.path == "/rest/api/2/search"]


# -- config ----------------------------------------------------------------------------------

ENTRY: dict[str, Any] = {
    "type": "jira",
    "deployment": "data_center",
    "site": "https://jira.acme.example",
    "token": "pat-secret",
    "projects": ["HELP"],
}


def test_a_data_center_entry_uses_rest_v2_on_its_own_site() -> None:
    config = JiraConfig.model_validate(ENTRY)
    assert (config.url, config.api) == ("https://jira.acme.example", "/rest/api/2")
    assert "pat-secret" not in repr(config)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"token": None}, "token"),
        ({"email": "ops@acme.example"}, "leave out `email`"),
        ({"cloud_id": "11223344-a1b2"}, "cloud_id"),
        ({"deployment": "server"}, "deployment"),
        ({"site": None}, "needs `site: https://"),
        ({"site": "http://jira.acme.example"}, "Jira Data Center's https:// address"),
    ],
)
def test_bad_data_center_entries_name_the_key(changes: dict[str, Any], names: str) -> None:
    entry = {k: v for k, v in {**ENTRY, **changes}.items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        JiraConfig.model_validate(entry)
    assert names in str(caught.value)


# -- auth and check --------------------------------------------------------------------------


def test_the_pat_goes_as_a_bearer_token_to_rest_v2(
    dc: FakeJiraDataCenter, connectors: list[JiraConnector]
) -> None:
    connector = connect(dc, connectors)
    assert connector.check() == []
    assert dc.calls
    for call in dc.calls:
        assert call.request.headers["Authorization"] == f"Bearer {DC_TOKEN}"
        assert call.request.path.startswith("/rest/api/2/")


def test_check_on_a_wrong_pat_gives_a_data_center_hint(
    dc: FakeJiraDataCenter, connectors: list[JiraConnector]
) -> None:
    (problem,) = connect(dc, connectors, token="revoked-pat").check()
    text = f"{problem.message} {problem.hint}"
    assert "personal access token" in text and "Personal Access Tokens" in text
    for cloud_only in ("API token", "classic", "id.atlassian.com", "email", "cloud_id"):
        assert cloud_only not in text
    assert "revoked-pat" not in text and DC_TOKEN not in text


def test_cloud_credentials_are_refused_by_data_center(dc: FakeJiraDataCenter) -> None:
    config = {**dc.connector_config(), "deployment": "cloud", "email": "sync@example.com"}
    connector = JiraConnector("jira-dc", config)
    try:
        (problem,) = connector.check()
    finally:
        connector.close()
    assert "HTTP 401" in problem.message


def test_a_cloud_token_rejected_by_a_self_hosted_site_points_to_data_center() -> None:
    config = JiraConfig.model_validate(
        {**ENTRY, "deployment": "cloud", "email": "ops@acme.example", "token": "t"}
    )
    hint = rejected_credentials(config, 401).hint or ""
    assert "deployment: data_center" in hint and "personal access token" in hint
    on_cloud = JiraConfig.model_validate(
        {**ENTRY, "deployment": "cloud", "site": "acme.atlassian.net", "email": "a@b.c"}
    )
    assert "data_center" not in (rejected_credentials(on_cloud, 401).hint or "")


def test_check_names_the_token_user_when_a_permission_is_missing(
    dc: FakeJiraDataCenter, connectors: list[JiraConnector]
) -> None:
    dc.permissions["EDIT_ISSUES"] = False
    (problem,) = connect(dc, connectors).check()
    assert problem.message.startswith("slabridge.sync lacks Edit Issues on HELP")


# -- read: startAt paging --------------------------------------------------------------------


def test_search_pages_by_start_at_with_changelogs_expanded(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    ids = seed(dc, clock, 5)
    read = tickets(connect(dc, connectors, page_size=2).read(None))
    assert [t.id for t in read] == ids
    bodies = [request.json() for request in searches(dc)]
    assert [body["startAt"] for body in bodies] == [0, 1, 2, 3]  # one back: the anchor
    assert all(body["expand"] == ["changelog"] and body["maxResults"] == 2 for body in bodies)
    paths = {call.request.path for call in dc.calls}
    assert not any("search/jql" in p or "bulkfetch" in p or "/changelog" in p for p in paths)


def test_a_server_cap_on_max_results_is_followed(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    dc.search_cap = 3
    ids = seed(dc, clock, 10)
    read = tickets(connect(dc, connectors, page_size=100).read(None))
    assert [t.id for t in read] == ids
    assert len(searches(dc)) == 5  # 3 + 2 + 2 + 2 + 1 new issues (one overlaps each time)


@pytest.mark.parametrize(("page_size", "cap"), [(1, 1000), (100, 1)])
def test_pages_of_one_issue_are_read_without_the_overlap(
    dc: FakeJiraDataCenter,
    clock: Clock,
    connectors: list[JiraConnector],
    page_size: int,
    cap: int,
) -> None:
    dc.search_cap = cap
    ids = seed(dc, clock, 4)
    read = tickets(connect(dc, connectors, page_size=page_size).read(None))
    assert [t.id for t in read] == ids
    assert [r.json()["startAt"] for r in searches(dc)] == [0, 1, 2, 3]  # stops at `total`


def _read_editing_after_the_first_page(
    dc: FakeJiraDataCenter, connector: JiraConnector, edit: Any
) -> list[Ticket]:
    read: list[Ticket] = []
    edited = False
    for item in connector.read(None):
        if isinstance(item, Ticket):
            read.append(item)
        elif isinstance(item, Checkpoint) and not edited:
            edit()
            edited = True
    return read


def test_an_agent_edit_mid_read_does_not_make_the_offsets_skip_an_issue(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    ids = seed(dc, clock, 7)
    connector = connect(dc, connectors, page_size=3)

    def edit() -> None:
        # Two issues of page one move to the end: the rest shift two places forward, past
        # the one-issue overlap, so only a restart at the anchor finds issue 4 again.
        clock.advance(minutes=1)
        dc.agent_edit(ids[0], summary="edited while the sync reads")
        dc.agent_edit(ids[1], summary="edited too")

    read = _read_editing_after_the_first_page(dc, connector, edit)
    assert set(ids) <= {t.id for t in read}
    latest = [t for t in read if t.id == ids[0]][-1]
    assert latest.updated_at == dc.updated(ids[0])  # the edit itself was read too


def test_a_deletion_mid_read_does_not_make_the_offsets_skip_an_issue(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    ids = seed(dc, clock, 7)
    connector = connect(dc, connectors, page_size=3)

    def delete() -> None:
        dc.delete(ids[0])
        dc.delete(ids[1])

    read = _read_editing_after_the_first_page(dc, connector, delete)
    assert set(ids[2:]) <= {t.id for t in read}


def test_an_incremental_read_starts_at_the_cursor(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    ids = seed(dc, clock, 3)
    connector = connect(dc, connectors)
    items = list(connector.read(None))
    cursor = [i for i in items if isinstance(i, Checkpoint)][-1].cursor
    clock.advance(minutes=10)
    dc.agent_edit(ids[1], summary="later")
    again = tickets(connector.read(cursor))
    assert [t.id for t in again] == [ids[1]]
    assert 'updated >= "' in searches(dc)[-1].json()["jql"]


# -- DC shapes: changelog, users, comments ---------------------------------------------------


def test_status_and_priority_history_comes_from_the_expanded_changelog(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    issue_id = dc.create_issue(status="New")
    clock.advance(minutes=5)
    dc.transition(issue_id, "Waiting for customer")
    clock.advance(minutes=5)
    dc.change_priority(issue_id, "Highest")
    clock.advance(minutes=5)
    dc.transition(issue_id, "Resolved")
    (ticket,) = tickets(connect(dc, connectors).read(None))
    statuses = [e.status for e in ticket.events if e.type == "status"]
    assert statuses == ["new", "pending", "solved"]
    assert [e.priority for e in ticket.events if e.type == "priority"] == ["urgent"]


def test_a_cut_changelog_is_read_again_with_the_issue(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    dc.embedded_histories = 1
    issue_id = dc.create_issue(status="New")
    for status in ("In Progress", "Waiting for customer", "Resolved"):
        clock.advance(minutes=5)
        dc.transition(issue_id, status)
    (ticket,) = tickets(connect(dc, connectors).read(None))
    assert [e.status for e in ticket.events if e.type == "status"][-1] == "solved"
    assert len([e for e in ticket.events if e.type == "status"]) == 4
    gets = [c.request for c in dc.calls if c.request.path == f"/rest/api/2/issue/{issue_id}"]
    assert [r.arg("expand") for r in gets] == ["changelog"]


def test_users_are_told_apart_by_data_center_key_and_name(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    requester = dc.add_customer("Fred Customer", "fred@acme.example")
    partner = dc.add_agent("Partner Desk")  # a customer in fact, listed by login name
    bot = dc.add_agent("Triage Bot")  # an agent by key, though it is the reporter
    issue_id = dc.create_issue(reporter=requester)
    for minutes, author in ((5, requester), (10, partner), (15, "agent")):
        clock.advance(minutes=minutes)
        dc.add_comment(issue_id, author=author)
    mapping = {
        **dc.connector_config()["mapping"],
        "customer_account_ids": [dc.user_name(partner)],
        "agent_account_ids": [dc.user_key(bot)],
    }
    (ticket,) = tickets(connect(dc, connectors, mapping=mapping).read(None))
    authors = [e.author for e in ticket.events if e.type == "reply"]
    assert authors == ["customer", "customer", "agent"]
    report = dc.create_issue(reporter=bot)
    dc.add_comment(report, author=bot)
    (own,) = tickets(connect(dc, connectors, mapping=mapping).fetch([report]))
    assert [e.author for e in own.events if e.type == "reply"] == ["agent"]


def test_the_reporter_is_the_customer_by_key_when_there_are_no_organizations(
    dc: FakeJiraDataCenter, connectors: list[JiraConnector]
) -> None:
    requester = dc.add_customer("Dana Requester")
    dc.create_issue(reporter=requester)
    (ticket,) = tickets(connect(dc, connectors).read(None))
    assert ticket.customer is not None
    assert (ticket.customer.id, ticket.customer.name) == (dc.user_key(requester), "Dana Requester")


def test_internal_comments_are_known_from_the_service_desk_endpoint(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    issue_id = dc.create_issue()
    clock.advance(minutes=5)
    dc.add_comment(issue_id, author="agent", public=False, text="{quote}internal{quote}")
    clock.advance(minutes=5)
    dc.add_comment(issue_id, author="agent", text="*Hello*, we are on it.")
    (ticket,) = tickets(connect(dc, connectors).read(None))
    replies = [(e.author, e.public) for e in ticket.events if e.type == "reply"]
    assert replies == [("agent", False), ("agent", True)]
    paths = [c.request.path for c in dc.calls if c.request.path.endswith("/comment")]
    assert paths == [f"/rest/servicedeskapi/request/{issue_id}/comment"]


def test_comments_by_the_reporter_alone_cost_no_service_desk_call(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    issue_id = dc.create_issue()
    clock.advance(minutes=5)
    dc.add_comment(issue_id, author="customer")
    (ticket,) = tickets(connect(dc, connectors).read(None))
    assert [e.author for e in ticket.events if e.type == "reply"] == ["customer"]
    assert not [c for c in dc.calls if c.request.path.endswith("/comment")]
    clock.advance(minutes=5)
    dc.embedded_comments = 0  # the embedded page is cut: every comment is read again
    (ticket,) = tickets(connect(dc, connectors).read(None))
    assert [e.author for e in ticket.events if e.type == "reply"] == ["customer"]
    assert len([c for c in dc.calls if c.request.path.endswith("/comment")]) == 1


def test_service_desk_comments_are_paged_through(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    dc.request_comment_cap = 2
    issue_id = dc.create_issue()
    for _ in range(4):
        clock.advance(minutes=5)
        dc.add_comment(issue_id, author="customer")
    clock.advance(minutes=5)
    dc.add_comment(issue_id, author="agent")
    (ticket,) = tickets(connect(dc, connectors).read(None))
    authors = [e.author for e in ticket.events if e.type == "reply"]
    assert authors == ["customer"] * 4 + ["agent"]
    starts = [c.request.arg("start") for c in dc.calls if c.request.path.endswith("/comment")]
    assert starts == ["0", "2", "4"]


def test_outside_a_service_desk_the_platform_comments_are_read(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    dc.service_desk = False
    issue_id = dc.create_issue()
    clock.advance(minutes=5)
    dc.add_comment(issue_id, author="agent")
    (ticket,) = tickets(connect(dc, connectors).read(None))
    assert [(e.author, e.public) for e in ticket.events if e.type == "reply"] == [("agent", True)]
    paths = [c.request.path for c in dc.calls if c.request.path.endswith("/comment")]
    assert paths[-1] == f"/rest/api/2/issue/{issue_id}/comment"


def test_an_issue_without_comments_costs_no_comment_call(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    seed(dc, clock, 3)
    tickets(connect(dc, connectors).read(None))
    assert not [c for c in dc.calls if c.request.path.endswith("/comment")]


# -- fetch and write -------------------------------------------------------------------------


def test_fetch_by_id_or_key_and_missing_ones_are_skipped(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    first, second = seed(dc, clock, 2)
    items = list(connect(dc, connectors).fetch([first, "HELP-2", "HELP-99"]))
    assert [t.id for t in tickets(items)] == [first, second]
    (skipped,) = [i for i in items if isinstance(i, Skipped)]
    assert skipped.ticket_id == "HELP-99" and skipped.gone


def test_labels_priority_and_fields_are_written_through_rest_v2(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    (issue_id,) = seed(dc, clock, 1)
    connector = connect(dc, connectors)
    change = ChangeSet(
        issue_id,
        add_tags=frozenset({"sla_breached"}),
        priority="urgent",
        fields={BREACHED_FIELD: True},
    )
    (result,) = connector.apply([change])
    assert result.outcome == "applied", result
    assert dc.tags(issue_id) == {"sla_breached"} and dc.priority(issue_id) == "urgent"
    assert dc.field(issue_id, BREACHED_FIELD) == 1
    (put,) = [c.request for c in dc.calls if c.request.method == "PUT"]
    assert put.path == f"/rest/api/2/issue/{issue_id}"


# -- shapes from the vendor's Data Center documentation -------------------------------------

# A search hit as the Data Center REST reference documents it (api/2/search with
# expand=changelog; users with name/key; comment body in wiki markup; items without fieldId).
DC_ISSUE: dict[str, Any] = {
    "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
    "id": "10002",
    "self": "https://jira.acme.example/rest/api/2/issue/10002",
    "key": "HELP-3",
    "fields": {
        "summary": "VPN down",
        "created": "2025-03-10T09:00:00.000+0100",
        "updated": "2025-03-10T10:30:00.000+0100",
        "status": {
            "name": "Waiting for customer",
            "id": "10002",
            "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
        },
        "priority": {"name": "High", "id": "2"},
        "labels": [],
        "reporter": {
            "self": "https://jira.acme.example/rest/api/2/user?username=fred",
            "name": "fred",
            "key": "JIRAUSER10105",
            "emailAddress": "fred@example.com",
            "displayName": "Fred F. User",
            "active": True,
            "timeZone": "Europe/Berlin",
        },
        "comment": {
            "comments": [
                {
                    "self": "https://jira.acme.example/rest/api/2/issue/10002/comment/10100",
                    "id": "10100",
                    "author": {"name": "mia", "key": "JIRAUSER10000", "displayName": "Mia"},
                    "body": "h3. Thanks\nWe are *on it*.",
                    "created": "2025-03-10T09:20:00.000+0100",
                    "updated": "2025-03-10T09:20:00.000+0100",
                },
                {
                    "id": "10101",
                    "author": {"name": "fred", "key": "JIRAUSER10105", "displayName": "Fred"},
                    "body": "Still broken.",
                    "created": "2025-03-10T10:00:00.000+0100",
                    "updated": "2025-03-10T10:00:00.000+0100",
                },
            ],
            "maxResults": 2,
            "total": 2,
            "startAt": 0,
        },
    },
    "changelog": {
        "startAt": 0,
        "maxResults": 1,
        "total": 1,
        "histories": [
            {
                "id": "10000",
                "author": {"name": "mia", "key": "JIRAUSER10000"},
                "created": "2025-03-10T09:20:00.000+0100",
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "from": "3",
                        "fromString": "In Progress",
                        "to": "10002",
                        "toString": "Waiting for customer",
                    }
                ],
            }
        ],
    },
}


def test_the_documented_data_center_issue_maps_to_a_ticket() -> None:
    histories = DC_ISSUE["changelog"]["histories"]
    ticket = map_issue(DC_ISSUE, histories, None, JiraMapping(), SiteMeta())
    assert ticket.id == "10002" and ticket.extra["key"] == "HELP-3"
    assert ticket.created_at.isoformat() == "2025-03-10T08:00:00+00:00"
    assert (ticket.status, ticket.priority) == ("pending", "high")
    replies = [(e.at.hour, e.author) for e in ticket.events if e.type == "reply"]
    assert replies == [(8, "agent"), (9, "customer")]  # the reporter by key, not accountId
    statuses = [(e.at.minute, e.status) for e in ticket.events if e.type == "status"]
    assert statuses == [(0, "open"), (20, "pending")]
    assert ticket.customer is not None and ticket.customer.id == "JIRAUSER10105"


def test_a_data_center_user_is_known_by_key_then_name() -> None:
    assert user_id({"name": "fred", "key": "JIRAUSER10105"}) == "JIRAUSER10105"
    assert user_id({"name": "fred"}) == "fred"
    assert user_id({"accountId": "5b10ac8d", "name": "x"}) == "5b10ac8d"
    assert user_id(None) is None


def test_jql_dates_are_in_the_time_zone_of_myself(
    dc: FakeJiraDataCenter, clock: Clock, connectors: list[JiraConnector]
) -> None:
    seed(dc, clock, 1)
    start = clock() - timedelta(hours=1)
    connector = connect(dc, connectors, start=start.isoformat())
    tickets(connector.read(None))
    assert connector.time_zone() == ZoneInfo("America/New_York")  # the fake user's profile
    wall = start.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert f'updated >= "{wall}"' in searches(dc)[0].json()["jql"]


# -- the fake is as unkind as Data Center ----------------------------------------------------


def _get(dc: FakeJiraDataCenter, path: str, auth: str, **params: Any) -> Any:
    import requests

    return requests.get(
        f"{dc.base_url}{path}", params=params, headers={"Authorization": auth}, timeout=5
    )


def test_the_fake_serves_only_rest_v2_and_only_to_the_pat(
    dc: FakeJiraDataCenter, clock: Clock
) -> None:
    seed(dc, clock, 1)
    bearer = f"Bearer {DC_TOKEN}"
    assert _get(dc, "/rest/api/2/myself", bearer).status_code == 200
    for path in ("/rest/api/3/myself", "/rest/api/2/search/jql", "/rest/api/3/search/jql"):
        assert _get(dc, path, bearer).status_code == 404, path
    wrong = _get(dc, "/rest/api/2/myself", "Bearer not-it")
    assert wrong.status_code == 401 and wrong.json()["errorMessages"]
    assert _get(dc, "/rest/api/2/myself", "Basic c3luY0BleGFtcGxlLmNvbTpqaXJh").status_code == 401


def test_the_fake_caps_max_results_and_reports_the_total(
    dc: FakeJiraDataCenter, clock: Clock
) -> None:
    dc.search_cap = 2
    seed(dc, clock, 5)
    answer = _get(
        dc, "/rest/api/2/search", f"Bearer {DC_TOKEN}", jql="project = HELP", maxResults=50
    ).json()
    assert (answer["startAt"], answer["maxResults"], answer["total"]) == (0, 2, 5)
    assert len(answer["issues"]) == 2


def test_the_fake_shows_users_by_name_and_key_without_account_ids(
    dc: FakeJiraDataCenter, clock: Clock
) -> None:
    issue_id = dc.create_issue()
    dc.add_comment(issue_id, text="h1. wiki")
    answer = _get(
        dc, f"/rest/api/2/issue/{issue_id}", f"Bearer {DC_TOKEN}", fields="reporter,comment"
    ).json()
    reporter = answer["fields"]["reporter"]
    assert reporter["key"].startswith("JIRAUSER") and reporter["name"]
    assert "accountId" not in reporter and "accountType" not in reporter
    (comment,) = answer["fields"]["comment"]["comments"]
    assert comment["body"] == "h1. wiki" and "jsdPublic" not in comment


def test_the_documented_service_desk_comment_becomes_a_platform_comment() -> None:
    # The shape of GET /rest/servicedeskapi/request/{key}/comment in the JSM Data Center REST
    # reference (v1005): public flag, name/key user, DateDTO.
    value = {
        "id": "10210",
        "body": "Internal: waiting on the vendor.",
        "public": False,
        "author": {"name": "mia", "key": "JIRAUSER10000", "displayName": "Mia", "active": True},
        "created": {
            "iso8601": "2025-03-10T09:20:00+0100",
            "jira": "2025-03-10T09:20:00.000+0100",
            "friendly": "Today 9:20 AM",
            "epochMillis": 1741594800000,
        },
        "_links": {"self": "https://jira.acme.example/rest/servicedeskapi/request/10002"},
    }
    comment = platform_comment(value)
    assert comment["jsdPublic"] is False and comment["author"]["key"] == "JIRAUSER10000"
    issue = {**DC_ISSUE, "fields": {**DC_ISSUE["fields"], "comment": None}}
    ticket = map_issue(issue, [], [comment], JiraMapping(), SiteMeta())
    (reply,) = [e for e in ticket.events if e.type == "reply"]
    assert (reply.author, reply.public, reply.at.hour) == ("agent", False, 8)
    by_millis = platform_comment({**value, "created": {"epochMillis": 1741594800000}})
    assert map_issue(issue, [], [by_millis], JiraMapping(), SiteMeta()).events[1].at.hour == 8


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "email: ops@acme.example, token: '${JIRA_PAT}'",
            "connectors.jira-dc: Jira Data Center (`deployment`): leave out `email`",
        ),
        ("email: ops@acme.example", "connectors.jira-dc: Jira Data Center (`deployment`) needs"),
        ("token: '${JIRA_PAT}', deployment: onprem", "connectors.jira-dc.deployment:"),
    ],
)
def test_a_bad_data_center_entry_is_a_config_error_naming_its_key_path(
    entry: str, expected: str
) -> None:
    from slabridge.config import ConfigError, load_config_text
    from slabridge.plugins import connector_types, create_plugin_manager, load_plugins

    types = connector_types(load_plugins(create_plugin_manager()))
    base = "connectors:\n  jira-dc: {type: jira, deployment: data_center, "
    text = f"{base}site: jira.acme.example, projects: [HELP], {entry}}}\n"
    env = {"JIRA_PAT": "pat-0f1e2d3c4b5a"}
    good = f"{base}site: jira.acme.example, projects: [HELP], token: '${{JIRA_PAT}}'}}\n"
    assert load_config_text(good, connector_types=types, environ=env).connectors
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, connector_types=types, environ=env)
    (issue,) = caught.value.issues
    assert str(issue).startswith(expected), str(issue)
    assert "pat-0f1e2d3c4b5a" not in str(issue)


def test_deep_offsets_restart_the_search_before_the_result_window(
    dc: FakeJiraDataCenter,
    clock: Clock,
    connectors: list[JiraConnector],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import slabridge_jira.offset_search as offset_search

    dc.max_result_window = 8  # a search reaching past 8 results fails, like OpenSearch's 10,000
    monkeypatch.setattr(offset_search, "OFFSET_WINDOW", 5)
    ids = seed(dc, clock, 20)
    read = tickets(connect(dc, connectors, page_size=3).read(None))
    assert [t.id for t in read] == ids  # in order, once each, no 500
    assert max(r.json()["startAt"] + 3 for r in searches(dc)) <= 8
    assert len({r.json()["jql"] for r in searches(dc)}) > 1  # restarted at later `updated`
