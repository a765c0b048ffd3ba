"""Commented sample ``slabridge.yaml`` files, for ``slabridge init`` and ``slabridge demo``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from slabridge.connectors.base import Connector
from slabridge.plugins import fake_helpdesks
from slabridge.testing.fakes import SECRET

POLICY_SECTIONS = """\
version: 1

# Business hours. Each calendar has an IANA time zone, weekly hours (split shifts allowed,
# "24:00" may end a day, `24x7` means always open) and holidays from the `holidays` package.
calendars:
  berlin:
    timezone: Europe/Berlin
    hours:
      mon-fri: ["09:00-12:00", "13:00-17:00"]   # a lunch break: two shifts
    holidays:
      country: DE
      subdivision: BE
      dates: ["{year}-12-24", "{year}-12-31"]     # extra closed days
  new_york:
    timezone: America/New_York
    hours: {{mon-fri: "09:00-18:00"}}
    holidays: {{country: US, subdivision: NY}}
  sydney:
    timezone: Australia/Sydney
    hours: {{mon-fri: "08:30-17:30"}}
    holidays: {{country: AU, subdivision: NSW}}
  always: {{timezone: UTC, hours: 24x7}}

settings:
  warn_at: 75%                 # at risk once 75% of a target is used (or `warn_before: 30m`)
  default_priority: normal     # for tickets without a priority
  reopen: resume               # a reopened ticket continues its resolution clock

# Ordered: the FIRST policy whose `match` holds applies. Targets are keyed by priority.
policies:
  - name: enterprise
    match: {{tier: enterprise}}
    calendar: always
    targets:
      urgent:  {{first_response: 30m, next_response: 1h, resolution: 4h}}
      high:    {{first_response: 1h, next_response: 2h, resolution: 8h}}
      default: {{first_response: 2h, next_response: 4h, resolution: 2d}}
  - name: payments
    match: {{product: payments, priority: [high, urgent]}}
    # Regional business hours: the calendar follows the customer's region.
    calendar:
      by: customer.region
      map: {{amer: new_york, emea: berlin, apac: sydney}}
      default: berlin
    targets:
      default: {{first_response: 2h, next_response: 4h, resolution: 3d}}
  - name: pro
    match: {{tier: pro}}
    calendar:
      by: customer.region
      map: {{amer: new_york, emea: berlin, apac: sydney}}
      default: berlin
    targets:
      urgent:  {{first_response: 1h, resolution: 1d}}
      default: {{first_response: 4h, next_response: 8h, resolution: 5d}}
  - name: standard             # no `match`: the fallback for every other ticket
    calendar: berlin
    targets:
      default: {{first_response: 8h, resolution: {{within: 10d, pause_on: [pending, on_hold]}}}}
"""

GOALS_SECTION = """\
# Promises to the business, measured by `slabridge report` (see docs/reports.md).
goals:
  - metric: first_response
    share: 90%                 # 90% of first responses within their target
  - name: enterprise resolved in a day
    metric: resolution
    share: 80%
    within: 1d
    scope: {tier: enterprise}

# Service credits owed when compliance falls short, on a sliding scale.
credits:
  tiers:
    enterprise:
      schedule:
        - {below: 99%, credit: 5%}
        - {below: 95%, credit: 10%}
        - {below: 90%, credit: 25%}
      cap: 20%
    pro:
      schedule: [{below: 95%, credit: 5%}, {below: 85%, credit: 10%}]
"""

ACTIONS_SECTION = """\
# What slabridge writes back. It owns exactly these tags; every other tag stays as agents left it.
actions:
  tags:
    breached: sla_breached
    at_risk: sla_at_risk
    policy: "sla_policy_{policy}"
  escalate_priority:
    on: breach                 # or at_risk
    to: one_level_up           # never lowers a priority, never fights an agent who lowers it
