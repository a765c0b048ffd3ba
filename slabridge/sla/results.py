"""What the engine returns for a ticket: cycles, metrics and the evaluation (POLICY.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from slabridge.sla.ticket import format_timestamp

CycleStatus = Literal["active", "paused", "achieved", "breached"]
METRICS: tuple[str, ...] = ("first_response", "next_response", "resolution")


@dataclass(slots=True)
class Cycle:
    """One run of a metric's clock, from its start to its stop (or to now).

    Not frozen on purpose: the engine builds millions of these and a frozen dataclass costs
    twice as much to construct. Treat it as read-only.
    """

    status: CycleStatus
    calendar: str
    target_seconds: int
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    breached_at: datetime | None
    elapsed_seconds: int
    remaining_seconds: int
    at_risk: bool

    def to_json(self) -> dict[str, Any]:
        return {
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


__all__ = ["METRICS", "Cycle", "CycleStatus", "Evaluation", "MetricResult"]
