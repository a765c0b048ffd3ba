"""The Freshdesk connector's configuration: account, API key, read options and field mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from slabridge.connectors.http_config import HttpConnectorConfig
from slabridge.connectors.mapping import ConnectorMapping, MappingRule
from slabridge.sla.ticket import STATUSES
from slabridge_freshdesk.statuses import StatusChoice

DEFAULT_START = datetime(2000, 1, 1, tzinfo=UTC)

DEFAULT_STATUSES: dict[str, str] = {"2": "open", "3": "pending", "4": "solved", "5": "closed"}
DEFAULT_PRIORITIES: dict[str, str] = {"1": "low", "2": "normal", "3": "high", "4": "urgent"}

_DOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(\.freshdesk\.com)?$")


def _rule(path: str) -> MappingRule:
    return MappingRule.model_validate({"from": path})


class FreshdeskMapping(ConnectorMapping):
    """The ``mapping:`` block of a Freshdesk connector entry (shared shape, Freshdesk defaults).

    ``from`` paths resolve in the ticket payload plus the objects the connector sideloads:
    ``company`` (``GET /companies/{id}``: ``account_tier``, ``domains``, ``custom_fields.*``),
    ``group`` (``{id, name}``) and ``product`` (``{id, name}``). ``statuses`` and ``priorities``
    are keyed by the Freshdesk number as text. A custom status (6 and up) not listed under
    ``statuses`` follows Freshdesk's own setting from the ticket-fields API: where its SLA timer
    stops it becomes ``sla_timer_stopped`` (``on_hold``), where it runs ``open``; a status
    Freshdesk says nothing about becomes ``other_statuses`` (``open``: the clock keeps running,
    which never hides a breach) and ``check`` names it.
    """

    tier: MappingRule | None = _rule("company.account_tier")
    region: MappingRule | None = _rule("group.name")
    product: MappingRule | None = _rule("product.name")
    other_statuses: str = "open"
    sla_timer_stopped: Literal["on_hold", "pending"] = "on_hold"
    customer_reply_reopens: bool = True

    @field_validator("other_statuses")
    @classmethod
    def _known_other(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"{value!r} is not a status; use one of {', '.join(STATUSES)}")
        return value

    @field_validator("priorities")
    @classmethod
    def _one_to_one(cls, value: dict[str, str]) -> dict[str, str]:
        merged = {**DEFAULT_PRIORITIES, **value}
        if len(set(merged.values())) != len(merged):
            raise ValueError("two Freshdesk priorities map to the same name; write-back needs 1:1")
        return value

    def status_of(self, native: object, choices: Mapping[int, StatusChoice] | None = None) -> str:
        """Freshdesk status number → normalized status.

        The config's ``statuses`` first, then the four built-in statuses, then the SLA-timer
        setting of the account's status (``choices``, from the ticket-fields API), and
        ``other_statuses`` for a status nothing says anything about.
        """
        if isinstance(native, bool) or not isinstance(native, int):
            raise ValueError(f"status {native!r} is not a Freshdesk status number")
        known = self.status(native, DEFAULT_STATUSES)
        if known is not None:
            return known
        choice = (choices or {}).get(native)
        if choice is not None and choice.stops_sla_timer is not None:
            return self.sla_timer_stopped if choice.stops_sla_timer else "open"
        return self.other_statuses

    def maps_status(self, native: int) -> bool:
        """Whether the config or the built-in table maps ``native`` (no API lookup needed)."""
        return self.status(native, DEFAULT_STATUSES) is not None

    def priority_of(self, native: object) -> str | None:
        """Freshdesk priority number → normalized priority (None when absent or unknown)."""
        if isinstance(native, bool):
            return None
        return self.priority(native, DEFAULT_PRIORITIES)

    def native_priority(self, name: str) -> int:
        """Normalized priority → the Freshdesk number that maps onto it (for write-back)."""
        merged = {**DEFAULT_PRIORITIES, **self.priorities}
        for native in sorted(merged, key=lambda key: (not key.isdigit(), key.zfill(9))):
            if merged[native] == name and native.isdigit():
                return int(native)
        raise ValueError(f"no Freshdesk priority maps to {name!r} (see mapping.priorities)")

    def needs(self, prefix: str) -> bool:
        """Whether any ``from`` path reads the sideloaded object ``prefix`` (company, group…)."""
        return any(path.split(".", 1)[0] == prefix for path in self.source_paths().values())


class FreshdeskConfig(HttpConnectorConfig):
    """One ``connectors:`` entry of type ``freshdesk``.

    Give ``domain`` (``acme`` or ``acme.freshdesk.com``) or ``base_url`` (tests and proxies),
    and the agent's ``api_key``. A full read starts at ``start``: Freshdesk's own default window
    is only the last 30 days, so slabridge always sends ``updated_since``. ``status_journal``
    (a SQLite file, or ``:memory:``) remembers the status starts each read sees, so that
    pending periods older than the latest one survive (Freshdesk keeps no status history).
    ``base_url``, ``start``, ``timeout``, ``max_attempts`` and ``requests_per_minute`` follow
    the kit's rules (:class:`~slabridge.connectors.http_config.HttpConnectorConfig`).
    """

    type: Literal["freshdesk"] = "freshdesk"
    domain: str | None = Field(default=None, description="acme for acme.freshdesk.com")
    api_key: SecretStr = Field(description="an agent's API key (Profile settings)")
    # Redeclared for its default (and description); the kit's offset check still applies.
    start: datetime = Field(default=DEFAULT_START, description="where a full read starts")
    per_page: int = Field(default=100, ge=1, le=100, description="tickets per page (max 100)")
    page_cap: int = Field(default=300, ge=1, description="restart the read before this page")
    conversations: Literal["when_needed", "always", "never"] = Field(
        default="when_needed", description="when to fetch a ticket's conversations"
    )
    status_journal: str | None = Field(
        default=None, description="SQLite file keeping status history between reads"
    )
    mapping: FreshdeskMapping = FreshdeskMapping()

    @field_validator("domain")
    @classmethod
    def _valid_domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _DOMAIN.match(value):
            raise ValueError("expected the account name, e.g. 'acme' or 'acme.freshdesk.com'")
        return value.removesuffix(".freshdesk.com")

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
]
