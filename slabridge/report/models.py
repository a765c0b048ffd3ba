"""Config models for compliance goals and service credits (`goals:` and `credits:`)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from slabridge.sla.durations import parse_duration
from slabridge.sla.policy import MATCH_KEYS
from slabridge.sla.results import METRICS

GoalPeriod = Literal["week", "month", "quarter"]
# Keys a goal's scope may use: the policy match keys, plus `customer` (a customer id).
SCOPE_KEYS: tuple[str, ...] = (*MATCH_KEYS, "customer")

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def parse_percent(value: Any) -> Fraction:
    """``"99.5%"`` -> Fraction(199, 200), exactly; only the string form with ``%`` is accepted."""
    if isinstance(value, Fraction):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a percentage like 95% or 99.5%")
    found = _PERCENT.match(value)
    if found is None:
        raise ValueError("not a percentage (write it like 95% or 99.5%)")
    try:
        share = Fraction(Decimal(found.group(1))) / 100
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise ValueError("not a percentage (write it like 95% or 99.5%)") from None
    if share > 1:
        raise ValueError("a percentage must be between 0% and 100%")
    return share


def parse_duration_seconds(value: Any) -> int:
    """``"1h30m"`` -> 5400; the same duration syntax as policy targets (POLICY.md §1)."""
    return parse_duration(value)


def format_percent(share: Fraction | None, places: int = 2) -> str:
    """Display a share as a percentage, truncated (never rounded up across a credit boundary)."""
    if share is None:
        return "n/a"
    scaled = share * 100 * 10**places
    whole = scaled.numerator // scaled.denominator
    text = f"{whole // 10**places}"
    if places:
        text += f".{whole % 10**places:0{places}d}"
    return text + "%"


def short_percent(share: Fraction) -> str:
    """``Fraction(19, 20)`` -> ``95%``; for labels of configured values (exact up to 2 places)."""
    text = format_percent(share)
    return text.replace(".00%", "%")


def percent_number(share: Fraction | None, places: int = 2) -> float | None:
    """The truncated display percentage as a JSON number (exact counts are reported beside it)."""
    if share is None:
        return None
    return float(format_percent(share, places).rstrip("%"))


Percent = Annotated[Fraction, BeforeValidator(parse_percent)]
DurationSeconds = Annotated[int, BeforeValidator(parse_duration_seconds)]


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("expected a string or a non-empty list of strings")


# A match value: one string, or a list meaning "any of" (as in policy `match:`).
StrOrList = Annotated[tuple[str, ...], BeforeValidator(_strings)]


def _as_list(value: tuple[str, ...] | None) -> tuple[str, ...]:
    return () if value is None else value


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )


class Scope(_Strict):
    """Which cycles a goal counts: the policy match keys, ANDed; a list means any of."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    tier: StrOrList | None = None
    product: StrOrList | None = None
    priority: StrOrList | None = None
    source: StrOrList | None = None
    type: StrOrList | None = None
    channel: StrOrList | None = None
    tags_any: StrOrList | None = None
    tags_all: StrOrList | None = None
    customer: StrOrList | None = None

    @model_validator(mode="after")
    def _only_field_keys(self) -> Scope:
        for key, value in (self.model_extra or {}).items():
            if not key.startswith("fields.") or key == "fields.":
                raise ValueError(
                    f"unknown scope key {key!r} (use {', '.join(SCOPE_KEYS)} or fields.NAME)"
                )
            try:
                _strings(value)
            except ValueError:
                raise ValueError(
                    f"{key}: expected a string or a non-empty list of strings"
                ) from None
        return self

    def conditions(self) -> dict[str, tuple[str, ...]]:
        """Each key that is set, with its accepted values."""
        found: dict[str, tuple[str, ...]] = {}
        for key in SCOPE_KEYS:
            value = getattr(self, key)
            if value is not None:
                found[key] = _as_list(value)
        for key, value in (self.model_extra or {}).items():
            found[key] = _strings(value)
        return found


