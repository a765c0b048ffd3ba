"""``slabridge serve`` as an admin runs it: a real process, its address, its exit statuses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner
from slabridge_zendesk.fake import FakeZendesk

from slabridge.cli import cli

TOKEN = "board-token-for-the-cli-test-77"
POLICY = {
    "policies": [{"name": "p", "targets": {"default": {"first_response": "1h"}}}],
}


def write_config(tmp_path: Path, fake: FakeZendesk, serve: object) -> Path:
    document = {
        **POLICY,
        "state": f"sqlite:///{tmp_path / 'state.db'}",
        "connectors": {"zd": fake.connector_config()},
        "serve": serve,
    }
    path = tmp_path / "slabridge.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_serve_listens_on_loopback_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    fake = FakeZendesk()
    fake.start()
    try:
        path = write_config(tmp_path, fake, {"board": {"token": "${BOARD}"}, "sync_every": "1h"})
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from slabridge.cli import main; main()",
                "serve",
                "--config",
                str(path),
                "--port",
                "0",
            ],
            env={**os.environ, "BOARD": TOKEN},
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        url = None
        deadline = time.monotonic() + 30
        lines = []
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            found = re.search(r"Serving the SLA board on (http://127\.0\.0\.1:\d+)/", line)
            url = found.group(1) if found else None
        assert url is not None, lines
        assert requests.get(f"{url}/healthz", timeout=10).json() == {"status": "ok"}
        assert requests.get(f"{url}/", timeout=10).status_code == 401
        board = requests.get(f"{url}/", params={"token": TOKEN}, timeout=10)
        assert board.status_code == 200 and "SLA board" in board.text
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
        assert process.returncode == 0
        assert TOKEN not in "".join(lines) + rest
    finally:
        fake.stop()


def test_serve_without_a_board_login_is_a_config_error(tmp_path: Path) -> None:
    fake = FakeZendesk()
    fake.start()
    try:
        path = write_config(tmp_path, fake, {"webhooks": {"zd": {}}})
        result = CliRunner().invoke(cli, ["serve", "--config", str(path)])
        assert result.exit_code == 2
        assert "serve.webhooks.zd.secret: required" in result.stderr
        assert "serve.board: set token" in result.stderr
    finally:
        fake.stop()


def test_serve_warns_when_told_to_listen_beyond_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slabridge.serve import server as server_module

    fake = FakeZendesk()
    fake.start()
    monkeypatch.setenv("BOARD", TOKEN)
    started: list[str] = []
    monkeypatch.setattr(server_module.ServeServer, "run", lambda self: started.append(self.host))
    try:
        path = write_config(tmp_path, fake, {"board": {"token": "${BOARD}"}})
        options = ["--config", str(path), "--host", "0.0.0.0", "--port", "0"]
        result = CliRunner().invoke(cli, ["serve", *options])
        assert result.exit_code == 0, result.output
        assert "warning: --host 0.0.0.0 is not loopback" in result.stderr
        assert started == ["0.0.0.0"]
        quiet = CliRunner().invoke(cli, ["serve", "--config", str(path), "--port", "0"])
        assert "not loopback" not in quiet.stderr
    finally:
        fake.stop()
