"""goals: and credits: config models: exact percentages and errors with key paths."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from slabridge.config import ConfigError, load_config
from slabridge.report.models import (
    format_percent,
    parse_percent,
    validate_credits,
    validate_goals,
)

BASE = """\
version: 1
policies:
  - name: standard
    calendar: clock
    targets: {default: {first_response: 1h}}
calendars:
  clock: {timezone: UTC, hours: 24x7}
"""


def test_percentages_are_parsed_exactly() -> None:
    assert parse_percent("90%") == Fraction(9, 10)
    assert parse_percent("99.95%") == Fraction(1999, 2000)
    assert parse_percent(" 0% ") == 0


@pytest.mark.parametrize("text", ["90", "0.9", "ninety%", "101%", "-5%"])
def test_a_share_must_be_written_as_a_percentage_between_0_and_100(text: str) -> None:
    with pytest.raises(ValueError):
        parse_percent(text)


def test_display_truncates_so_a_share_below_a_boundary_never_shows_as_the_boundary() -> None:
    assert format_percent(Fraction(94999, 100000)) == "94.99%"
    assert format_percent(Fraction(2, 3)) == "66.66%"
    assert format_percent(Fraction(1)) == "100.00%"
    assert format_percent(None) == "n/a"


def test_a_goal_with_a_threshold_scope_and_period_is_accepted() -> None:
    goals, problems = validate_goals(
        [
            {
                "metric": "first_response",
                "share": "90%",
                "within": "6h",
                "period": "week",
                "scope": {"tier": ["enterprise", "pro"], "fields.region": "emea"},
            }
        ]
    )
    assert problems == []
    (goal,) = goals
    assert goal.within == 6 * 3600
    assert goal.share == Fraction(9, 10)
    assert goal.scope.conditions() == {"tier": ("enterprise", "pro"), "fields.region": ("emea",)}
    assert goal.label == "first_response 90% within 6h"


def test_goal_errors_name_each_key_path() -> None:
    _, problems = validate_goals(
        [
            {"metric": "first_response", "share": "90%"},
            {"metric": "reply_time", "share": "0.9", "period": "year", "within": "6 hours"},
            {"metric": "resolution", "share": "80%", "scope": {"team": "x"}},
        ]
    )
    paths = [path for path, _ in problems]
    assert paths == [
        "goals[1].metric",
        "goals[1].share",
        "goals[1].within",
        "goals[1].period",
        "goals[2].scope",
    ]
    messages = dict(problems)
    assert "first_response" in messages["goals[1].metric"]
    assert "95%" in messages["goals[1].share"]
    assert "try 6h" in messages["goals[1].within"]
    assert "'team'" in messages["goals[2].scope"]


def test_duplicate_goal_names_are_an_error() -> None:
    _, problems = validate_goals(
        [
            {"name": "fast", "metric": "first_response", "share": "90%"},
            {"name": "fast", "metric": "resolution", "share": "90%"},
        ]
    )
    assert problems == [("goals[1].name", "'fast' is already used by goals[0]")]


def test_credit_schedules_per_tier_and_customer_are_accepted() -> None:
    credits, problems = validate_credits(
        {
            "tiers": {"enterprise": {"schedule": [{"below": "99%", "credit": "5%"}], "cap": "25%"}},
            "customers": {1234: {"schedule": [{"below": "99.5%", "credit": "10%"}]}},
        }
    )
    assert problems == []
    assert credits.tiers["enterprise"].cap == Fraction(1, 4)
    # A numeric YAML key is read as text, like any other customer key.
    assert credits.for_customer("1234", "enterprise") is not None
    assert credits.for_customer("1234", "enterprise")[0] == "customers.1234"  # type: ignore[index]
    assert credits.for_customer("zendesk:9", "enterprise")[0] == "tiers.enterprise"  # type: ignore[index]
    assert credits.for_customer("zendesk:9", "free") is None
    # A bare key resolved to this customer (deprecated) names the rule that applies.
    rule = credits.for_customer("zendesk:1234", "free", rule_key="1234")
    assert rule is not None and rule[0] == "customers.1234"


def test_credit_errors_name_each_key_path() -> None:
    _, problems = validate_credits(
        {
            "tiers": {
                "enterprise": {
                    "schedule": [
                        {"below": "99%", "credit": "10%"},
                        {"below": "95%", "credit": "5%"},
                    ],
                    "cap": "120%",
                },
                "pro": {"schedule": []},
                "free": {"schedule": [{"below": "99%"}]},
            },
            "regions": {},
        }
    )
    messages = dict(problems)
    assert (
        "worse compliance must not earn a smaller credit"
        in messages["credits.tiers.enterprise.schedule"]
    )
    assert "between 0% and 100%" in messages["credits.tiers.enterprise.cap"]
    assert messages["credits.tiers.pro.schedule"] == "a credit schedule needs at least one step"
    assert messages["credits.tiers.free.schedule[0].credit"] == "missing required key"
    assert messages["credits.regions"] == "unknown key"


def test_load_config_reports_goal_and_credit_errors_with_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text(
        BASE.replace(
            "targets: {default: {first_response: 1h}}",
            "targets: {default: {first_response: 1 hour}}",
        )
        + "goals:\n  - {metric: first_response, share: lots}\n"
        + "credits:\n  tiers:\n    gold: {schedule: [{below: 99%, credit: 5%}], cap: 5}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    text = str(raised.value)
    assert "policies[0].targets.default.first_response" in text
    assert "goals[0].share: not a percentage" in text
    assert "credits.tiers.gold.cap: expected a percentage" in text


def test_load_config_carries_validated_goals_and_credits(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text(
        BASE
        + "goals:\n  - {metric: first_response, share: 90%, within: 30m}\n"
        + "credits:\n  customers:\n    org-9: {schedule: [{below: 99%, credit: 5%}]}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.goals[0].within == 1800
    assert config.credits.customers["org-9"].schedule[0].credit == Fraction(1, 20)


def test_a_file_without_goals_or_credits_has_none(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text(BASE, encoding="utf-8")
    config = load_config(path)
    assert config.goals == []
    assert not config.credits
