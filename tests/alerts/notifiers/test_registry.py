"""build_channels: every built-in type, and config errors at alerts.channels.<name>.<key>."""

from __future__ import annotations

from typing import Any

import pytest

from slabridge.alerts.notifiers.email import EmailNotifier
from slabridge.alerts.notifiers.registry import build_channels, notifier_types, validate_channels
from slabridge.alerts.notifiers.slack import SlackNotifier
from slabridge.alerts.notifiers.teams import TeamsNotifier
from slabridge.alerts.notifiers.webhook import WebhookNotifier
from slabridge.config import ConfigError, substitute_environment
from slabridge.logs import redact_text

SECRET_URL = "https://hooks.slack.com/services/T1/B2/sekrit-token-value"


def issues_of(raw: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build_channels(raw)
    return [str(issue) for issue in caught.value.issues]


def test_the_builtin_types() -> None:
    types = notifier_types()
    assert types["webhook"] is WebhookNotifier and types["slack"] is SlackNotifier
    assert types["teams"] is TeamsNotifier and types["email"] is EmailNotifier


def test_each_channel_is_built_with_its_name_and_its_secrets_are_redacted_from_logs() -> None:
    channels = build_channels({"team-slack": {"type": "slack", "url": SECRET_URL}})
    assert channels["team-slack"].name == "team-slack"
    # Registered for every log line: the URL and its path alone.
    assert "sekrit-token-value" not in redact_text(f"POST {SECRET_URL}")
    assert "sekrit-token-value" not in redact_text("path=/services/T1/B2/sekrit-token-value")
    assert build_channels(None) == {}


def test_type_errors_name_the_known_types() -> None:
    assert issues_of({"a": {"type": "pager"}, "b": {"url": "x"}, "c": "slack"}) == [
        "alerts.channels.a.type: unknown channel type (known: email, slack, teams, webhook)",
        "alerts.channels.b.type: required: the channel type (email, slack, teams, webhook)",
        "alerts.channels.c: must be a mapping with a type, e.g. {type: slack}",
    ]
    assert issues_of(["slack"]) == ["alerts.channels: must be a mapping of channel names"]


def test_key_errors_are_at_their_path_and_never_quote_the_value() -> None:
    found = issues_of(
        {
            "s": {"type": "slack", "url": "ftp://sekrit-token-value", "colour": "red"},
            "t": {"type": "teams"},
            "h": {"type": "webhook", "url": "https://ops.example.com/x", "secret": "sekrit"},
        }
    )
    assert "alerts.channels.s.url: must be an https:// URL" in found
    assert any(
        line.startswith("alerts.channels.s.colour: unknown key (valid: type, url,")
        for line in found
    )
    assert any(line.startswith("alerts.channels.t.url: ") for line in found)
    assert any(line.startswith("alerts.channels.h.secret: ") for line in found)
    assert not any("sekrit" in line for line in found)


def test_env_substitution_reports_the_unset_variable_at_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        substitute_environment(
            {"team": {"type": "slack", "url": "${SLACK_URL}"}}, "alerts.channels", environ={}
        )
    assert [str(i) for i in caught.value.issues] == [
        "alerts.channels.team.url: environment variable SLACK_URL is not set"
    ]
    raw = substitute_environment(
        {"team": {"type": "slack", "url": "${SLACK_URL}"}},
        "alerts.channels",
        environ={"SLACK_URL": SECRET_URL},
    )
    assert validate_channels(raw)["team"][1].secrets()[0] == SECRET_URL


def test_a_check_that_raises_is_a_problem_without_the_secret() -> None:
    from slabridge.alerts.channels import check_channel

    class Broken(SlackNotifier):
        def check(self) -> list[str]:
            raise RuntimeError(f"cannot parse {self.url}")

    notifier = Broken(
        "b", SlackNotifier.config_model.model_validate({"type": "slack", "url": SECRET_URL})
    )
    [problem] = check_channel(notifier)
    assert problem.startswith("check() failed: RuntimeError: cannot parse ")
    assert "sekrit-token-value" not in problem
