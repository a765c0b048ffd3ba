"""Compiled policies: ordered first-match selection, calendar choice and targets by priority."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slabridge.sla.calendar import BusinessCalendar, CalendarSpec, compile_calendar
from slabridge.sla.ticket import Ticket

if TYPE_CHECKING:  # conditions.py imports match_text from here
    from slabridge.sla.conditions import Condition

# A built-in calendar every policy may name without defining it: always open, in UTC.
BUILTIN_CALENDAR = "24x7"
BUILTIN_CALENDAR_SPEC = CalendarSpec(name=BUILTIN_CALENDAR, timezone="UTC", always=True)
MATCH_KEYS: tuple[str, ...] = (
    "tier",
    "product",
    "priority",
    "source",
    "type",
    "channel",
    "tags_any",
    "tags_all",
)
TARGET_KEYS: tuple[str, ...] = ("low", "normal", "high", "urgent", "default")
DEFAULT_PAUSE_ON: Mapping[str, frozenset[str]] = {
    "first_response": frozenset(),
    "next_response": frozenset(),
    "resolution": frozenset({"pending"}),
    "periodic_update": frozenset(),
    "pausable_update": frozenset({"pending", "on_hold"}),
    "group_ownership": frozenset(),
}


def match_text(value: Any) -> str | None:
    """How a ticket or policy value compares: exact, case-sensitive text; booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class MatchRule:
    """One key of a policy's ``match``: the ticket's value must be one of ``values``."""

    key: str
    values: tuple[str, ...]

    def ticket_values(self, ticket: Ticket, priority: str) -> tuple[str, ...]:
        """The ticket's value(s) for this key, as compared (a list-valued field gives many)."""
        key = self.key
        if key == "priority":
            return (priority,)
        if key in ("tags_any", "tags_all"):
            return ticket.tags
        if key == "tier":
            raw: Any = ticket.customer.tier if ticket.customer is not None else None
        elif key in ("product", "source", "type", "channel"):
            raw = getattr(ticket, key)
        else:  # fields.NAME or customer.NAME
            raw = ticket.lookup(key)
        items = raw if isinstance(raw, list | tuple) else (raw,)
        return tuple(text for text in map(match_text, items) if text is not None)

    def holds(self, ticket: Ticket, priority: str) -> bool:
        key = self.key
        if key == "tier":  # the common cases, without building a tuple
            customer = ticket.customer
            return customer is not None and customer.tier in self.values
        if key == "priority":
            return priority in self.values
        if key in ("product", "source", "type", "channel"):
            return getattr(ticket, key) in self.values
        found = self.ticket_values(ticket, priority)
        if self.key == "tags_all":
            return all(value in found for value in self.values)
        return any(value in self.values for value in found)

    def describe(self) -> str:
        wanted = ", ".join(self.values)
        if self.key == "tags_all":
            return f"tags_all needs every tag of [{wanted}]"
        if self.key == "tags_any":
            return f"tags_any needs one tag of [{wanted}]"
        if len(self.values) == 1:
            return f"{self.key} must be {wanted}"
        return f"{self.key} must be one of [{wanted}]"


@dataclass(frozen=True, slots=True)
class CalendarChoice:
    """A fixed calendar name, or one chosen by a ticket attribute (``by``/``map``/``default``)."""

    default: str
    by: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, ticket: Ticket) -> str:
        by = self.by
        if by is None:
            return self.default
        value = ticket.lookup(by)
        if value is None:
            return self.default
        key = value if value.__class__ is str else match_text(value)
        return self.default if key is None else self.mapping.get(key, self.default)

    def names(self) -> set[str]:
        return {self.default, *self.mapping.values()}


@dataclass(frozen=True, slots=True)
class MetricTarget:
    """A metric's target within one priority of a policy."""

    metric: str
    seconds: int
    calendar: CalendarChoice | None = None
    pause_on: frozenset[str] = frozenset()
    # Tag and field conditions (docs/policy.md, "Pause and stop on conditions"): any of
    # pause_when pauses the clock while it holds; the first instant any of stop_when holds
    # stops the cycle.
    pause_when: tuple[Condition, ...] = ()
    stop_when: tuple[Condition, ...] = ()
    # group_ownership only: the target of each group (docs/policy.md, "Group ownership").
    groups: GroupTargets | None = None


