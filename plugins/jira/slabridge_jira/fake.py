"""FakeJira: Jira Cloud REST v3 on the fake-API toolkit, shaped after the official OpenAPI spec."""

from __future__ import annotations

from slabridge_jira.fake_auth import GATEWAY_UNAUTHORIZED, UNAUTHORIZED, JiraAuthHooks
from slabridge_jira.fake_catalog import (
    AGENT_ID,
    API,
    API_USER_ID,
    BREACHED_FIELD,
    CUSTOM_FIELDS,
    DUE_AT_FIELD,
    NORMALIZED_PRIORITY_NAMES,
    NORMALIZED_STATUS_NAMES,
    ORGANIZATIONS_FIELD,
    PRIORITIES,
    PRIORITY_NORMALIZED,
    REGION_FIELD,
    STATUSES,
    SYSTEM_FIELDS,
    TIER_FIELD,
    error_collection,
)
from slabridge_jira.fake_catalog import _Issue as _Issue  # fake_dc's old import path
from slabridge_jira.fake_edit import JiraIssueEdits
from slabridge_jira.fake_issue_reads import JiraIssueReads
from slabridge_jira.fake_meta import JiraSiteEndpoints
from slabridge_jira.fake_search import (
    REMOVED_SEARCH,
    SEARCH_PAGE_CAP,
    TOKEN_LIFETIME,
    JiraSearchEndpoints,
)


class FakeJira(
    JiraAuthHooks, JiraSiteEndpoints, JiraSearchEndpoints, JiraIssueReads, JiraIssueEdits
):
    """A Jira Cloud site with one or more service projects, served on loopback.

    Seed it with :meth:`load_normalized` (or :meth:`create_issue`, :meth:`add_comment`,
    :meth:`transition`), move time with ``clock``, inspect with :meth:`tags`, :meth:`priority`,
    :meth:`field`, :meth:`write_count`; simulate agents with :meth:`agent_edit`. Jira Data
    Center / Server is :class:`slabridge_jira.fake_dc.FakeJiraDataCenter`.
    """

    api = API  # the REST API root the routes and ``self`` links use

    def _routes_for_jira(self) -> None:
        self.route("GET", f"{self.api}/myself", self._myself)
        self.route("POST", "/oauth/token", self._oauth_grant)
        self.route("GET", f"{self.api}/status", self._statuses)
        self.route("GET", f"{self.api}/field", self._fields)
        self.route("GET", f"{self.api}/priority", self._priority_list)
        self.route("GET", f"{self.api}/priority/search", self._priority_search)
        self.route("GET", f"{self.api}/mypermissions", self._my_permissions)
        self.route("POST", f"{self.api}/search/approximate-count", self._approximate_count)
        self.route("POST", f"{self.api}/search/jql", self._search)
        self.route("GET", f"{self.api}/search/jql", self._search)
        self.route("POST", f"{self.api}/search", self._removed)
        self.route("GET", f"{self.api}/search", self._removed)
        self.route("POST", f"{self.api}/changelog/bulkfetch", self._bulk_changelog)
        self.route("GET", f"{self.api}/issue/(?P<ref>[^/]+)/changelog", self._issue_changelog)
        self.route("GET", f"{self.api}/issue/(?P<ref>[^/]+)/comment", self._issue_comments)
        self.route("GET", f"{self.api}/issue/(?P<ref>[^/]+)", self._get_issue)
        self.route("GET", "/rest/servicedeskapi/request/(?P<ref>[^/]+)/sla", self._request_sla)
        self.route("PUT", f"{self.api}/issue/(?P<ref>[^/]+)", self._edit_issue)


__all__ = [
    "AGENT_ID",
    "API",
    "API_USER_ID",
    "BREACHED_FIELD",
    "CUSTOM_FIELDS",
    "DUE_AT_FIELD",
    "GATEWAY_UNAUTHORIZED",
    "NORMALIZED_PRIORITY_NAMES",
    "NORMALIZED_STATUS_NAMES",
    "ORGANIZATIONS_FIELD",
    "PRIORITIES",
    "PRIORITY_NORMALIZED",
    "REGION_FIELD",
    "REMOVED_SEARCH",
    "SEARCH_PAGE_CAP",
    "STATUSES",
    "SYSTEM_FIELDS",
    "TIER_FIELD",
    "TOKEN_LIFETIME",
    "UNAUTHORIZED",
    "FakeJira",
    "error_collection",
]
