"""The fake's JSM SLA endpoint: ``GET /rest/servicedeskapi/request/{key}/sla``, paged.

Tests set ``fake.slas[key]`` to the values the real endpoint would hold (the fake computes no
SLA of its own); like JSM it pages with ``start``/``limit`` and a cap, and answers 404 for an
issue that is not a service desk request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slabridge.testing.fakeapi import FakeRequest, FakeResponse


def jsm_date(moment: datetime) -> dict[str, Any]:
    """A JSM date object, as the servicedeskapi writes them."""
    utc = moment.astimezone(UTC)
    return {
        "iso8601": utc.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "jira": utc.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "friendly": utc.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(utc.timestamp() * 1000),
    }


def sla_page(values: list[dict[str, Any]] | None, request: FakeRequest, cap: int) -> FakeResponse:
    if values is None:
        return FakeResponse(
            404, {"errorMessage": "The request could not be found.", "i18nErrorMessage": {}}
        )
    start = max(0, int(request.arg("start", "0") or 0))
    limit = max(1, min(int(request.arg("limit", "50") or 50), cap))
    page = values[start : start + limit]
    return FakeResponse(
        200,
        {
            "size": len(page),
            "start": start,
            "limit": limit,
            "isLastPage": start + len(page) >= len(values),
            "values": page,
            "_links": {},
        },
    )


__all__ = ["jsm_date", "sla_page"]
