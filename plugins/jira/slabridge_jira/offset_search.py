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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from slabridge.connectors.paging import RepeatedPageGuard
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
    start = 0
    anchor: _Anchor | None = None
    restarted_at: _Anchor | None = None
    # A server that ignores startAt hands back the same page forever.
    guard = RepeatedPageGuard()
    while True:
        ask = start - 1 if anchor is not None else start
        answer = search(jql, ask)
        issues = [i for i in answer.get("issues") or [] if isinstance(i, Mapping)]
        returned = [_anchor_of(issue) for issue in issues]
        if not guard.is_new(returned) and returned:
            log.warning("jira_search_no_progress", connector=connector, start_at=ask)
            return
        if anchor is not None:
            if returned and returned[0] == anchor:
                issues = issues[1:]
            elif anchor != restarted_at and anchor.updated is not None:
                # Something before the anchor moved away (edited or deleted): start again there.
                log.info("jira_search_list_shifted", connector=connector, at=str(anchor.updated))
                jql, start, restarted_at, anchor = jql_since(anchor.updated), 0, anchor, None
                guard.reset()
                continue
        yield issues
        size = answer.get("maxResults")
        limit = size if isinstance(size, int) and size > 0 else page_size
        total = answer.get("total")
        start = ask + len(returned)
        if not returned or len(returned) < min(limit, page_size):
            return
        if isinstance(total, int) and start >= total:
            return
        # With pages of one the overlap would take the whole page: page without it then.
        anchor = _anchor_of(issues[-1]) if issues and min(limit, page_size) >= 2 else None
        if (
            start >= OFFSET_WINDOW
            and anchor is not None
            and anchor.updated is not None
            and anchor != restarted_at
        ):
            log.info("jira_search_window_restart", connector=connector, at=str(anchor.updated))
            jql, start, restarted_at, anchor = jql_since(anchor.updated), 0, anchor, None
            guard.reset()


__all__ = ["OFFSET_WINDOW", "SearchCall", "offset_pages"]
