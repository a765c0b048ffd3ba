"""``slabridge demo --board``: the newcomer opens the live board and sends a webhook."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.commands import demo
from slabridge.redaction import secrets_kept_apart


@pytest.fixture
def restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    with secrets_kept_apart():
        yield None
    os.environ.clear()
    os.environ.update(saved)


def sourced(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line)
    return {name: shlex.split(value)[0] for name, value in pairs}


def test_the_demo_board_shows_tickets_and_takes_a_webhook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_environ: None
) -> None:
    seen: dict[str, object] = {}

    def look_at_the_board() -> None:
        environment = sourced(tmp_path / "demo.env")
        url = environment["DEMO_BOARD_URL"]
        assert requests.get(url.split("?")[0], timeout=30).status_code == 401
        page = requests.get(url, timeout=30)
        seen["board"] = (page.status_code, page.text)
        hook = url.split("/?")[0] + "/webhooks/demo-freshdesk"
        answer = requests.post(
            hook,
            json={"ticket_id": 1},
            headers={"X-Slabridge-Webhook-Secret": environment["DEMO_FRESHDESK_WEBHOOK_SECRET"]},
            timeout=30,
        )
        seen["webhook"] = answer.status_code

    monkeypatch.setattr(demo, "wait_for_interrupt", look_at_the_board)
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--tickets", "30", "--board"])
    assert result.exit_code == 0, result.output
    status, text = seen["board"]  # type: ignore[misc]
    assert status == 200
    assert re.search(r"\d+ ticket\(s\): \d+ breached, \d+ at risk", text)
    assert "demo-zendesk" in text and "Goals this period" in text
    assert seen["webhook"] == 202
    assert re.search(
        r"The live SLA board \(slabridge serve\) listens on http://127\.0\.0\.1:\d+/", result.stdout
    )
    assert 'open "$DEMO_BOARD_URL"' in result.stdout
    environment = sourced(tmp_path / "demo.env")
    for name in ("DEMO_BOARD_TOKEN", "DEMO_FRESHDESK_WEBHOOK_SECRET"):
        assert environment[name] not in result.output  # the secrets stay in demo.env
    assert "serve:" in (tmp_path / "slabridge.yaml").read_text()
