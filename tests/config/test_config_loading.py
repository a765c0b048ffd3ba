"""Loading slabridge.yaml: the engine-ready config, every error at once, no secret echoed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from slabridge.config import ConfigError, load_config, load_config_text
from slabridge.connectors.base import (
    Capabilities,
    ChangeSet,
    CheckProblem,
    Connector,
    ConnectorConfig,
    ReadItem,
    Skipped,
    WriteResult,
)
from slabridge.sla.ticket import Ticket

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "slabridge.yaml"
SECRET = "s3cr3t-token-value-42"


def _issues(text: str, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, **kwargs)
    lines = [str(issue) for issue in caught.value.issues]
    assert str(caught.value).splitlines() == lines
    return lines


def test_the_spec_example_loads_into_calendars_settings_and_ordered_policies() -> None:
    config = load_config(EXAMPLE)
    assert [p.name for p in config.policies] == ["enterprise", "payments", "standard"]
    berlin = config.calendars["berlin"]
    assert berlin.timezone == "Europe/Berlin"
    assert berlin.weekly[0] == ((540, 720), (780, 1020)) and berlin.weekly[5] == ((600, 840),)
    assert 6 not in berlin.weekly
    assert berlin.holiday_country == "DE" and berlin.holiday_subdivision == "BE"
    assert berlin.closed_dates == frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    assert berlin.special_hours == {date(2026, 12, 23): ((540, 720),)}
    assert config.calendars["always"].always is True
    assert config.settings.warn_at == 0.75 and config.settings.reopen == "resume"
    enterprise = config.policies[0]
    assert enterprise.targets["urgent"]["first_response"].seconds == 900
    resolution = enterprise.targets["default"]["resolution"]
    assert resolution.seconds == 3 * 86400 and resolution.calendar is not None
    assert resolution.pause_on == frozenset({"pending"})
    assert config.state.startswith("sqlite:///") and config.state.endswith(
        "/docs/examples/slabridge.db"
    )


def test_the_spec_error_message_names_the_key_path_and_a_valid_form() -> None:
    text = """
policies:
  - name: a
    targets: {default: {first_response: 1h}}
  - name: b
    targets:
      high: {first_response: 1 hour}
"""
    assert _issues(text) == [
        "policies[1].targets.high.first_response: '1 hour' is not a duration (try 1h)"
    ]


def test_every_error_is_reported_at_once_with_its_path() -> None:
    text = """
version: 2
calendars:
  berlin:
    timezone: Europe/Berlinn
    hours: {mon-fri: ["09:00-12:00", "11:00-17:00"], sat: "14:00-10:00", funday: "09:00-10:00"}
  x: {timezone: UTC, hours: {mon: "09:00-25:00"}}
settings: {warn_at: 150%, reopen: restart, default_priority: critical, colour: red}
policies:
  - name: p
    calendar: nowhere
    match: {tier: gold, priority: [high, critical], region: emea}
    targets:
      critical: {first_response: 1h}
      high: {first_reply: 1h, resolution: {within: 2h, pause_on: [waiting, solved]}}
      default: {resolution: {calendar: berlin, within: 2h, colour: red}}
  - name: p
    targets: {default: {first_response: 4h}}
"""
    assert _issues(text) == [
        "version: must be 1 (the only version of the policy file so far)",
        "calendars.berlin.timezone: 'Europe/Berlinn' is not an IANA time zone (e.g. Europe/Berlin, UTC)",  # noqa: E501
        "calendars.berlin.hours.mon-fri: '11:00-17:00' overlaps '09:00-12:00'",
        "calendars.berlin.hours.sat: '14:00-10:00' runs backwards (end must be after start; "
        "split a night shift over two days, e.g. 22:00-24:00 and 00:00-06:00)",
        "calendars.berlin.hours.funday: 'funday' is not a day or day range (use mon..sun, e.g. "
        "mon-fri, sat, sat,sun)",
        "calendars.x.hours.mon: '09:00-25:00' has a time that does not exist (00:00 to 24:00)",
        "settings.colour: unknown key (valid: warn_at, warn_before, default_priority, reopen)",
        "settings.warn_at: '150%' is not a share of the target (try 75% or 0.75)",
        "settings.default_priority: 'critical' is not a priority (valid: low, normal, high, urgent)",  # noqa: E501
        "settings.reopen: 'restart' is not a reopen mode (valid: resume, new_cycle)",
        "policies[0].match.priority: 'critical' is not a priority (valid: low, normal, high, urgent)",  # noqa: E501
        "policies[0].match.region: unknown match key (valid: tier, product, priority, source, "
        "type, channel, tags_any, tags_all, fields.NAME, customer.NAME)",
        "policies[0].calendar: unknown calendar 'nowhere' (defined: 24x7, berlin, x)",
        "policies[0].targets.critical: not a priority (valid: low, normal, high, urgent, default)",
        "policies[0].targets.high.first_reply: 'first_reply' is not a metric (valid: "
        "first_response, next_response, resolution, periodic_update, pausable_update, "
        "group_ownership)",
        "policies[0].targets.high.resolution.pause_on[0]: 'waiting' is not a status to pause on "
        "(valid: new, open, pending, on_hold)",
        "policies[0].targets.high.resolution.pause_on[1]: 'solved' stops the clock, not a pause "
        "(use new/open/pending/on_hold)",
        "policies[0].targets.default.resolution.colour: unknown key (valid: within, calendar, "
        "pause_on, pause_when, stop_when)",
    ]


def test_a_duplicate_policy_name_is_an_error() -> None:
    text = "policies:\n  - {name: p}\n  - {name: p}\n"
    assert _issues(text) == ["policies[1].name: 'p' is used by an earlier policy"]


def test_hours_accept_ranges_lists_wraps_24x7_and_24_00() -> None:
    text = """
