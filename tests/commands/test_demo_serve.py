"""``slabridge demo --serve``: the fakes stay up, and the whole admin journey works against them."""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.commands import demo
from slabridge.sync.store import open_store


@pytest.fixture
def restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield None
    os.environ.clear()
    os.environ.update(saved)


def sourced(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line)
    return {name: shlex.split(value)[0] for name, value in pairs}


def test_serve_keeps_the_fakes_up_for_check_sync_explain_and_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_environ: None
) -> None:
    journey: dict[str, tuple[int, str]] = {}

    def try_the_commands() -> None:
        # What the newcomer does in a second shell, while the demo waits for Ctrl-C.
        env_file = tmp_path / "demo.env"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        environment = sourced(env_file)
        assert environment and all(name.isupper() for name in environment)
        for key in environment:
            os.environ.pop(key, None)  # the second shell has only what it sourced
        config = str(tmp_path / "slabridge.yaml")
        store = open_store(f"sqlite:///{tmp_path / 'slabridge.db'}")
        stored = next(store.iter_tickets("demo-zendesk"))
        store.close()
        ticket = ("", stored.connector, stored.ticket_id)
        for name, args in {
            "check": ["check", "--config", config],
            "dry-run": ["sync", "--config", config, "--dry-run", "--format", "json"],
            "explain": ["explain", "--config", config, "--connector", ticket[1], "--id", ticket[2]],
            "sync": ["sync", "--config", config, "--format", "json"],
            "status": ["status", "--config", config, "--format", "json"],
        }.items():
            result = CliRunner().invoke(cli, args, env=environment)
            journey[name] = (result.exit_code, result.stdout + result.stderr)

    monkeypatch.setattr(demo, "wait_for_interrupt", try_the_commands)
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--tickets", "20", "--serve"])
    assert result.exit_code == 0, result.output
    assert "keep running until you press Ctrl-C" in result.stdout
    assert re.search(r"explain --config \S+ --connector demo-zendesk --id \S+", result.stdout)
    assert set(journey) == {"check", "dry-run", "explain", "sync", "status"}
    for name, (code, output) in journey.items():
        assert code == 0, f"{name}: {output}"
    assert journey["check"][1].count("ok     demo-") == 3
    assert "Policy match (first match wins):" in journey["explain"][1]
