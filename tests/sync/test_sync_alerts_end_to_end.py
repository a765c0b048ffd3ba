"""A real sync on the fake Zendesk sends its alert to a signed webhook on loopback, once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fakekit import T0, Setup, make_setup

from slabridge.alerts.notifiers.webhook import verify_signature
from slabridge.cli import cli
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse

SECRET = "whsec-0123456789abcdef0123456789"


class Receiver(FakeAPI):
    """Takes signed POSTs; refuses (401) any whose signature does not verify."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, object]] = []
        self.route("POST", r"/hook", self.receive)

    def receive(self, request: FakeRequest) -> FakeResponse:
        reason = verify_signature(SECRET, request.headers, request.body)
        if reason is not None:
            return FakeResponse(401, {"error": reason})
        self.messages.append(json.loads(request.body))
        return FakeResponse(200, {"ok": True})


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Setup, Receiver]]:
    built = make_setup("zendesk", tmp_path)
    with Receiver() as receiver:
        document = yaml.safe_load(built.config_path.read_text())
        document["alerts"] = {
            "channels": {
                "hook": {
                    "type": "webhook",
                    "url": f"{receiver.base_url}/hook",
                    "secret": "${HOOK_SECRET}",
                }
            },
            "rules": [
                {
                    "name": "early",
                    "metrics": ["first_response"],
                    "digest": True,
                    "levels": [{"at": "25%", "notify": "hook"}],
                }
            ],
        }
        built.config_path.write_text(yaml.safe_dump(document, sort_keys=False))
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        yield built, receiver
    built.fake.stop()


def sync(setup: Setup, minutes: int) -> None:
    now = (T0 + timedelta(minutes=minutes)).isoformat()
    result = CliRunner().invoke(cli, ["sync", "--config", str(setup.config_path), "--now", now])
    assert result.exit_code == 0, result.output


def test_the_unanswered_tickets_past_25_percent_arrive_as_one_signed_digest_once(
    setup: tuple[Setup, Receiver],
) -> None:
    built, receiver = setup
    # Tickets open at T0 + 0, 5, ... 25 min; ids 1 and 4 were answered after 10 min. At T0 + 50
    # min the other four have used 50, 45, 35 and 25 min of their 1 h: all at or past 25 %.
    sync(built, 50)
    [digest] = receiver.messages
    assert digest["rule"] == "early" and digest["level"] == 1
    items = digest["items"]
    assert isinstance(items, list)
    assert sorted(item["ticket_id"] for item in items) == ["2", "3", "5", "6"]
    assert all(item["ticket_url"].endswith(f"/agent/tickets/{item['ticket_id']}") for item in items)
    sync(built, 55)
    assert len(receiver.messages) == 1, "one event, rule and level: never sent twice"


def test_a_channel_type_two_plugins_claim_is_a_setup_error_not_a_traceback(
    setup: tuple[Setup, Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    from slabridge.alerts.notifiers import registry
    from slabridge.plugins import PluginError

    def clash(*_: object, **__: object) -> None:
        raise PluginError("notifier type 'webhook' is claimed by two plugins: a, b")

    monkeypatch.setattr(registry, "notifier_types", clash)
    built, _ = setup
    result = CliRunner().invoke(cli, ["sync", "--config", str(built.config_path)])
    assert result.exit_code == 2, result.output
    assert "claimed by two plugins" in result.stderr


def test_a_goal_rule_pages_on_the_budget_and_the_fast_burn_once(
    setup: tuple[Setup, Receiver],
) -> None:
    built, receiver = setup
    document = yaml.safe_load(built.config_path.read_text())
    document["goals"] = [{"name": "answered", "metric": "first_response", "share": "90%"}]
    document["alerts"]["rules"].append(
        {
            "name": "budget-watch",
            "goal": "answered",
            "levels": [
                {"at": "budget 25%", "notify": "hook"},
                {"at": "burn fast", "notify": "hook"},
            ],
        }
    )
    built.config_path.write_text(yaml.safe_dump(document, sort_keys=False))
    # At T0 + 3h (Mon 2 Mar 12:00): tickets 1 and 4 were answered in 10 min, the other four
    # breached at 10:05, 10:10, 10:20 and 10:25. March so far: 2 met, 4 missed of 6 decided.
    # 36 h of March's 744 h are done and February is empty: projected floor(6 × 744 / 36) =
    # 124 cycles, floor(12.4) = 12 misses allowed, 4 spent = 33.33% (past 25%), 8 left.
    # Fast burn: the last day holds all 6 (4 missed: 66.66% ÷ 10% = 6.66x), the last 2 h the
    # four breaches only (100% ÷ 10% = 10x): both at or over 3x.
    sync(built, 180)
    goal_messages = [m for m in receiver.messages if m["rule"] == "budget-watch"]
    assert [m["title"] for m in goal_messages] == [
        "Error budget 33.33% spent: answered (2026-03), 4 of 12 misses, 8 left",
        "Fast burn: answered at 6.66x over 1d and 10x over 2h (alert at 3x); "
        "8 misses left in 2026-03",
    ]
    sync(built, 185)
    assert len([m for m in receiver.messages if m["rule"] == "budget-watch"]) == 2