calendars:
  night: {timezone: Asia/Kolkata, hours: {fri-mon: ["00:00-06:00", "22:00-24:00"], wed: closed}}
  always: {hours: 24x7}
"""
    config = load_config_text(text)
    night = config.calendars["night"]
    assert sorted(night.weekly) == [0, 2, 4, 5, 6]
    assert night.weekly[4] == ((0, 360), (1320, 1440)) and night.weekly[2] == ()
    assert config.calendars["always"].always and config.calendars["always"].timezone == "UTC"


def test_a_day_given_twice_and_a_day_both_closed_and_special_are_errors() -> None:
    text = """
calendars:
  c:
    timezone: UTC
    hours: {mon-fri: "09:00-17:00", fri: "09:00-12:00"}
    holidays: {country: XX, dates: ["2026-12-24", "24.12.2026"], hours: {2026-12-24: "09:00-12:00"}}
"""
    issues = _issues(text)
    assert issues[0] == "calendars.c.hours.fri: fri is given more than once"
    assert issues[1].startswith("calendars.c.holidays.country: unknown holiday country 'XX'")
    assert issues[2] == "calendars.c.holidays.dates[1]: '24.12.2026' is not a date (use YYYY-MM-DD)"
    assert issues[3] == (
        "calendars.c.holidays.hours.2026-12-24: also under holidays.dates; a day is either closed "
        "or has special hours"
    )


def test_an_unknown_subdivision_lists_the_valid_ones() -> None:
    text = (
        "calendars:\n  c: {timezone: UTC, hours: {mon: '09:00-17:00'},"
        " holidays: {country: DE, subdivision: XX}}\n"
    )
    (issue,) = _issues(text)
    assert issue.startswith(
        "calendars.c.holidays.subdivision: unknown subdivision 'XX' for DE; valid:"
    )
    assert "BE" in issue


def test_unknown_top_level_keys_list_the_sections() -> None:
    assert _issues("polices: []\n") == [
        "polices: unknown key (valid: version, calendars, settings, policies, state, connectors, "
        "actions, goals, credits, customers, alerts, serve)"
    ]


def test_environment_variables_are_substituted_and_a_missing_one_is_named() -> None:
    text = "settings: {warn_before: '${WARN}'}\nstate: 'postgresql://u:${DB_PASSWORD}@db/sla'\n"
    config = load_config_text(text, environ={"WARN": "30m", "DB_PASSWORD": SECRET})
    assert config.settings.warn_before == 1800 and SECRET in config.state
    assert _issues(text, environ={"WARN": "30m"}) == [
        "state: environment variable DB_PASSWORD is not set"
    ]
    assert load_config_text("state: 'sqlite:///$${x}.db'\n").state.endswith("${x}.db")
    # Only `$${` is an escape: other dollar signs are left as written.
    assert load_config_text("state: 'sqlite:///a$$b.db'\n").state.endswith("a$$b.db")


def test_a_share_from_the_environment_may_be_a_fraction_or_a_percentage() -> None:
    text = "settings: {warn_at: '${WARN_AT}'}\n"
    assert load_config_text(text, environ={"WARN_AT": "0.8"}).settings.warn_at == 0.8
    assert load_config_text(text, environ={"WARN_AT": "80%"}).settings.warn_at == 0.8
    assert _issues(text, environ={"WARN_AT": "1.5"}) == [
        # a value from the environment is never echoed (it could be a secret)
        "settings.warn_at: the value from the environment is not a share of the target "
        "(try 75% or 0.75)"
    ]


def test_a_secret_from_the_environment_is_never_echoed_in_an_error() -> None:
    text = """
