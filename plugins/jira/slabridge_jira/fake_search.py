"""FakeJira's enhanced JQL search (token pages, index delay) and approximate count."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_jira.fake_catalog import (
    error_collection,
)
from slabridge_jira.fake_jql import JqlQuery
from slabridge_jira.fake_views import JiraIssueViews

SEARCH_PAGE_CAP = 100
TOKEN_LIFETIME = timedelta(days=7)
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)


class JiraSearchEndpoints(JiraIssueViews):
    """``search/jql`` (GET and POST), ``search/approximate-count``, the removed ``search``."""

    def _removed(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(410, error_collection(REMOVED_SEARCH))

    def _search(self, request: FakeRequest) -> FakeResponse:
        if request.method == "POST":
            body = request.json() or {}
            if not isinstance(body, dict):
                return FakeResponse(400, error_collection("Request body must be a JSON object."))
        else:
            body = {
                "jql": request.arg("jql"),
                "nextPageToken": request.arg("nextPageToken"),
                "maxResults": int(request.arg("maxResults", "50") or 50),
                "fields": [f for v in request.query.get("fields", []) for f in v.split(",")],
            }
        jql = body.get("jql") or ""
        try:
            query = JqlQuery.parse(jql, ZoneInfo(self.time_zone))
        except ValueError as exc:
            return FakeResponse(400, error_collection(str(exc)))
        if not query.bounded:
            return FakeResponse(
                400,
                error_collection(
                    "Unbounded JQL queries are not allowed here. "
                    "Please add a search restriction to your query."
                ),
            )
        missing = [ref for ref in query.issue_refs if self._find(ref) is None]
        if missing:
            return FakeResponse(
                400,
                error_collection(
                    *(
                        f"An issue with key '{ref}' does not exist for field 'issuekey'."
                        for ref in missing
                    )
                ),
            )
        fields = body.get("fields") or ["id"]
        size = max(1, min(int(body.get("maxResults") or 50), SEARCH_PAGE_CAP))
        offset = 0
        digest = hashlib.sha1(jql.encode()).hexdigest()[:12]
        if body.get("nextPageToken"):
            try:
                token = json.loads(base64.urlsafe_b64decode(body["nextPageToken"]))
                offset = int(token["o"])
                issued = datetime.fromisoformat(token["t"])
                if token["q"] != digest:
                    raise ValueError("token for another query")
            except (ValueError, KeyError, TypeError, binascii.Error):
                return FakeResponse(
                    400, error_collection("The provided next page token is invalid.")
                )
            if self.clock() - issued > TOKEN_LIFETIME:
                return FakeResponse(
                    400, error_collection("The provided next page token has expired.")
                )
        reconcile = {str(ref) for ref in body.get("reconcileIssues") or []}
        now = self.clock()
        indexed = [
            issue
            for issue in self.issues.values()
            if issue.id not in self.index_delay
            or issue.id in reconcile
            or issue.updated + self.index_delay[issue.id] <= now
        ]
        matches = query.select(indexed)
        page = matches[offset : offset + size]
        answer: dict[str, Any] = {
            "issues": [self._issue_json(issue, fields) for issue in page],
            "isLast": offset + size >= len(matches),
        }
        if not answer["isLast"] and self.repeat_page_tokens and body.get("nextPageToken"):
            answer["nextPageToken"] = body["nextPageToken"]
        elif not answer["isLast"]:
            raw = {"q": digest, "o": offset + size, "t": self.clock().isoformat()}
            answer["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()
        return FakeResponse(200, answer)

    def _approximate_count(self, request: FakeRequest) -> FakeResponse:
        # The spec's {"count": N} for a bounded JQL; "approximate" here means it counts what
        # the index holds, so issues still being indexed are left out as by the search.
        body = request.json() or {}
        jql = body.get("jql") if isinstance(body, dict) else None
        try:
            query = JqlQuery.parse(jql or "", ZoneInfo(self.time_zone))
        except ValueError as exc:
            return FakeResponse(400, error_collection(str(exc)))
        if not query.bounded:
            return FakeResponse(
                400, error_collection("Unbounded JQL queries are not allowed here.")
            )
        now = self.clock()
        indexed = [
            issue
            for issue in self.issues.values()
            if issue.id not in self.index_delay or issue.updated + self.index_delay[issue.id] <= now
        ]
        return FakeResponse(200, {"count": len(query.select(indexed))})


__all__ = [
    "REMOVED_SEARCH",
    "SEARCH_PAGE_CAP",
    "TOKEN_LIFETIME",
    "JiraSearchEndpoints",
]