class Goal(_Strict):
    """`N% of <metric> cycles achieved (or stopped within a threshold) per period`."""

    name: str | None = None
    metric: Literal["first_response", "next_response", "resolution"]
    share: Percent
    within: DurationSeconds | None = None
    period: GoalPeriod = "month"
    scope: Scope = Field(default_factory=Scope)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        text = f"{self.metric} {short_percent(self.share)}"
        if self.within is not None:
            text += f" within {format_seconds(self.within)}"
        return text


class CreditStep(_Strict):
    """One line of a credit schedule: compliance strictly below `below` earns `credit`."""

    below: Percent
    credit: Percent


class CreditRule(_Strict):
    """A credit schedule with an optional cap, for one tier or one customer."""

    metrics: list[Literal["first_response", "next_response", "resolution"]] | None = None
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


class CreditSettings(_Strict):
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


def format_seconds(seconds: float | Fraction | None) -> str:
    """``5400`` -> ``1h 30m``; business durations for people (whole seconds, truncated)."""
    if seconds is None:
        return "n/a"
    total = int(seconds)
    if total == 0:
        return "0s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes else []
    parts += [f"{secs}s"] if secs and not days else []
    return " ".join(parts)


_GOALS = TypeAdapter(list[Goal])
# A problem in the file: its key path and what is wrong (ConfigIssue's shape in slabridge.config).
Problem = tuple[str, str]


_MESSAGES = {"extra_forbidden": "unknown key", "missing": "missing required key"}


def error_path(prefix: str, location: Sequence[int | str]) -> str:
    """``("goals", (0, "share"))`` -> ``goals[0].share``."""
    path = prefix
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "literal[", "union[")) or part in ("str", "list[str]"):
            continue  # pydantic's validator and union-branch markers are not keys in the file
        else:
            path += f".{part}" if path else part
    return path


def _problems(prefix: str, error: ValidationError) -> list[Problem]:
    found: list[Problem] = []
    for item in error.errors(include_input=False, include_url=False):
        message = _MESSAGES.get(item["type"], str(item["msg"]).removeprefix("Value error, "))
        problem = (error_path(prefix, item["loc"]), message)
        if problem not in found:
            found.append(problem)
    return found


def _names_unique(prefix: str, goals: Sequence[Goal]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for index, goal in enumerate(goals):
        if goal.name is None:
            continue
        if goal.name in seen:
            first = f"{prefix}[{seen[goal.name]}]"
            problems.append(
                (f"{prefix}[{index}].name", f"{goal.name!r} is already used by {first}")
            )
        seen.setdefault(goal.name, index)
    return problems


def validate_goals(raw: Any, prefix: str = "goals") -> tuple[list[Goal], list[Problem]]:
    """Validate a raw `goals:` list; returns the goals and every problem with its key path."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [(prefix, "expected a list of goals")]
    try:
        goals = _GOALS.validate_python(raw)
    except ValidationError as error:
        return [], _problems(prefix, error)
    return goals, _names_unique(prefix, goals)


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
        return CreditSettings(), _problems(prefix, error)


class ReportSettingsError(ValueError):
    """`goals:` or `credits:` is invalid; `problems` holds every (key path, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.problems))


def load_report_settings(data: Mapping[str, Any]) -> tuple[list[Goal], CreditSettings]:
    """Goals and credits from a parsed config mapping; raises ReportSettingsError listing all."""
    goals, goal_problems = validate_goals(data.get("goals"))
    credits, credit_problems = validate_credits(data.get("credits"))
    if goal_problems or credit_problems:
        raise ReportSettingsError(goal_problems + credit_problems)
    return goals, credits


__all__ = [
    "SCOPE_KEYS",
    "CreditRule",
    "CreditSettings",
    "CreditStep",
    "Goal",
    "GoalPeriod",
    "Problem",
    "ReportSettingsError",
    "Scope",
    "error_path",
    "format_percent",
    "format_seconds",
    "load_report_settings",
    "parse_duration_seconds",
    "parse_percent",
    "percent_number",
    "short_percent",
    "validate_credits",
    "validate_goals",
]