calendars:
  c: {timezone: "${TOKEN}", hours: {mon: "${TOKEN}"}}
settings: {warn_at: "${TOKEN}", reopen: "${TOKEN}", default_priority: "${TOKEN}"}
policies:
  - name: p
    calendar: "${TOKEN}"
    match: {priority: "${TOKEN}"}
    targets: {default: {first_response: "${TOKEN}"}, "${TOKEN}": {}}
state: "${TOKEN}"
connectors:
  zd: {type: zendesk, token: "${TOKEN}", subdomain: 5}
actions: {tags: {breached: "${TOKEN} x"}, fields: {"${TOKEN}": {due_at: 1}}}
"""
    with pytest.raises(ConfigError) as caught:
        load_config_text(
            text, environ={"TOKEN": SECRET}, connector_types={"zendesk": FakeConnector}
        )
    message = str(caught.value)
    assert SECRET not in message
    assert (
        "policies[0].targets.default.first_response: the value from the environment is not a "
        "duration" in message
    )
    assert len(caught.value.issues) >= 10


class FakeConfig(ConnectorConfig):
    subdomain: str
    token: SecretStr


class FakeConnector(Connector):
    type_name: ClassVar[str] = "zendesk"
    config_model: ClassVar[type[ConnectorConfig]] = FakeConfig
    capabilities: ClassVar[Capabilities] = Capabilities(fields=False)

    def check(self) -> list[CheckProblem]:
        return []

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        return iter(())

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        return iter(())

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        return []


def test_connectors_are_validated_by_their_type_and_actions_by_their_capabilities() -> None:
    text = """
connectors:
  zd: {type: zendesk, subdomain: acme, token: "${ZD_TOKEN}"}
  bad: {type: zendesk, token: "${ZD_TOKEN}", colour: blue}
  other: {type: freshdesk}
actions:
  tags: {breached: sla_breached, policy: "sla_{policy}"}
  escalate_priority: {on: at_risk, to: high}
  fields: {zd: {due_at: 360009999}, nobody: {due_at: 1}}
"""
    issues = _issues(text, environ={"ZD_TOKEN": SECRET}, connector_types={"zendesk": FakeConnector})
    assert issues == [
        "connectors.bad.subdomain: required",
        "connectors.bad.colour: unknown key (valid: type, mapping, subdomain, token)",
        "connectors.other.type: unknown connector type (installed: zendesk)",
        "actions.fields.nobody: unknown connector instance"
        " (defined under connectors: bad, other, zd)",
        "actions.fields.zd: connector 'zd' (zendesk) cannot write fields",
    ]


def test_valid_connectors_and_actions_load() -> None:
    text = """
connectors:
  zd: {type: zendesk, subdomain: acme, token: "${ZD_TOKEN}"}
actions:
  tags: {breached: sla_breached, at_risk: sla_at_risk, policy: "sla_policy_{policy}"}
  escalate_priority: {on: breach, to: one_level_up}
