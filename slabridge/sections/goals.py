"""The ``goals:`` section: compliance goals per period, each over a scope of tickets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from slabridge.sections.figures import DurationSeconds, Percent, format_seconds, short_percent
from slabridge.sections.scope import Scope
from slabridge.sections.validation import Problem, StrictModel, problems_of
from slabridge.sla.results import MetricName

GoalPeriod = Literal["week", "month", "quarter"]


class Goal(StrictModel):
    """`N% of <metric> cycles achieved (or stopped within a threshold) per period`."""

    name: str | None = None
    metric: MetricName
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


_GOALS = TypeAdapter(list[Goal])


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
        return [], problems_of(prefix, error)
    return goals, _names_unique(prefix, goals)


__all__ = [
    "Goal",
    "GoalPeriod",
    "validate_goals",
]
