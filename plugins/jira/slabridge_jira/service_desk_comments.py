"""Jira Service Management comments with their public/internal flag (Data Center / Server).

On Data Center the platform comment (``/rest/api/2/issue/{key}/comment``) does not say whether
a JSM comment is internal; the JSM endpoint ``GET /rest/servicedeskapi/request/{key}/comment``
does (``public``), paged by ``start``/``limit``/``isLastPage``, with Data Center users
(``name``/``key``) and dates as ``{iso8601, jira, friendly, epochMillis}``. Each value is turned
into the platform comment shape the mapping reads, the flag as ``jsdPublic``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slabridge.connectors.http import HttpClient, HttpError
from slabridge.connectors.paging import OffsetPage, OffsetPages
from slabridge_jira.mapping import user_id

SERVICE_DESK_COMMENT_PAGE = 50  # the endpoint's documented default limit


def platform_comment(value: Mapping[str, Any]) -> dict[str, Any]:
    """A ``servicedeskapi`` comment as a platform comment: id, author, body, created, jsdPublic."""
    created = value.get("created")
    when: Any = created
    if isinstance(created, Mapping):
        when = created.get("iso8601") or created.get("jira") or created.get("epochMillis")
    comment: dict[str, Any] = {
        "id": value.get("id"),
        "author": value.get("author"),
        "body": value.get("body"),
        "created": when,
    }
    if isinstance(value.get("public"), bool):
        comment["jsdPublic"] = value["public"]
    return comment


def needs_service_desk_view(
    fields: Any, embedded: Sequence[Mapping[str, Any]], total: int | None
) -> bool:
    """Whether the issue's comments must be read from the JSM endpoint.

    Only a comment by someone other than the reporter can be an internal note that matters
    (the requester cannot write internal comments, and any author of one counts as an agent),
    so issues whose embedded comments are all the reporter's, and complete, cost no call.
    """
    if isinstance(total, int) and total > len(embedded):
        return True
    reporter = user_id(fields.get("reporter")) if isinstance(fields, Mapping) else None
    return any(reporter is None or user_id(c.get("author")) != reporter for c in embedded)


def request_comments(http: HttpClient, issue_ref: str) -> list[dict[str, Any]] | None:
    """Every comment of a JSM request, oldest first; None when the issue is no JSM request."""

    def page(start: int) -> OffsetPage[Mapping[str, Any]]:
        answer = http.get(
            f"/rest/servicedeskapi/request/{issue_ref}/comment",
            params={"start": start, "limit": SERVICE_DESK_COMMENT_PAGE},
        ).json()
        values = [v for v in answer.get("values") or [] if isinstance(v, Mapping)]
        return OffsetPage(values, last=answer.get("isLastPage") is not False)

    pages = OffsetPages(page, page_size=SERVICE_DESK_COMMENT_PAGE)
    comments: list[dict[str, Any]] = []
    try:
        for values in pages:
            comments.extend(platform_comment(value) for value in values)
    except HttpError as exc:
        if exc.status == 404 and not exc.retryable and pages.pages == 0:
            return None  # not a service desk request (or JSM not installed)
        raise
    return comments


__all__ = [
    "SERVICE_DESK_COMMENT_PAGE",
    "needs_service_desk_view",
    "platform_comment",
    "request_comments",
]