"""
    config = load_config_text(
        text, environ={"ZD_TOKEN": SECRET}, connector_types={"zendesk": FakeConnector}
    )
    entry = config.connectors["zd"]
    assert isinstance(entry, FakeConfig) and entry.token.get_secret_value() == SECRET
    assert SECRET not in repr(config)
    assert config.actions.tags.policy_tag("gold") == "sla_policy_gold"
    assert (
        config.actions.escalate_priority is not None
        and config.actions.escalate_priority.on == "breach"
    )
    raw = load_config_text(text, environ={"ZD_TOKEN": SECRET}).connectors["zd"]
    assert isinstance(raw, dict) and raw["type"] == "zendesk"


def test_engine_only_needs_no_connector_secrets() -> None:
    text = "connectors:\n  zd: {type: zendesk, token: '${MISSING}'}\npolicies: [{name: p}]\n"
    assert [p.name for p in load_config_text(text, engine_only=True).policies] == ["p"]
    assert _issues(text) == ["connectors.zd.token: environment variable MISSING is not set"]


def test_relative_sqlite_state_resolves_against_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text("state: sqlite:///data/sla.db\n")
    config = load_config(path)
    assert config.state == f"sqlite:///{tmp_path.resolve() / 'data' / 'sla.db'}"
    assert config.config_path == path
    path.write_text("state: postgresql://u@h/db\n")
    assert load_config(path).state == "postgresql://u@h/db"


def test_yaml_syntax_errors_give_a_position_but_not_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"state: x\n  token: {SECRET}\n bad: [\n")
    assert "line" in str(caught.value) and SECRET not in str(caught.value)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_yaml_yes_no_on_off_stay_text_where_a_code_or_name_is_expected() -> None:
    # YAML 1.1 would read these as booleans: Norway's NO, Ontario's ON, a region `no`.
    config = load_config_text(
        "calendars:\n"
        "  oslo: {timezone: Europe/Oslo, hours: 24x7, holidays: {country: NO}}\n"
        "  toronto: {timezone: America/Toronto, hours: 24x7,"
        " holidays: {country: CA, subdivision: ON}}\n"
        "policies:\n"
        "  - {name: nordic, match: {customer.region: [se, no, dk]}, calendar: oslo,"
        " targets: {default: {first_response: 1h}}}\n"
        "  - {name: flag, match: {fields.vip: true}, calendar: toronto,"
        " targets: {default: {first_response: 1h}}}\n"
    )
    assert config.calendars["oslo"].holiday_country == "NO"
    assert config.calendars["toronto"].holiday_subdivision == "ON"
    rules = {rule.key: rule.values for rule in config.policies[0].match}
    assert "no" in rules["customer.region"]
    assert {rule.key: rule.values for rule in config.policies[1].match}["fields.vip"] == ("true",)


def test_yaml_on_as_a_key_and_a_missing_within_are_understood() -> None:
    config = load_config_text("actions: {escalate_priority: {on: at_risk, to: urgent}}\n")
    assert config.actions.escalate_priority is not None
    assert config.actions.escalate_priority.on == "at_risk"
    assert _issues(
        "policies: [{name: p, targets: {high: {resolution: {pause_on: [pending]}}}}]"
    ) == ["policies[0].targets.high.resolution.within: required: the target as a duration, e.g. 4h"]


def test_reports_load_the_config_without_helpdesk_credentials(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text(
        "version: 1\n"
        "policies: [{name: all, targets: {default: {first_response: 1h}}}]\n"
        "connectors:\n"
        "  zd: {type: zendesk, subdomain: acme, email: a@b.example, token: '${ZD_TOKEN}'}\n"
        "actions: {fields: {zd: {breached: 360001}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert "ZD_TOKEN" in str(error.value)
    config = load_config(path, environ={}, skip_connectors=True)
    assert list(config.connectors) == ["zd"]
    assert config.actions.fields["zd"]


def test_fields_of_an_instance_whose_entry_has_errors_are_not_called_unknown() -> None:
    # Only the entry's own error is reported, not a misleading "unknown connector instance";
    # the fields' keys are still checked.
    text = """
connectors:
  zd: {type: zendesk, token: "${ZD_TOKEN}"}
actions:
  fields: {zd: {due_at: 360009999, oops: 1}}
"""
    issues = _issues(text, environ={"ZD_TOKEN": SECRET}, connector_types={"zendesk": FakeConnector})
    assert issues == [
        "connectors.zd.subdomain: required",
        "actions.fields.zd.oops: unknown key (valid: due_at, breached)",
    ]


def test_a_policy_name_that_makes_a_tag_with_a_space_is_an_error_that_hides_env_values() -> None:
    text = (
        "policies:\n"
        "  - {name: '${PLAN}', targets: {default: {first_response: 1h}}}\n"
        "  - {name: Gold Plan, targets: {default: {first_response: 1h}}}\n"
        "actions: {tags: {policy: 'TEMPLATE_{policy}', breached: 'x_{policy}'}}\n"
    )
    plain = _issues(text.replace("TEMPLATE", "sla"), environ={"PLAN": SECRET + " x"})
    assert plain == [
        "actions.tags.policy: a policy name from the environment would give a tag with a space "
        "(helpdesks split or refuse such tags; rename the policy)",
        "actions.tags.policy: policy 'Gold Plan' (tag 'sla_Gold Plan') would give a tag with a "
        "space (helpdesks split or refuse such tags; rename the policy)",
    ]
    hidden = _issues(text.replace("TEMPLATE", "${PREFIX}"), environ={"PLAN": "p", "PREFIX": SECRET})
    assert hidden == [
        "actions.tags.policy: policy 'Gold Plan' would give a tag with a space (helpdesks split "
        "or refuse such tags; rename the policy)"
    ]
    assert SECRET not in "\n".join(plain + hidden)


def test_a_state_url_with_a_malformed_port_is_a_config_error_that_hides_the_url() -> None:
    from slabridge.config import ConfigError, load_config_text

    text = (
        "version: 1\nstate: postgresql://ops:hunter2-secret@db:5432:1/sla\n"
        "calendars: {always: {timezone: UTC, hours: 24x7}}\n"
        "policies: [{name: x, calendar: always, targets: {default: {first_response: 1h}}}]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    [issue] = [str(issue) for issue in caught.value.issues]
    assert issue.startswith("state: not a valid database URL: the port after host: must be")
    assert "hunter2" not in issue