@dataclass(frozen=True, slots=True)
class GroupTargets:
    """The targets of ``group_ownership`` by group: a group's own, else ``other`` (or none).

    Each is a complete :class:`MetricTarget` (its calendar and ``pause_on`` already include
    what the group inherits from the metric), so the engine needs no defaults here.
    """

    by_group: Mapping[str, MetricTarget] = field(default_factory=dict)
    other: MetricTarget | None = None

    def for_group(self, group: str) -> MetricTarget | None:
        """The target a stint of ``group`` is judged by; None: that group is not measured."""
        found = self.by_group.get(group)
        return self.other if found is None else found


@dataclass(frozen=True, slots=True)
class Settings:
    """``settings:`` of the policy file; ``warn_at`` is a fraction of the target."""

    warn_at: float | None = 0.75
    warn_before: int | None = None
    default_priority: str = "normal"
    reopen: str = "resume"


@dataclass(frozen=True, slots=True)
class Policy:
    """One entry of ``policies:``, compiled."""

    name: str
    match: tuple[MatchRule, ...] = ()
    calendar: CalendarChoice = field(default_factory=lambda: CalendarChoice(BUILTIN_CALENDAR))
    targets: Mapping[str, Mapping[str, MetricTarget]] = field(default_factory=dict)

    def first_failing(self, ticket: Ticket, priority: str) -> MatchRule | None:
        """The first match rule the ticket fails, or None when the policy applies."""
        for rule in self.match:
            if not rule.holds(ticket, priority):
                return rule
        return None

    def targets_for(self, priority: str) -> Mapping[str, MetricTarget]:
        """The targets of this priority's block, else of ``default``; {} when neither exists."""
        block = self.targets.get(priority)
        if block is None:
            block = self.targets.get("default", {})
        return block


@dataclass(frozen=True, slots=True)
class MatchStep:
    """How one policy fared for a ticket in first-match order (for ``slabridge explain``)."""

    policy: Policy
    failed: MatchRule | None
    found: tuple[str, ...] = ()


class PolicySet:
    """Ordered policies with their calendars and settings: what ``evaluate`` needs."""

    def __init__(
        self,
        policies: Iterable[Policy],
        calendars: Mapping[str, CalendarSpec] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.policies: tuple[Policy, ...] = tuple(policies)
        specs = dict(calendars or {})
        specs.setdefault(BUILTIN_CALENDAR, BUILTIN_CALENDAR_SPEC)
        self.calendar_specs: Mapping[str, CalendarSpec] = specs
        self.settings = settings or Settings()
        # Compiled calendars by name, filled on first use (the engine reads it directly).
        self.compiled: dict[str, BusinessCalendar] = {}
        # The engine's per-(policy, priority) working, cached by slabridge.sla.evaluate.
        self.plans: dict[tuple[int, str], tuple[Any, ...]] = {}

    def calendar(self, name: str) -> BusinessCalendar:
        compiled = self.compiled.get(name)
        if compiled is None:
            compiled = compile_calendar(self.calendar_specs[name])
            self.compiled[name] = compiled
        return compiled

    def effective_priority(self, priority: str | None) -> str:
        return priority if priority is not None else self.settings.default_priority

    def match(self, ticket: Ticket, priority: str | None = None) -> Policy | None:
        """The first policy whose every match key holds (``priority``: the effective one)."""
        # effective_priority() inline: one call per ticket on the engine's hot path (0.4 %).
        effective = priority if priority is not None else ticket.priority
        if effective is None:
            effective = self.settings.default_priority
        for policy in self.policies:
            for rule in policy.match:
                if not rule.holds(ticket, effective):
                    break
            else:
                return policy
        return None

    def explain_match(self, ticket: Ticket, priority: str | None = None) -> list[MatchStep]:
        """Each policy up to and including the one that applies, with the key that failed."""
        effective = self.effective_priority(priority if priority is not None else ticket.priority)
        steps: list[MatchStep] = []
        for policy in self.policies:
            failed = policy.first_failing(ticket, effective)
            found = () if failed is None else failed.ticket_values(ticket, effective)
            steps.append(MatchStep(policy, failed, found))
            if failed is None:
                break
        return steps


__all__ = [
    "BUILTIN_CALENDAR",
    "BUILTIN_CALENDAR_SPEC",
    "DEFAULT_PAUSE_ON",
    "MATCH_KEYS",
    "TARGET_KEYS",
    "CalendarChoice",
    "GroupTargets",
    "MatchRule",
    "MatchStep",
    "MetricTarget",
    "Policy",
    "PolicySet",
    "Settings",
    "match_text",
]
