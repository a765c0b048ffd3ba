"""The report's settings: ``goals:`` and ``credits:`` as one step, and their models.

The models live in :mod:`slabridge.sections` (config and alert rules read them too, and must not
depend on the report); they are re-exported here for the report's modules and their users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slabridge.errors import InputError
from slabridge.sections.credits import CreditRule, CreditSettings, CreditStep, validate_credits
from slabridge.sections.figures import (
    DurationSeconds,
    Percent,
    format_percent,
    format_seconds,
    parse_duration_seconds,
    parse_percent,
    percent_number,
    short_percent,
)
from slabridge.sections.goals import Goal, GoalPeriod, validate_goals
from slabridge.sections.scope import SCOPE_KEYS, Scope, StrOrList
from slabridge.sections.validation import Problem, error_path


class ReportSettingsError(InputError, ValueError):
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
    "DurationSeconds",
    "Goal",
    "GoalPeriod",
    "Percent",
    "Problem",
    "ReportSettingsError",
    "Scope",
    "StrOrList",
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
