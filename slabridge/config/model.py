"""The validated config: what the engine, the sync and the reports are given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slabridge.alerts.settings import AlertsSettings
from slabridge.connectors.base import ConnectorConfig
from slabridge.customers import CustomerDirectory
from slabridge.sections.credits import CreditSettings
from slabridge.sections.goals import Goal
from slabridge.sla.calendar import CalendarSpec
from slabridge.sla.policy import Policy, PolicySet, Settings

DEFAULT_STATE = "sqlite:///slabridge.db"
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "version",
    "calendars",
    "settings",
    "policies",
    "state",
    "connectors",
    "actions",
    "goals",
    "credits",
    "customers",
    "alerts",
    "serve",  # read by `slabridge serve` only (slabridge/serve/settings.py)
)


@dataclass(frozen=True, slots=True)
class EscalateAction:
    """``actions.escalate_priority``."""

    on: str = "breach"
    to: str = "one_level_up"


@dataclass(frozen=True, slots=True)
class TagActions:
    """``actions.tags``: the tag names slabridge owns (``policy`` may hold ``{policy}``)."""

    breached: str | None = None
    at_risk: str | None = None
    policy: str | None = None

    def policy_tag(self, policy: str) -> str | None:
        return None if self.policy is None else self.policy.replace("{policy}", policy)


@dataclass(frozen=True, slots=True)
class Actions:
    """``actions:``: the tags, priority and fields slabridge owns on a ticket."""

    tags: TagActions = field(default_factory=TagActions)
    escalate_priority: EscalateAction | None = None
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AppConfig:
    """The whole file, validated; ``policy_set`` is what ``evaluate`` needs."""

    policy_set: PolicySet
    calendars: Mapping[str, CalendarSpec]
    settings: Settings
    state: str = DEFAULT_STATE
    connectors: Mapping[str, ConnectorConfig | dict[str, Any]] = field(default_factory=dict)
    actions: Actions = field(default_factory=Actions)
    goals: list[Goal] = field(default_factory=list)
    credits: CreditSettings = field(default_factory=CreditSettings)
    customers: CustomerDirectory = field(default_factory=CustomerDirectory)
    alerts: AlertsSettings = field(default_factory=lambda: AlertsSettings(channels={}))
    config_path: Path | None = None
    version: int = 1

    @property
    def policies(self) -> tuple[Policy, ...]:
        return self.policy_set.policies
