"""shift_safe_pages: a token-paged search that meets a moved issue searches again from it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge_jira.token_search import MAX_SHIFT_RESTARTS, shift_safe_pages

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def issue(issue_id: str, minutes: int) -> dict[str, Any]:
    stamp = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {"id": issue_id, "fields": {"updated": stamp}}


def test_a_search_without_moves_runs_once() -> None:
    asked: list[datetime | None] = []

    def pages(since: datetime | None) -> Iterator[list[dict[str, Any]]]:
        asked.append(since)
        yield [issue("1", 0), issue("2", 1)]
        yield [issue("3", 2)]

    got = [i["id"] for page in shift_safe_pages(pages, None, connector="t") for i in page]
    assert got == ["1", "2", "3"] and asked == [None]


def test_a_moved_issue_starts_the_search_again_from_its_first_update() -> None:
    asked: list[datetime | None] = []

    def pages(since: datetime | None) -> Iterator[list[dict[str, Any]]]:
        asked.append(since)
        if since is None:  # issue 1 edited after page one: "3" slid back and was stepped over
            yield [issue("1", 0), issue("2", 1)]
            yield [issue("4", 3), issue("1", 60)]
        else:
            yield [issue("2", 1), issue("3", 2)]
            yield [issue("4", 3), issue("1", 60)]

    got = [i["id"] for page in shift_safe_pages(pages, None, connector="t") for i in page]
    assert "3" in got
    assert asked == [None, T0]


def test_restarts_are_bounded() -> None:
    asked: list[datetime | None] = []

    def pages(since: datetime | None) -> Iterator[list[dict[str, Any]]]:
        asked.append(since)
        yield [issue("1", 0), issue("1", len(asked))]  # always moving

    list(shift_safe_pages(pages, None, connector="t"))
    assert len(asked) == MAX_SHIFT_RESTARTS + 1
