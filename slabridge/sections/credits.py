"""The ``credits:`` section: service credit schedules per customer tier and per customer."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError, field_validator

from slabridge.sections.figures import Percent, short_percent
from slabridge.sections.validation import Problem, StrictModel, problems_of
from slabridge.sla.results import METRICS, MetricName


class CreditStep(StrictModel):
    """One line of a credit schedule: compliance strictly below `below` earns `credit`."""

    below: Percent
    credit: Percent


class CreditRule(StrictModel):
    """A credit schedule with an optional cap, for one tier or one customer."""

    metrics: list[MetricName] | None = None
    schedule: list[CreditStep]
    cap: Percent | None = None

    @field_validator("schedule")
    @classmethod
    def _schedule_is_monotonic(cls, steps: list[CreditStep]) -> list[CreditStep]:
        if not steps:
            raise ValueError("a credit schedule needs at least one step")
        ordered = sorted(steps, key=lambda step: step.below, reverse=True)
        for higher, lower in itertools.pairwise(ordered):
            if higher.below == lower.below:
                raise ValueError(f"two steps are both 'below: {short_percent(lower.below)}'")
            if lower.credit < higher.credit:
                raise ValueError(
                    "worse compliance must not earn a smaller credit "
                    f"(below {short_percent(lower.below)} gives {short_percent(lower.credit)}, "
                    f"below {short_percent(higher.below)} gives {short_percent(higher.credit)})"
                )
        return steps

    @property
    def counted_metrics(self) -> tuple[str, ...]:
        return tuple(self.metrics) if self.metrics is not None else METRICS


class CreditSettings(StrictModel):
    """`credits:`: schedules per customer tier and per customer (a customer's own one wins)."""

    tiers: dict[str, CreditRule] = Field(default_factory=dict)
    customers: dict[str, CreditRule] = Field(default_factory=dict)

    def for_customer(
        self, customer: str, tier: str | None, rule_key: str | None = None
    ) -> tuple[str, CreditRule] | None:
        """The rule for a customer key and its key path: `customers.<key>`, else `tiers.<x>`.

        `rule_key` is the `customers:` entry that names this customer when it is not the
        customer's key itself (a deprecated bare id, see slabridge.customers.resolve_rule_keys).
        """
        key = customer if rule_key is None else rule_key
        if key in self.customers:
            return f"customers.{key}", self.customers[key]
        if tier is not None and tier in self.tiers:
            return f"tiers.{tier}", self.tiers[tier]
        return None

    def __bool__(self) -> bool:
        return bool(self.tiers or self.customers)


def validate_credits(raw: Any, prefix: str = "credits") -> tuple[CreditSettings, list[Problem]]:
    """Validate a raw `credits:` mapping; returns the settings and every problem with its path."""
    if raw is None:
        return CreditSettings(), []
    if not isinstance(raw, Mapping):
        return CreditSettings(), [(prefix, "expected a mapping with tiers: and/or customers:")]
    # YAML reads a customer id like 1234 as a number; ids are strings everywhere else.
    data = {
        key: {str(name): rule for name, rule in value.items()}
        if isinstance(value, Mapping)
        else value
        for key, value in raw.items()
    }
    try:
        return CreditSettings.model_validate(data), []
    except ValidationError as error:
        return CreditSettings(), problems_of(prefix, error)


__all__ = [
    "CreditRule",
    "CreditSettings",
    "CreditStep",
    "validate_credits",
]
