"""JiraConnector against FakeJira: JQL windows, changelogs, comments, write-back, check."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jira_support import TOKEN, Clock, jira_fixtures, request_schema, validate_request
from slabridge_jira.connector import JiraConnector, build_jql, field_write_value, jql_time
from slabridge_jira.fake import BREACHED_FIELD, DUE_AT_FIELD, TIER_FIELD, FakeJira

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import Ticket

Make = Callable[..., JiraConnector]
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def _tickets(items: Any) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def _cursor(items: list[Any]) -> str:
    return [item for item in items if isinstance(item, Checkpoint)][-1].cursor


# -- JQL -------------------------------------------------------------------------------------


def test_jql_time_is_the_users_wall_clock_floored_to_the_minute() -> None:
    moment = datetime(2025, 3, 10, 14, 7, 59, 900000, tzinfo=UTC)
    assert jql_time(moment, NEW_YORK) == "2025-03-10 10:07"
    assert jql_time(moment, ZoneInfo("Australia/Sydney")) == "2025-03-11 01:07"


def test_jql_time_steps_back_an_hour_where_dst_makes_the_wall_time_ambiguous() -> None:
    # 01:30 happens twice in New York on 2025-11-02; Jira may read the later one (EST), which
    # is after 01:30 EDT, so from the first pass ask from 00:30; from the second 01:30 is safe.
    first_pass = datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert jql_time(first_pass, NEW_YORK) == "2025-11-02 00:30"
    assert jql_time(first_pass + timedelta(hours=1), NEW_YORK) == "2025-11-02 01:30"
    # Across the spring gap the wall clock simply jumps: 07:30Z is 03:30 EDT.
    assert jql_time(datetime(2025, 3, 9, 7, 30, tzinfo=UTC), NEW_YORK) == "2025-03-09 03:30"


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(
        ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
    ),
)
def test_every_reading_of_a_jql_time_is_at_or_before_the_instant(
    moment: datetime, zone: str
) -> None:
    tz = ZoneInfo(zone)
    wall = datetime.strptime(jql_time(moment, tz), "%Y-%m-%d %H:%M")
    readings = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    assert max(readings) <= moment
    assert moment - min(readings) < timedelta(hours=2, minutes=1)


def test_the_sync_query_is_bounded_by_projects_and_ordered_stably() -> None:
    since = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
    jql = build_jql(["HELP", "IT"], 'issuetype = "Service Request"', since, NEW_YORK)
    assert jql == (
        'project in ("HELP", "IT") AND (issuetype = "Service Request") '
        'AND updated >= "2025-03-10 10:00" ORDER BY updated ASC, key ASC'
    )


def test_read_asks_in_the_api_users_time_zone_with_the_lookback(
    clock: Clock, make_connector: Make
) -> None:
    with FakeJira(token=TOKEN, clock=clock, time_zone="Australia/Sydney") as fake:
        fake.create_issue()
        connector = JiraConnector("j", fake.connector_config(lookback_minutes=10))
        cursor = _cursor(list(connector.read(None)))
        list(connector.read(cursor))
        jql = fake.requests_to("POST", "/search/jql")[-1].json()["jql"]
        # 09:00Z minus 10 minutes is 19:50 in Sydney (AEDT, UTC+11).
        assert 'updated >= "2025-03-10 19:50"' in jql
        connector.close()


def test_the_lookback_catches_an_update_the_search_index_showed_late(
    fake: FakeJira, clock: Clock, make_connector: Make
) -> None:
    slow = fake.create_issue()
    fake.index_delay[slow] = timedelta(minutes=2)  # indexed out of order
    clock.advance(seconds=30)
    fast = fake.create_issue()
    clock.advance(seconds=30)
    connector = make_connector()
    first = list(connector.read(None))
    assert [ticket.id for ticket in _tickets(first)] == [fast]
    clock.advance(minutes=2)
    again = _tickets(connector.read(_cursor(first)))
    assert [ticket.id for ticket in again] == [slow]


def test_a_changed_issue_is_read_again_and_an_unchanged_one_is_not(
    fake: FakeJira, clock: Clock, make_connector: Make
) -> None:
    ids = [fake.create_issue() for _ in range(3)]
    connector = make_connector()
    cursor = _cursor(list(connector.read(None)))
    clock.advance(seconds=20)  # same minute: JQL alone cannot tell the versions apart
    fake.add_comment(ids[1], author="customer")
    items = list(connector.read(cursor))
    assert [ticket.id for ticket in _tickets(items)] == [ids[1]]
    assert _tickets(connector.read(_cursor(items))) == []


def test_a_configured_start_bounds_the_first_read(
    fake: FakeJira, clock: Clock, make_connector: Make
) -> None:
    fake.create_issue()
    clock.advance(days=2)
    recent = fake.create_issue()
    connector = make_connector(start="2025-03-11T00:00:00Z")
    assert [ticket.id for ticket in _tickets(connector.read(None))] == [recent]


def test_a_foreign_cursor_is_refused_with_a_clear_error(make_connector: Make) -> None:
    with pytest.raises(ValueError, match="cursor"):
        list(make_connector().read("not json"))


# -- what the connector sends ----------------------------------------------------------------


def test_every_request_body_validates_against_the_spec(
    fake: FakeJira, clock: Clock, make_connector: Make
) -> None:
    issue = fake.create_issue(labels=["theirs"])
    clock.advance(minutes=1)
    fake.transition(issue, "Waiting for customer")
    connector = make_connector()
    list(connector.read(None))
    list(connector.fetch([issue]))
    change = ChangeSet(
        issue,
        add_tags=frozenset({"sla_breached"}),
        remove_tags=frozenset({"sla_at_risk"}),
        priority="urgent",
        fields={BREACHED_FIELD: True, DUE_AT_FIELD: datetime(2025, 3, 11, 9, tzinfo=UTC)},
    )
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    sent = {
        ("POST", "/rest/api/3/search/jql"): fake.requests_to("POST", "/search/jql$"),
        ("POST", "/rest/api/3/changelog/bulkfetch"): fake.requests_to("POST", "/bulkfetch$"),
        ("PUT", "/rest/api/3/issue/{issueIdOrKey}"): fake.requests_to("PUT", "/issue/"),
    }
    for (method, path), requests in sent.items():
        assert requests, f"no {method} {path} was sent"
        for request in requests:
            validate_request(request.json(), request_schema(method, path))
    search = sent[("POST", "/rest/api/3/search/jql")][0].json()
    assert {"status", "priority", "labels", "comment", "updated", TIER_FIELD} <= set(
        search["fields"]
    )
    assert sent[("PUT", "/rest/api/3/issue/{issueIdOrKey}")][0].json() == {
        "update": {"labels": [{"add": "sla_breached"}, {"remove": "sla_at_risk"}]},
        "fields": {
            "priority": {"name": "Highest"},
            BREACHED_FIELD: 1,
            DUE_AT_FIELD: "2025-03-11T09:00:00.000+0000",
        },
    }


def test_changelogs_come_in_bulk_one_call_per_page(fake: FakeJira, make_connector: Make) -> None:
    for _ in range(5):
        fake.transition(fake.create_issue(), "In Progress")
    list(make_connector(page_size=2).read(None))
    assert len(fake.requests_to("POST", "/search/jql")) == 3
    assert len(fake.requests_to("POST", "/changelog/bulkfetch")) == 3
    assert fake.requests_to("GET", "/changelog$") == []


def test_without_the_bulk_endpoint_changelogs_are_read_per_issue(
    fake: FakeJira, clock: Clock, make_connector: Make
) -> None:
    issue = fake.create_issue()
    clock.advance(minutes=5)
    fake.transition(issue, "Waiting for customer")
    bulk = _tickets(make_connector().read(None))
    fake.bulk_changelog_enabled = False
    single = _tickets(make_connector().read(None))
    assert bulk[0].events == single[0].events
    assert [e.status for e in single[0].events] == ["open", "pending"]
    assert len(fake.requests_to("GET", f"/issue/{issue}/changelog")) == 1
    per_issue = make_connector(changelog="per_issue")
    list(per_issue.read(None))
    assert len(fake.requests_to("POST", "/changelog/bulkfetch")) == 2  # one per earlier read


def test_comments_past_the_embedded_page_are_fetched(clock: Clock) -> None:
    with FakeJira(token=TOKEN, clock=clock, embedded_comments=2) as fake:
        issue = fake.create_issue()
        for n in range(5):
            clock.advance(minutes=1)
            fake.add_comment(issue, author="agent" if n % 2 else "customer")
        connector = JiraConnector("j", fake.connector_config())
        (ticket,) = _tickets(connector.read(None))
        replies = [e.author for e in ticket.events if e.type == "reply"]
        assert replies == ["customer", "agent", "customer", "agent", "customer"]
        assert len(fake.requests_to("GET", f"/issue/{issue}/comment")) == 1
        connector.close()


def _first_public_agent_reply(ticket: Ticket) -> datetime | None:
    replies = [
        e.at for e in ticket.events if e.type == "reply" and e.author == "agent" and e.public
    ]
    return min(replies, default=None)


@pytest.mark.parametrize("shape", ["page", "list"])
def test_the_first_response_is_found_past_the_twenty_embedded_comments(
    clock: Clock, shape: Literal["page", "list"]
) -> None:
    # 45 comments; only the 30th is a public agent reply, so the search's embedded 20 miss it.
    with FakeJira(token=TOKEN, clock=clock, comment_shape=shape) as fake:
        issue = fake.create_issue()
        answered_at = None
        for n in range(1, 46):
            clock.advance(minutes=1)
            if n == 30:
                fake.add_comment(issue, author="agent")
                answered_at = clock()
            else:
                fake.add_comment(issue, author="agent" if n % 2 else "customer", public=n % 2 == 0)
        connector = JiraConnector("j", fake.connector_config())
        (ticket,) = _tickets(connector.read(None))
        assert _first_public_agent_reply(ticket) == answered_at
        assert len([e for e in ticket.events if e.type == "reply"]) == 45
        assert len(fake.requests_to("GET", f"/issue/{issue}/comment")) == 1
        connector.close()


def test_a_plain_comment_list_of_twenty_is_completed_and_a_shorter_one_is_trusted(
    clock: Clock,
) -> None:
    with FakeJira(token=TOKEN, clock=clock, comment_shape="list") as fake:
        full = fake.create_issue()
        for _ in range(20):  # exactly the limit: no total says whether there are more
            clock.advance(minutes=1)
            fake.add_comment(full, author="customer")
        few = fake.create_issue()
        for _ in range(19):
            clock.advance(minutes=1)
            fake.add_comment(few, author="customer")
        connector = JiraConnector("j", fake.connector_config())
        tickets = _tickets(connector.read(None))
        assert [len([e for e in t.events if e.type == "reply"]) for t in tickets] == [20, 19]
        assert len(fake.requests_to("GET", f"/issue/{full}/comment")) == 1
        assert fake.requests_to("GET", f"/issue/{few}/comment") == []
        connector.close()


def test_the_comment_endpoint_is_paged_through(clock: Clock) -> None:
    with FakeJira(token=TOKEN, clock=clock) as fake:
        issue = fake.create_issue()
        for n in range(250):
            clock.advance(seconds=1)
            fake.add_comment(issue, author="agent", text=f"reply {n}")
        connector = JiraConnector("j", fake.connector_config())
        (ticket,) = _tickets(connector.read(None))
        replies = [e for e in ticket.events if e.type == "reply"]
        assert len(replies) == 250
        assert replies == sorted(replies, key=lambda e: e.at)
        pages = fake.requests_to("GET", f"/issue/{issue}/comment")
        assert [(r.arg("startAt"), r.arg("maxResults")) for r in pages] == [
            ("0", "100"),
            ("100", "100"),
            ("200", "100"),
        ]
        connector.close()


@pytest.mark.parametrize("count", [200, 201])
def test_comment_pages_without_a_total_end_at_a_short_page(clock: Clock, count: int) -> None:
    with FakeJira(token=TOKEN, clock=clock, comment_shape="list") as fake:
        fake.comment_page_totals = False
        issue = fake.create_issue()
        for _ in range(count):
            clock.advance(seconds=1)
            fake.add_comment(issue, author="customer")
        connector = JiraConnector("j", fake.connector_config())
        (ticket,) = _tickets(connector.read(None))
        assert len([e for e in ticket.events if e.type == "reply"]) == count
        # 200: two full pages and an empty one; 201: the third page (1 comment) is short.
        assert len(fake.requests_to("GET", f"/issue/{issue}/comment")) == 3
        connector.close()


@pytest.mark.parametrize("shape", ["page", "list"])
def test_issues_with_few_comments_cost_no_extra_call(
    clock: Clock, shape: Literal["page", "list"]
) -> None:
    with FakeJira(token=TOKEN, clock=clock, comment_shape=shape) as fake:
        for _ in range(3):
            issue = fake.create_issue()
            for _ in range(5):
                clock.advance(minutes=1)
                fake.add_comment(issue, author="agent")
        connector = JiraConnector("j", fake.connector_config())
        assert len(_tickets(connector.read(None))) == 3
        assert fake.requests_to("GET", r"/comment$") == []
        # myself, status, field, one search page, one bulk changelog fetch
        assert connector.api_calls() == 5
        connector.close()


def test_an_automation_comment_does_not_count_as_a_reply(
    fake: FakeJira, make_connector: Make
) -> None:
    issue = fake.create_issue()
    bot = fake.add_agent("Automation for Jira", account_type="app")
    fake.add_comment(issue, author=bot)
    (ticket,) = _tickets(make_connector().read(None))
    assert [e for e in ticket.events if e.type == "reply"] == []
    (counted,) = _tickets(make_connector(mapping={"app_comments": "agent"}).read(None))
    assert [e.author for e in counted.events if e.type == "reply"] == ["agent"]


def test_a_malformed_issue_is_skipped_and_the_read_goes_on(
    fake: FakeJira, clock: Clock, make_connector: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = fake.create_issue()
    clock.advance(minutes=1)
    good = fake.create_issue()
    render = fake._field_values

    def broken(issue: Any) -> dict[str, Any]:
        values = render(issue)
        if issue.id == bad:
            values["created"] = "the day before yesterday"
        return values

    monkeypatch.setattr(fake, "_field_values", broken)
    items = list(make_connector().read(None))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [(s.ticket_id, "fields.created" in s.reason) for s in skipped] == [(bad, True)]
    assert [ticket.id for ticket in _tickets(items)] == [good]


def test_fetch_accepts_issue_keys_and_skips_deleted_issues(
    fake: FakeJira, make_connector: Make
) -> None:
    kept = fake.create_issue()
    gone = fake.create_issue()
    fake.delete(gone)
    connector = make_connector()
    list(connector.read(None))
    calls = connector.api_calls()
    items = list(connector.fetch(["HELP-1", gone]))
    assert [item.id for item in items if isinstance(item, Ticket)] == [kept]
    assert [item.ticket_id for item in items if isinstance(item, Skipped)] == [gone]
    # A failed search naming the gone issue, the search again without it, its changelog.
    assert connector.api_calls() - calls == 3


def test_fetch_finds_an_issue_just_written_although_the_search_index_lags(
    fake: FakeJira, clock: Clock, make_connector: Make
) -> None:
    issue = fake.create_issue()
    connector = make_connector()
    list(connector.read(None))
    fake.index_delay[issue] = timedelta(minutes=5)  # search shows its update only 5 min later
    [result] = connector.apply([ChangeSet(issue, add_tags=frozenset({"sla_breached"}))])
    assert result.outcome == "applied"

    [item] = connector.fetch([issue])  # a re-read right after (a retry after a crash, say)

    assert isinstance(item, Ticket), "a lagging index must not make the issue look deleted"
    assert "sla_breached" in item.tags
    [search] = [r.json() for r in fake.requests_to("POST", "/search/jql$")][-1:]
    assert search["reconcileIssues"] == [int(issue)]


def test_fetch_searches_at_most_fifty_issues_at_a_time_the_reconcile_limit(
    fake: FakeJira, make_connector: Make
) -> None:
    ids = [fake.create_issue() for _ in range(51)]
    connector = make_connector()
    before = len(fake.requests_to("POST", "/search/jql$"))
    assert len([i for i in connector.fetch(ids) if isinstance(i, Ticket)]) == 51
    searches = [r.json() for r in fake.requests_to("POST", "/search/jql$")][before:]
    assert [len(s["reconcileIssues"]) for s in searches] == [50, 1]


# -- write-back ------------------------------------------------------------------------------


def test_write_back_never_touches_labels_slabridge_does_not_own(
    fake: FakeJira, make_connector: Make
) -> None:
    issue = fake.create_issue(labels=["vip", "sla_at_risk", "billing"])
    connector = make_connector()
    change = ChangeSet(
        issue, add_tags=frozenset({"sla_breached"}), remove_tags=frozenset({"sla_at_risk"})
    )
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    assert fake.tags(issue) == {"vip", "billing", "sla_breached"}
    body = fake.requests_to("PUT", f"/issue/{issue}")[0].json()
    assert "labels" not in body.get("fields", {}), "a whole label set was sent"


def test_priority_is_written_by_configured_id(fake: FakeJira, make_connector: Make) -> None:
    issue = fake.create_issue(priority="Low")
    connector = make_connector(mapping={"write_priorities": {"urgent": "1"}})
    connector.apply([ChangeSet(issue, priority="urgent")])
    assert fake.requests_to("PUT", "/issue/")[0].json() == {"fields": {"priority": {"id": "1"}}}
    assert fake.priority(issue) == "urgent"


def test_notifications_can_be_turned_off(fake: FakeJira, make_connector: Make) -> None:
    issue = fake.create_issue()
    make_connector(notify_users=False).apply([ChangeSet(issue, add_tags=frozenset({"x"}))])
    assert fake.requests_to("PUT", "/issue/")[0].arg("notifyUsers") == "false"


def test_bad_changes_are_rejected_with_the_reason(fake: FakeJira, make_connector: Make) -> None:
    issue = fake.create_issue()
    connector = make_connector()
    results = connector.apply(
        [
            ChangeSet(issue, add_tags=frozenset({"two words"})),
            ChangeSet(issue, fields={"customfield_99999": "x"}),
            ChangeSet("10999", add_tags=frozenset({"a"})),
        ]
    )
    assert [r.outcome for r in results] == ["rejected"] * 3
    assert "spaces" in (results[0].error or "")
    assert "customfield_99999" in (results[1].error or "")
    assert "404" in (results[2].error or "")
    assert len(fake.requests_to("PUT", "/issue/")) == 2  # the bad label never left


def test_a_conflicting_update_409_is_retried_later(fake: FakeJira, make_connector: Make) -> None:
    issue = fake.create_issue()
    fake.inject("4xx", status=409, method="PUT")
    (result,) = make_connector().apply([ChangeSet(issue, add_tags=frozenset({"a"}))])
    assert result.outcome == "retry"


def test_a_429_on_write_waits_for_retry_after_then_applies(
    fake: FakeJira, make_connector: Make, sleeps: list[float]
) -> None:
    issue = fake.create_issue()
    fake.inject("429", times=1, retry_after="7", method="PUT")
    (result,) = make_connector().apply([ChangeSet(issue, add_tags=frozenset({"a"}))])
    assert result.outcome == "applied" and 7.0 in sleeps
    assert fake.tags(issue) >= {"a"}


def test_jira_has_no_conflict_check_and_says_so(make_connector: Make) -> None:
    assert make_connector().capabilities.conflict_check is False


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (True, "number", 1),
        (False, "number", 0),
        (True, "option", {"value": "Yes"}),
        (True, "array", [{"value": "Yes"}]),
        (False, "array", []),
        (True, "string", "true"),
        ("2025-03-11T09:00:00Z", "datetime", "2025-03-11T09:00:00.000+0000"),
        (
            datetime(2025, 3, 11, 10, tzinfo=ZoneInfo("Europe/Berlin")),
            None,
            "2025-03-11T09:00:00.000+0000",
        ),
        ("2025-03-11T23:30:00-05:00", "date", "2025-03-12"),
        ("gold", "option", {"value": "gold"}),
        ("2.5", "number", 2.5),
        (None, "number", None),
    ],
)
def test_field_values_are_shaped_by_the_field_type(
    value: Any, kind: str | None, expected: Any
) -> None:
    details = {"schema": {"type": kind}} if kind else None
    assert field_write_value(value, details) == expected


# -- check -----------------------------------------------------------------------------------


def test_check_names_the_missing_permissions(fake: FakeJira, make_connector: Make) -> None:
    fake.permissions["EDIT_ISSUES"] = False
    fake.permissions["BROWSE_PROJECTS"] = False
    messages = [p.message for p in make_connector().check()]
    assert any("Browse Projects on HELP" in m for m in messages)
    assert any("Edit Issues on HELP" in m and "writing labels" in m for m in messages)


def test_check_reports_an_unknown_project_and_missing_mapped_fields(make_connector: Make) -> None:
    connector = make_connector(
        projects=["HELP", "NOPE"], mapping={"region": {"from": "fields.customfield_55555"}}
    )
    messages = [p.message for p in connector.check()]
    assert any("project NOPE does not exist" in m for m in messages)
    assert any("customfield_55555 does not exist" in m for m in messages)


def test_check_reports_a_bad_token_without_showing_it(make_connector: Make) -> None:
    (problem,) = make_connector(token="wrong-token-123").check()
    assert "401" in problem.message and "API token" in problem.message
    assert "wrong-token-123" not in f"{problem.message} {problem.hint}"
    assert TOKEN not in f"{problem.message} {problem.hint}"


def test_label_operations_have_the_shape_of_the_spec_example(make_connector: Make) -> None:
    example = json.loads(
        (jira_fixtures() / "spec-examples" / "issue_PUT_request.json").read_text("utf-8")
    )
    validate_request(example, request_schema("PUT", "/rest/api/3/issue/{issueIdOrKey}"))
    change = ChangeSet("1", add_tags=frozenset({"triaged"}), remove_tags=frozenset({"blocker"}))
    assert make_connector().edit_body(change) == {"update": {"labels": example["update"]["labels"]}}


def test_a_rejected_write_gives_jiras_own_reason(fake: FakeJira, make_connector: Make) -> None:
    issue = fake.create_issue()
    (result,) = make_connector(mapping={"write_priorities": {"urgent": "Blocker"}}).apply(
        [ChangeSet(issue, priority="urgent")]
    )
    assert result.outcome == "rejected"
    assert result.error == (
        f"PUT /rest/api/3/issue/{issue}: HTTP 400: priority: Priority 'Blocker' is not valid"
    )


def test_an_issue_read_links_to_its_browse_page_by_key(clock: Clock) -> None:
    with FakeJira(token=TOKEN, clock=clock) as fake:
        issue_id = fake.create_issue()
        connector = JiraConnector("j", fake.connector_config())
        assert connector.ticket_url(issue_id) is None  # not read yet: its key is not known
        tickets = [item for item in connector.read(None) if isinstance(item, Ticket)]
        key = tickets[0].extra["key"]
        base = fake.connector_config()["base_url"]
        assert tickets[0].id == issue_id and key.startswith("HELP-")
        assert connector.ticket_url(issue_id) == f"{base.rstrip('/')}/browse/{key}"
        connector.close()
