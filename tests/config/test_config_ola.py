"""Loading a ``group_ownership`` target: targets and calendars by group, errors with key paths."""

from __future__ import annotations

import pytest

from slabridge.config import ConfigError, load_config_text
from slabridge.sla.policy import GroupTargets

HEAD = """
version: 1
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
  sydney: {timezone: Australia/Sydney, hours: {mon-fri: "09:00-17:00"}}
policies:
  - name: standard
    calendar: berlin
    targets:
      default:
"""


def _groups(block: str) -> GroupTargets:
    target = load_config_text(HEAD + block).policies[0].targets["default"]["group_ownership"]
    assert target.groups is not None
    return target.groups


def _issues(block: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(HEAD + block)
    return [str(issue) for issue in caught.value.issues]


def test_a_plain_duration_is_the_target_of_every_group() -> None:
    every = _groups("        group_ownership: 8h\n").for_group("anything")
    assert every is not None and every.seconds == 8 * 3600


def test_groups_inherit_the_metric_calendar_and_pause_on_unless_they_set_their_own() -> None:
    groups = _groups(
        """        group_ownership:
          within: 8h
          pause_on: [pending]
          groups:
            billing: 4h
            apac: {within: 2h, calendar: sydney, pause_on: []}
            360001234: 1h
"""
    )
    billing = groups.for_group("billing")
    assert billing is not None
    assert (billing.seconds, billing.calendar, billing.pause_on) == (
        4 * 3600,
        None,  # the policy's calendar, berlin
        frozenset({"pending"}),
    )
    apac = groups.for_group("apac")
    assert apac is not None and apac.calendar is not None
    assert apac.calendar.default == "sydney" and apac.pause_on == frozenset()
    zendesk_id = groups.for_group("360001234")  # a numeric Zendesk group id, as text
    assert zendesk_id is not None and zendesk_id.seconds == 3600
    other = groups.for_group("l2")  # not listed: the metric's `within`
    assert other is not None and other.seconds == 8 * 3600


def test_without_within_only_the_groups_listed_are_measured() -> None:
    groups = _groups("        group_ownership: {groups: {billing: 4h}}\n")
    billing = groups.for_group("billing")
    assert billing is not None and billing.seconds == 4 * 3600
    assert groups.for_group("l2") is None


def test_errors_name_their_key_paths_all_at_once() -> None:
    issues = _issues(
        """        group_ownership:
          within: 8 hours
          colour: red
          groups:
            billing: {within: 4h, calendar: tokyo}
            l2: {calendar: sydney}
            apac: {within: 2h, pause_on: [solved]}
"""
    )
    where = "policies[0].targets.default.group_ownership"
    assert len(issues) == 5, issues
    assert issues[0].startswith(f"{where}.colour: unknown key (valid: within, calendar, pause_on,")
    assert issues[1].startswith(f"{where}.within: '8 hours' is not a duration")
    assert issues[2].startswith(f"{where}.groups.billing.calendar: unknown calendar 'tokyo'")
    assert issues[3].startswith(f"{where}.groups.l2.within: required")
    assert issues[4].startswith(f"{where}.groups.apac.pause_on[0]: 'solved' stops the clock")


def test_a_target_needs_within_or_groups_and_groups_must_name_some() -> None:
    where = "policies[0].targets.default.group_ownership"
    assert _issues("        group_ownership: {calendar: sydney}\n") == [
        f"{where}.within: required: a target for every group, or `groups:` with a target per group"
    ]
    assert _issues("        group_ownership: {groups: {}}\n") == [
        f"{where}.groups: expected at least one group (or leave `groups` out)"
    ]
    assert _issues("        group_ownership: {groups: [billing]}\n") == [
        f"{where}.groups: expected a mapping of group names to targets, got a list"
    ]
