"""Alerts on goals' error budgets: ``budget 50%`` and ``burn fast`` / ``burn slow`` levels.

A goal rule (``alerts.rules[i].goal``) is checked after each sync round, on the budgets the
round's goal counters were computed from (slabridge.report.slo_metrics). A ``budget`` level
trips once its share of the period's error budget is spent, once per goal period; a ``burn``
level trips while its window pair alerts (both windows at or over the threshold), at most once
per UTC day.
Each goes through the notification outbox with that key, so it is sent at least once and never
twice, like the ticket levels.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from slabridge.alerts import outbox
from slabridge.alerts.message import AlertMessage
from slabridge.alerts.settings import AlertsSettings, Level, Rule
from slabridge.report.budget import GoalBudget, burn_rate_text, window_label
from slabridge.report.models import format_percent
from slabridge.sla.calendar import CalendarSpec, compile_calendar

if TYPE_CHECKING:
    import sqlalchemy as sa

    from slabridge.alerts.notifiers.base import Notifier


@dataclass(frozen=True, slots=True)
class BudgetTrip:
    """One level of one goal rule that the budgets have reached."""

    key: str  # the outbox idempotency key
    send_at: datetime
    message: AlertMessage


def _spent_at_least(budget: GoalBudget, share: Fraction) -> bool:
    if budget.allowed == 0:
        return budget.missed > 0  # no miss allowed: the first one spends it all
    return Fraction(budget.missed, budget.allowed) >= share


def _budget_title(budget: GoalBudget) -> str:
    spent = budget.spent
    how = f"{format_percent(spent)} spent" if spent is not None else "spent (no miss allowed)"
    return (
        f"Error budget {how}: {budget.goal.label} ({budget.period.label}), "
        f"{budget.missed} of {budget.allowed} misses, {budget.left} left"
    )


def _trip(budget: GoalBudget, level: Level, now: datetime) -> tuple[str, str] | None:
    """(key part, title) when the level has tripped, else None."""
    trigger = level.at
    if trigger.kind == "budget":
        if not _spent_at_least(budget, trigger.share):
            return None
        return f"budget:{budget.period.label}", _budget_title(budget)
    for rate in budget.burn_rates:
        if rate.window.name == trigger.window and rate.firing:
            window = rate.window
            title = (
                f"{window.name.capitalize()} burn: {budget.goal.label} at "
                f"{burn_rate_text(rate.long_rate)} over {window_label(window.long_seconds)} and "
                f"{burn_rate_text(rate.short_rate)} over {window_label(window.short_seconds)} "
                f"(alert at {burn_rate_text(window.threshold)}); {budget.left} misses left in "
                f"{budget.period.label}"
            )
            return f"burn:{budget.period.label}:{now.astimezone(UTC):%Y-%m-%d}", title
    return None


def budget_trips(
    settings: AlertsSettings,
    budgets: Sequence[GoalBudget],
    now: datetime,
    calendars: Mapping[str, CalendarSpec] | None = None,
) -> list[BudgetTrip]:
    """Every goal level the budgets have reached (already-queued ones drop out on enqueue)."""
    by_goal = {budget.goal.label: budget for budget in budgets}
    found: list[BudgetTrip] = []
    for rule in settings.rules:
        budget = by_goal.get(rule.goal) if rule.goal is not None else None
        if budget is None:
            continue
        for number, level in enumerate(rule.levels, start=1):
            tripped = _trip(budget, level, now)
            if tripped is None:
                continue
            part, title = tripped
            found.append(
                BudgetTrip(
                    key=f"goal:{rule.goal}:{part}:{rule.name}:{number}",
                    send_at=_send_at(rule, level, now, calendars or {}),
                    message=AlertMessage(level.notify, rule.name, number, title),
                )
            )
    return found


def _send_at(
    rule: Rule, level: Level, now: datetime, calendars: Mapping[str, CalendarSpec]
) -> datetime:
    """Now, or when the quiet-hours calendar next opens (as for ticket levels)."""
    if rule.quiet_hours is None or level.urgent:
        return now
    spec = calendars.get(rule.quiet_hours.calendar)
    if spec is None:
        return now
    opens = compile_calendar(spec).next_open(now.timestamp())
    if math.isinf(opens):
        return now
    return max(now, datetime.fromtimestamp(opens, UTC))


def alert_on_budgets(
    engine: sa.Engine,
    settings: AlertsSettings,
    budgets: Sequence[GoalBudget],
    channels: Mapping[str, Notifier],
    now: datetime,
    calendars: Mapping[str, CalendarSpec] | None = None,
) -> int:
    """Queue the goal levels the budgets reached and send every due alert; return how many new."""
    from slabridge.alerts.rules import deliver

    trips = budget_trips(settings, budgets, now, calendars)
    if not trips:
        return 0
    queued = 0
    with engine.begin() as connection:
        for trip in trips:
            queued += outbox.enqueue(
                connection,
                key=trip.key,
                channel=trip.message.channel,
                payload=json.dumps(trip.message.to_json(), sort_keys=True),
                now=now,
                not_before=trip.send_at,
            )
    deliver(engine, channels, now=now)
    return queued


__all__ = ["BudgetTrip", "alert_on_budgets", "budget_trips"]
