"""Goal rules: `budget 50%` and `burn fast|slow` levels, checked and sent once (by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.base import Notifier, NotifierConfig
from slabridge.alerts.rules import AlertRules
from slabridge.alerts.settings import BURN_WINDOW_NAMES, AlertsSettings, Trigger
from slabridge.config import ConfigError, load_config_text
from slabridge.report.budget import BURN_WINDOWS, GoalBudget, goal_budgets
from slabridge.report.budget_alerts import alert_on_budgets, budget_trips
from slabridge.report.models import validate_goals
from slabridge.report.outcomes import Outcome, OutcomeStatus, TicketFacts
from slabridge.sync.store import open_store

BASE = """
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
policies:
  - name: standard
    targets: {normal: {first_response: 1h}}
goals:
  - {name: answered, metric: first_response, share: 90%}
alerts:
  channels:
    team: {type: slack, url: "https://hooks.example.com/x"}
  rules:
"""
AS_OF = datetime(2026, 11, 11, tzinfo=UTC)


def load(rules: str) -> AlertsSettings:
    return load_config_text(BASE + rules).alerts


def issues(rules: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(BASE + rules)
    return [str(issue) for issue in caught.value.issues]


def test_a_goal_rule_loads_its_budget_and_burn_levels() -> None:
    settings = load(
        """
    - name: budget-watch
      goal: answered
      levels:
        - {at: budget 50%, notify: team}
        - {at: burn fast, notify: team, urgent: true}
        - {at: burn slow, notify: team}
"""
    )
    (rule,) = settings.rules
    assert rule.goal == "answered"
    assert [level.at for level in rule.levels] == [
        Trigger("budget", share=Fraction(1, 2)),
        Trigger("burn", window="fast"),
        Trigger("burn", window="slow"),
    ]
    # The sync's ticket levels leave goal rules alone.
    assert AlertRules(settings, {}).rules == ()


def test_goal_rule_mistakes_name_their_key_path() -> None:
    found = issues(
        """
    - name: a
      goal: answred
      scope: {tier: enterprise}
      levels:
        - {at: breach, notify: team}
        - {at: budget 50, notify: team}
        - {at: burn medium, notify: team}
    - name: b
      levels:
        - {at: budget 50%, notify: team}
"""
    )
    hint = (
        "is not a goal level (write budget 50% for a share of the error budget spent, "
        "or burn fast / burn slow)"
    )
    assert f"alerts.rules[0].levels[1].at: 'budget 50' {hint}" in found
    assert f"alerts.rules[0].levels[2].at: 'burn medium' {hint}" in found
    assert (
        "alerts.rules[1].levels[0].at: 'budget 50%' watches a goal: give the rule a goal: "
        "(the name of a goal under goals:)"
    ) in found
    # With its bad levels dropped, rule 0 is not built; fix them and the rest shows.
    found = issues(
        """
    - name: a
      goal: answred
      scope: {tier: enterprise}
      levels:
        - {at: breach, notify: team}
"""
    )
    assert found == [
        "alerts.rules[0].goal: 'answred' is not a goal (configured: answered)",
        "alerts.rules[0].scope: a goal rule counts the goal's own cycles: remove it",
        "alerts.rules[0].levels[0].at: 'breach' is a ticket level; a goal rule takes budget 50% "
        "or burn fast / burn slow",
    ]


def test_the_burn_window_names_are_the_reports() -> None:
    assert tuple(window.name for window in BURN_WINDOWS) == BURN_WINDOW_NAMES


def cycle(
    number: int, started: datetime, status: OutcomeStatus, elapsed: int, stop: bool = True
) -> Outcome:
    return Outcome(
        TicketFacts("zendesk", str(number)),
        "first_response",
        status,
        started,
        started + timedelta(seconds=elapsed) if stop else None,
        started + timedelta(hours=1),
        elapsed,
        3600,
    )


def budgets() -> list[GoalBudget]:
    """November to the 11th: 18 met, 2 missed (one at Nov 10 23:00), extrapolated.

    Projected floor(20 × 3) = 60 cycles (10 of 30 days, no October): floor(6.0) = 6 misses
    allowed, 2 spent = 33.33%. Burn: the last day holds the 23:30 met reply and the 23:00
    miss: 1 of 2 = 50% ÷ 10% = 5x on both windows of both pairs: fast and slow alert.
    """
    goals, problems = validate_goals(
        [{"name": "answered", "metric": "first_response", "share": "90%"}]
    )
    assert not problems
    day = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [cycle(i, day + timedelta(minutes=10 * i), "achieved", 300) for i in range(17)]
    records.append(cycle(17, datetime(2026, 11, 10, 23, tzinfo=UTC), "achieved", 1800))
    records.append(cycle(18, datetime(2026, 11, 3, 8, tzinfo=UTC), "breached", 7200))
    records.append(cycle(19, datetime(2026, 11, 10, 22, tzinfo=UTC), "breached", 7200, False))
    return goal_budgets(records, goals, AS_OF, UTC)


RULES = """
    - name: budget-watch
      goal: answered
      levels:
        - {at: budget 25%, notify: team}
        - {at: budget 50%, notify: team}
        - {at: burn fast, notify: team}
        - {at: burn slow, notify: team}
"""


def test_levels_trip_by_the_hand_computed_budget() -> None:
    (budget,) = budgets()
    assert (budget.allowed, budget.missed, budget.firing) == (6, 2, ("fast", "slow"))
    trips = budget_trips(load(RULES), [budget], AS_OF)
    # 33.33% spent: past 25%, short of 50%; both burn pairs alert.
    assert [trip.message.level for trip in trips] == [1, 3, 4]
    assert trips[0].message.title == (
        "Error budget 33.33% spent: answered (2026-11), 2 of 6 misses, 4 left"
    )
    assert trips[1].message.title == (
        "Fast burn: answered at 5x over 1d and 5x over 2h (alert at 3x); 4 misses left in 2026-11"
    )
    assert [trip.key for trip in trips] == [
        "goal:answered:budget:2026-11:budget-watch:1",
        "goal:answered:burn:2026-11:2026-11-11:budget-watch:3",
        "goal:answered:burn:2026-11:2026-11-11:budget-watch:4",
    ]


class Recording(Notifier):
    type_name = "recording"
    config_model = NotifierConfig

    def __init__(self, name: str) -> None:
        super().__init__(name, NotifierConfig(type="recording"))
        self.sent: list[AlertMessage] = []

    def send(self, message: AlertMessage) -> None:
        self.sent.append(message)

    def check(self) -> list[str]:
        return []


def test_goal_alerts_go_through_the_outbox_once(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        team = Recording("team")
        settings = load(RULES)
        assert alert_on_budgets(store.engine, settings, budgets(), {"team": team}, AS_OF) == 3
        assert len(team.sent) == 3
        # The next round an hour later: the same levels are queued already, nothing is sent.
        later = AS_OF + timedelta(hours=1)
        assert alert_on_budgets(store.engine, settings, budgets(), {"team": team}, later) == 0
        assert len(team.sent) == 3
        # The next day, still burning: the burn levels page again, the budget level does not.
        next_day = AS_OF + timedelta(days=1)
        assert alert_on_budgets(store.engine, settings, budgets(), {"team": team}, next_day) == 2
        assert [m.level for m in team.sent[3:]] == [3, 4]
    finally:
        store.close()
