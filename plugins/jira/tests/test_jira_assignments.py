"""Jira assignee and team-field changes become ``assignment`` events (group ownership, OLAs)."""

from __future__ import annotations

import copy
import json
from typing import Any

from jira_support import jira_fixtures
from slabridge_jira.config import JiraMapping
from slabridge_jira.mapping import SiteMeta, map_issue

from slabridge.sla.ticket import parse_ticket

TEAM = "customfield_10001"
WITH_TEAM = JiraMapping(group_field=TEAM)


def _foo_123() -> dict[str, Any]:
    path = jira_fixtures() / "atlassian-python-api" / "jira_api2_issue_FOO-123_GET.json"
    issue: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["responses"]["fields=*all"]
    return issue


def _history(at: str, *items: dict[str, Any]) -> dict[str, Any]:
    # The documented changelog shape (helpdesk-apis.md §3.3): items with field/fieldId/from/to.
    return {"id": at, "created": at, "items": list(items)}


def _assignee(old: str | None, new: str | None) -> dict[str, Any]:
    return {
        "field": "assignee",
        "fieldtype": "jira",
        "fieldId": "assignee",
        "from": old,
        "fromString": old and f"User {old}",
        "to": new,
        "toString": new and f"User {new}",
    }


def _team(old: str | None, new: str | None) -> dict[str, Any]:
    return {"field": "Team", "fieldtype": "custom", "fieldId": TEAM, "from": old and f"id-{old}",
            "fromString": old, "to": new and f"id-{new}", "toString": new}  # fmt: skip


def _owners(ticket: Any) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.at.strftime("%m-%d %H:%M"), e.group, e.agent)
        for e in ticket.events
        if e.type == "assignment"
    ]


def test_the_recorded_unassigned_issue_has_no_assignment_until_someone_takes_it() -> None:
    issue = _foo_123()  # recorded: "assignee": null, created 2021-12-16T05:44:40.825-0500
    assert issue["fields"]["assignee"] is None
    assert _owners(map_issue(issue, [], None, JiraMapping(), SiteMeta())) == []
    taken = _history("2021-12-17T09:00:00.000+0000", _assignee(None, "5b10a2844c20165700ede21g"))
    ticket = map_issue(issue, [taken], None, JiraMapping(), SiteMeta())
    assert _owners(ticket) == [("12-17 09:00", None, "5b10a2844c20165700ede21g")]
    parse_ticket(ticket.to_json())


def test_a_current_assignee_without_history_owns_the_issue_since_creation() -> None:
    issue = copy.deepcopy(_foo_123())
    issue["fields"]["assignee"] = {"accountId": "acc-7", "displayName": "Ann"}
    issue["fields"][TEAM] = {"id": "id-billing", "name": "billing"}
    ticket = map_issue(issue, [], None, WITH_TEAM, SiteMeta())
    assert _owners(ticket) == [("12-16 10:44", "billing", "acc-7")]


def test_changes_of_assignee_and_team_start_from_what_the_first_change_replaced() -> None:
    issue = copy.deepcopy(_foo_123())
    issue["fields"]["assignee"] = {"accountId": "acc-9"}
    issue["fields"][TEAM] = {"id": "id-l2", "name": "l2"}
    histories = [
        _history("2021-12-16T12:00:00.000+0000", _assignee("acc-1", "acc-2")),
        _history(
            "2021-12-16T14:00:00.000+0000", _team("billing", "l2"), _assignee("acc-2", "acc-9")
        ),
    ]
    ticket = map_issue(issue, histories, None, WITH_TEAM, SiteMeta())
    assert _owners(ticket) == [
        ("12-16 10:44", "billing", "acc-1"),  # at creation: the `from` of each first change
        ("12-16 12:00", "billing", "acc-2"),
        ("12-16 14:00", "l2", "acc-9"),  # both in one changelog entry: one event
    ]
    # Without the team field configured only the assignee counts: no group.
    plain = map_issue(issue, histories, None, JiraMapping(), SiteMeta())
    assert [group for _, group, _ in _owners(plain)] == [None, None, None]


def test_the_team_field_is_checked_like_every_mapped_custom_field() -> None:
    assert TEAM in WITH_TEAM.custom_fields()
