"""The `alerts:` section: rules, levels and their `at:` triggers, checked with key paths."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from slabridge.alerts.settings import Trigger, parse_trigger
from slabridge.config import ConfigError, load_config_text

BASE = """
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
policies:
  - name: standard
    targets: {normal: {first_response: 1h}}
alerts:
  channels:
    team-slack: {type: slack, url: "https://hooks.example.com/x"}
    lead-mail: {type: email, host: smtp.example.com}
  rules:
"""


def _issues(rules: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(BASE + rules)
    return [str(issue) for issue in caught.value.issues]


def test_a_full_rule_loads_with_its_levels_in_order() -> None:
    config = load_config_text(
        BASE
        + """
    - name: enterprise-chain
      scope: {tier: enterprise, policy: standard, connector: zendesk}
      metrics: [first_response, resolution]
      levels:
        - {at: 75%, notify: team-slack}
        - {at: 30m left, notify: team-slack}
        - {at: breach, notify: lead-mail}
        - {at: breach + 2h, notify: lead-mail, urgent: true}
      quiet_hours: {calendar: berlin}
      digest: true
"""
    )
    (rule,) = config.alerts.rules
    assert [level.at for level in rule.levels] == [
        Trigger("share", share=Fraction(3, 4)),
        Trigger("left", seconds=1800),
        Trigger("breach"),
        Trigger("breach", seconds=7200),
    ]
    assert rule.levels[3].urgent and not rule.levels[0].urgent
    assert rule.scope.conditions() == {
        "tier": ("enterprise",),
        "policy": ("standard",),
        "connector": ("zendesk",),
    }
    assert rule.metrics == ("first_response", "resolution")
    assert rule.digest and rule.quiet_hours is not None
    assert set(config.alerts.channels) == {"team-slack", "lead-mail"}


def test_a_bad_at_names_its_key_path_and_the_valid_forms() -> None:
    issues = _issues(
        """
    - name: r
      levels:
        - {at: 75%, notify: team-slack}
        - {at: 80, notify: team-slack}
"""
    )
    assert issues == [
        "alerts.rules[0].levels[1].at: '80' is not a share (75%), a time left (30m left), "
        "'breach' or 'breach + 2h'"
    ]


@pytest.mark.parametrize("text", ["soon", "breach + soon", "20 left", "100%", "0%"])
def test_other_bad_triggers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{text}'")):
        parse_trigger(text)


def test_a_level_notifying_an_unknown_channel_is_an_error() -> None:
    issues = _issues(
        """
    - name: r
      levels: [{at: breach, notify: pager}]
"""
    )
    assert issues == [
        "alerts.rules[0].levels[0].notify: 'pager' is not a channel under alerts.channels "
        "(configured: lead-mail, team-slack)"
    ]


def test_unknown_calendar_metric_key_and_repeated_name_are_errors() -> None:
    issues = _issues(
        """
    - name: r
      levels: [{at: breach, notify: lead-mail}]
      quiet_hours: {calendar: tokyo}
      metrics: [first_reply]
    - name: r
      levels: [{at: breach, notify: lead-mail}]
      page: everyone
"""
    )
    assert (
        "alerts.rules[0].quiet_hours.calendar: 'tokyo' is not a calendar (defined: 24x7, berlin)"
        in issues
    )
    assert any(issue.startswith("alerts.rules[0].metrics[0]: 'first_reply'") for issue in issues)
    assert any(issue.startswith("alerts.rules[1].page:") for issue in issues)


def test_a_rule_needs_levels_and_urgent_must_be_a_boolean() -> None:
    issues = _issues(
        """
    - name: r
      levels: []
    - name: s
      levels: [{at: breach, notify: lead-mail, urgent: "yes"}]
"""
    )
    assert any(issue.startswith("alerts.rules[0].levels:") for issue in issues)
    assert any(issue.startswith("alerts.rules[1].levels[0].urgent:") for issue in issues)


def test_no_alerts_section_means_no_rules() -> None:
    config = load_config_text(BASE.split("alerts:")[0])
    assert config.alerts.rules == () and dict(config.alerts.channels) == {}


def test_channel_secrets_come_from_the_environment_and_reports_do_not_need_them() -> None:
    text = BASE.replace('"https://hooks.example.com/x"', '"${SLACK_WEBHOOK_URL}"')
    rules = "    - {name: r, levels: [{at: breach, notify: team-slack}]}\n"
    with pytest.raises(ConfigError, match="SLACK_WEBHOOK_URL"):
        load_config_text(text + rules, environ={})
    config = load_config_text(text + rules, environ={"SLACK_WEBHOOK_URL": "https://h/x"})
    assert config.alerts.channels["team-slack"]["url"] == "https://h/x"
    assert load_config_text(text + rules, environ={}, skip_connectors=True).alerts.rules == ()
