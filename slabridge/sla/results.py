"""What the engine returns for a ticket: cycles, metrics and the evaluation (POLICY.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from slabridge.sla.ticket import format_timestamp

CycleStatus = Literal["active", "paused", "achieved", "breached"]
METRICS: tuple[str, ...] = (
    "first_response",
    "next_response",
    "resolution",
    # Zendesk's "periodic update" and "pausable update": the time between public agent
    # replies while the ticket is unsolved (docs/policy.md, decision 62).
    "periodic_update",
    "pausable_update",
    # One cycle per stint of a ticket with a group, judged by that group's target and calendar
    # (an OLA, as Zendesk's group SLAs; docs/policy.md, "Group ownership").
    "group_ownership",
)
# The same names as a type, for the config models that name a metric (goals:, credits:);
# tests/sla/test_results.py keeps the two equal.
MetricName = Literal[
    "first_response",
    "next_response",
    "resolution",
    "periodic_update",
    "pausable_update",
    "group_ownership",
]


_NO_INSTANTS: dict[float, datetime] = {}
_EPOCH = (float, int)  # what the engine passes instead of a datetime
# A cycle's public fields, in constructor order (equality and repr, like the dataclass it was).
_CYCLE_FIELDS = (
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
)


class Cycle:
    """One run of a metric's clock, from its start to its stop (or to now).

    Built like a dataclass with datetimes (``Cycle(status, calendar, ...)``). The engine passes
    epoch floats and the ticket's own datetimes by float (``instants``) instead: it builds
    millions of cycles and most are never read as datetimes (the bulk output prints floats), so
    an instant becomes a datetime on first access, once. Treat it as read-only.
    """

    __slots__ = (
        "_breached",
        "_due",
        "_instants",
        "_started",
        "_stopped",
        "at_risk",
        "calendar",
        "elapsed_seconds",
        "remaining_seconds",
        "status",
        "target_seconds",
    )

    def __init__(
        self,
        status: CycleStatus,
        calendar: str,
        target_seconds: int,
        started_at: datetime | float,
        stopped_at: datetime | float | None,
        due_at: datetime | float | None,
        breached_at: datetime | float | None,
        elapsed_seconds: int,
        remaining_seconds: int,
        at_risk: bool,
        instants: dict[float, datetime] = _NO_INSTANTS,
    ) -> None:
        self.status = status
        self.calendar = calendar
        self.target_seconds = target_seconds
        self._started = started_at
        self._stopped = stopped_at
        self._due = due_at
        self._breached = breached_at
        self.elapsed_seconds = elapsed_seconds
        self.remaining_seconds = remaining_seconds
        self.at_risk = at_risk
        self._instants = instants

    # Only an OwnedCycle (group_ownership) has an owner; class defaults keep other cycles as
    # cheap to build as before.
    group: str | None = None
    agent: str | None = None

    def _moment(self, instant: float) -> datetime:
        return self._instants.get(instant) or datetime.fromtimestamp(instant, UTC)

    @property
    def started_at(self) -> datetime:
        value = self._started
        if isinstance(value, _EPOCH):
            value = self._started = self._moment(value)
        return value

    @property
    def stopped_at(self) -> datetime | None:
        value = self._stopped
        if isinstance(value, _EPOCH):
            value = self._stopped = self._moment(value)
        return value

    @property
    def due_at(self) -> datetime | None:
        value = self._due
        if isinstance(value, _EPOCH):
            value = self._due = self._moment(value)
        return value

    @property
    def breached_at(self) -> datetime | None:
        value = self._breached
        if isinstance(value, _EPOCH):
            value = self._breached = self._moment(value)
        return value

    def _fields(self) -> tuple[Any, ...]:
        return (*(getattr(self, name) for name in _CYCLE_FIELDS), self.group, self.agent)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cycle) or other.__class__ not in (Cycle, OwnedCycle):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        names = _CYCLE_FIELDS if self.group is None else (*_CYCLE_FIELDS, "group", "agent")
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._fields(), strict=False))
        return f"Cycle({inner})"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status,
            "calendar": self.calendar,
            "target_seconds": self.target_seconds,
            "started_at": _ts(self.started_at),
            "stopped_at": _ts(self.stopped_at),
            "due_at": _ts(self.due_at),
            "breached_at": _ts(self.breached_at),
            "elapsed_seconds": self.elapsed_seconds,
            "remaining_seconds": self.remaining_seconds,
            "at_risk": self.at_risk,
        }
        if self.group is not None:  # a group_ownership cycle says whose stint it was
            data["group"] = self.group
            data["agent"] = self.agent
        return data


class OwnedCycle(Cycle):
    """A group_ownership cycle: a :class:`Cycle` with the ``group`` of its stint and the
    ``agent`` assigned at its stop (or now); both are set after it is built."""

    __slots__ = ("agent", "group")

    def __init__(self, *args: Any, group: str | None = None, agent: str | None = None) -> None:
        super().__init__(*args)
        self.group = group
        self.agent = agent

    @classmethod
    def of(cls, cycle: Cycle, group: str | None, agent: str | None) -> OwnedCycle:
        """``cycle`` with an owner (its instants stay as they are: floats until read)."""
        owned: OwnedCycle = object.__new__(cls)
        for name in Cycle.__slots__:
            setattr(owned, name, getattr(cycle, name))
        owned.group = group
        owned.agent = agent
        return owned


@dataclass(slots=True)
class MetricResult:
    """All cycles of one metric; its top-level view is the latest cycle (read-only, see Cycle)."""

    name: str
    cycles: tuple[Cycle, ...]

    @property
    def latest(self) -> Cycle:
        return self.cycles[-1]

    @property
    def breached(self) -> bool:
        return any(cycle.status == "breached" for cycle in self.cycles)

    @property
    def at_risk(self) -> bool:
        return any(cycle.at_risk for cycle in self.cycles)

    def to_json(self) -> dict[str, Any]:
        cycles = [cycle.to_json() for cycle in self.cycles]
        data = dict(cycles[-1])
        data["cycles"] = cycles
        return data


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The engine's verdict on one ticket at one instant."""

    ticket_id: str
    policy: str | None
    evaluated_at: datetime
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    # The next instant at which this evaluation would change by the clock alone (a warning or a
    # due time of a running cycle); None when nothing is running. The sync uses it to re-check.
    next_instant: datetime | None = None

    @property
    def breached(self) -> bool:
        return any(metric.breached for metric in self.metrics.values())

    @property
    def at_risk(self) -> bool:
        return any(metric.at_risk for metric in self.metrics.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket_id,
            "policy": self.policy,
            "evaluated_at": format_timestamp(self.evaluated_at),
            "breached": self.breached,
            "at_risk": self.at_risk,
            "metrics": {name: result.to_json() for name, result in self.metrics.items()},
        }


def _ts(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is UTC:  # the engine's own instants: a fast path for bulk output
        return moment.isoformat().replace("+00:00", "Z")
    return format_timestamp(moment)


__all__ = ["METRICS", "Cycle", "CycleStatus", "Evaluation", "MetricResult", "OwnedCycle"]
