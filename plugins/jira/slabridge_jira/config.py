"""The ``type: jira`` connector entry: site, credentials, JQL scope, read tuning and mapping."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from slabridge.connectors.http import require_https
from slabridge.connectors.http_config import HttpConnectorConfig, safe_base_url
from slabridge.connectors.mapping import ConnectorMapping, MappingRule
from slabridge.connectors.oauth_settings import OAuthSettings
from slabridge_jira.helpdesk_sla import DEFAULT_SLA_NAMES, SlaMetric

ATLASSIAN_GATEWAY = "https://api.atlassian.com"
ATLASSIAN_TOKEN_URL = "https://auth.atlassian.com/oauth/token"

NormalizedStatus = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
NormalizedPriority = Literal["low", "normal", "high", "urgent"]

# Jira Service Management's default service-desk workflows, plus the plain Jira ones.
DEFAULT_STATUSES: dict[str, NormalizedStatus] = {
    "open": "open",
    "new": "new",
    "to do": "new",
    "backlog": "new",
    "waiting for support": "open",
    "in progress": "open",
    "work in progress": "open",
    "escalated": "open",
    "reopened": "open",
    "waiting for customer": "pending",
    "pending": "on_hold",
    "waiting for approval": "on_hold",
    "under review": "on_hold",
    "resolved": "solved",
    "done": "solved",
    "completed": "solved",
    "closed": "closed",
    "canceled": "closed",
    "cancelled": "closed",
    "declined": "closed",
}
DEFAULT_STATUS_CATEGORIES: dict[str, NormalizedStatus] = {
    "new": "new",
    "indeterminate": "open",
    "done": "solved",
    "undefined": "open",
}
DEFAULT_PRIORITIES: dict[str, NormalizedPriority] = {
    "highest": "urgent",
    "blocker": "urgent",
    "critical": "urgent",
    "high": "high",
    "major": "high",
    "medium": "normal",
    "normal": "normal",
    "low": "low",
    "minor": "low",
    "lowest": "low",
    "trivial": "low",
}
DEFAULT_WRITE_PRIORITIES: dict[NormalizedPriority, str] = {
    "urgent": "Highest",
    "high": "High",
    "normal": "Medium",
    "low": "Low",
}


class JiraMapping(ConnectorMapping):
    """How Jira statuses, priorities, authors and fields map onto the normalized ticket.

    ``tier``/``product``/``region`` (and ``fields``) are the shared :class:`MappingRule`s; their
    ``from`` path reads the issue record the connector builds (see ``mapping.issue_record``):
    ``organizations`` (JSM organization names), ``components``, ``labels``, ``reporter.*``,
    ``issuetype``, ``project`` and ``fields.<id>`` (custom fields with options turned into
    their text, e.g. ``fields.customfield_10100``).
    """

    status_categories: dict[str, NormalizedStatus] = Field(default_factory=dict)
    write_priorities: dict[NormalizedPriority, str] = Field(default_factory=dict)
    organizations_field: str | None = None
    customer: Literal["organizations", "reporter"] = "organizations"
    product: MappingRule | None = MappingRule.model_validate({"from": "components"})
    agent_account_ids: list[str] = Field(default_factory=list)
    customer_account_ids: list[str] = Field(default_factory=list)
    app_comments: Literal["ignore", "agent"] = "ignore"
    # The custom field that names the owning team/group (e.g. Atlassian Team, a select list);
    # its changes become assignment events beside the assignee's (docs/connectors/jira.md).
    group_field: str | None = None

    def status_for(self, status_id: str | None, name: str | None) -> str | None:
        """The normalized status configured for a Jira status id or name (None: use category)."""
        own = {key.casefold(): value for key, value in self.statuses.items()}
        for key in (status_id, name):
            if key is not None and key.casefold() in own:
                return own[key.casefold()]
        if name is not None and name.casefold() in DEFAULT_STATUSES:
            return DEFAULT_STATUSES[name.casefold()]
        return None

    def status_for_category(self, category: str | None) -> str:
        table: dict[str, str] = {**DEFAULT_STATUS_CATEGORIES, **self.status_categories}
        return table.get(category or "undefined", "open")

    def priority_for(self, priority_id: str | None, name: str | None) -> str | None:
        own = {key.casefold(): value for key, value in self.priorities.items()}
        for key in (priority_id, name):
            if key is not None and key.casefold() in own:
                return own[key.casefold()]
        if name is not None:
            return DEFAULT_PRIORITIES.get(name.casefold())
        return None

    def jira_priority(self, priority: str) -> dict[str, str]:
        """The ``fields.priority`` value that sets a normalized priority: by id or by name."""
        table: dict[str, str] = {str(k): v for k, v in DEFAULT_WRITE_PRIORITIES.items()}
        table.update({str(k): v for k, v in self.write_priorities.items()})
        if priority not in table:
            raise KeyError(priority)
        target = table[priority]
        return {"id": target} if target.isdigit() else {"name": target}

    def custom_fields(self) -> list[str]:
        """Every custom field id this mapping reads (``check`` verifies they exist)."""
        ids = [self.organizations_field] if self.organizations_field else []
        if self.group_field and self.group_field.startswith("customfield_"):
            ids.append(self.group_field)
        for path in self.source_paths().values():
            head, _, rest = path.partition(".")
            if head == "fields" and rest.startswith("customfield_"):
                ids.append(rest.split(".", 1)[0])
        return ids


class JiraConfig(HttpConnectorConfig):
    """One Jira site, its credentials and the projects to sync (docs/connectors/jira.md).

    ``deployment: cloud`` (default) authenticates with ``email`` + ``token`` (an API token,
    classic or scoped) or an ``oauth`` block (OAuth 2.0 3LO refresh token, or a service
    account's client credentials). With ``cloud_id`` every call goes through the Atlassian API
    gateway, ``{gateway_url}/ex/jira/{cloud_id}``: scoped API tokens and OAuth only work there.
    ``deployment: data_center`` (Jira Data Center / Server) sends ``token`` as a personal
    access token (``Authorization: Bearer``) to ``site`` and uses REST API v2.
    ``base_url``, ``start``, ``timeout``, ``max_attempts`` and ``requests_per_minute`` follow
    the kit's rules (:class:`~slabridge.connectors.http_config.HttpConnectorConfig`).
    """

    type: Literal["jira"] = "jira"
    deployment: Literal["cloud", "data_center"] = "cloud"
    site: str | None = None
    cloud_id: str | None = Field(default=None, pattern=r"^[0-9a-fA-F-]{8,64}$")
    gateway_url: str = ATLASSIAN_GATEWAY
    email: str | None = None
    token: SecretStr | None = None
    oauth: OAuthSettings | None = None
    projects: list[str] = Field(min_length=1)
    jql: str | None = None
    lookback_minutes: int = Field(default=5, ge=1, le=24 * 60)
    page_size: int = Field(default=100, ge=1, le=5000)
    changelog: Literal["bulk", "per_issue"] = "bulk"
    # Custom fields whose changes are read (besides status, priority and labels) for
    # pause_when/stop_when conditions; the bulk changelog takes at most 10 field ids in all.
    history_fields: list[str] = Field(default_factory=list, max_length=5)
    notify_users: bool = True
    mapping: JiraMapping = JiraMapping()
    # JSM SLA name -> slabridge metric, for `slabridge shadow` (default: JSM's standard names).
    sla_names: dict[str, SlaMetric] = Field(default_factory=lambda: dict(DEFAULT_SLA_NAMES))

    @field_validator("history_fields")
    @classmethod
    def _history_fields_are_custom_fields(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.startswith("customfield_") or not name[12:].isdigit():
                raise ValueError("history_fields takes custom field ids such as customfield_10050")
        return value

    @field_validator("site")
    @classmethod
    def _site_is_https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "://" not in value:
            value = f"https://{value}"
        try:
            require_https(value)
        except ValueError as exc:
            raise ValueError(
                "site must be https://<name>.atlassian.net (Cloud) or your Jira Data Center's "
                f"https:// address ({exc})"
            ) from None
        return value.rstrip("/")

    @field_validator("gateway_url")
    @classmethod
    def _gateway_is_safe(cls, value: str) -> str:
        return safe_base_url(value)

    @field_validator("projects")
    @classmethod
    def _project_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not key or not key.replace("_", "").isalnum():
                raise ValueError(f"{key!r} is not a Jira project key (like HELP or IT_OPS)")
        return value

    @field_validator("jql")
    @classmethod
    def _jql_is_a_filter(cls, value: str | None) -> str | None:
        if value is not None and "order by" in " ".join(value.lower().split()):
            raise ValueError("jql is a filter ANDed into the sync query: leave out ORDER BY")
        return value

    @model_validator(mode="after")
    def _needs_a_site(self) -> JiraConfig:
        if not self.site and not self.base_url and not self.cloud_id:
            if self.deployment == "data_center":
                raise ValueError(
                    "Jira Data Center (`deployment`) needs `site: https://<your Jira>`"
                )
            raise ValueError(
                "set `site: https://<name>.atlassian.net` (or `cloud_id` for the API gateway)"
            )
        return self

    @model_validator(mode="after")
    def _one_kind_of_credentials(self) -> JiraConfig:
        if self.deployment == "data_center":
            if self.cloud_id is not None or self.oauth is not None:
                raise ValueError(
                    "Jira Data Center (`deployment`): `cloud_id` and `oauth` are Jira Cloud "
                    "only; give `token` (a personal access token)"
                )
            if self.token is None:
                raise ValueError(
                    "Jira Data Center (`deployment`) needs `token`: a personal access token"
                )
            if self.email is not None:
                raise ValueError(
                    "Jira Data Center (`deployment`): leave out `email` (a personal access "
                    "token is sent alone, as a bearer token)"
                )
            return self
        if self.oauth is not None:
            if self.email is not None or self.token is not None:
                raise ValueError("give either `oauth` or `email` + `token`, not both")
            if self.cloud_id is None:
                raise ValueError(
                    "oauth needs `cloud_id`: OAuth calls go through api.atlassian.com/ex/jira/"
                    "{cloudId} (GET https://<site>/_edge/tenant_info shows it)"
                )
            return self
        if self.email is None or self.token is None:
            raise ValueError("give `email` + `token` (an API token) or an `oauth` block")
        return self

    @property
    def url(self) -> str:
        """The API root: the gateway when ``cloud_id`` is set, else ``base_url`` or ``site``."""
        if self.cloud_id is not None:
            return f"{self.gateway_url.rstrip('/')}/ex/jira/{self.cloud_id}"
        return self.base_url or self.site or ""

    @property
    def api(self) -> str:
        """The REST API path: v3 on Cloud, v2 on Data Center / Server."""
        return "/rest/api/2" if self.deployment == "data_center" else "/rest/api/3"


__all__ = [
    "ATLASSIAN_GATEWAY",
    "ATLASSIAN_TOKEN_URL",
    "DEFAULT_PRIORITIES",
    "DEFAULT_STATUSES",
    "DEFAULT_STATUS_CATEGORIES",
    "DEFAULT_WRITE_PRIORITIES",
    "JiraConfig",
    "JiraMapping",
    "NormalizedPriority",
    "NormalizedStatus",
]
