"""ListPageHooks: actions after a number of list pages, and a next page served again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge.testing.scenario_pages import ListPageHooks


class PagedFake(ListPageHooks):
    """Items listed two a page by ``?page=N``; ``/other`` is not part of the list read."""

    def __init__(self) -> None:
        super().__init__()
        self.items = list(range(1, 6))
        self.route("GET", "/items", self.list_items)
        self.route("GET", "/other", lambda request: FakeResponse(200, {"ok": True}))

    def list_items(self, request: FakeRequest) -> FakeResponse:
        page = int(request.arg("page") or 1)
        chunk = self.items[(page - 1) * 2 : page * 2]
        return FakeResponse(200, {"items": chunk, "more": page * 2 < len(self.items)})

    def is_list_page(self, request: FakeRequest) -> bool:
        return request.path == "/items"

    def is_next_list_page(self, request: FakeRequest) -> bool:
        return int(request.arg("page") or 1) > 1

    def list_page_has_more(self, response: FakeResponse) -> bool:
        return bool(response.body["more"])


@pytest.fixture
def fake() -> Iterator[PagedFake]:
    with PagedFake() as server:
        yield server


def page(fake: PagedFake, number: int) -> list[int]:
    body = requests.get(f"{fake.base_url}/items", params={"page": number}, timeout=5).json()
    return list(body["items"])


def test_an_action_runs_once_right_after_its_page(fake: PagedFake) -> None:
    fake.after_list_pages(2, lambda: fake.items.append(99))
    requests.get(f"{fake.base_url}/other", timeout=5)  # not a list page: not counted
    assert page(fake, 1) == [1, 2]
    assert fake.items[-1] == 5
    assert page(fake, 2) == [3, 4]
    assert fake.items[-1] == 99
    assert page(fake, 3) == [5, 99]
    assert fake.items.count(99) == 1
    assert fake.list_pages_served == 3
    assert fake.last_list_page_had_more is False


def test_pages_count_from_when_the_action_was_registered(fake: PagedFake) -> None:
    page(fake, 1)
    seen: list[int] = []
    fake.after_list_pages(1, lambda: seen.append(fake.list_pages_served))
    page(fake, 2)
    assert seen == [2]


def test_a_repeated_next_page_is_the_page_just_served(fake: PagedFake) -> None:
    assert page(fake, 1) == [1, 2]
    fake.repeat_next_page()
    assert page(fake, 2) == [1, 2]
    assert page(fake, 3) == [1, 2]
    assert page(fake, 1) == [1, 2]  # a first page is answered as it is


def test_a_failed_page_is_neither_counted_nor_repeated(fake: PagedFake) -> None:
    fake.inject("5xx", times=1, path="/items")
    response = requests.get(f"{fake.base_url}/items", params={"page": 1}, timeout=5)
    assert response.status_code == 503
    assert fake.list_pages_served == 0
    fake.repeat_next_page()
    assert page(fake, 2) == [3, 4]  # nothing served yet to repeat


def test_pages_must_be_positive(fake: PagedFake) -> None:
    with pytest.raises(ValueError, match="pages must be at least 1"):
        fake.after_list_pages(0, lambda: None)
