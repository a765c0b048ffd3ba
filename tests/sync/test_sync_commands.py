"""`slabridge sync` and `slabridge run`: output, exit codes and locks, on the fake Freshdesk."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakekit import Setup, make_setup

from slabridge.cli import cli
from slabridge.commands.run import parse_interval
from slabridge.sync.store import open_store


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    built = make_setup("freshdesk", tmp_path)
    yield built
    built.fake.stop()


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_sync_exits_0_and_prints_json_summaries_on_request(setup: Setup) -> None:
    code, out, _ = invoke(
        "sync", "--config", str(setup.config_path), "--now", setup.clock.now.isoformat(), "--json"
    )
    assert code == 0
    [summary] = json.loads(out)
    assert summary["connector"] == "freshdesk"
    assert summary["written"] == len(setup.ids)
    assert summary["status"] == "ok"


def test_dry_run_prints_planned_changes_as_json_when_not_on_a_terminal(setup: Setup) -> None:
    later = (setup.clock.now + timedelta(hours=2)).isoformat()
    code, out, _ = invoke("sync", "--config", str(setup.config_path), "--dry-run", "--now", later)
    assert code == 0
    planned = json.loads(out)
    assert {item["ticket"] for item in planned} == set(setup.ids)
    assert all(
        "sla_breached" in item["changes"]["add_tags"] for item in planned if item["breached"]
    )
    assert setup.fake.write_count() == 0
    assert not (setup.config_path.parent / "state.db").exists()


def test_a_connector_held_by_another_run_exits_3_with_a_clear_message(setup: Setup) -> None:
    store = open_store(f"sqlite:///{setup.config_path.parent / 'state.db'}")
    assert store.acquire_lease("freshdesk", "worker-b:42", timedelta(minutes=5))
    store.close()
    code, _, err = invoke("sync", "--config", str(setup.config_path))
    assert code == 3
    assert "another slabridge sync is running" in err
    assert "worker-b:42" in err
    assert setup.fake.write_count() == 0


def test_a_rejected_write_makes_the_run_exit_1_and_names_the_ticket(setup: Setup) -> None:
    setup.fake.inject("5xx", status=400, path=r"/api/v2/tickets/\d+$", method="PUT", times=1)
    code, _, err = invoke("sync", "--config", str(setup.config_path))
    assert code == 1
    assert "freshdesk: ticket" in err and "parked" in err


def test_a_config_error_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "version: 1\npolicies: [{name: x, targets: {default: {first_response: soon}}}]\n"
    )
    code, _, err = invoke("sync", "--config", str(path))
    assert code == 2
    assert "error:" in err


def test_an_unknown_connector_name_exits_2_and_lists_the_configured_ones(setup: Setup) -> None:
    code, _, err = invoke("sync", "--config", str(setup.config_path), "--connector", "nope")
    assert code == 2
    assert "'nope'" in err and "freshdesk" in err


def test_run_loops_the_given_number_of_times(setup: Setup) -> None:
    code, _, _ = invoke(
        "run",
        "--config",
        str(setup.config_path),
        "--every",
        "1s",
        "--no-jitter",
        "--max-runs",
        "2",
    )
    assert code == 0
    store = open_store(f"sqlite:///{setup.config_path.parent / 'state.db'}")
    assert [run.status for run in store.iter_runs()] == ["ok", "ok"]
    store.close()


def test_intervals_read_like_durations() -> None:
    assert parse_interval("5m") == 300
    assert parse_interval("1h30m") == 5400
    with pytest.raises(Exception, match="not a duration"):
        parse_interval("5 minutes")


def test_run_stops_cleanly_on_sigterm_and_leaves_no_run_unfinished(setup: Setup) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from slabridge.cli import main; main()",
            "run",
            "--config",
            str(setup.config_path),
            "--every",
            "1s",
            "--no-jitter",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    state = setup.config_path.parent / "state.db"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if state.exists():
            store = open_store(f"sqlite:///{state}")
            finished = [run for run in store.iter_runs() if run.finished_at is not None]
            store.close()
            if finished:
                break
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err.decode()[-2000:]
    store = open_store(f"sqlite:///{state}")
    statuses = [run.status for run in store.iter_runs()]
    store.close()
    assert statuses and "running" not in statuses
    assert b"stop_requested" in err


def test_credentials_never_appear_in_the_output_even_when_they_are_wrong(
    setup: Setup, tmp_path: Path
) -> None:
    code, out, err = invoke("sync", "--config", str(setup.config_path))
    assert code == 0
    assert setup.fake.api_key not in out + err
    wrong = "wrong-but-secret-4242"
    bad = tmp_path / "bad-key.yaml"
    bad.write_text(setup.config_path.read_text().replace(setup.fake.api_key, wrong))
    code, out, err = invoke("sync", "--config", str(bad))
    assert code == 1
    assert "freshdesk" in err
    assert wrong not in out + err


def _with_alerts(tmp_path: Path) -> Setup:
    from fakekit import POLICY

    policy = {
        **POLICY,
        "alerts": {
            "channels": {
                "lead": {
                    "type": "webhook",
                    "url": "https://ops.example.com/x",
                    "secret": "s" * 32,
                }
            },
            "rules": [{"name": "breaches", "levels": [{"at": "breach", "notify": "lead"}]}],
        },
    }
    return make_setup("freshdesk", tmp_path, policy=policy)


def test_a_dry_run_lists_the_alerts_it_would_send_and_stores_none(tmp_path: Path) -> None:
    setup = _with_alerts(tmp_path)
    try:
        later = (setup.clock.now + timedelta(hours=2)).isoformat()
        code, out, err = invoke(
            "sync", "--config", str(setup.config_path), "--dry-run", "--now", later
        )
    finally:
        setup.fake.stop()
    assert code == 0
    assert json.loads(out)  # the planned writes keep their JSON shape on stdout
    alerts = [
        json.loads(line)["dry_run_alert"] for line in err.splitlines() if "dry_run_alert" in line
    ]
    assert alerts and all(alert["channel"] == "lead" and alert["level"] == 1 for alert in alerts)
    assert {item["event"] for alert in alerts for item in alert["items"]} == {"breached"}
    assert not (setup.config_path.parent / "state.db").exists()
