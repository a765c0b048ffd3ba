"""Builders for the POLICY.md conformance tests: policy files, tickets, and a CLI runner."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from slabridge.cli import cli

# The reference week: 2025-03-03 is a Monday, 2025-03-07 a Friday, 2025-03-10 the next Monday.
MONDAY = "2025-03-03"

ALWAYS = {"timezone": "UTC", "hours": "24x7"}
OFFICE = {"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}
SETTINGS = {"warn_at": "75%", "default_priority": "normal", "reopen": "resume"}

CYCLE_KEYS = {
    "status",
    "calendar",
    "target_seconds",
    "started_at",
    "stopped_at",
    "due_at",
    "breached_at",
    "elapsed_seconds",
    "remaining_seconds",
    "at_risk",
}
METRIC_KEYS = CYCLE_KEYS | {"cycles"}
EVALUATION_KEYS = {"ticket", "policy", "evaluated_at", "breached", "at_risk", "metrics"}


# The §1 example policy, plus the `new_york` calendar it refers to but does not define.
SPEC_POLICY = textwrap.dedent(
    """\
    version: 1

    calendars:
      berlin:
        timezone: Europe/Berlin
        hours:
          mon-fri: ["09:00-12:00", "13:00-17:00"]
          sat: "10:00-14:00"
        holidays:
          country: DE
          subdivision: BE
          dates: ["2026-12-24", "2026-12-31"]
          hours: {"2026-12-23": "09:00-12:00"}
      new_york:
        timezone: America/New_York
        hours: {mon-fri: "09:00-18:00"}
      always: {timezone: UTC, hours: 24x7}

    settings:
      warn_at: 75%
      default_priority: normal
      reopen: resume

    policies:
      - name: enterprise
        match: {tier: enterprise}
        calendar: always
        targets:
          urgent: {first_response: 15m, next_response: 30m, resolution: 4h}
          high:   {first_response: 1h,  resolution: 8h}
          default: {first_response: 4h, resolution: {within: 3d, calendar: berlin}}
      - name: payments
        match: {product: payments, priority: [high, urgent]}
        calendar: {by: customer.region, map: {amer: new_york, emea: berlin}, default: berlin}
        targets:
          default: {first_response: 2h}
      - name: standard
        calendar: berlin
        targets:
          default: {first_response: 8h, resolution: 5d}
    """
)

# The §2 example ticket, verbatim.
SPEC_TICKET: dict[str, Any] = json.loads(
    """
    {
      "id": "4821", "source": "zendesk",
      "created_at": "2025-03-07T16:30:00Z", "updated_at": "2025-03-10T08:00:00Z",
      "status": "open", "priority": "high", "type": "incident", "channel": "email",
      "product": "payments", "tags": ["vip"], "fields": {"region": "emea"},
      "customer": {"id": "org-9", "name": "Acme GmbH", "tier": "enterprise", "region": "emea"},
      "events": [
        {"at": "2025-03-07T16:30:00Z", "type": "status", "status": "new"},
        {"at": "2025-03-10T08:05:00Z", "type": "reply", "author": "agent", "public": true},
        {"at": "2025-03-10T09:00:00Z", "type": "status", "status": "pending"},
        {"at": "2025-03-10T11:00:00Z", "type": "reply", "author": "customer", "public": true},
        {"at": "2025-03-10T11:00:00Z", "type": "status", "status": "open"},
        {"at": "2025-03-10T11:30:00Z", "type": "priority", "priority": "urgent"}
      ]
    }
    """
)
SPEC_NOW = "2025-03-10T12:00:00Z"


def utc(text: str) -> str:
    """``"10:00"`` is that time on MONDAY; ``"2025-03-04 11:00"`` a full UTC instant."""
    if " " not in text:
        text = f"{MONDAY} {text}"
    day, clock = text.split(" ")
    if clock.count(":") == 1:
        clock += ":00"
    return f"{day}T{clock}Z"


def policy_file(
    targets: Mapping[str, Any] | None = None,
    *,
    calendar: Any = "always",
    calendars: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    match: Mapping[str, Any] | None = None,
    policies: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A version-1 policy file with the ALWAYS/OFFICE calendars and one policy ``p``."""
    if policies is None:
        policy: dict[str, Any] = {"name": "p", "calendar": calendar, "targets": targets}
        if match is not None:
            policy["match"] = match
        policies = [policy]
    return {
        "version": 1,
        "calendars": {"always": ALWAYS, "office": OFFICE, **(calendars or {})},
        "settings": {**SETTINGS, **(settings or {})},
        "policies": list(policies),
    }


