"""The Freshdesk connector's configuration: account, API key, read options and field mapping."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from slabridge.connectors.base import ConnectorConfig
from slabridge.connectors.http import require_https
from slabridge.sla.ticket import PRIORITIES, STATUSES

DEFAULT_START = datetime(2000, 1, 1, tzinfo=UTC)

DEFAULT_STATUSES: dict[int, str] = {2: "open", 3: "pending", 4: "solved", 5: "closed"}
DEFAULT_PRIORITIES: dict[int, str] = {1: "low", 2: "normal", 3: "high", 4: "urgent"}

_DOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(\.freshdesk\.com)?$")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TierRule(_Rule):
    """Where a ticket's customer tier comes from.

    ``company_field``: a company field (a default one such as ``account_tier`` or a custom one
    under ``custom_fields``); ``company_domain``: the company's first domain; ``ticket_field``: a
    ticket custom field (``cf_*``). ``values`` translates what is found; ``default`` fills a gap.
    """

    source: Literal["company_field", "company_domain", "ticket_field"] = Field(
        "company_field", alias="from"
    )
    field: str = "account_tier"
    values: dict[str, str] = {}
    default: str | None = None


class RegionRule(_Rule):
    """Where a ticket's region comes from: its group's name, a company field or a ticket field."""

    source: Literal["group", "company_field", "ticket_field"] = Field("group", alias="from")
    field: str | None = None
    values: dict[str, str] = {}
    default: str | None = None

    @model_validator(mode="after")
    def _field_needed(self) -> RegionRule:
        if self.source != "group" and not self.field:
            raise ValueError(f"'field' is required when region comes from {self.source}")
        return self


class ProductRule(_Rule):
    """How ``product_id`` becomes a product name: ``values`` first, then the product's own name."""

    values: dict[str, str] = {}
    lookup_names: bool = True


class FreshdeskMapping(_Rule):
    """The ``mapping:`` block of a Freshdesk connector entry."""

    statuses: dict[int, str] = dict(DEFAULT_STATUSES)
    other_statuses: str = "on_hold"
    priorities: dict[int, str] = dict(DEFAULT_PRIORITIES)
    tier: TierRule = TierRule()
    region: RegionRule = RegionRule()
    product: ProductRule = ProductRule()
    customer_reply_reopens: bool = True

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, value: dict[int, str]) -> dict[int, str]:
        for native, name in value.items():
            if name not in STATUSES:
                raise ValueError(
                    f"status {native} maps to {name!r}; use one of {', '.join(STATUSES)}"
                )
        return {**DEFAULT_STATUSES, **value}

    @field_validator("other_statuses")
    @classmethod
    def _known_other(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"{value!r} is not a status; use one of {', '.join(STATUSES)}")
        return value

    @field_validator("priorities")
    @classmethod
    def _known_priorities(cls, value: dict[int, str]) -> dict[int, str]:
        for native, name in value.items():
            if name not in PRIORITIES:
                raise ValueError(
                    f"priority {native} maps to {name!r}; use one of {', '.join(PRIORITIES)}"
                )
        merged = {**DEFAULT_PRIORITIES, **value}
        if len(set(merged.values())) != len(merged):
            raise ValueError("two Freshdesk priorities map to the same name; write-back needs 1:1")
        return merged


class FreshdeskConfig(ConnectorConfig):
    """One ``connectors:`` entry of type ``freshdesk``.

    Give ``domain`` (``acme`` or ``acme.freshdesk.com``) or ``base_url`` (tests and proxies),
    and the agent's ``api_key``. A full read starts at ``start``: Freshdesk's own default window
    is only the last 30 days, so slabridge always sends ``updated_since``.
    """

    type: Literal["freshdesk"] = "freshdesk"
    domain: str | None = None
    base_url: str | None = None
    api_key: SecretStr
    start: datetime = DEFAULT_START
    per_page: int = Field(100, ge=1, le=100)
    page_cap: int = Field(300, ge=1)
    conversations: Literal["when_needed", "always", "never"] = "when_needed"
    requests_per_minute: float | None = Field(None, gt=0)
    timeout: float = Field(30.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    quota_window_seconds: float = Field(60.0, gt=0)
    mapping: FreshdeskMapping = FreshdeskMapping()  # type: ignore[assignment]

    @field_validator("domain")
    @classmethod
    def _valid_domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _DOMAIN.match(value):
            raise ValueError("expected the account name, e.g. 'acme' or 'acme.freshdesk.com'")
        return value.removesuffix(".freshdesk.com")

    @field_validator("base_url")
    @classmethod
    def _safe_base_url(cls, value: str | None) -> str | None:
        if value is not None:
            require_https(value)
        return value

    @field_validator("start")
    @classmethod
    def _aware_start(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("start needs a UTC offset, e.g. 2024-01-01T00:00:00Z")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _where(self) -> FreshdeskConfig:
        if not self.domain and not self.base_url:
            raise ValueError("give 'domain' (e.g. acme for acme.freshdesk.com) or 'base_url'")
        return self

    @property
    def api_root(self) -> str:
        """The account's API root, ``…/api/v2/`` included."""
        root = self.base_url or f"https://{self.domain}.freshdesk.com"
        root = root.rstrip("/")
        return root if root.endswith("/api/v2") else root + "/api/v2"


__all__ = [
    "DEFAULT_PRIORITIES",
    "DEFAULT_START",
    "DEFAULT_STATUSES",
    "FreshdeskConfig",
    "FreshdeskMapping",
    "ProductRule",
    "RegionRule",
    "TierRule",
]
