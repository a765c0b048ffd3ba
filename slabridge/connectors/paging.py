"""Pagination helpers: next-page tokens, next-page URLs and offsets, each stopping on a repeat.

Three ways APIs page, one pager each; every one stops when the API hands back what it gave
before, since a naive loop would then page forever:

* :class:`TokenPages`: an opaque next-page token or cursor (Jira Cloud's ``nextPageToken``,
  Zendesk's ``after_cursor``); stops on a token it was given before.
* :class:`LinkPages`: a next-page URL (a ``Link: rel="next"`` header, a ``next_page`` field);
  stops on a URL it requested before, and says so on the page (``next_url`` None).
* :class:`OffsetPages`: an offset or page number (``startAt``, ``start``); stops on a short or
  empty page, at the total, when the API says it is the last, or when a page has the same
  content as the one before (a server that ignores the offset), which is then not yielded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger("slabridge.paging")

PageT = TypeVar("PageT")
ItemT = TypeVar("ItemT")


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


class RepeatedPageGuard:
    """Remembers the content of the page before; :meth:`is_new` is False when it comes again.

    A server that ignores the offset (or page number) hands back the same page forever. Only
    the page before is compared: on a live list an earlier page's records can come back
    legitimately, in a new version, after an edit moved them to the end.
    """

    def __init__(self) -> None:
        self._previous: tuple[object, ...] | None = None

    def is_new(self, content: Sequence[object]) -> bool:
        """Whether ``content`` (the page's records or their keys) differs from the page before."""
        current = tuple(content)
        repeated = current == self._previous
        self._previous = current
        if repeated:
            log.warning("page_content_repeated", records=len(current))
        return not repeated

    def reset(self) -> None:
        """Forget the page before (a read that starts again asks the same page on purpose)."""
        self._previous = None


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


@dataclass(frozen=True, slots=True)
class LinkedPage(Generic[PageT]):
    """One page of a :class:`LinkPages` read.

    Attributes:
        number: 1 for the first page.
        body: what ``fetch`` returned for it.
        next_url: where the next page is; None on the last page, and when the API linked back
            to a page already requested (``LinkPages.repeated`` is then True).
    """

    number: int
    body: PageT
    next_url: str | None

    @property
    def has_next(self) -> bool:
        return self.next_url is not None


class LinkPages(Generic[PageT]):
    """Iterate the pages of an API that links each page to the next one by URL.

    ``fetch(url)`` gets a page (``url`` is None for the first, which the caller knows how to
    ask, e.g. with its query parameters) and returns ``(body, next_url)``, ``next_url`` None on
    the last page::

        def fetch(url):
            response = http.get(url or "tickets", params=None if url else first_params)
            return response.json(), response.links.get("next", {}).get("url")

        for page in LinkPages(fetch):
            ...page.body..., page.has_next

    The guard runs before a page is yielded, so ``has_next`` already tells whether another
    page follows (a caller that restarts its read before the last page needs that).
    """

    def __init__(self, fetch: Callable[[str | None], tuple[PageT, str | None]]) -> None:
        self._fetch = fetch
        self.repeated = False
        self.pages = 0

    def __iter__(self) -> Iterator[LinkedPage[PageT]]:
        guard = RepeatedTokenGuard()
        url: str | None = None
        while True:
            body, next_url = self._fetch(url)
            self.pages += 1
            if next_url == "":
                next_url = None
            if next_url is not None and not guard.is_new(next_url):
                self.repeated = True
                next_url = None
            yield LinkedPage(self.pages, body, next_url)
            if next_url is None:
                return
            url = next_url


@dataclass(frozen=True, slots=True)
class OffsetPage(Generic[ItemT]):
    """What ``fetch(offset)`` returns to :class:`OffsetPages`.

    Attributes:
        items: the records of the page, in order.
        total: how many records the API says there are (None: it does not say).
        limit: the page size the API used, when it says (it may cap what was asked).
        last: True or False when the API says whether this is the last page (``isLast``,
            ``isLastPage``); None when it does not, and the total or a short page decides.
    """

    items: Sequence[ItemT]
    total: int | None = None
    limit: int | None = None
    last: bool | None = None


class OffsetPages(Generic[ItemT]):
    """Iterate the item lists of an offset-paged API, the offset moving by the items returned.

    ``fetch(offset)`` asks the page starting at ``offset`` (0 first) for ``page_size`` items.
    The read stops after an empty page, a page the API calls the last, at ``total``, or, when
    the API says neither, after a page shorter than its size (the answer's ``limit`` if given,
    else ``page_size``). A page whose content (``key`` of each item; the item itself by
    default) equals the page before it is not yielded and stops the read (``repeated``): a
    server that ignores the offset would otherwise hand back the same page forever.

    With ``overlap``, for a list that moves while it is read (an edit moves an item from its
    place to the end, a deletion pulls every later item one place forward, so the next offset
    would step over one), each page after the first is asked one place early, from the last
    item delivered (:attr:`anchor`). When the anchor comes back first it is dropped; anything
    else means the list shifted: the read stops without yielding that page and ``shifted`` is
    True, so the caller can search again from the anchor; unless ``stop_on_shift(anchor)``
    says False (the caller cannot start again there), and the page is then taken as it came.
    Pages smaller than two items are read without the overlap, which would take all of them.

    ``has_next`` and ``anchor`` are set before a page is yielded, so a caller that leaves the
    read after a page (to start again elsewhere) knows whether another page would follow.
    """

    def __init__(
        self,
        fetch: Callable[[int], OffsetPage[ItemT]],
        *,
        page_size: int,
        key: Callable[[ItemT], Hashable] | None = None,
        overlap: bool = False,
        stop_on_shift: Callable[[ItemT], bool] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._fetch = fetch
        self._page_size = page_size
        self._key = key
        self._overlap = overlap
        self._stop_on_shift = stop_on_shift
        self.repeated = False
        self.shifted = False
        self.has_next = True
        self.anchor: ItemT | None = None
        self.pages = 0
        self.offset = 0
        self.asked = 0

    def __iter__(self) -> Iterator[Sequence[ItemT]]:
        guard = RepeatedPageGuard()
        while True:
            self.asked = self.offset - 1 if self.anchor is not None else self.offset
            page = self._fetch(self.asked)
            self.pages += 1
            if not page.items and self.anchor is None:
                return
            if page.items and not guard.is_new(self._content(page.items)):
                self.repeated = True
                return
            items = self._past_anchor(page.items)
            if items is None:
                self.shifted = True
                return
            self.offset = self.asked + len(page.items)
            self.has_next = bool(items) and self._has_next(page)
            self.anchor = items[-1] if self.has_next and self._overlaps(page) else None
            if not items:
                return
            yield items
            if not self.has_next:
                return

    def _content(self, items: Sequence[ItemT]) -> Sequence[object]:
        key = self._key
        return items if key is None else [key(item) for item in items]

    def _same(self, item: ItemT, other: ItemT) -> bool:
        key = self._key
        return item == other if key is None else key(item) == key(other)

    def _past_anchor(self, items: Sequence[ItemT]) -> Sequence[ItemT] | None:
        """The page without the anchor it should start with; None when the list shifted."""
        anchor = self.anchor
        if anchor is None:
            return items
        if items and self._same(items[0], anchor):
            return items[1:]
        if self._stop_on_shift is None or self._stop_on_shift(anchor):
            return None
        return items

    def _size(self, page: OffsetPage[ItemT]) -> int:
        return page.limit if page.limit is not None and page.limit > 0 else self._page_size

    def _overlaps(self, page: OffsetPage[ItemT]) -> bool:
        return self._overlap and self._size(page) >= 2

    def _has_next(self, page: OffsetPage[ItemT]) -> bool:
        if page.last is not None:
            return not page.last
        if page.total is not None:
            return self.offset < page.total
        return len(page.items) >= self._size(page)


__all__ = [
    "LinkPages",
    "LinkedPage",
    "OffsetPage",
    "OffsetPages",
    "RepeatedPageGuard",
    "RepeatedTokenGuard",
    "TokenPages",
]
