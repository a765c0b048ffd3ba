"""Pagination helpers: follow next-page tokens and stop when an API repeats one."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger("slabridge.paging")

PageT = TypeVar("PageT")


class RepeatedTokenGuard:
    """Remembers the page tokens of one read; :meth:`is_new` is False for a repeated one.

    An API that hands out a token it gave before would make a naive loop page forever.
    """

    def __init__(self) -> None:
        self._seen: set[Hashable] = set()

    def is_new(self, token: Hashable) -> bool:
        if token in self._seen:
            log.warning("page_token_repeated", token_seen_pages=len(self._seen))
            return False
        self._seen.add(token)
        return True


class TokenPages(Generic[PageT]):
    """Iterate the pages of a token-paged API until there is no next token or one repeats.

    ``fetch(token)`` gets a page (``token`` is None for the first) and ``next_token(page)``
    returns the token of the page after it, or None on the last page::

        for page in TokenPages(get_page, lambda page: page["next_page_token"]):
            ...

    After the iteration, ``repeated`` tells whether it stopped because a token came twice.
    """

    def __init__(
        self,
        fetch: Callable[[str | None], PageT],
        next_token: Callable[[PageT], str | None],
        *,
        first_token: str | None = None,
    ) -> None:
        self._fetch = fetch
        self._next_token = next_token
        self._first_token = first_token
        self.repeated = False
        self.pages = 0

    def __iter__(self) -> Iterator[PageT]:
        guard = RepeatedTokenGuard()
        token = self._first_token
        if token is not None:
            guard.is_new(token)
        while True:
            page = self._fetch(token)
            self.pages += 1
            yield page
            token = self._next_token(page)
            if token is None or token == "":
                return
            if not guard.is_new(token):
                self.repeated = True
                return


__all__ = ["RepeatedTokenGuard", "TokenPages"]
