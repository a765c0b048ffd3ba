"""FakeJiraDataCenter: FakeJira speaking Jira Data Center / Server's REST API v2.

What differs from Cloud, as the Data Center REST reference and client libraries document it
(sources in docs/connectors/jira.md, "Verified / unverified"):

* a personal access token is sent as ``Authorization: Bearer``; Basic ``email:token`` and
  wrong tokens get 401;
* search is ``/rest/api/2/search`` (GET or POST) paged by ``startAt``, with ``total`` and the
  ``maxResults`` the server actually used (capped at ``search_cap``); there is no
  ``/search/jql``, no page token and no ``changelog/bulkfetch``; ``expand=changelog`` embeds
  the histories (``startAt/maxResults/total/histories``, optionally cut at
  ``embedded_histories``), whose items have no ``fieldId``;
* users are ``name`` + ``key`` (``JIRAUSER10000``), with no ``accountId`` or ``accountType``;
* comment bodies are wiki-markup strings, not ADF, and platform comments carry no
  ``jsdPublic``: whether a JSM comment is internal comes from
  ``/rest/servicedeskapi/request/{key}/comment`` (``public``, paged by ``start``/``limit``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_jira.fake import FakeJira
from slabridge_jira.fake_catalog import _Issue, error_collection
from slabridge_jira.fake_jql import JqlQuery
from slabridge_jira.fake_scenarios import JiraDataCenterScenarios
from slabridge_jira.mapping import format_jira_time

DC_API = "/rest/api/2"
DC_PAT = "jira-dc-personal-access-token"
# jira.search.views.default.max: the server-side cap on maxResults (1000 by default).
DC_SEARCH_CAP = 1000
DC_UNAUTHORIZED = "You are not authenticated. Authentication required to perform this operation."


class FakeJiraDataCenter(JiraDataCenterScenarios, FakeJira):
    """A Jira Data Center / Server site (JSM projects) on loopback, REST API v2, PAT auth.

    Same seeding and inspection API as :class:`FakeJira` (ids passed around are the fake's
    internal user ids; :meth:`user_key` and :meth:`user_name` give what the API shows).
    Switches: ``search_cap`` (the server's maxResults cap), ``embedded_histories`` (cut the
    changelog that search embeds), ``service_desk`` (False: no JSM, its comment endpoint
    404s), ``request_comment_cap``, ``repeat_page_tokens`` (a broken server that ignores
    ``startAt`` and answers the first page again).
    """

    api = DC_API

    def __init__(
        self,
        *,
        pat: str = DC_PAT,
        search_cap: int = DC_SEARCH_CAP,
        embedded_histories: int | None = None,
        **options: Any,
    ) -> None:
        self.search_cap = search_cap
        # OpenSearch's max_result_window: a search reaching past it answers 500, as DC does.
        self.max_result_window = 10_000
        self.service_desk = True  # False: the projects are plain Jira ones (no JSM requests)
        self.request_comment_cap = 50  # servicedeskapi's largest `limit`
        self.embedded_histories = embedded_histories
        self._dc_ids: dict[str, tuple[str, str]] = {}  # internal id -> (key, name)
        super().__init__(token=pat, **options)

    # -- users: name + key, no accountId ---------------------------------------------------

    def _add_user(
        self, account_id: str, name: str, account_type: str, email: str | None = None
    ) -> dict[str, Any]:
        user = super()._add_user(account_id, name, account_type, email)
        if account_id not in self._dc_ids:
            login = re.sub(r"[^a-z0-9]+", ".", name.casefold()).strip(".") or "user"
            taken = {login_name for _key, login_name in self._dc_ids.values()}
            while login in taken:
                login += "1"
            self._dc_ids[account_id] = (f"JIRAUSER{10000 + len(self._dc_ids)}", login)
        return user

    def user_key(self, user: str) -> str:
        """The Data Center ``key`` of a user the fake made (``add_customer``/``add_agent``)."""
        return self._dc_ids[user][0]

    def user_name(self, user: str) -> str:
        """The Data Center ``name`` (login) of a user the fake made."""
        return self._dc_ids[user][1]

    def _user_json(self, account_id: str) -> dict[str, Any]:
        known = self.users.get(account_id) or {}
        key, name = self._dc_ids.get(account_id, (account_id, account_id))
        user: dict[str, Any] = {
            "self": f"{self._base()}{self.api}/user?username={name}",
            "key": key,
            "name": name,
            "avatarUrls": {"48x48": f"{self._base()}/secure/useravatar?avatarId=10122"},
            "displayName": known.get("displayName", name),
            "active": bool(known.get("active", False)),
            "timeZone": known.get("timeZone", self.time_zone),
        }
        if known.get("emailAddress"):
            user["emailAddress"] = known["emailAddress"]
        return user

    # -- auth ------------------------------------------------------------------------------

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        if request.headers.get("Authorization") == f"Bearer {self.token}":
            return None
        return self._unauthorized()

    def _unauthorized(self) -> FakeResponse:
        return FakeResponse(
            401,
            error_collection(DC_UNAUTHORIZED),
            headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"},
        )

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        """The ``connectors:`` entry that points a Data Center JiraConnector at this fake."""
        config = super().connector_config()
        del config["email"]
        config.update(deployment="data_center", token=self.token)
        config.update(overrides)
        return config

    # -- shapes ----------------------------------------------------------------------------

    def _comment_json(self, issue: _Issue, comment: Mapping[str, Any]) -> dict[str, Any]:
        author = self._user_json(comment["author"])
        when = format_jira_time(comment["created"])
        return {
            "self": f"{self._base()}{self.api}/issue/{issue.id}/comment/{comment['id']}",
            "id": comment["id"],
            "author": author,
            "body": str(comment["text"]),  # wiki markup
            "updateAuthor": author,
            "created": when,
            "updated": when,
        }

    def _history_json(self, history: Mapping[str, Any]) -> dict[str, Any]:
        items = []
        for item in history["items"]:
            items.append(
                {
                    "field": item["field"],
                    "fieldtype": item["fieldtype"],
                    "from": item.get("from"),
                    "fromString": item.get("fromString"),
                    "to": item.get("to"),
                    "toString": item.get("toString"),
                }
            )
        return {
            "id": history["id"],
            "author": self._user_json(history["author"]),
            "created": format_jira_time(history["created"]),
            "items": items,
        }

    def _changelog_json(self, issue: _Issue, cap: int | None) -> dict[str, Any]:
        histories = [self._history_json(h) for h in issue.histories]
        shown = histories if cap is None else histories[:cap]
        return {"startAt": 0, "maxResults": len(shown), "total": len(histories), "histories": shown}

    # -- routes ----------------------------------------------------------------------------

    def _routes_for_jira(self) -> None:
        api = self.api
        self.route("GET", f"{api}/myself", self._myself)
        self.route("GET", f"{api}/status", self._statuses)
        self.route("GET", f"{api}/field", self._fields)
        self.route("GET", f"{api}/priority", self._priority_list)
        self.route("GET", f"{api}/mypermissions", self._my_permissions)
        self.route("POST", f"{api}/search", self._dc_search)
        self.route("GET", f"{api}/search", self._dc_search)
        self.route("GET", f"{api}/issue/(?P<ref>[^/]+)/comment", self._issue_comments)
        self.route(
            "GET", "/rest/servicedeskapi/request/(?P<ref>[^/]+)/comment", self._request_comments
        )
        self.route("GET", f"{api}/issue/(?P<ref>[^/]+)", self._dc_get_issue)
        self.route("PUT", f"{api}/issue/(?P<ref>[^/]+)", self._edit_issue)

    def _dc_search(self, request: FakeRequest) -> FakeResponse:
        if request.method == "POST":
            body = request.json() or {}
            if not isinstance(body, dict):
                return FakeResponse(400, error_collection("Request body must be a JSON object."))
        else:
            body = {
                "jql": request.arg("jql"),
                "startAt": request.arg("startAt"),
                "maxResults": request.arg("maxResults"),
                "fields": [f for v in request.query.get("fields", []) for f in v.split(",")],
                "expand": [e for v in request.query.get("expand", []) for e in v.split(",")],
            }
        jql = str(body.get("jql") or "")
        try:
            query = JqlQuery.parse(jql, ZoneInfo(self.time_zone))
            start = int(body.get("startAt") or 0)
            asked = int(body["maxResults"]) if body.get("maxResults") is not None else 50
        except ValueError as exc:
            return FakeResponse(400, error_collection(str(exc)))
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
        if self.repeat_page_tokens:
            start = 0  # the broken server: startAt is ignored
        size = max(0, min(asked, self.search_cap))
        if start + size > self.max_result_window:
            return FakeResponse(
                500,
                error_collection(
                    f"Search limit exceeded. We couldn't complete your search because it "
                    f"requests {start + size:,} results which exceeded the search platform "
                    f"limit of {self.max_result_window:,}."
                ),
            )
        expand = body.get("expand") or []
        if isinstance(expand, str):
            expand = expand.split(",")
        fields = body.get("fields") or ["*navigable"]
        matches = query.select(list(self.issues.values()))
        page = matches[max(0, start) : max(0, start) + size]
        issues = []
        for issue in page:
            shaped = self._issue_json(issue, fields)
            if "changelog" in expand:
                shaped["changelog"] = self._changelog_json(issue, self.embedded_histories)
            issues.append(shaped)
        return FakeResponse(
            200,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(matches),
                "issues": issues,
            },
        )

    def _dc_get_issue(self, request: FakeRequest, ref: str) -> FakeResponse:
        response = self._get_issue(request, ref)
        expand = [e for v in request.query.get("expand", []) for e in v.split(",")]
        issue = self._find(ref)
        if response.status == 200 and issue is not None and "changelog" in expand:
            response.body["changelog"] = self._changelog_json(issue, None)
        return response

    def _request_comments(self, request: FakeRequest, ref: str) -> FakeResponse:
        """``GET /rest/servicedeskapi/request/{key}/comment``: JSM's view, with ``public``."""
        issue = self._find(ref)
        if issue is None or not self.service_desk:
            return FakeResponse(404, error_collection("The request could not be found."))
        start = max(0, int(request.arg("start", "0") or 0))
        limit = max(1, min(int(request.arg("limit", "50") or 50), self.request_comment_cap))
        page = issue.comments[start : start + limit]
        values = []
        for comment in page:
            moment = comment["created"]
            values.append(
                {
                    "id": comment["id"],
                    "body": str(comment["text"]),
                    "public": bool(comment["public"]),
                    "author": self._user_json(comment["author"]),
                    "created": {
                        "iso8601": moment.astimezone(ZoneInfo(self.time_zone)).strftime(
                            "%Y-%m-%dT%H:%M:%S%z"
                        ),
                        "jira": format_jira_time(moment),
                        "friendly": moment.strftime("%d/%b/%y %I:%M %p"),
                        "epochMillis": int(moment.timestamp() * 1000),
                    },
                    "_links": {"self": f"{self._base()}/rest/servicedeskapi/request/{issue.id}"},
                }
            )
        return FakeResponse(
            200,
            {
                "_expands": ["participant", "status", "sla", "requestType", "serviceDesk"],
                "size": len(values),
                "start": start,
                "limit": limit,
                "isLastPage": start + len(values) >= len(issue.comments),
                "values": values,
            },
        )


__all__ = ["DC_API", "DC_PAT", "DC_SEARCH_CAP", "DC_UNAUTHORIZED", "FakeJiraDataCenter"]
