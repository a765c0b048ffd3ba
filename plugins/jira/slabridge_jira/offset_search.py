"""Jira Data Center / Server issue search: ``POST /rest/api/2/search`` paged by ``startAt``.

Data Center has no ``/search/jql`` and no page tokens: pages are offsets into a result list
that moves while it is read. The sync orders by ``updated ASC``, so an agent's edit moves an
issue from its place to the end and every later issue one place forward; a plain
``startAt += maxResults`` then steps over the issue that moved into the gap, and a later read,
which starts after the newest ``updated`` delivered, never returns it either.

:func:`offset_pages` asks each page one place early and checks that the first issue is the one
the previous page ended with (the *anchor*). If it is not, the list shifted: the search starts
again at the anchor's ``updated`` (an issue not yet delivered sorts after the anchor, since
edits only move issues later), and the cursor drops the versions already delivered. The same
restart keeps offsets below :data:`OFFSET_WINDOW`, since Data Center refuses deep offsets.
The paging itself, the overlap and the guard against a server that ignores ``startAt`` are the
kit's :class:`~slabridge.connectors.paging.OffsetPages` (``overlap=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from slabridge.connectors.paging import OffsetPage, OffsetPages
from slabridge_jira.mapping import parse_jira_time

log = structlog.get_logger("slabridge.jira")

# Data Center with OpenSearch fails a search past 10,000 results (max_result_window); before
# an offset gets near it, the search starts again at the anchor's `updated`.
OFFSET_WINDOW = 5000

Page = list[Mapping[str, Any]]
# Asks one page: (jql, startAt) -> the search answer.
SearchCall = Callable[[str, int], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class _Anchor:
    issue_id: str
    updated: datetime | None


def _anchor_of(issue: Mapping[str, Any]) -> _Anchor:
    fields = issue.get("fields")
    updated = parse_jira_time(fields.get("updated")) if isinstance(fields, Mapping) else None
    return _Anchor(str(issue.get("id")), updated)


def _can_restart_at(anchor: _Anchor, restarted_at: _Anchor | None) -> bool:
    """A search can start again at the anchor's ``updated``, unless it just did (no loop)."""
    return anchor.updated is not None and anchor != restarted_at


def _restartable_after(restarted_at: _Anchor | None) -> Callable[[Mapping[str, Any]], bool]:
    """``stop_on_shift`` for :class:`OffsetPages`: stop (and start again) where it can."""

    def restartable(issue: Mapping[str, Any]) -> bool:
        return _can_restart_at(_anchor_of(issue), restarted_at)

    return restartable


def _page_asker(
    search: SearchCall, jql: str, page_size: int
) -> Callable[[int], OffsetPage[Mapping[str, Any]]]:
    """``fetch`` for :class:`OffsetPages`: one search page at ``startAt``."""

    def page(start: int) -> OffsetPage[Mapping[str, Any]]:
        answer = search(jql, start)
        issues = [i for i in answer.get("issues") or [] if isinstance(i, Mapping)]
        size = answer.get("maxResults")
        limit = min(size if isinstance(size, int) and size > 0 else page_size, page_size)
        total = answer.get("total")
        known = total if isinstance(total, int) else None
        # The v2 search has no isLast: a short page ends the read, and so does the total
        # (both, since the total moves with the list).
        last = len(issues) < limit or (known is not None and start + len(issues) >= known)
        return OffsetPage(issues, total=known, limit=limit, last=last)

    return page


def _window_restart(
    pages: OffsetPages[Mapping[str, Any]], restarted_at: _Anchor | None
) -> _Anchor | None:
    """Where to start again when the next page would reach :data:`OFFSET_WINDOW`, if ever."""
    if pages.anchor is None or pages.offset < OFFSET_WINDOW:
        return None
    anchor = _anchor_of(pages.anchor)
    return anchor if _can_restart_at(anchor, restarted_at) else None


def offset_pages(
    search: SearchCall,
    jql_since: Callable[[datetime | None], str],
    since: datetime | None,
    *,
    page_size: int,
    connector: str,
) -> Iterator[Page]:
    """Every issue the query matches, page by page, without losing one to a shifting list.

    Args:
        search: sends one search for ``(jql, startAt)`` and returns the answer object.
        jql_since: builds the sync query for issues updated at or after an instant (None: all).
        since: where the read starts.
        page_size: the ``maxResults`` asked for; the server may cap it, and the answer's own
            ``maxResults`` then decides whether a short page is the last.
        connector: the instance name, for log lines.

    Pages may repeat issues after a restart; the caller's cursor drops versions it delivered.
    """
    jql = jql_since(since)
    restarted_at: _Anchor | None = None
    while True:
        pages = OffsetPages(
            _page_asker(search, jql, page_size),
            page_size=page_size,
            key=_anchor_of,
            overlap=True,
            stop_on_shift=_restartable_after(restarted_at),
        )
        restart: _Anchor | None = None
        for issues in pages:
            yield list(issues)
            restart = _window_restart(pages, restarted_at)
            if restart is not None:
                log.info("jira_search_window_restart", connector=connector, at=str(restart.updated))
                break
        if pages.repeated:
            # A server that ignores startAt hands back the same page forever.
            log.warning("jira_search_no_progress", connector=connector, start_at=pages.asked)
        elif pages.shifted and pages.anchor is not None:
            # Something before the anchor moved away (edited or deleted): start again there.
            restart = _anchor_of(pages.anchor)
            log.info("jira_search_list_shifted", connector=connector, at=str(restart.updated))
        if restart is None:
            return
        jql, restarted_at = jql_since(restart.updated), restart


__all__ = ["OFFSET_WINDOW", "SearchCall", "offset_pages"]
