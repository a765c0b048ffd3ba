"""The kit's pagers: tokens, next-page URLs and offsets, each stopping on a repeat."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from slabridge.connectors.paging import (
    LinkPages,
    OffsetPage,
    OffsetPages,
    RepeatedPageGuard,
    RepeatedTokenGuard,
    TokenPages,
)


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


def test_link_pages_follow_next_urls_and_say_whether_one_follows() -> None:
    links: dict[str | None, tuple[str, str | None]] = {
        None: ("a", "https://x/p2"),
        "https://x/p2": ("b", "https://x/p3"),
        "https://x/p3": ("c", None),
    }
    asked: list[str | None] = []

    def fetch(url: str | None) -> tuple[str, str | None]:
        asked.append(url)
        return links[url]

    reader = LinkPages(fetch)
    seen = [(page.number, page.body, page.has_next) for page in reader]
    assert seen == [(1, "a", True), (2, "b", True), (3, "c", False)]
    assert asked == [None, "https://x/p2", "https://x/p3"] and not reader.repeated


def test_link_pages_stop_on_a_link_back_and_the_page_says_it_is_the_last() -> None:
    links = {None: ("a", "https://x/p2"), "https://x/p2": ("b", "https://x/p2")}
    reader = LinkPages(lambda url: links[url])
    pages = list(reader)
    assert [page.body for page in pages] == ["a", "b"]
    assert pages[-1].next_url is None and reader.repeated


def test_link_pages_take_an_empty_link_as_the_last_page() -> None:
    assert [page.has_next for page in LinkPages(lambda url: ("a", ""))] == [False]


def _offset_api(
    items: list[int],
    *,
    cap: int = 3,
    limit: int | None = None,
    total: int | None = None,
    last: bool | None = None,
) -> tuple[Callable[[int], OffsetPage[int]], list[int]]:
    asked: list[int] = []

    def fetch(offset: int) -> OffsetPage[int]:
        asked.append(offset)
        return OffsetPage(items[offset : offset + cap], total=total, limit=limit, last=last)

    return fetch, asked


def test_offset_pages_move_by_the_items_returned_and_stop_on_a_short_page() -> None:
    fetch, asked = _offset_api(list(range(7)))
    reader = OffsetPages(fetch, page_size=3)
    assert [list(page) for page in reader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert asked == [0, 3, 6] and reader.offset == 7 and not reader.repeated


def test_offset_pages_trust_the_answer_s_own_page_size_when_the_server_caps_it() -> None:
    fetch, asked = _offset_api(list(range(5)), cap=2, limit=2)
    assert [list(page) for page in OffsetPages(fetch, page_size=100)] == [[0, 1], [2, 3], [4]]
    assert asked == [0, 2, 4]


def test_offset_pages_stop_at_the_total_without_asking_an_empty_page() -> None:
    fetch, asked = _offset_api(list(range(6)), total=6)
    assert len(list(OffsetPages(fetch, page_size=3))) == 2 and asked == [0, 3]


def test_offset_pages_follow_the_api_s_last_page_flag() -> None:
    fetch, asked = _offset_api(list(range(4)), cap=1, last=False)
    assert [list(page) for page in OffsetPages(fetch, page_size=3)] == [[0], [1], [2], [3]]
    assert asked == [0, 1, 2, 3, 4]  # the empty page after the last item ends it
    fetch, asked = _offset_api(list(range(9)), last=True)
    assert len(list(OffsetPages(fetch, page_size=3))) == 1


def test_offset_pages_stop_when_the_server_ignores_the_offset_each_item_once() -> None:
    asked: list[int] = []

    def fetch(offset: int) -> OffsetPage[dict[str, str]]:
        asked.append(offset)
        return OffsetPage([{"id": "1"}, {"id": "2"}], last=False)

    reader = OffsetPages(fetch, page_size=2, key=lambda item: item["id"])
    assert [[item["id"] for item in page] for page in reader] == [["1", "2"]]
    assert reader.repeated and asked == [0, 2]


def test_offset_pages_refuse_a_page_size_below_one() -> None:
    with pytest.raises(ValueError, match="page_size"):
        OffsetPages(lambda offset: OffsetPage([]), page_size=0)


def test_offset_pages_with_overlap_ask_from_the_anchor_and_drop_it() -> None:
    fetch, asked = _offset_api(list(range(7)))
    reader = OffsetPages(fetch, page_size=3, overlap=True)
    seen = []
    for page in reader:
        seen.append((list(page), reader.has_next, reader.anchor))
    assert seen == [([0, 1, 2], True, 2), ([3, 4], True, 4), ([5, 6], True, 6)]
    assert asked == [0, 2, 4, 6] and reader.offset == 7 and not reader.shifted


def _shifting_api(items: list[int]) -> tuple[Callable[[int], OffsetPage[int]], list[int]]:
    """Pages of three; after the first page the first item is deleted (the rest move up)."""
    asked: list[int] = []

    def fetch(offset: int) -> OffsetPage[int]:
        asked.append(offset)
        if len(asked) == 2:
            del items[0]
        return OffsetPage(items[offset : offset + 3])

    return fetch, asked


def test_offset_pages_with_overlap_stop_when_the_list_shifted_under_the_read() -> None:
    fetch, asked = _shifting_api(list(range(9)))
    reader = OffsetPages(fetch, page_size=3, overlap=True)
    assert [list(page) for page in reader] == [[0, 1, 2]]  # [3, 4, 5] would skip item 3
    assert reader.shifted and reader.anchor == 2 and asked == [0, 2] and not reader.repeated


def test_offset_pages_take_a_shifted_page_as_it_came_when_told_not_to_stop() -> None:
    fetch, _ = _shifting_api(list(range(9)))
    told: list[int] = []

    def stop_on_shift(anchor: int) -> bool:
        told.append(anchor)
        return False

    reader = OffsetPages(fetch, page_size=3, overlap=True, stop_on_shift=stop_on_shift)
    # The shifted page comes whole (item 0 was deleted), then the overlap goes on from 5.
    assert [list(page) for page in reader] == [[0, 1, 2], [3, 4, 5], [6, 7], [8]]
    assert told == [2] and not reader.shifted


def test_offset_pages_with_overlap_treat_an_empty_answer_after_the_anchor_as_a_shift() -> None:
    items = list(range(6))

    def fetch(offset: int) -> OffsetPage[int]:
        page = OffsetPage(items[offset : offset + 3], total=6)
        if offset == 0:
            del items[2:]  # all but two deleted after the first page
        return page

    reader = OffsetPages(fetch, page_size=3, overlap=True)
    assert [list(page) for page in reader] == [[0, 1, 2]] and reader.shifted


def test_offset_pages_of_one_item_are_read_without_the_overlap() -> None:
    fetch, asked = _offset_api(list(range(3)), cap=1, limit=1)
    reader = OffsetPages(fetch, page_size=5, overlap=True)
    assert [list(page) for page in reader] == [[0], [1], [2]] and reader.anchor is None
    assert asked == [0, 1, 2, 3]


def test_offset_pages_with_overlap_compare_the_anchor_by_key() -> None:
    pages = {0: [{"id": "1", "v": 1}, {"id": "2", "v": 1}], 1: [{"id": "2", "v": 2}]}
    reader = OffsetPages(
        lambda offset: OffsetPage(pages.get(offset, [])),
        page_size=2,
        key=lambda i: i["id"],
        overlap=True,
    )
    assert [[item["id"] for item in page] for page in reader] == [["1", "2"]]
    assert not reader.shifted and reader.offset == 2


def test_the_page_guard_compares_with_the_page_before_only_and_can_be_reset() -> None:
    guard = RepeatedPageGuard()
    assert guard.is_new(["a", "b"]) and guard.is_new(["c"]) and guard.is_new(["a", "b"])
    assert not guard.is_new(["a", "b"])
    guard.reset()
    assert guard.is_new(["a", "b"])
