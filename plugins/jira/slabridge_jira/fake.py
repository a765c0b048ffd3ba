"""FakeJira: Jira Cloud REST v3 on the fake-API toolkit, shaped after the official OpenAPI spec."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from slabridge.sla.ticket import Ticket
from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.fakeapi import FakeRequest, FakeResponse, Fault
from slabridge_jira.fake_jql import JqlQuery
from slabridge_jira.fake_scenarios import JiraScenarios
from slabridge_jira.fake_sla import sla_page
from slabridge_jira.mapping import ORGANIZATIONS_SCHEMA, format_jira_time, parse_jira_time

API = "/rest/api/3"
API_USER_ID = "5b10ac8d82e05b22cc7d4ef5"
AGENT_ID = "5b10a2844c20165700ede21g"
SEARCH_PAGE_CAP = 100
TOKEN_LIFETIME = timedelta(days=7)
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
_NOT_ON_SCREEN = "Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
UNAUTHORIZED = "Client must be authenticated to access this resource."
# What the Atlassian API gateway answers to a missing, expired or unknown bearer token.
GATEWAY_UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
_VIA_GATEWAY = "x-fake-via-gateway"

# name, id, category key, category id, category name, colour
STATUSES: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("New", "10000", "new", 2, "To Do", "blue-gray"),
    ("Waiting for support", "10001", "new", 2, "To Do", "blue-gray"),
    ("In Progress", "3", "indeterminate", 4, "In Progress", "yellow"),
    ("Waiting for customer", "10002", "indeterminate", 4, "In Progress", "yellow"),
    ("Pending", "10003", "indeterminate", 4, "In Progress", "yellow"),
    ("Resolved", "5", "done", 3, "Done", "green"),
    ("Closed", "6", "done", 3, "Done", "green"),
)
NORMALIZED_STATUS_NAMES = {
    "new": "New",
    "open": "Waiting for support",
    "pending": "Waiting for customer",
    "on_hold": "Pending",
    "solved": "Resolved",
    "closed": "Closed",
}
PRIORITIES: tuple[tuple[str, str], ...] = (
    ("Highest", "1"),
    ("High", "2"),
    ("Medium", "3"),
    ("Low", "4"),
    ("Lowest", "5"),
)
NORMALIZED_PRIORITY_NAMES = {"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Low"}
PRIORITY_NORMALIZED = {
    "Highest": "urgent",
    "High": "high",
    "Medium": "normal",
    "Low": "low",
    "Lowest": "low",
}

ORGANIZATIONS_FIELD = "customfield_10002"
TIER_FIELD = "customfield_10100"
REGION_FIELD = "customfield_10101"
BREACHED_FIELD = "customfield_10200"
DUE_AT_FIELD = "customfield_10201"
# id, name, schema type, schema custom type, items
CUSTOM_FIELDS: tuple[tuple[str, str, str, str, str | None], ...] = (
    (
        ORGANIZATIONS_FIELD,
        "Organizations",
        "array",
        ORGANIZATIONS_SCHEMA,
        "sd-customerorganization",
    ),
    (
        TIER_FIELD,
        "Customer tier",
        "option",
        "com.atlassian.jira.plugin.system.customfieldtypes:select",
        None,
    ),
    (
        REGION_FIELD,
        "Region",
        "option",
        "com.atlassian.jira.plugin.system.customfieldtypes:select",
        None,
    ),
    (
        BREACHED_FIELD,
        "SLA breached",
        "number",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
        None,
    ),
    (
        DUE_AT_FIELD,
        "SLA due at",
        "datetime",
        "com.atlassian.jira.plugin.system.customfieldtypes:datetime",
        None,
    ),
)
SYSTEM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("summary", "Summary", "string"),
    ("status", "Status", "status"),
    ("priority", "Priority", "priority"),
    ("labels", "Labels", "array"),
    ("created", "Created", "datetime"),
    ("updated", "Updated", "datetime"),
    ("reporter", "Reporter", "user"),
    ("issuetype", "Issue Type", "issuetype"),
    ("components", "Components", "array"),
    ("project", "Project", "project"),
    ("comment", "Comment", "comments-page"),
)


def error_collection(*messages: str, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Jira's ``ErrorCollection`` body."""
    return {"errorMessages": list(messages), "errors": dict(errors or {})}