def status(at: str, value: str) -> dict[str, Any]:
    return {"at": utc(at), "type": "status", "status": value}


def agent(at: str, *, public: bool = True) -> dict[str, Any]:
    return {"at": utc(at), "type": "reply", "author": "agent", "public": public}


def customer(at: str) -> dict[str, Any]:
    return {"at": utc(at), "type": "reply", "author": "customer", "public": True}


def priority(at: str, value: str | None) -> dict[str, Any]:
    return {"at": utc(at), "type": "priority", "priority": value}


def ticket(
    created: str = "10:00",
    *events: dict[str, Any],
    id: str = "T1",
    status: str | None = None,
    priority: str | None = "normal",
    updated: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A normalized ticket; ``status`` defaults to the last status event's (else ``open``)."""
    statuses = [event["status"] for event in events if event["type"] == "status"]
    times = [utc(created), *(event["at"] for event in events)]
    data: dict[str, Any] = {
        "id": id,
        "source": "zendesk",
        "created_at": utc(created),
        "updated_at": utc(updated) if updated else max(times),
        "status": status or (statuses[-1] if statuses else "open"),
        "priority": priority,
        "type": "incident",
        "channel": "email",
        "tags": [],
        "fields": {},
        "customer": {"id": "org-1", "name": "Org", "tier": "free", "region": "emea"},
        "events": list(events),
    }
    data.update(extra)
    return data


@dataclass(frozen=True)
class Outcome:
    """What ``slabridge evaluate`` did: exit code and both streams."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class Evaluator:
    """Runs ``slabridge evaluate`` through click's CliRunner with files in a temp directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def write(self, name: str, content: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count}-{name}"
        path.write_text(content, encoding="utf-8")
        return path

    def config(self, policy: Mapping[str, Any] | str) -> Path:
        text = policy if isinstance(policy, str) else yaml.safe_dump(dict(policy), sort_keys=False)
        return self.write("slabridge.yaml", text)

    def run(
        self,
        policy: Mapping[str, Any] | str,
        tickets: Any,
        now: str | None = "12:00",
        *,
        stdin: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> Outcome:
        text = tickets if isinstance(tickets, str) else json.dumps(tickets)
        args = ["evaluate", "--config", str(self.config(policy))]
        if stdin:
            args += ["--ticket", "-"]
        else:
            args += ["--ticket", str(self.write("ticket.json", text))]
        if now is not None:
            args += ["--now", utc(now) if "T" not in now else now]
        result = CliRunner().invoke(
            cli, args, input=text if stdin else None, env=dict(env or {}), catch_exceptions=False
        )
        return Outcome(result.exit_code, result.stdout, result.stderr)

    def one(self, policy: Mapping[str, Any] | str, ticket_data: Any, now: str = "12:00") -> Any:
        """Evaluate and return the parsed output, insisting the run succeeded."""
        outcome = self.run(policy, ticket_data, now)
        assert outcome.exit_code == 0, outcome.stderr
        return outcome.json


__all__ = [
    "ALWAYS",
    "CYCLE_KEYS",
    "EVALUATION_KEYS",
    "METRIC_KEYS",
    "MONDAY",
    "OFFICE",
    "SETTINGS",
    "SPEC_NOW",
    "SPEC_POLICY",
    "SPEC_TICKET",
    "Evaluator",
    "Outcome",
    "agent",
    "customer",
    "policy_file",
    "priority",
    "status",
    "ticket",
    "utc",
]
