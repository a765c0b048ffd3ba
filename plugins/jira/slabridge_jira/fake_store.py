"""FakeJira's state: users, organizations and issues, as tests seed and inspect them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from slabridge.sla.ticket import Ticket
from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge_jira.fake_catalog import (
    AGENT_ID,
    API_USER_ID,
    NORMALIZED_PRIORITY_NAMES,
    NORMALIZED_STATUS_NAMES,
    ORGANIZATIONS_FIELD,
    PRIORITIES,
    PRIORITY_NORMALIZED,
    REGION_FIELD,
    STATUSES,
    TIER_FIELD,
    _Issue,
    _item,
    _to,
)
from slabridge_jira.fake_scenarios import JiraScenarios


class JiraIssueStore(JiraScenarios):
    """The site's issues, users and organizations; seeding, inspection and lookups."""

    if TYPE_CHECKING:

        def _routes_for_jira(self) -> None: ...  # the serving class's routes

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

    def _find(self, ref: str) -> _Issue | None:
        if ref in self.issues:
            return self.issues[ref]
        return next((issue for issue in self.issues.values() if issue.key == ref), None)


__all__ = [
    "JiraIssueStore",
]
