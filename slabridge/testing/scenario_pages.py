"""List-page hooks for a fake: the paging half of the ScenarioFake protocol.

``after_list_pages`` and ``repeat_next_page`` are the same for every API once the fake says
which requests are pages of its incremental list read and which of those ask for a *next*
page; a fake mixes :class:`ListPageHooks` in and implements those two predicates.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse, Fault


@dataclass(slots=True)
class _PageState:
    served: int = 0
    repeating: bool = False
    last_page: FakeResponse | None = None
    last_page_had_more: bool = False
    # (the page count to wait for, the action); each runs once.
    actions: list[tuple[int, Callable[[], None]]] = field(default_factory=list)


class ListPageHooks(FakeAPI):
    """Serves :meth:`after_list_pages` and :meth:`repeat_next_page` for a fake API.

    A subclass implements :meth:`is_list_page` (a request for a page of the list read) and
    :meth:`is_next_list_page` (one asking for a page after the first, in the API's own paging
    style), and may override :meth:`list_page_has_more`.
    """

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self._page_state = _PageState()

    def _pages(self) -> _PageState:
        return self._page_state

    def is_list_page(self, request: FakeRequest) -> bool:
        """Whether ``request`` asks for a page of the incremental list read."""
        raise NotImplementedError

    def is_next_list_page(self, request: FakeRequest) -> bool:
        """Whether that list request asks for a page after the first (a token, cursor, page
        number or offset, or a continuation after a page that said more was coming)."""
        raise NotImplementedError

    def list_page_has_more(self, response: FakeResponse) -> bool:
        """Whether a served list page said that more pages follow (default: unknown, False)."""
        return False

    @property
    def list_pages_served(self) -> int:
        """List-read pages answered so far (with 200), repeated ones included."""
        with self.lock:
            return self._pages().served

    @property
    def last_list_page_had_more(self) -> bool:
        """Whether the last list page served said that another page follows."""
        with self.lock:
            return self._pages().last_page_had_more

    def after_list_pages(self, pages: int, action: Callable[[], None]) -> None:
        """Run ``action`` once, right after ``pages`` more list pages have been served."""
        if pages < 1:
            raise ValueError(f"after_list_pages: pages must be at least 1, not {pages}")
        with self.lock:
            state = self._pages()
            state.actions.append((state.served + pages, action))

    def repeat_next_page(self) -> None:
        """From now on, answer every request for a next list page with the page just served."""
        with self.lock:
            self._pages().repeating = True

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        if not self.is_list_page(request):
            return super().dispatch(request)
        with self.lock:
            state = self._pages()
            replay = state.last_page if state.repeating else None
            if replay is not None and not self.is_next_list_page(request):
                replay = None
        if replay is not None:
            response, fault = copy.deepcopy(replay), None
        else:
            response, fault = super().dispatch(request)
        if response.status != 200 or fault is not None:
            return response, fault
        with self.lock:
            state.served += 1
            state.last_page = copy.deepcopy(response)
            state.last_page_had_more = self.list_page_has_more(response)
            due = [action for count, action in state.actions if count <= state.served]
            state.actions = [(c, a) for c, a in state.actions if c > state.served]
        # Outside the lock: an action may edit through the fake's own (locking) methods.
        for action in due:
            action()
        return response, fault


__all__ = ["ListPageHooks"]
