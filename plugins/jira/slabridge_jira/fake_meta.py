"""FakeJira's site endpoints: myself, statuses, fields, priorities and permissions."""

from __future__ import annotations

from typing import Any

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_jira.fake_catalog import (
    API_USER_ID,
    CUSTOM_FIELDS,
    PRIORITIES,
    STATUSES,
    SYSTEM_FIELDS,
    error_collection,
)
from slabridge_jira.fake_views import JiraIssueViews


class JiraSiteEndpoints(JiraIssueViews):
    """What the connector's check and field mapping read about the site."""

    def _myself(self, request: FakeRequest) -> FakeResponse:
        me = self._user_json(API_USER_ID)
        me.update(
            locale="en_US",
            groups={"size": 2, "items": []},
            applicationRoles={"size": 2, "items": []},
            expand="groups,applicationRoles",
        )
        return FakeResponse(200, me)

    def _statuses(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(
            200,
            [
                {
                    "self": f"{self._base()}{self.api}/status/{sid}",
                    "description": "",
                    "iconUrl": f"{self._base()}/images/icons/statuses/generic.png",
                    "name": name,
                    "id": sid,
                    "statusCategory": {
                        "self": f"{self._base()}{self.api}/statuscategory/{cid}",
                        "id": cid,
                        "key": key,
                        "colorName": colour,
                        "name": cname,
                    },
                }
                for name, sid, key, cid, cname, colour in STATUSES
            ],
        )

    def _fields(self, request: FakeRequest) -> FakeResponse:
        body: list[dict[str, Any]] = []
        for fid, name, kind in SYSTEM_FIELDS:
            body.append(
                {
                    "id": fid,
                    "key": fid,
                    "name": name,
                    "custom": False,
                    "orderable": True,
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": [fid],
                    "schema": {"type": kind, "system": fid},
                }
            )
        for fid, name, kind, custom, items in (*CUSTOM_FIELDS, *self.scenario_fields):
            number = int(fid.rsplit("_", 1)[1])
            schema: dict[str, Any] = {"type": kind, "custom": custom, "customId": number}
            if items:
                schema["items"] = items
            body.append(
                {
                    "id": fid,
                    "key": fid,
                    "name": name,
                    "custom": True,
                    "orderable": True,
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": [f"cf[{number}]", name],
                    "schema": schema,
                }
            )
        return FakeResponse(200, body)

    def _priority_list(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, [self._priority_json(n, p) for n, p in PRIORITIES])

    def _priority_search(self, request: FakeRequest) -> FakeResponse:
        start = int(request.arg("startAt", "0") or 0)
        size = int(request.arg("maxResults", "50") or 50)
        values = [self._priority_json(n, p) for n, p in PRIORITIES]
        page = values[start : start + size]
        return FakeResponse(
            200,
            {
                "self": f"{self._base()}{self.api}/priority/search"
                f"?startAt={start}&maxResults={size}",
                "maxResults": size,
                "startAt": start,
                "total": len(values),
                "isLast": start + size >= len(values),
                "values": page,
            },
        )

    def _my_permissions(self, request: FakeRequest) -> FakeResponse:
        wanted = [p for p in (request.arg("permissions") or "").split(",") if p]
        if not wanted:
            return FakeResponse(
                400, error_collection("The 'permissions' query parameter is required.")
            )
        project = request.arg("projectKey")
        if project is not None and project not in self.projects:
            return FakeResponse(
                404, error_collection(f"No project could be found with key '{project}'.")
            )
        names = {"BROWSE_PROJECTS": "Browse Projects", "EDIT_ISSUES": "Edit Issues"}
        return FakeResponse(
            200,
            {
                "permissions": {
                    key: {
                        "id": str(10 + index),
                        "key": key,
                        "name": names.get(key, key.title()),
                        "type": "PROJECT",
                        "description": names.get(key, key),
                        "havePermission": bool(self.permissions.get(key, False)),
                    }
                    for index, key in enumerate(wanted)
                }
            },
        )


__all__ = [
    "JiraSiteEndpoints",
]
