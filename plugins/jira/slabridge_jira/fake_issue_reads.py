"""FakeJira's per-issue reads: the issue, its changelog (one or in bulk), its comments and
its JSM SLAs."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_jira.fake_catalog import (
    error_collection,
)
from slabridge_jira.fake_sla import sla_page
from slabridge_jira.fake_views import JiraIssueViews


class JiraIssueReads(JiraIssueViews):
    """``issue/{ref}``, ``changelog/bulkfetch`` and the paged per-issue endpoints."""

    def _bulk_changelog(self, request: FakeRequest) -> FakeResponse:
        if not self.bulk_changelog_enabled:
            return FakeResponse(404, error_collection("No resource found for this path."))
        body = request.json()
        refs = body.get("issueIdsOrKeys") if isinstance(body, dict) else None
        if not isinstance(refs, list) or not refs or len(refs) > 1000:
            return FakeResponse(
                400, error_collection("issueIdsOrKeys must list between 1 and 1000 issues.")
            )
        field_ids = body.get("fieldIds") or []
        if len(field_ids) > 10:
            return FakeResponse(400, error_collection("fieldIds accepts at most 10 fields."))
        size = int(body.get("maxResults") or 1000)
        offset = 0
        if body.get("nextPageToken"):
            try:
                offset = int(base64.urlsafe_b64decode(body["nextPageToken"]).decode())
            except (ValueError, binascii.Error):
                return FakeResponse(
                    400, error_collection("The provided next page token is invalid.")
                )
        flat: list[tuple[str, dict[str, Any]]] = []
        for ref in refs:
            issue = self._find(str(ref))
            if issue is None:
                continue
            for history in issue.histories:
                items = [
                    item
                    for item in history["items"]
                    if not field_ids or item["fieldId"] in field_ids
                ]
                if items:
                    flat.append((issue.id, {**history, "items": items}))
        page = flat[offset : offset + size]
        grouped: dict[str, list[dict[str, Any]]] = {}
        for issue_id, history in page:
            grouped.setdefault(issue_id, []).append(self._history_json(history))
        answer: dict[str, Any] = {
            "issueChangeLogs": [
                {"issueId": issue_id, "changeHistories": histories}
                for issue_id, histories in grouped.items()
            ]
        }
        if offset + size < len(flat):
            answer["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return FakeResponse(200, answer)

    def _issue_changelog(self, request: FakeRequest, ref: str) -> FakeResponse:
        issue = self._find(ref)
        if issue is None:
            return self._missing_issue()
        start = int(request.arg("startAt", "0") or 0)
        size = min(int(request.arg("maxResults", "100") or 100), 100)
        values = [self._history_json(h) for h in issue.histories]
        link = f"{self._base()}{self.api}/issue/{issue.key}/changelog"
        answer: dict[str, Any] = {
            "self": f"{link}?startAt={start}&maxResults={size}",
            "maxResults": size,
            "startAt": start,
            "total": len(values),
            "isLast": start + size >= len(values),
            "values": values[start : start + size],
        }
        if not answer["isLast"]:
            answer["nextPage"] = f"{link}?startAt={start + size}&maxResults={size}"
        return FakeResponse(200, answer)

    def _issue_comments(self, request: FakeRequest, ref: str) -> FakeResponse:
        issue = self._find(ref)
        if issue is None:
            return self._missing_issue()
        start = int(request.arg("startAt", "0") or 0)
        size = min(int(request.arg("maxResults", "100") or 100), 100)
        comments = [self._comment_json(issue, c) for c in issue.comments]
        answer: dict[str, Any] = {
            "startAt": start,
            "maxResults": size,
            "comments": comments[start : start + size],
        }
        if self.comment_page_totals:
            answer["total"] = len(comments)
        return FakeResponse(200, answer)

    def _request_sla(self, request: FakeRequest, ref: str) -> FakeResponse:
        issue = self._find(ref)
        values = self.slas.get(issue.id) if issue is not None else None
        return sla_page(values, request, self.sla_page_cap)

    def _get_issue(self, request: FakeRequest, ref: str) -> FakeResponse:
        issue = self._find(ref)
        if issue is None:
            return self._missing_issue()
        wanted = [f for v in request.query.get("fields", ["*all"]) for f in v.split(",")]
        return FakeResponse(200, self._issue_json(issue, wanted))


__all__ = [
    "JiraIssueReads",
]
