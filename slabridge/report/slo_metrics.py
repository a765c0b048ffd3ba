"""Good and total cycle counters per goal and period, for Sloth, Pyrra or plain PromQL.

``slabridge_goal_cycles_total{goal, period}`` counts the decided cycles of a goal that started
in a period (the report's rule: a cycle belongs to the period it started in), and
``slabridge_goal_good_cycles_total`` those that met it (``..._missed_cycles_total`` the others,
for tools that want an error counter). Each (goal, period) series only grows
while its period runs, and a new period starts a new series at zero, so ``increase()`` and
``rate()`` over any window count the cycles decided in it (docs/slo.md, "Prometheus").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from slabridge.logs import redact_text
from slabridge.report.budget import GoalBudget
from slabridge.telemetry import REGISTRY

if TYPE_CHECKING:
    from slabridge.customers import CustomerDirectory
    from slabridge.report.models import Goal
    from slabridge.report.sources import Evaluator
    from slabridge.sync.runtime import Runtime
    from slabridge.sync.store import StateStore


log = structlog.get_logger("slabridge.metrics")


class GoalCycles(Collector):
    """Serves the counts of the last refresh (a scrape never reads the store itself)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: tuple[GoalBudget, ...] = ()

    def set(self, budgets: Iterable[GoalBudget]) -> None:
        with self._lock:
            self._budgets = tuple(budgets)

    def collect(self) -> Iterator[Any]:
        with self._lock:
            budgets = self._budgets
        total = CounterMetricFamily(
            "slabridge_goal_cycles",
            "Decided cycles of a goal that started in the period (met or missed).",
            labels=["goal", "period"],
        )
        good = CounterMetricFamily(
            "slabridge_goal_good_cycles",
            "Cycles of a goal that started in the period and met it.",
            labels=["goal", "period"],
        )
        missed = CounterMetricFamily(
            "slabridge_goal_missed_cycles",
            "Cycles of a goal that started in the period and missed it (total - good).",
            labels=["goal", "period"],
        )
        left = GaugeMetricFamily(
            "slabridge_goal_budget_left",
            "Misses the goal still allows in the period (negative when overspent).",
            labels=["goal", "period"],
        )
        for budget in budgets:
            labels = [budget.goal.label, budget.period.label]
            total.add_metric(labels, budget.decided)
            good.add_metric(labels, budget.met)
            missed.add_metric(labels, budget.missed)
            left.add_metric(labels, budget.left)
        yield total
        yield good
        yield missed
        yield left


GOAL_CYCLES = GoalCycles()
REGISTRY.register(GOAL_CYCLES)


def budgets_from_store(
    store: StateStore,
    evaluate: Evaluator,
    goals: Sequence[Goal],
    now: datetime,
    *,
    customers: CustomerDirectory | None = None,
    zone: tzinfo = UTC,
) -> list[GoalBudget]:
    """Every goal's budget as of `now` from the state store, read as `slabridge report` reads it.

    Stored evaluations where the window has them, replayed snapshots elsewhere, from the
    previous goal period on (for the projection). For the sync's counters and a live board.
    """
    from slabridge.report import history
    from slabridge.report.budget import budget_start, goal_budgets
    from slabridge.report.compute import customer_identity

    start = budget_start(goals, now, zone)
    if start is None:
        return []
    outcomes = history.store_history(store, evaluate, start, now, history.SourceCounter())
    identify = customer_identity(customers)
    return goal_budgets(outcomes, goals, now, zone, identify=identify)


def store_budgets(runtime: Runtime, now: datetime) -> list[GoalBudget]:
    """:func:`budgets_from_store` for a sync's runtime (its config's goals and customers)."""
    return budgets_from_store(
        runtime.store,
        runtime.evaluate,
        getattr(runtime.config, "goals", None) or (),
        now,
        customers=getattr(runtime.config, "customers", None),
    )


def refresh_goal_metrics(runtime: Runtime, now: datetime) -> None:
    """Recount the goal counters from the store after a sync round, and alert on budgets.

    The sync is done and stored by then: a failure here is logged and the counters keep their
    last values, as a failed textfile write does not fail the sync either; a goal alert not
    queued now is queued by the next round (its key makes it one message).
    """
    from slabridge.alerts.settings import AlertsSettings
    from slabridge.report.budget_alerts import alert_on_budgets

    try:
        budgets = store_budgets(runtime, now)
        GOAL_CYCLES.set(budgets)
        settings = getattr(runtime.config, "alerts", None)
        if isinstance(settings, AlertsSettings) and any(r.goal for r in settings.rules):
            alert_on_budgets(
                runtime.store.engine,
                settings,
                budgets,
                runtime.extra.get("alert_channels") or {},
                now,
                getattr(runtime.config, "calendars", None),
            )
    except Exception as error:  # metrics and alerts must never fail a sync that has committed
        log.warning("goal_metrics_failed", error=redact_text(f"{type(error).__name__}: {error}"))


__all__ = [
    "GOAL_CYCLES",
    "GoalCycles",
    "budgets_from_store",
    "refresh_goal_metrics",
    "store_budgets",
]
