"""Test kit: the three helpdesk fakes behind a config file, as a user's setup would be."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from slabridge.sla.ticket import Customer, Event, Ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

FAKES: dict[str, tuple[str, str]] = {
    "zendesk": ("slabridge_zendesk.fake", "FakeZendesk"),
    "freshdesk": ("slabridge_freshdesk.fake", "FakeFreshdesk"),
    "jira": ("slabridge_jira.fake", "FakeJira"),
    "jira_dc": ("slabridge_jira.fake_dc", "FakeJiraDataCenter"),  # Data Center: PAT, REST v2
}

POLICY: dict[str, Any] = {
    "version": 1,
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "policies": [
        {
            "name": "standard",
            "calendar": "always",
            "targets": {"default": {"first_response": "1h", "resolution": "8h"}},
        }
    ],
    "actions": {
        "tags": {
            "breached": "sla_breached",
            "at_risk": "sla_at_risk",
            "policy": "sla_policy_{policy}",
        }
    },
}

# The owned fields (due at, breached) of each fake: their native keys.
FIELDS: dict[str, tuple[str, str]] = {
    "zendesk": ("9100", "9101"),
    "freshdesk": ("cf_sla_due_at", "cf_sla_breached"),
    "jira": ("customfield_10201", "customfield_10200"),
}


def escalating(kind: str) -> dict[str, Any]:
    """POLICY with a one-level raise on breach and the owned fields of ``kind`` written."""
    due_at, breached = FIELDS[kind]
    actions = {
        **POLICY["actions"],
        "escalate_priority": {"on": "breach", "to": "one_level_up"},
        "fields": {kind: {"due_at": due_at, "breached": breached}},
    }
    return {**POLICY, "actions": actions}


def add_owned_fields(kind: str, fake: Any) -> None:
    """Create the owned fields of ``escalating(kind)`` in the fake (Jira's come built in)."""
    due_at, breached = FIELDS[kind]
    if kind == "zendesk":
        fake.add_ticket_field(int(due_at), "text")
        fake.add_ticket_field(int(breached), "checkbox")
    elif kind == "freshdesk":
        fake.add_ticket_field(due_at)
        fake.add_ticket_field(breached, "custom_checkbox")


@dataclass(slots=True)
class Clock:
    """A settable clock shared by the fake and the sync (``--now``)."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(slots=True)
class Setup:
    """A started fake, the config file pointing at it, and the ids of the seeded tickets."""

    kind: str
    fake: Any
    config_path: Path
    clock: Clock
    ids: list[str] = field(default_factory=list)

    def tags(self) -> dict[str, set[str]]:
        return {ticket_id: set(self.fake.tags(ticket_id)) for ticket_id in self.ids}

    def owned_tags(self) -> dict[str, set[str]]:
        return {k: {t for t in v if t.startswith("sla_")} for k, v in self.tags().items()}


def fake_class(kind: str) -> Any:
    module_name, class_name = FAKES[kind]
    return getattr(importlib.import_module(module_name), class_name)


def seed_tickets(count: int, *, start: datetime = T0) -> list[Ticket]:
    """Open tickets a few minutes apart; every third one answered in time; one keeps a tag."""
    tickets = []
    for number in range(count):
        created = start + timedelta(minutes=5 * number)
        events: tuple[Event, ...] = (Event(created, "status", status="open"),)
        if number % 3 == 0:
            events += (Event(created + timedelta(minutes=10), "reply", author="agent"),)
        tickets.append(
            Ticket(
                id=str(number + 1),
                created_at=created,
                updated_at=events[-1].at,
                status="open",
                priority="normal",
                tags=("customer_tag",) if number % 2 else (),
                customer=Customer(id="org-1", name="Acme", tier="pro", region="emea"),
                events=events,
            )
        )
    return tickets


def make_setup(
    kind: str,
    tmp_path: Path,
    *,
    tickets: int = 6,
    clock: Clock | None = None,
    state: str | None = None,
    config_overrides: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    seed: Callable[[Any, Clock], list[str]] | None = None,
) -> Setup:
    clock = clock or Clock(T0 + timedelta(minutes=30))
    fake = fake_class(kind)()
    fake.clock = clock
    fake.start()
    ids = seed(fake, clock) if seed else [fake.load_normalized(t) for t in seed_tickets(tickets)]
    document = dict(policy or POLICY)
    document["state"] = state or f"sqlite:///{tmp_path / 'state.db'}"
    document["connectors"] = {kind: fake.connector_config(**(config_overrides or {}))}
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"slabridge-{kind}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return Setup(kind, fake, path, clock, ids)


__all__ = [
    "FAKES",
    "FIELDS",
    "POLICY",
    "T0",
    "Clock",
    "Setup",
    "add_owned_fields",
    "escalating",
    "fake_class",
    "make_setup",
    "seed_tickets",
]
