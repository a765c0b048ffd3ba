"""The ``alerts:`` section: channels (validated by the notifier registry) and rules.

A rule says which cycles (``scope``, ``metrics``) page which channel at which escalation level
(``levels``, in order: level 1 is the first), whether a level waits for the ``quiet_hours``
calendar to open and whether one run's alerts go out as one ``digest`` per channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError

from slabridge.sections.scope import SCOPE_KEYS, Scope, StrOrList
from slabridge.sections.validation import Problem, error_path
from slabridge.sla.durations import DurationError, parse_duration
from slabridge.sla.results import METRICS

_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_LEFT = re.compile(r"^\s*(\S+)\s+left\s*$")
_AFTER_BREACH = re.compile(r"^\s*breach\s*\+\s*(\S+)\s*$")
_BUDGET = re.compile(r"^\s*budget\s+(\d+(?:\.\d+)?)\s*%\s*$")
_BURN = re.compile(r"^\s*burn\s+(\S+)\s*$")
BUDGET_HINT = (
    "is not a goal level (write budget 50% for a share of the error budget spent, "
    "or burn fast / burn slow)"
)
# The window pairs of slabridge.report.budget.BURN_WINDOWS (kept literal: no report import here).
BURN_WINDOW_NAMES: tuple[str, ...] = ("fast", "slow")
AT_HINT = "is not a share (75%), a time left (30m left), 'breach' or 'breach + 2h'"
RULE_SCOPE_KEYS: tuple[str, ...] = (*SCOPE_KEYS, "policy", "connector")


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a level trips: at a share of the target, at a time left, or at breach + a delay."""

    kind: str  # share | left | breach; for a goal rule: budget | burn
    share: Fraction = Fraction(0)  # of the target (share), of the error budget spent (budget)
    seconds: int = 0  # time left (left) or delay after the breach (breach)
    window: str = ""  # burn: the window pair, fast or slow

    @property
    def is_breach(self) -> bool:
        return self.kind == "breach"

    @property
    def is_goal_level(self) -> bool:
        """A level on a goal's error budget (``budget 50%``, ``burn fast``), not on a ticket."""
        return self.kind in ("budget", "burn")

    def threshold(self, target_seconds: int) -> float:
        """Business seconds elapsed at which a ``share``/``left`` level trips."""
        if self.kind == "share":
            return float(self.share * target_seconds)
        return float(max(target_seconds - self.seconds, 0))

    def label(self) -> str:
        if self.kind == "share":
            return f"{float(self.share * 100):g}%"
        if self.kind == "budget":
            return f"budget {float(self.share * 100):g}%"
        if self.kind == "burn":
            return f"burn {self.window}"
        if self.kind == "left":
            return f"{_short(self.seconds)} left"
        return "breach" if not self.seconds else f"breach + {_short(self.seconds)}"


def _short(seconds: int) -> str:
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def parse_trigger(value: Any) -> Trigger:
    """``75%``, ``30m left``, ``breach`` or ``breach + 2h`` as a :class:`Trigger`."""
    if isinstance(value, Trigger):
        return value
    fail = ValueError(f"'{value}' {AT_HINT}")
    if not isinstance(value, str):
        raise fail
    text = value.strip()
    if text == "breach":
        return Trigger("breach")
    if text.startswith(("budget", "burn")):
        return _goal_trigger(text, value)
    try:
        if found := _SHARE.match(text):
            share = Fraction(Decimal(found.group(1))) / 100
            if not 0 < share < 1:
                raise ValueError(f"'{value}': a share must be above 0% and below 100% (use breach)")
            return Trigger("share", share=share)
        if found := _LEFT.match(text):
            return Trigger("left", seconds=parse_duration(found.group(1)))
        if found := _AFTER_BREACH.match(text):
            return Trigger("breach", seconds=parse_duration(found.group(1)))
    except DurationError as error:
        raise ValueError(f"'{value}' {AT_HINT} ({error})") from None
    raise fail