"""


CUSTOMERS_EXAMPLE = """\
# Customers are keyed <connector>:<id> (e.g. {instance}:361), as ids collide between helpdesks.
# To make one company's accounts in several helpdesks one report and credit line, join them
# under a key of their own, by id per connector and/or requester e-mail domain; credits then
# name that key (docs/reports.md, "Customers across helpdesks").
# customers:
#   acme:
#     name: Acme GmbH
#     ids: {{{instance}: ["361"]}}
#     domains: [acme.example]
"""


def customers_example(instance: str) -> str:
    """A commented ``customers:`` section whose ids name the given connector instance."""
    return CUSTOMERS_EXAMPLE.format(instance=instance)


def sample_values(connector: type[Connector]) -> dict[str, Any]:
    """Example values by config key for ``connector``'s sample entry (``subdomain: acme``).

    From the plugin's registered fake (``sample_values`` of its ``register_fakes``), then the
    connector class's own ``sample_values`` mapping, if it has one.
    """
    registered = fake_helpdesks().get(connector.type_name)
    return {
        **(registered.sample_values if registered is not None else {}),
        **getattr(connector, "sample_values", {}),
    }


def _placeholder(instance: str, name: str, field: FieldInfo) -> tuple[str, bool]:
    """A YAML value for a config field, and whether the line should be active (not commented)."""
    env = re.sub(r"[^A-Z0-9]+", "_", f"{instance}_{name}".upper()).strip("_")
    if field.annotation is SecretStr or "SecretStr" in str(field.annotation):
        return f"${{{env}}}", field.is_required()
    if field.is_required():
        return f"${{{env}}}", True
    default = field.get_default(call_default_factory=True)
    if isinstance(default, bool):
        return str(default).lower(), False
    if default is None or default == {} or default == []:
        return "", False
    return str(default), False


def connector_section(
    instance: str, connector: type[Connector], values: Mapping[str, Any] | None = None
) -> str:
    """The ``connectors.<instance>`` entry, built from the connector's own config model.

    Credentials become ``${ENV}`` references; required keys are active lines, optional keys are
    commented out with their defaults, so a third-party connector gets a useful sample for free.
    """
    lines = [f"  {instance}:", f"    type: {connector.type_name}"]
    examples = sample_values(connector)
    for name, field in connector.config_model.model_fields.items():
        if name in ("type", "mapping"):
            continue
        comment = f"   # {field.description}" if field.description else ""
        if values is not None and name in values:
            lines.append(f"    {name}: {values[name]}{comment}")
            continue
        if values is not None and not field.is_required():
            continue
        example = examples.get(name)
        if example is SECRET:
            value, _ = _placeholder(instance, name, field)
            lines.append(f"    {name}: {value}{comment}")
            continue
        if example is not None:
            lines.append(f"    {name}: {_yaml_scalar(example)}{comment}")
            continue
        value, active = _placeholder(instance, name, field)
        prefix = "" if active else "# "
        lines.append(f"    {prefix}{name}: {value}{comment}".rstrip())
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def environment_variables(text: str) -> list[str]:
    """The ``${NAME}`` references a config text reads from the environment, in order."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for name in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", line):
            seen.setdefault(name, None)
    return list(seen)


def actions_section(connectors: Sequence[type[Connector]]) -> str:
    """``ACTIONS_SECTION`` without ``escalate_priority`` when a connector cannot write priorities.

    ``check`` rejects an escalation a connector cannot carry out, so ``init`` must not write one.
    """
    if all(connector.capabilities.priority for connector in connectors):
        return ACTIONS_SECTION
    return ACTIONS_SECTION[: ACTIONS_SECTION.index("  escalate_priority:")]


def sample_config(
    connectors: Mapping[str, tuple[type[Connector], Mapping[str, Any] | None]],
    *,
    year: int,
    state: str = "sqlite:///slabridge.db",
    header: str = "",
) -> str:
    """A complete commented ``slabridge.yaml`` for the given connector instances."""
    parts = [header, POLICY_SECTIONS.format(year=year), GOALS_SECTION]
    if connectors:
        parts.append(customers_example(next(iter(connectors))))
    parts.append(actions_section([connector for connector, _ in connectors.values()]))
    parts.append(
        "# Where slabridge keeps cursors, tracked tickets, the outbox and the SLA history.\n"
        f"state: {state}\n"
    )
    parts.append("# The helpdesks to sync; credentials come from the environment.\nconnectors:\n")
    for instance, (connector, values) in connectors.items():
        parts.append(connector_section(instance, connector, values))
    return "\n".join(part for part in parts if part)


__all__ = [
    "ACTIONS_SECTION",
    "CUSTOMERS_EXAMPLE",
    "GOALS_SECTION",
    "POLICY_SECTIONS",
    "actions_section",
    "connector_section",
    "customers_example",
    "environment_variables",
    "sample_config",
    "sample_values",
]
