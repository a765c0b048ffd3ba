"""How FakeJira renders issues, users, priorities, comments and histories as Jira JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slabridge.testing.fakeapi import FakeResponse
from slabridge_jira.fake_catalog import (
    CUSTOM_FIELDS,
    STATUSES,
    _Issue,
    error_collection,
)
from slabridge_jira.fake_store import JiraIssueStore
from slabridge_jira.mapping import format_jira_time


class JiraIssueViews(JiraIssueStore):
    """The JSON shapes the endpoints answer with (Data Center overrides some)."""

    def _user_json(self, account_id: str) -> dict[str, Any]:
        user = dict(self.users.get(account_id) or {"accountId": account_id, "active": False})
        user["self"] = f"{self._base()}{self.api}/user?accountId={account_id}"
        return user

    def _priority_json(self, name: str, pid: str) -> dict[str, Any]:
        return {
            "self": f"{self._base()}{self.api}/priority/{pid}",
            "statusColor": "#d04437",
            "description": name,
            "iconUrl": f"{self._base()}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": pid,
            "isDefault": name == "Medium",
        }

    def _missing_issue(self) -> FakeResponse:
        return FakeResponse(
            404, error_collection("Issue does not exist or you do not have permission to see it.")
        )

    def _issue_json(self, issue: _Issue, wanted: Iterable[str]) -> dict[str, Any]:
        names: set[str] = set()
        for name in wanted:
            names.update(part.strip() for part in name.split(",") if part.strip())
        everything = "*all" in names or "*navigable" in names
        available = self._field_values(issue)
        fields = {k: v for k, v in available.items() if everything or k in names}
        body: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue.id,
            "self": f"{self._base()}{self.api}/issue/{issue.id}",
            "key": issue.key,
        }
        if names == {"id"}:
            return {"id": issue.id}
        body["fields"] = fields
        return body

    def _field_values(self, issue: _Issue) -> dict[str, Any]:
        status = next(s for s in STATUSES if s[1] == issue.status)
        name, sid, key, cid, cname, colour = status
        values: dict[str, Any] = {
            "summary": issue.summary,
            "status": {
                "self": f"{self._base()}{self.api}/status/{sid}",
                "name": name,
                "id": sid,
                "statusCategory": {"id": cid, "key": key, "colorName": colour, "name": cname},
            },
            "priority": (
                self._priority_json(self._priority_name(issue.priority), issue.priority)
                if issue.priority
                else None
            ),
            "labels": list(issue.labels),
            "created": format_jira_time(issue.created),
            "updated": format_jira_time(issue.updated),
            "reporter": self._user_json(issue.reporter),
            "issuetype": {"id": "10100", "name": issue.issuetype, "subtask": False},
            "components": [
                {
                    "id": str(10000 + i),
                    "name": c,
                    "self": f"{self._base()}{self.api}/component/{10000 + i}",
                }
                for i, c in enumerate(issue.components)
            ],
            "project": {
                "id": self.projects[issue.project],
                "key": issue.project,
                "name": issue.project,
                "projectTypeKey": "service_desk",
            },
            "comment": self._embedded_comments(issue),
        }
        for fid, *_ in CUSTOM_FIELDS:
            values[fid] = issue.custom.get(fid)
        values.update({k: v for k, v in issue.custom.items() if k not in values})
        values.update(self.corrupted_fields(issue.id))
        return values

    def _embedded_comments(self, issue: _Issue) -> dict[str, Any] | list[dict[str, Any]]:
        """The first ``embedded_comments`` comments, cut there as the real search does."""
        first = [self._comment_json(issue, c) for c in issue.comments[: self.embedded_comments]]
        if self.comment_shape == "list":
            return first
        return {
            "comments": first,
            "self": f"{self._base()}{self.api}/issue/{issue.id}/comment",
            "maxResults": self.embedded_comments,
            "total": len(issue.comments),
            "startAt": 0,
        }

    def _comment_json(self, issue: _Issue, comment: Mapping[str, Any]) -> dict[str, Any]:
        author = self._user_json(comment["author"])
        when = format_jira_time(comment["created"])
        return {
            "self": f"{self._base()}{self.api}/issue/{issue.id}/comment/{comment['id']}",
            "id": comment["id"],
            "author": author,
            "body": {
                "type": "doc",
                "version": 1,
                "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": comment["text"]}]}
                ],
            },
            "updateAuthor": author,
            "created": when,
            "updated": when,
            "jsdPublic": bool(comment["public"]),
        }

    def _history_json(self, history: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": history["id"],
            "author": self._user_json(history["author"]),
            "created": format_jira_time(history["created"]),
            "items": [dict(item) for item in history["items"]],
        }


__all__ = [
    "JiraIssueViews",
]
