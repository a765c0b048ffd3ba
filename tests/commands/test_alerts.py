"""``slabridge alerts test --channel NAME`` and ``slabridge check`` on ``alerts.channels``."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.alerts.notifiers.webhook import verify_signature
from slabridge.commands import alerts, check
from slabridge.plugins import pm
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse

SECRET = "hook-secret-0123456789-never-shown"
SLACK_PATH = "/services/T0AAA/B0BBB/slacktokensecret42"
CONFIG = """\
version: 1
policies:
  - name: default
    calendar: 24x7
    targets:
      normal: {{first_response: 1h}}
alerts:
  channels:
    team-slack: {{type: slack, url: "${{SLACK_WEBHOOK_URL}}"}}
    hook: {{type: webhook, url: "{hook_url}", secret: "${{WEBHOOK_SECRET}}"}}
"""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Receiver(FakeAPI):
    def __init__(self) -> None:
        super().__init__()
        self.route("POST", r"/.*", self.receive)
        self.verdicts: list[str | None] = []

    def receive(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/hook":
            verdict = verify_signature(SECRET, request.headers, request.body)
            self.verdicts.append(verdict)
            if verdict is not None:
                return FakeResponse(401, {"error": verdict})
        return FakeResponse(200, raw=b"ok")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as fake:
        yield fake


@pytest.fixture(autouse=True)
def no_plugin_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pm, "load_failures", [])


def write(tmp_path: Path, hook_url: str, extra: str = "") -> Path:
    path = tmp_path / "slabridge.yaml"
    path.write_text(CONFIG.format(hook_url=hook_url) + extra)
    return path


def env(base_url: str) -> dict[str, str]:
    return {"SLACK_WEBHOOK_URL": f"{base_url}{SLACK_PATH}", "WEBHOOK_SECRET": SECRET}


def run_test(path: Path, channel: str, environ: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(
        alerts.command, ["test", "--channel", channel, "--config", str(path)], env=environ
    )
    return result.exit_code, result.output


def test_a_sample_alert_is_sent_and_verified_by_the_receiver(
    tmp_path: Path, receiver: Receiver
) -> None:
    path = write(tmp_path, f"{receiver.base_url}/hook")
    code, output = run_test(path, "hook", env(receiver.base_url))
    assert code == 0, output
    assert receiver.verdicts == [None]
    [request] = receiver.requests_to("POST", "/hook")
    body = json.loads(request.body)
    assert body["channel"] == "hook" and body["rule"] == "slabridge-alerts-test"
    assert output.startswith("sent   channel hook (type=webhook, url=http://127.0.0.1:")
    code, output = run_test(path, "team-slack", env(receiver.base_url))
    assert code == 0, output
    assert len(receiver.requests_to("POST", SLACK_PATH)) == 1
    assert SLACK_PATH not in output and "slacktokensecret42" not in output


def test_a_failed_delivery_exits_1_without_the_secret(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    path = write(tmp_path, f"{base}/hook")
    code, output = run_test(path, "team-slack", env(base))
    assert code == 1
    assert "FAIL   channel team-slack" in output and "connection refused" in output
    assert "slacktokensecret42" not in output


def test_an_unknown_channel_exits_2_naming_the_defined_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "https://ops.example.com/hook")
    code, output = run_test(path, "pager", env("https://hooks.slack.com"))
    assert code == 2
    assert "no channel 'pager' in alerts.channels (defined: hook, team-slack)" in output


def test_a_missing_variable_or_bad_entry_exits_2_at_its_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, "https://ops.example.com/hook")
    code, output = run_test(path, "hook", {"WEBHOOK_SECRET": SECRET})
    assert code == 2
    assert "alerts.channels.team-slack.url: environment variable SLACK_WEBHOOK_URL is not set" in (
        output
    )
    bad = write(tmp_path, "https://ops.example.com/hook", "    pager: {type: pagerduty}\n")
    code, output = run_test(bad, "hook", env("https://hooks.slack.com"))
    assert code == 2
    assert (
        "alerts.channels.pager.type: unknown channel type (known: email, slack, teams, webhook)"
        in (output)
    )
    assert SECRET not in output


def run_check(path: Path, environ: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(check.command, ["--config", str(path), *args], env=environ)
    return result.exit_code, result.output


def test_check_validates_every_channel_without_sending(tmp_path: Path, receiver: Receiver) -> None:
    path = write(tmp_path, f"{receiver.base_url}/hook")
    code, output = run_check(path, env(receiver.base_url))
    assert code == 0, output
    assert output == "ok     channel team-slack (slack)\nok     channel hook (webhook)\n"
    assert receiver.calls == []


def test_check_fails_a_plain_http_url_that_is_not_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, "http://ops.example.com/hook")
    code, output = run_check(path, env("https://hooks.slack.com"), "--format", "json")
    assert code == 1
    document = json.loads(output)
    assert document["ok"] is False
    hook = next(channel for channel in document["channels"] if channel["name"] == "hook")
    assert hook["url"] == "http://ops.example.com/***"
    assert hook["problems"] == ["the URL must use https:// (plain http only to loopback), got http"]
    assert SECRET not in output and SLACK_PATH not in output


def test_check_exits_2_on_an_invalid_channel(tmp_path: Path) -> None:
    path = write(tmp_path, "https://ops.example.com/hook", "    lead: {type: email, host: x}\n")
    code, output = run_check(path, env("https://hooks.slack.com"))
    assert code == 2
    assert "the alert channels are invalid" in output
    assert "alerts.channels.lead.from: " in output and "alerts.channels.lead.to: " in output


def test_check_exits_1_when_plugins_clash_on_a_channel_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slabridge.alerts import channels
    from slabridge.plugins import PluginError

    def clash(*args: object, **kwargs: object) -> None:
        raise PluginError("two notifiers claim type 'slack': a.Slack and b.Slack")

    monkeypatch.setattr(channels, "load_channels", clash)
    path = write(tmp_path, "https://ops.example.com/hook")
    code, output = run_check(path, env("https://hooks.slack.com"))
    assert code == 1
    assert "error: two notifiers claim type 'slack'" in output
