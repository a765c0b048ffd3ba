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

from slabridge.report.models import SCOPE_KEYS, Problem, Scope, StrOrList, error_path
from slabridge.sla.durations import DurationError, parse_duration
from slabridge.sla.results import METRICS

_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_LEFT = re.compile(r"^\s*(\S+)\s+left\s*$")
_AFTER_BREACH = re.compile(r"^\s*breach\s*\+\s*(\S+)\s*$")
AT_HINT = "is not a share (75%), a time left (30m left), 'breach' or 'breach + 2h'"
RULE_SCOPE_KEYS: tuple[str, ...] = (*SCOPE_KEYS, "policy", "connector")


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a level trips: at a share of the target, at a time left, or at breach + a delay."""

    kind: str  # share | left | breach
    share: Fraction = Fraction(0)
    seconds: int = 0  # time left (left) or delay after the breach (breach)

    @property
    def is_breach(self) -> bool:
        return self.kind == "breach"

    def threshold(self, target_seconds: int) -> float:
        """Business seconds elapsed at which a ``share``/``left`` level trips."""
        if self.kind == "share":
            return float(self.share * target_seconds)
        return float(max(target_seconds - self.seconds, 0))

    def label(self) -> str:
        if self.kind == "share":
            return f"{float(self.share * 100):g}%"
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
) -> tuple[AlertsSettings, list[Problem]]:
    """Validate a raw ``alerts:`` mapping; return the settings and every problem with its path.

    Args:
        raw: The section as read from YAML (``${ENV}`` already substituted).
        calendars: Names of the configured calendars (``quiet_hours.calendar`` must be one).
        check_channels: Validates ``channels`` entries (the notifier registry's check); without
            it an entry only needs a ``type``.
        prefix: The key path of the section, for messages.
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
    rules = _rules(raw.get("rules"), f"{prefix}.rules", problems)
    for index, rule in enumerate(rules):
        problems.extend(
            _rule_references(rule, f"{prefix}.rules[{index}]", prefix, channels, calendars)
        )
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


def _rules(raw: Any, prefix: str, problems: list[Problem]) -> list[Rule]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        problems.append((prefix, "expected a list of rules"))
        return []
    rules: list[Rule] = []
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
        rules.append(rule)
    return rules


__all__ = [
    "AT_HINT",
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
