"""The ``type: zendesk`` entry under ``connectors:``: account, credentials, pacing and mapping."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from slabridge.connectors.http_config import HttpConnectorConfig
from slabridge.connectors.mapping import ConnectorMapping, MappingRule
from slabridge.connectors.oauth_settings import OAuthSettings

# Zendesk's own status names onto slabridge's; ``hold`` is the one that differs.
DEFAULT_STATUSES: dict[str, str] = {
    "new": "new",
    "open": "open",
    "pending": "pending",
    "hold": "on_hold",
    "solved": "solved",
    "closed": "closed",
}
DEFAULT_PRIORITIES: dict[str, str] = {
    "low": "low",
    "normal": "normal",
    "high": "high",
    "urgent": "urgent",
}
# Where tier and region come from when the mapping does not say: organization fields with
# these keys (create them under Admin Center > People > Organization fields).
DEFAULT_TIER_RULE = MappingRule.model_validate({"from": "organization.fields.tier"})
DEFAULT_REGION_RULE = MappingRule.model_validate({"from": "organization.fields.region"})

# Shorthands an admin may write instead of a record path (see docs/connectors/zendesk.md).
_SHORTHANDS = {
    "brand": "brand_id",
    "form": "ticket_form_id",
    "organization.tags": "organization.tags",
}


def _expand_rule(raw: Any, where: str) -> Any:
    """Turn ``{from: custom_field, id: 360001}`` / ``{from: organization.field, key: tier}``
    into the record paths the shared :class:`MappingRule` resolves."""
    if not isinstance(raw, dict):
        return raw
    rule = dict(raw)
    source = rule.get("from")
    if source == "custom_field":
        field_id = rule.pop("id", None)
        if field_id is None or not str(field_id).isdigit():
            raise ValueError(
                f"mapping.{where}: 'from: custom_field' needs 'id: <numeric ticket field id>'"
            )
        rule["from"] = f"custom_fields.{field_id}"
    elif source == "organization.field":
        key = rule.pop("key", None)
        if not key:
            raise ValueError(
                f"mapping.{where}: 'from: organization.field' needs 'key: <field key>'"
            )
        rule["from"] = f"organization.fields.{key}"
    elif isinstance(source, str) and source in _SHORTHANDS:
        rule["from"] = _SHORTHANDS[source]
    return rule


class ZendeskMapping(ConnectorMapping):
    """The shared mapping block, plus Zendesk shorthands for custom fields and org fields."""

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        expanded = dict(data)
        for name in ("tier", "product", "region"):
            if name in expanded:
                expanded[name] = _expand_rule(expanded[name], name)
        if isinstance(expanded.get("fields"), dict):
            expanded["fields"] = {
                key: _expand_rule(rule, f"fields.{key}") for key, rule in expanded["fields"].items()
            }
        return expanded


class ZendeskConfig(HttpConnectorConfig):
    """Connection, credentials, pacing and mapping of one Zendesk account.

    Either ``subdomain`` (``acme`` for https://acme.zendesk.com) or ``base_url``; one of
    ``oauth`` (an OAuth client: refresh-token or client-credentials grant, renewed as tokens
    expire), ``oauth_token`` (a bearer token something else renews) or ``email`` + ``token``
    (API token, Basic ``{email}/token:{token}``; deprecated, Zendesk stops them on 2027-04-30).
    ``base_url``, ``start``, ``timeout``, ``max_attempts`` and ``requests_per_minute`` follow
    the kit's rules (:class:`~slabridge.connectors.http_config.HttpConnectorConfig`).
    """

    type: Literal["zendesk"] = "zendesk"
    subdomain: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    email: str | None = None
    token: SecretStr | None = None
    oauth_token: SecretStr | None = None
    oauth: OAuthSettings | None = None
    per_page: int = Field(default=1000, ge=1, le=1000)
    history: Literal["auto", "audits", "events"] = "auto"
    incremental_requests_per_minute: float | None = Field(default=10, gt=0)
    job_poll_interval: float = Field(default=1.0, ge=0)
    job_poll_attempts: int = Field(default=30, ge=1)
    mapping: ZendeskMapping = ZendeskMapping()

    @model_validator(mode="after")
    def _account_and_credentials(self) -> ZendeskConfig:
        if (self.subdomain is None) == (self.base_url is None):
            raise ValueError(
                "give exactly one of 'subdomain' (acme for acme.zendesk.com) or 'base_url'"
            )
        has_token = self.email is not None or self.token is not None
        if has_token and (self.email is None or self.token is None):
            raise ValueError("API token auth needs both 'email' and 'token'")
        given = [has_token, self.oauth_token is not None, self.oauth is not None]
        if sum(given) != 1:
            raise ValueError(
                "give exactly one of 'oauth' (an OAuth client), 'oauth_token' or "
                "'email' + 'token' (API token, deprecated)"
            )
        return self

    @property
    def url(self) -> str:
        """The account's base URL (no trailing slash)."""
        if self.base_url is not None:
            return self.base_url
        return f"https://{self.subdomain}.zendesk.com"

    @property
    def rules(self) -> ZendeskMapping:
        return self.mapping


__all__ = [
    "DEFAULT_PRIORITIES",
    "DEFAULT_REGION_RULE",
    "DEFAULT_STATUSES",
    "DEFAULT_TIER_RULE",
    "ZendeskConfig",
    "ZendeskMapping",
]
