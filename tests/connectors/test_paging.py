"""Token pagination stops at the last page and on a repeated token."""

from __future__ import annotations

from slabridge.connectors.paging import RepeatedTokenGuard, TokenPages


def test_token_pages_follow_tokens_to_the_last_page() -> None:
    pages = {None: ("a", "t1"), "t1": ("b", "t2"), "t2": ("c", None)}
    asked: list[str | None] = []

    def fetch(token: str | None) -> tuple[str, str | None]:
        asked.append(token)
        return pages[token]

    reader = TokenPages(fetch, lambda page: page[1])
    assert [page[0] for page in reader] == ["a", "b", "c"]
    assert asked == [None, "t1", "t2"] and reader.pages == 3 and not reader.repeated


def test_token_pages_stop_when_a_token_repeats() -> None:
    pages = {None: ("a", "t1"), "t1": ("b", "t2"), "t2": ("c", "t1")}
    reader = TokenPages(lambda token: pages[token], lambda page: page[1])
    assert [page[0] for page in reader] == ["a", "b", "c"]
    assert reader.repeated


def test_token_pages_can_resume_from_a_token_and_treat_it_as_seen() -> None:
    pages = {"t1": ("b", "t1")}
    reader = TokenPages(lambda token: pages[str(token)], lambda page: page[1], first_token="t1")
    assert [page[0] for page in reader] == ["b"] and reader.repeated


def test_an_empty_token_means_the_last_page() -> None:
    reader = TokenPages(lambda token: ("a", ""), lambda page: page[1])
    assert len(list(reader)) == 1


def test_guard_reports_repeats() -> None:
    guard = RepeatedTokenGuard()
    assert guard.is_new("x") and guard.is_new(("cursor", 2))
    assert not guard.is_new("x")