def _goal_trigger(text: str, value: str) -> Trigger:
    if found := _BUDGET.match(text):
        share = Fraction(Decimal(found.group(1))) / 100
        if not 0 < share <= 1:
            raise ValueError(f"'{value}': a budget share must be above 0% and at most 100%")
        return Trigger("budget", share=share)
    if (found := _BURN.match(text)) and found.group(1) in BURN_WINDOW_NAMES:
        return Trigger("burn", window=found.group(1))
    raise ValueError(f"'{value}' {BUDGET_HINT}")


class _Strict(BaseModel):
    # Not strict: YAML lists become the tuples below; booleans stay strict (StrictBool).
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleScope(Scope):
    """Which cycles a rule looks at: a goal's scope keys plus ``policy`` and ``connector``."""

    policy: StrOrList | None = None
    connector: StrOrList | None = None

    def conditions(self) -> dict[str, tuple[str, ...]]:
        found = super().conditions()
        for key in ("policy", "connector"):
            value = getattr(self, key)
            if value is not None:
                found[key] = value
        return found


class Level(_Strict):
    """One escalation level: when it trips, whom it tells, and whether it may wake them."""

    at: Annotated[Trigger, BeforeValidator(parse_trigger)]
    notify: str
    urgent: StrictBool = False  # true: sent at once even outside the quiet-hours calendar's hours


class QuietHours(_Strict):
    calendar: str


class Rule(_Strict):
    """``alerts.rules[i]``."""

    name: str = Field(min_length=1)
    goal: str | None = None  # a goal's name: the levels watch its error budget (docs/slo.md)
    scope: RuleScope = Field(default_factory=RuleScope)
    metrics: tuple[str, ...] = METRICS
    levels: tuple[Level, ...] = Field(min_length=1)
    quiet_hours: QuietHours | None = None
    digest: StrictBool = False


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    """The validated ``alerts:`` section; ``channels`` stays raw for the notifier registry."""

    channels: Mapping[str, Any]
    rules: tuple[Rule, ...] = ()


ChannelCheck = Callable[[Mapping[str, Any]], list[Problem]]


def validate_alerts(
    raw: Any,
    *,
    calendars: set[str],
    check_channels: ChannelCheck | None = None,
    prefix: str = "alerts",
    goals: Sequence[str] | None = None,
) -> tuple[AlertsSettings, list[Problem]]:
    """Validate a raw ``alerts:`` mapping; return the settings and every problem with its path.

    Args:
        raw: The section as read from YAML (``${ENV}`` already substituted).
        calendars: Names of the configured calendars (``quiet_hours.calendar`` must be one).
        check_channels: Validates ``channels`` entries (the notifier registry's check); without
            it an entry only needs a ``type``.
        prefix: The key path of the section, for messages.
        goals: Names of the configured goals (a rule's ``goal:`` must be one); None skips it.
    """
    empty = AlertsSettings(channels={})
    if raw is None:
        return empty, []
    if not isinstance(raw, Mapping):
        return empty, [(prefix, "expected a mapping with channels: and rules:")]
    problems: list[Problem] = []
    for key in raw:
        if key not in ("channels", "rules"):
            problems.append((f"{prefix}.{key}", "unknown key (valid: channels, rules)"))
    channels = _channels(raw.get("channels"), prefix, check_channels, problems)
    indexed = _rules(raw.get("rules"), f"{prefix}.rules", problems)
    rules = [rule for _, rule in indexed]
    # The index in the file, not among the valid rules: a rule dropped for a bad key must not
    # shift the paths of the problems found in the rules after it.
    for index, rule in indexed:
        where = f"{prefix}.rules[{index}]"
        problems.extend(_rule_references(rule, where, prefix, channels, calendars))
        problems.extend(_goal_rule_problems(rule, where, goals))
    return AlertsSettings(channels=channels, rules=tuple(rules)), problems


