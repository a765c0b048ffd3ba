"""``check`` verifies the fields ``actions.fields`` writes exist on the site and fit the value."""

from __future__ import annotations

from collections.abc import Callable

from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import BREACHED_FIELD, DUE_AT_FIELD, TIER_FIELD, FakeJira

Make = Callable[..., JiraConnector]


def test_the_fake_sites_datetime_and_number_fields_fit(
    fake: FakeJira, make_connector: Make
) -> None:
    wanted = {"due_at": DUE_AT_FIELD, "breached": BREACHED_FIELD}
    assert make_connector().check_write_fields(wanted) == []


def test_a_select_for_the_due_time_and_an_unknown_id_are_named(
    fake: FakeJira, make_connector: Make
) -> None:
    problems = make_connector().check_write_fields(
        {"due_at": TIER_FIELD, "breached": "customfield_99999"}
    )
    assert [p.message for p in problems] == [
        "actions.fields.jira-test.breached: Jira field 'customfield_99999' does not exist",
        f"actions.fields.jira-test.due_at: Jira field '{TIER_FIELD}' is an option field; "
        "slabridge writes a date and time there",
    ]
