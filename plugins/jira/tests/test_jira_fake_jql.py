"""The JQL subset FakeJira understands, and what it refuses the way Jira does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from slabridge_jira.fake_jql import JqlQuery, jql_date

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Issue:
    id: str
    key: str
    updated: datetime
    project: str = "HELP"
    labels: list[str] = field(default_factory=list)
    status_name: str = "Open"
    created: datetime = datetime(2025, 1, 1, tzinfo=UTC)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 10, hour, minute, tzinfo=UTC)


ISSUES = [
    Issue("10003", "HELP-3", _at(9), labels=["vip"]),
    Issue("10001", "HELP-1", _at(9), status_name="Resolved"),
    Issue("10002", "HELP-2", _at(8)),
    Issue("20001", "IT-1", _at(10), project="IT"),
]


def _keys(jql: str) -> list[str]:
    return [issue.key for issue in JqlQuery.parse(jql, BERLIN).select(ISSUES)]


def test_the_sync_query_orders_by_updated_then_key() -> None:
    jql = (
        'project in ("HELP", "IT") AND updated >= "2025-03-10 09:00" ORDER BY updated ASC, key ASC'
    )
    # 09:00 in Berlin is 08:00Z.
    assert _keys(jql) == ["HELP-2", "HELP-1", "HELP-3", "IT-1"]


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        ("project = IT", ["IT-1"]),
        ('issuekey in (10002, "HELP-3") ORDER BY key ASC', ["HELP-2", "HELP-3"]),
        ("project = HELP AND labels = vip", ["HELP-3"]),
        ('project = HELP AND status = "Resolved"', ["HELP-1"]),
        ('project = HELP AND (updated < "2025/03/10 10:00") ORDER BY key DESC', ["HELP-2"]),
        ('project = HELP AND updated > "2025-03-10"', ["HELP-3", "HELP-2", "HELP-1"]),
    ],
)
def test_the_supported_clauses_filter_as_jira_does(jql: str, keys: list[str]) -> None:
    assert _keys(jql) == keys


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = HELP AND assignee = currentUser()", "not supported"),
        ('project = HELP AND updated >= "10.03.2025"', "Valid formats include"),
        ("project = HELP ORDER BY summary", "cannot order by"),
        ("project = HELP ORDER BY key, key, key, key, key, key, key, key", "at most 7"),
    ],
)
def test_unsupported_or_bad_jql_is_refused(jql: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        JqlQuery.parse(jql, BERLIN)


def test_an_order_by_alone_is_not_bounded() -> None:
    assert not JqlQuery.parse("ORDER BY updated", BERLIN).bounded
    assert JqlQuery.parse("project = HELP", BERLIN).bounded


def test_jql_dates_are_wall_times_in_the_users_zone() -> None:
    assert jql_date("2025-07-01 12:00", BERLIN) == datetime(2025, 7, 1, 10, tzinfo=UTC)
    assert jql_date("2025/01/01", BERLIN) == datetime(2024, 12, 31, 23, tzinfo=UTC)