def _channels(
    raw: Any, prefix: str, check_channels: ChannelCheck | None, problems: list[Problem]
) -> dict[str, Any]:
    """The ``channels`` entries by name; their problems are added to ``problems``."""
    if not isinstance(raw or {}, Mapping):
        problems.append((f"{prefix}.channels", "expected a mapping of channel names"))
        raw = {}
    channels = {str(name): entry for name, entry in (raw or {}).items()}
    if check_channels is not None:
        problems.extend(check_channels(channels))
        return channels
    for name, entry in channels.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
            problems.append((f"{prefix}.channels.{name}.type", "expected a notifier type"))
    return channels


def _rule_references(
    rule: Rule, where: str, prefix: str, channels: Mapping[str, Any], calendars: set[str]
) -> list[Problem]:
    """A rule's channels, quiet-hours calendar and metrics that do not exist."""
    problems: list[Problem] = []
    for number, level in enumerate(rule.levels):
        if level.notify not in channels:
            known = ", ".join(sorted(channels)) or "none"
            problems.append(
                (
                    f"{where}.levels[{number}].notify",
                    f"{level.notify!r} is not a channel under {prefix}.channels "
                    f"(configured: {known})",
                )
            )
    if rule.quiet_hours is not None and rule.quiet_hours.calendar not in calendars:
        problems.append(
            (
                f"{where}.quiet_hours.calendar",
                f"{rule.quiet_hours.calendar!r} is not a calendar "
                f"(defined: {', '.join(sorted(calendars))})",
            )
        )
    for number, metric in enumerate(rule.metrics):
        if metric not in METRICS:
            problems.append(
                (f"{where}.metrics[{number}]", f"{metric!r} (valid: {', '.join(METRICS)})")
            )
    return problems


def _goal_rule_problems(rule: Rule, where: str, goals: Sequence[str] | None) -> list[Problem]:
    """A goal rule has goal levels only, and no ticket scope; a ticket rule no goal levels."""
    found: list[Problem] = []
    if rule.goal is None:
        for number, level in enumerate(rule.levels):
            if level.at.is_goal_level:
                found.append(
                    (
                        f"{where}.levels[{number}].at",
                        f"'{level.at.label()}' watches a goal: give the rule a goal: "
                        "(the name of a goal under goals:)",
                    )
                )
        return found
    if goals is not None and rule.goal not in goals:
        known = ", ".join(goals) or "none"
        found.append((f"{where}.goal", f"{rule.goal!r} is not a goal (configured: {known})"))
    for key in ("scope", "metrics"):
        if key in rule.model_fields_set:
            found.append((f"{where}.{key}", "a goal rule counts the goal's own cycles: remove it"))
    for number, level in enumerate(rule.levels):
        if not level.at.is_goal_level:
            found.append(
                (
                    f"{where}.levels[{number}].at",
                    f"'{level.at.label()}' is a ticket level; a goal rule takes budget 50% or "
                    "burn fast / burn slow",
                )
            )
    return found


def _rules(raw: Any, prefix: str, problems: list[Problem]) -> list[tuple[int, Rule]]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        problems.append((prefix, "expected a list of rules"))
        return []
    rules: list[tuple[int, Rule]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        try:
            rule = Rule.model_validate(entry)
        except ValidationError as error:
            for item in error.errors(include_input=False, include_url=False):
                message = str(item["msg"]).removeprefix("Value error, ")
                problem = (error_path(f"{prefix}[{index}]", item["loc"]), message)
                if problem not in problems:
                    problems.append(problem)
            continue
        if rule.name in seen:
            first = f"{prefix}[{seen[rule.name]}]"
            problems.append(
                (f"{prefix}[{index}].name", f"{rule.name!r} is already used by {first}")
            )
        seen.setdefault(rule.name, index)
        rules.append((index, rule))
    return rules


__all__ = [
    "AT_HINT",
    "BUDGET_HINT",
    "BURN_WINDOW_NAMES",
    "RULE_SCOPE_KEYS",
    "AlertsSettings",
    "ChannelCheck",
    "Level",
    "QuietHours",
    "Rule",
    "RuleScope",
    "Trigger",
    "parse_trigger",
    "validate_alerts",
]
