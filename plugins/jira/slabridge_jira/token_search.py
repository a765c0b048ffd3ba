"""Jira Cloud issue search paged by ``nextPageToken``, guarded against a list that shifts.

Nothing documents that a page token pins the result list: a token that stands for an offset
(as the fake's does) moves with the list. The sync orders by ``updated ASC``, so an agent's
edit during the read moves an issue already delivered to the end and every later issue one
place forward: the next page steps over one issue, and the next read, which starts after the
newest ``updated`` delivered, never returns it either.

The moved issue shows itself: the same read meets it again, newer. :func:`shift_safe_pages`
then searches once more from the moved issue's first ``updated`` (everything skipped sorts
after it, since edits only move issues later); the caller's cursor drops the versions it
delivered already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import structlog

from slabridge_jira.mapping import parse_jira_time

log = structlog.get_logger("slabridge.jira")

# Searches again at most this many times in one read (each after an edit during the last).
MAX_SHIFT_RESTARTS = 5

Page = list[Mapping[str, Any]]


def _updated(issue: Mapping[str, Any]) -> datetime | None:
    fields = issue.get("fields")
    return parse_jira_time(fields.get("updated")) if isinstance(fields, Mapping) else None


def shift_safe_pages(
    pages_since: Callable[[datetime | None], Iterator[Page]],
    since: datetime | None,
    *,
    connector: str,
) -> Iterator[Page]:
    """Every issue the sync query matches, searching again from where an edit shifted the list.

    Args:
        pages_since: the token-paged search for issues updated at or after an instant.
        since: where the read starts (None: everything).
        connector: the instance name, for log lines.

    Pages repeat issues after a restart; the caller's cursor drops versions it delivered.
    """
    for restart in range(MAX_SHIFT_RESTARTS + 1):
        first_seen: dict[str, datetime | None] = {}
        moved_from: datetime | None = None
        for page in pages_since(since):
            for issue in page:
                issue_id, updated = str(issue.get("id")), _updated(issue)
                if issue_id not in first_seen:
                    first_seen[issue_id] = updated
                    continue
                original = first_seen[issue_id]
                if original is not None and updated != original:
                    moved_from = original if moved_from is None else min(moved_from, original)
            yield page
        if moved_from is None:
            return
        if restart == MAX_SHIFT_RESTARTS:
            log.warning("jira_search_shift_restarts_exhausted", connector=connector)
            return
        log.info("jira_search_list_shifted", connector=connector, at=str(moved_from))
        since = moved_from


__all__ = ["MAX_SHIFT_RESTARTS", "shift_safe_pages"]
