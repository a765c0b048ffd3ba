"""Goals as OpenSLO v1 ``SLO`` documents (github.com/OpenSLO/OpenSLO, "SLO" and "SLI").

Each goal becomes one calendar-aligned SLO with ``budgetingMethod: Occurrences`` (good cycles ÷
decided cycles, as the report counts) and a ``ratioMetric`` over the counters that
:mod:`slabridge.report.slo_metrics` serves. What OpenSLO has no field for (business time on the
policies' calendars, the period a cycle belongs to, undecided cycles) is said in
``slabridge.dev/*`` annotations, which the spec leaves to implementations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slabridge.errors import InputError
from slabridge.report.models import Goal, short_percent
from slabridge.report.periods import period_containing
from slabridge.sla.policy import Policy

# OpenSLO's calendar-aligned durations for the goal periods.
DURATIONS: Mapping[str, str] = {"week": "1w", "month": "1M", "quarter": "1Q"}
GOOD_METRIC = "slabridge_goal_good_cycles_total"
TOTAL_METRIC = "slabridge_goal_cycles_total"
_NOT_DNS = re.compile(r"[^a-z0-9]+")


class ExportError(InputError, ValueError):
    """A goal OpenSLO cannot express; names the goal's key path."""


def slo_name(goal: Goal) -> str:
    """An RFC 1123 label (at most 63 characters) from the goal's label: ``first-response-90``."""
    name = _NOT_DNS.sub("-", goal.label.lower()).strip("-")
    return name[:63].rstrip("-") or "goal"


def _label_value(text: str) -> str:
    # A PromQL string literal: backslashes and quotes escaped.
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _calendars(goal: Goal, policies: Sequence[Policy]) -> list[str]:
    """The calendars a goal's metric can be measured on, from every policy's targets."""
    found: set[str] = set()
    for policy in policies:
        for block in policy.targets.values():
            target = block.get(goal.metric)
            if target is None:
                continue
            choice = target.calendar or policy.calendar
            found.add(choice.default)
            found.update(choice.mapping.values())
    return sorted(found)


def slo_document(
    goal: Goal,
    index: int,
    policies: Sequence[Policy],
    *,
    service: str,
    zone: str,
    now: datetime,
) -> dict[str, Any]:
    """One goal as an OpenSLO v1 ``SLO``; raises ExportError for a 100% goal (no budget)."""
    if goal.share >= 1:
        raise ExportError(
            f"goals[{index}]: a 100% goal allows no miss, and OpenSLO targets must be below 1"
        )
    selector = f'goal="{_label_value(goal.label)}"'
    first = period_containing(goal.period, now.date()).first_day
    if goal.period != "week":
        first = first.replace(month=1)  # months and quarters align on the year
    annotations = {
        "slabridge.dev/metric": goal.metric,
        "slabridge.dev/period": goal.period,
        "slabridge.dev/time": "business",
        "slabridge.dev/calendars": ",".join(_calendars(goal, policies)),
        "slabridge.dev/good": (
            f"stopped within {goal.within} business seconds"
            if goal.within is not None
            else "achieved: met its policy target"
        ),
        "slabridge.dev/cycle-period": "a cycle counts in the period in which it started",
        "slabridge.dev/undecided": "running cycles that have not missed count in neither good "
        "nor total",
    }
    if goal.within is not None:
        annotations["slabridge.dev/within-seconds"] = str(goal.within)
    scope = goal.scope.conditions()
    if scope:
        annotations["slabridge.dev/scope"] = json.dumps(
            {key: list(values) for key, values in scope.items()}, sort_keys=True
        )
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": slo_name(goal), "displayName": goal.label, "annotations": annotations},
        "spec": {
            "description": (
                f"{short_percent(goal.share)} of {goal.metric} cycles per {goal.period}"
                + (f" within {goal.within}s of business time" if goal.within is not None else "")
                + " (slabridge goals["
                + str(index)
                + "])"
            ),
            "service": service,
            "indicator": {
                "metadata": {"name": f"{slo_name(goal)}-cycles"[:63]},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        "good": _source(f"sum({GOOD_METRIC}{{{selector}}})"),
                        "total": _source(f"sum({TOTAL_METRIC}{{{selector}}})"),
                    }
                },
            },
            "timeWindow": [
                {
                    "duration": DURATIONS[goal.period],
                    "calendar": {"startTime": f"{first:%Y-%m-%d} 00:00:00", "timeZone": zone},
                    "isRolling": False,
                }
            ],
            "budgetingMethod": "Occurrences",
            "objectives": [{"displayName": goal.label, "target": float(goal.share)}],
        },
    }


def _source(query: str) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def slo_documents(
    goals: Iterable[Goal],
    policies: Sequence[Policy],
    *,
    service: str,
    zone: str,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every exportable goal's document, and a problem line for each goal that is not."""
    documents, problems = [], []
    for index, goal in enumerate(goals):
        try:
            documents.append(
                slo_document(goal, index, policies, service=service, zone=zone, now=now)
            )
        except ExportError as error:
            problems.append(str(error))
    return documents, problems


__all__ = [
    "DURATIONS",
    "GOOD_METRIC",
    "TOTAL_METRIC",
    "ExportError",
    "slo_document",
    "slo_documents",
    "slo_name",
]