@dataclass
class _Issue:
    id: str
    key: str
    project: str
    created: datetime
    updated: datetime
    status: str  # status id
    priority: str | None  # priority id
    reporter: str  # account id
    summary: str = ""
    issuetype: str = "Service Request"
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_name(self) -> str:
        return next(name for name, status_id, *_ in STATUSES if status_id == self.status)


class FakeJira(JiraScenarios):
    """A Jira Cloud site with one or more service projects, served on loopback.

    Seed it with :meth:`load_normalized` (or :meth:`create_issue`, :meth:`add_comment`,
    :meth:`transition`), move time with ``clock``, inspect with :meth:`tags`, :meth:`priority`,
    :meth:`field`, :meth:`write_count`; simulate agents with :meth:`agent_edit`. Jira Data
    Center / Server is :class:`slabridge_jira.fake_dc.FakeJiraDataCenter`.
    """

    api = API  # the REST API root the routes and ``self`` links use

    def __init__(
        self,
        *,
        email: str = "sync@example.com",
        token: str = "jira-fake-api-token",
        time_zone: str = "America/New_York",
        projects: Iterable[str] = ("HELP",),
        embedded_comments: int = 20,
        comment_shape: Literal["page", "list"] = "page",
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.email = email
        self.token = token
        self.time_zone = time_zone
        self.projects = {key: str(10000 + index) for index, key in enumerate(projects)}
        self.embedded_comments = embedded_comments
        # "list": fields.comment is a bare list with no total, as in Atlassian's spec example.
        self.comment_shape = comment_shape
        self.comment_page_totals = True  # False: comment pages omit `total` (Server-style bean)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.permissions = {"BROWSE_PROJECTS": True, "EDIT_ISSUES": True}
        # Auth modes beyond the classic API token (see enable_gateway / enable_oauth).
        self.cloud_id: str | None = None
        self.scoped_tokens: set[str] = set()  # work only through the gateway, as on Atlassian's
        self.oauth: FakeTokenIssuer | None = None
        self.bulk_changelog_enabled = True
        self.repeat_page_tokens = False  # a broken API: hand back the token it was given
        # Search is eventually consistent: an issue's latest update is searchable only this long
        # after it happened (per issue id), unless the search names it in `reconcileIssues`.
        self.index_delay: dict[str, timedelta] = {}
        self.issues: dict[str, _Issue] = {}
        # JSM SLA values per issue id, as servicedeskapi/request/{key}/sla serves them (tests
        # set them: the fake computes no SLA), and that endpoint's page cap.
        self.slas: dict[str, list[dict[str, Any]]] = {}
        self.sla_page_cap = 50
        self.users: dict[str, dict[str, Any]] = {}
        self.organizations: dict[str, str] = {}  # name -> id
        self.options: dict[str, dict[str, str]] = {TIER_FIELD: {}, REGION_FIELD: {}}
        self._writes = 0
        self._next_issue = 10000
        self._next_comment = 10000
        self._next_history = 10000
        self._add_user(API_USER_ID, "Slabridge Sync", "atlassian", email)
        self._add_user(AGENT_ID, "Mia Krystof", "atlassian", "mia@example.com")
        self._routes_for_jira()

    # -- users, organizations -------------------------------------------------------------

    def _add_user(
        self, account_id: str, name: str, account_type: str, email: str | None = None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {
            "accountId": account_id,
            "accountType": account_type,
            "active": True,
            "displayName": name,
            "timeZone": self.time_zone,
        }
        if email:
            user["emailAddress"] = email
        self.users[account_id] = user
        return user

    def add_customer(self, name: str, email: str | None = None) -> str:
        """A JSM portal customer (``accountType: customer``); returns the account id."""
        account_id = "qm:" + hashlib.sha1(name.encode()).hexdigest()[:24]
        with self.lock:
            if account_id not in self.users:
                self._add_user(account_id, name, "customer", email)
        return account_id

    def add_agent(self, name: str, account_type: str = "atlassian") -> str:
        account_id = hashlib.sha1(("agent:" + name).encode()).hexdigest()[:24]
        with self.lock:
            self._add_user(account_id, name, account_type)
        return account_id

    def organization(self, name: str) -> str:
        with self.lock:
            if name not in self.organizations:
                self.organizations[name] = str(len(self.organizations) + 1)
            return self.organizations[name]

    def _option(self, field_id: str, value: str) -> dict[str, Any]:
        known = self.options[field_id]
        if value not in known:
            known[value] = str(10500 + 10 * len(self.options) + len(known))
        return {
            "self": f"{self._base()}{self.api}/customFieldOption/{known[value]}",
            "value": value,
            "id": known[value],
        }

    def _base(self) -> str:
        try:
            return self.base_url
        except RuntimeError:
            return "http://127.0.0.1"

    # -- seeding --------------------------------------------------------------------------

    def create_issue(
        self,
        *,
        project: str | None = None,
        summary: str = "Help needed",
        status: str = "Waiting for support",
        priority: str | None = "Medium",
        created: datetime | None = None,
        reporter: str | None = None,
        labels: Iterable[str] = (),
        components: Iterable[str] = (),
        organization: str | None = None,
        tier: str | None = None,
        region: str | None = None,
        issuetype: str = "Service Request",
        custom: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an issue with Jira names (status, priority); returns its id."""
        with self.lock:
            project = project or next(iter(self.projects))
            when = created or self.clock()
            self._next_issue += 1
            issue_id = str(self._next_issue)
            number = sum(1 for i in self.issues.values() if i.project == project) + 1
            values: dict[str, Any] = dict(custom or {})
            if organization is not None:
                org_id = self.organization(organization)
                values[ORGANIZATIONS_FIELD] = [self._org_json(organization, org_id)]
            if tier is not None:
                values[TIER_FIELD] = self._option(TIER_FIELD, tier)
            if region is not None:
                values[REGION_FIELD] = self._option(REGION_FIELD, region)
            self.issues[issue_id] = _Issue(
                id=issue_id,
                key=f"{project}-{number}",
                project=project,
                created=when,
                updated=when,
                status=self._status_id(status),
                priority=self._priority_id(priority) if priority else None,
                reporter=reporter or self.add_customer("Fred F. User", "fred@example.com"),
                summary=summary,
                issuetype=issuetype,
                labels=list(labels),
                components=list(components),
                custom=values,
            )
            return issue_id

    def _org_json(self, name: str, org_id: str) -> dict[str, Any]:
        return {
            "id": org_id,
            "name": name,
            "_links": {"self": f"{self._base()}/rest/servicedeskapi/organization/{org_id}"},
        }

    def add_comment(
        self,
        issue_id: str,
        *,
        author: str = "agent",
        public: bool = True,
        at: datetime | None = None,
        text: str = "Thanks, looking into it.",
    ) -> str:
        """``author``: ``agent``, ``customer`` (the reporter) or an account id."""
        with self.lock:
            issue = self.issues[issue_id]
            account = {"agent": AGENT_ID, "customer": issue.reporter}.get(author, author)
            when = at or self.clock()
            self._next_comment += 1
            comment = {
                "id": str(self._next_comment),
                "author": account,
                "created": when,
                "text": text,
                "public": public,
            }
            issue.comments.append(comment)
            issue.comments.sort(key=lambda c: c["created"])
            issue.updated = max(issue.updated, when)
            return str(comment["id"])

    def _history(
        self, issue: _Issue, at: datetime, items: list[dict[str, Any]], author: str = AGENT_ID
    ) -> None:
        self._next_history += 1
        issue.histories.append(
            {"id": str(self._next_history), "author": author, "created": at, "items": items}
        )
        issue.histories.sort(key=lambda h: h["created"])
        issue.updated = max(issue.updated, at)

    def transition(self, issue_id: str, status: str, *, at: datetime | None = None) -> None:
        """Move an issue to a Jira status (by name), recording the changelog."""
        with self.lock:
            issue = self.issues[issue_id]
            new = self._status_id(status)
            if new == issue.status:
                return
            item = _item("status", "jira", issue.status, self._status_name(issue.status))
            item.update(_to(new, self._status_name(new)))
            issue.status = new
            self._history(issue, at or self.clock(), [item])

    def change_priority(self, issue_id: str, priority: str, *, at: datetime | None = None) -> None:
        with self.lock:
            issue = self.issues[issue_id]
            new = self._priority_id(priority)
            if new == issue.priority:
                return
            old = issue.priority
            item = _item("priority", "jira", old, self._priority_name(old) if old else None)
            item.update(_to(new, priority))
            issue.priority = new
            self._history(issue, at or self.clock(), [item])

    def load_normalized(self, ticket: Ticket) -> str:
        """Create the Jira form of a normalized ticket with its whole history; returns the id.

        Customer -> a JSM organization (+ a portal customer as reporter), tier and region ->
        the select fields ``connector_config()`` maps, product -> a component, tags -> labels,
        replies -> comments (agent/customer, ``jsdPublic``), status and priority events ->
        changelog entries.
        """
        events = sorted(ticket.events, key=lambda event: event.at)
        statuses = [event for event in events if event.type == "status"]
        initial = "new"
        if statuses and statuses[0].at <= ticket.created_at:
            initial = statuses.pop(0).status or "new"
        priorities = [event for event in events if event.type == "priority"]
        start_priority = ticket.priority if not priorities else "normal"
        if priorities and priorities[0].has_from:  # what the first change replaced
            start_priority = priorities[0].from_priority
        customer = ticket.customer
        org_name = None
        reporter = None
        if customer is not None and (customer.name or customer.id):
            org_name = customer.name or customer.id
            reporter = self.add_customer(f"{org_name} requester", None)
        with self.lock:
            issue_id = self.create_issue(
                summary=f"normalized ticket {ticket.id}",
                status=NORMALIZED_STATUS_NAMES[initial],
                priority=NORMALIZED_PRIORITY_NAMES[start_priority] if start_priority else None,
                created=ticket.created_at,
                reporter=reporter,
                labels=ticket.tags,
                components=[ticket.product] if ticket.product else [],
                organization=org_name,
                tier=customer.tier if customer else None,
                region=customer.region if customer else None,
                issuetype=ticket.type or "Service Request",
                custom={k: v for k, v in ticket.fields.items() if k.startswith("customfield_")},
            )
            for event in events:
                if event.type == "status" and event in statuses:
                    self.transition(
                        issue_id, NORMALIZED_STATUS_NAMES[event.status or "open"], at=event.at
                    )
                elif event.type == "priority" and event.priority:
                    self.change_priority(
                        issue_id, NORMALIZED_PRIORITY_NAMES[event.priority], at=event.at
                    )
                elif event.type == "reply":
                    self.add_comment(
                        issue_id, author=event.author or "agent", public=event.public, at=event.at
                    )
            issue = self.issues[issue_id]
            issue.status = self._status_id(NORMALIZED_STATUS_NAMES[ticket.status])
            issue.priority = (
                self._priority_id(NORMALIZED_PRIORITY_NAMES[ticket.priority])
                if ticket.priority
                else None
            )
            issue.updated = max(issue.updated, ticket.updated_at)
            return issue_id

    def agent_edit(self, issue_id: str, **changes: Any) -> None:
        """Simulate an agent's edit now (``clock()``): labels/tags, priority, status, summary,
        fields; always bumps ``updated``."""
        with self.lock:
            issue = self.issues[issue_id]
            now = self.clock()
            for name, value in changes.items():
                if name in ("tags", "labels"):
                    issue.labels = list(value)
                elif name == "priority":
                    self.change_priority(
                        issue_id, NORMALIZED_PRIORITY_NAMES.get(value, value), at=now
                    )
                elif name == "status":
                    self.transition(issue_id, NORMALIZED_STATUS_NAMES.get(value, value), at=now)
                elif name == "summary":
                    issue.summary = str(value)
                elif name == "fields":
                    issue.custom.update(value)
                else:
                    raise TypeError(f"agent_edit: unknown change {name!r}")
            issue.updated = max(issue.updated, now)

    def delete(self, issue_id: str) -> None:
        with self.lock:
            self.issues.pop(issue_id, None)

    # -- inspection -----------------------------------------------------------------------

    def tags(self, issue_id: str) -> set[str]:
        with self.lock:
            return set(self.issues[issue_id].labels)

    def priority(self, issue_id: str) -> str | None:
        with self.lock:
            priority = self.issues[issue_id].priority
            return PRIORITY_NORMALIZED.get(self._priority_name(priority)) if priority else None

    def field(self, issue_id: str, key: str) -> Any:
        with self.lock:
            return self.issues[issue_id].custom.get(key)

    def updated(self, issue_id: str) -> datetime:
        with self.lock:
            return self.issues[issue_id].updated

    def write_count(self) -> int:
        with self.lock:
            return self._writes

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        """The ``connectors:`` entry that points a JiraConnector at this fake."""
        config: dict[str, Any] = {
            "type": "jira",
            "base_url": self.base_url,
            "email": self.email,
            "token": self.token,
            "projects": list(self.projects),
            "mapping": {
                "organizations_field": ORGANIZATIONS_FIELD,
                "tier": {"from": f"fields.{TIER_FIELD}"},
                "region": {"from": f"fields.{REGION_FIELD}"},
                "product": {"from": "components"},
            },
        }
        config.update(overrides)
        return config

    # -- lookups --------------------------------------------------------------------------

    def _status_id(self, name: str) -> str:
        for status_name, status_id, *_ in STATUSES:
            if name in (status_name, status_id):
                return status_id
        raise KeyError(f"no status {name!r} in FakeJira")

    def _status_name(self, status_id: str) -> str:
        return next(name for name, sid, *_ in STATUSES if sid == status_id)

    def _priority_id(self, name: str) -> str:
        for priority_name, priority_id in PRIORITIES:
            if name in (priority_name, priority_id):
                return priority_id
        raise KeyError(name)

    def _priority_name(self, priority_id: str | None) -> str:
        return next((name for name, pid in PRIORITIES if pid == priority_id), "")

    # -- toolkit hooks --------------------------------------------------------------------

    def enable_gateway(self, cloud_id: str = "11223344-a1b2-c3d4-e5f6-123456789abc") -> str:
        """Also serve every route under ``/ex/jira/{cloud_id}``, as api.atlassian.com does."""
        self.cloud_id = cloud_id
        return cloud_id

    def enable_oauth(self, issuer: FakeTokenIssuer | None = None) -> FakeTokenIssuer:
        """Accept OAuth 2.0 bearer tokens (through the gateway only) from ``POST /oauth/token``.

        Atlassian's access tokens last an hour and every refresh rotates the refresh token.
        """
        self.oauth = issuer or FakeTokenIssuer(prefix="atl", expires_in=3600)
        if self.cloud_id is None:
            self.enable_gateway()
        return self.oauth

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        if request.path == "/oauth/token":
            return None  # the grant authenticates the client itself
        header = request.headers.get("Authorization") or ""
        via_gateway = request.headers.get(_VIA_GATEWAY) == "1"
        if header.startswith("Bearer "):
            if via_gateway and self.oauth is not None and self.oauth.token_of(request):
                return None
            return FakeResponse(401, dict(GATEWAY_UNAUTHORIZED))
        for token, gateway_only in (
            (self.token, False),
            *((scoped, True) for scoped in sorted(self.scoped_tokens)),
        ):
            expected = base64.b64encode(f"{self.email}:{token}".encode()).decode()
            if header == f"Basic {expected}" and (via_gateway or not gateway_only):
                return None
        return FakeResponse(401, error_collection(UNAUTHORIZED))

    def _oauth_grant(self, request: FakeRequest) -> FakeResponse:
        if self.oauth is None:
            return FakeResponse(401, {"error": "access_denied"})
        try:
            body = request.json()
        except ValueError:
            body = None
        return self.oauth.grant(body)

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(404, error_collection(f"No resource found for {request.path}"))

    def fault_body(self, status: int) -> Any:
        if status == 429:
            return error_collection("Rate limit exceeded.")
        if status == 401:
            return error_collection(UNAUTHORIZED)
        if status < 500:
            return error_collection(f"The request was rejected (HTTP {status}).")
        return error_collection("Internal server error.")

    # The per-second burst budget Jira reports; the fake does not enforce it (faults give 429s).
    BURST_LIMIT = 350

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        """What recorded Jira Cloud answers carry on every response (a 429 overrides them)."""
        return {
            "X-RateLimit-Limit": str(self.BURST_LIMIT),
            "X-RateLimit-Remaining": str(self.BURST_LIMIT - 1),
        }

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        prefix = f"/ex/jira/{self.cloud_id}" if self.cloud_id is not None else None
        if prefix is not None and request.path.startswith(prefix + "/"):
            # The gateway: the same API under the cloud id, marked so authorize() can tell.
            headers = {**request.headers, _VIA_GATEWAY: "1"}
            request = replace(request, path=request.path[len(prefix) :], headers=headers)
        elif request.path.startswith("/ex/jira/"):
            return FakeResponse(404, {"code": 404, "message": "Not Found"}), None
        response, fault = super().dispatch(request)
        if response.status == 429:
            reset = (self.clock() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%MZ")
            response.headers.update(
                {
                    "X-RateLimit-Limit": str(self.BURST_LIMIT),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                    "RateLimit-Reason": "jira-burst-based",
                }
            )
        return response, fault

    # -- routes ---------------------------------------------------------------------------

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

    def _user_json(self, account_id: str) -> dict[str, Any]:
        user = dict(self.users.get(account_id) or {"accountId": account_id, "active": False})
        user["self"] = f"{self._base()}{self.api}/user?accountId={account_id}"
        return user

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

    def _removed(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(410, error_collection(REMOVED_SEARCH))

    # -- search ---------------------------------------------------------------------------

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

    def _find(self, ref: str) -> _Issue | None:
        if ref in self.issues:
            return self.issues[ref]
        return next((issue for issue in self.issues.values() if issue.key == ref), None)

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

    # -- changelogs and comments ----------------------------------------------------------

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

    def _missing_issue(self) -> FakeResponse:
        return FakeResponse(
            404, error_collection("Issue does not exist or you do not have permission to see it.")
        )

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

    # -- edit -----------------------------------------------------------------------------

    def _edit_issue(self, request: FakeRequest, ref: str) -> FakeResponse:
        issue = self._find(ref)
        if issue is None:
            return self._missing_issue()
        body = request.json()
        if not isinstance(body, dict):
            return FakeResponse(400, error_collection("Request body must be a JSON object."))
        update = body.get("update") or {}
        fields = body.get("fields") or {}
        both = set(update) & set(fields)
        if both:
            return FakeResponse(
                400,
                error_collection(
                    errors={f: "Field cannot be set and updated in the same request." for f in both}
                ),
            )
        errors: dict[str, str] = {}
        labels = _updated_labels(issue.labels, update.get("labels", []), errors)
        for name in update:
            if name != "labels":
                errors[name] = _NOT_ON_SCREEN.format(name=name)
        if "labels" in fields:
            labels = list(fields["labels"])
        priority, custom = self._set_fields(issue, fields, errors)
        if errors:
            return FakeResponse(400, error_collection(errors=errors))
        items = self._edit_items(issue, labels, priority, custom)
        if items:
            issue.labels, issue.priority, issue.custom = labels, priority, custom
            self._history(issue, self.clock(), items, author=API_USER_ID)
            issue.updated = max(issue.updated, self.clock())
            self._writes += 1
        if request.arg("returnIssue") == "true":
            return FakeResponse(200, self._issue_json(issue, ["*all"]))
        return FakeResponse(204)

    def _set_fields(
        self, issue: _Issue, fields: Mapping[str, Any], errors: dict[str, str]
    ) -> tuple[str | None, dict[str, Any]]:
        """The priority and custom fields after a ``fields`` edit; each bad one in ``errors``."""
        priority = issue.priority
        custom = dict(issue.custom)
        for name, value in fields.items():
            if name == "labels":
                continue
            if name == "priority":
                priority = self._set_priority(value, errors) or priority
                continue
            specs = (*CUSTOM_FIELDS, *self.scenario_fields)
            spec = next((f for f in specs if f[0] == name), None)
            if spec is None:
                errors[name] = _NOT_ON_SCREEN.format(name=name)
                continue
            problem = _custom_value_problem(spec[2], value)
            if problem:
                errors[name] = problem
            else:
                custom[name] = self._stored_value(name, spec[2], value)
        return priority, custom

    def _set_priority(self, value: Any, errors: dict[str, str]) -> str | None:
        """The id of the priority ``{"id"}`` or ``{"name"}`` names; None (in ``errors``) if none."""
        ref_value = value.get("id") or value.get("name") if isinstance(value, dict) else None
        try:
            return self._priority_id(str(ref_value))
        except KeyError:
            errors["priority"] = f"Priority '{ref_value}' is not valid"
            return None

    def _edit_items(
        self, issue: _Issue, labels: list[str], priority: str | None, custom: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The changelog items of an edit: what differs from the issue as it is."""
        items: list[dict[str, Any]] = []
        if labels != issue.labels:
            items.append(
                {
                    **_item("labels", "jira", None, " ".join(issue.labels)),
                    **_to(None, " ".join(labels)),
                }
            )
        if priority != issue.priority:
            old = issue.priority
            items.append(
                {
                    **_item("priority", "jira", old, self._priority_name(old) if old else None),
                    **_to(priority, self._priority_name(priority)),
                }
            )
        for name, value in custom.items():
            if issue.custom.get(name) != value:
                items.append(
                    {
                        **_item(name, "custom", None, _show(issue.custom.get(name))),
                        **_to(None, _show(value)),
                    }
                )
        return items

    def _stored_value(self, name: str, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "option":
            return self._option(name, str(value.get("value")))
        if kind == "datetime":
            moment = parse_jira_time(value)
            return format_jira_time(moment) if moment else value
        return value


def _updated_labels(
    current: list[str], operations: Iterable[Mapping[str, Any]], errors: dict[str, str]
) -> list[str]:
    """The labels after ``update.labels`` (``{"add": …}``, ``{"remove": …}``); bad ones in
    ``errors``."""
    labels = list(current)
    for operation in operations:
        for verb, label in operation.items():
            if not isinstance(label, str) or " " in label or not label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
            elif verb == "add" and label not in labels:
                labels.append(label)
            elif verb == "remove" and label in labels:
                labels.remove(label)
            elif verb not in ("add", "remove", "set"):
                errors["labels"] = f"Operation '{verb}' is not supported for labels."
    return labels


def _custom_value_problem(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "Operation value must be a number"
    if kind == "datetime" and (not isinstance(value, str) or parse_jira_time(value) is None):
        return "Date value is invalid; use yyyy-MM-dd'T'HH:mm:ss.SSSZ"
    if kind == "option" and not (isinstance(value, dict) and isinstance(value.get("value"), str)):
        return "Specify a valid value for the option field"
    if kind == "array" and not isinstance(value, list):
        return "Operation value must be an array"
    return None


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("value") or value.get("name") or "")
    return str(value)


def _item(name: str, kind: str, old: str | None, old_text: str | None) -> dict[str, Any]:
    """A changelog item's "from" half; nulls are omitted (the spec types them as strings)."""
    item: dict[str, Any] = {"field": name, "fieldtype": kind, "fieldId": name}
    if old is not None:
        item["from"] = old
    if old_text is not None:
        item["fromString"] = old_text
    return item


def _to(new: str | None, new_text: str | None) -> dict[str, Any]:
    part: dict[str, Any] = {}
    if new is not None:
        part["to"] = new
    if new_text is not None:
        part["toString"] = new_text
    return part


__all__ = [
    "AGENT_ID",
    "API_USER_ID",
    "BREACHED_FIELD",
    "DUE_AT_FIELD",
    "NORMALIZED_PRIORITY_NAMES",
    "NORMALIZED_STATUS_NAMES",
    "ORGANIZATIONS_FIELD",
    "REGION_FIELD",
    "TIER_FIELD",
    "FakeJira",
    "error_collection",
]
