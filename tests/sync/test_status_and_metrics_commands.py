"""`slabridge status`, `sync --metrics-textfile` and `run --metrics-port`, on the fake Freshdesk."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from fakekit import Setup, make_setup

from slabridge.cli import cli
from slabridge.sync.store import open_store


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    built = make_setup("freshdesk", tmp_path)
    yield built
    built.fake.stop()


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def sync(setup: Setup, *extra: str) -> tuple[int, str, str]:
    return invoke("sync", "--config", str(setup.config_path), *extra)


def test_sync_prints_its_json_summary_when_stdout_is_not_a_terminal(setup: Setup) -> None:
    code, out, _ = sync(setup)
    assert code == 0
    [summary] = json.loads(out)
    assert summary["connector"] == "freshdesk" and summary["written"] == len(setup.ids)


def test_status_shows_the_last_run_cursor_and_no_parked_writes(setup: Setup) -> None:
    assert sync(setup)[0] == 0
    code, out, _ = invoke("status", "--config", str(setup.config_path), "--format", "json")
    assert code == 0
    [status] = json.loads(out)["connectors"]
    assert status["connector"] == "freshdesk"
    assert status["last_run"]["status"] == "ok"
    assert status["last_run"]["written"] == len(setup.ids)
    assert status["last_ok_run"]["id"] == status["last_run"]["id"]
    assert status["lag_seconds"] is not None and status["lag_seconds"] >= 0
    assert status["cursor"]
    assert (status["pending_writes"], status["parked_writes"], status["parked"]) == (0, 0, [])
    assert status["lease"] is None


def test_status_lists_parked_writes_with_their_reason_and_retry_parked_requeues_them(
    setup: Setup,
) -> None:
    setup.fake.inject("5xx", status=400, path=r"/api/v2/tickets/\d+$", method="PUT", times=1)
    assert sync(setup)[0] == 1
    code, out, _ = invoke("status", "--config", str(setup.config_path), "--format", "json")
    assert code == 1  # a parked write is something to look at
    [status] = json.loads(out)["connectors"]
    assert status["last_run"]["status"] == "failed"
    assert status["parked_writes"] == 1
    [parked] = status["parked"]
    assert parked["ticket"] in setup.ids and "400" in parked["reason"]

    code, _, err = invoke(
        "status", "--config", str(setup.config_path), "--retry-parked", "--format", "json"
    )
    assert "1 parked write(s) queued again" in err
    writes_before = setup.fake.write_count()
    assert sync(setup)[0] == 0
    assert setup.fake.write_count() == writes_before + 1
    code, out, _ = invoke("status", "--config", str(setup.config_path), "--format", "json")
    assert code == 0
    assert json.loads(out)["connectors"][0]["parked_writes"] == 0


def test_status_table_names_each_connector(setup: Setup) -> None:
    sync(setup)
    code, out, _ = invoke("status", "--config", str(setup.config_path), "--format", "table")
    assert code == 0
    assert "freshdesk" in out and "ago" in out


def test_status_of_an_unknown_connector_exits_2(setup: Setup) -> None:
    code, _, err = invoke("status", "--config", str(setup.config_path), "--connector", "nope")
    assert code == 2 and "'nope'" in err


def test_sync_writes_the_run_metrics_to_a_textfile(setup: Setup, tmp_path: Path) -> None:
    target = tmp_path / "metrics" / "slabridge.prom"
    target.parent.mkdir()
    code, _, _ = sync(setup, "--metrics-textfile", str(target))
    assert code == 0
    text = target.read_text()
    assert 'slabridge_runs_total{connector="freshdesk",status="ok"}' in text
    assert 'slabridge_api_calls_total{connector="freshdesk"}' in text
    # Six open tickets, none answered late yet at the fake's clock: counted per policy.
    open_lines = [line for line in text.splitlines() if line.startswith("slabridge_open_tickets{")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in open_lines) == len(setup.ids)
    assert all('policy="standard"' in line for line in open_lines)


def test_a_metrics_export_failure_warns_but_keeps_the_runs_exit_code(
    setup: Setup, tmp_path: Path
) -> None:
    code, _, err = sync(setup, "--metrics-textfile", str(tmp_path / "missing" / "x.prom"))
    assert code == 0
    assert "warning: could not export metrics" in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_serves_metrics_and_healthz_while_it_loops(setup: Setup) -> None:
    port = free_port()
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
            "--metrics-port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60  # the first run, on a loaded machine
        health: dict[str, str] = {}
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                health = answer.json()
                if "last run finished" in health["reason"]:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        assert health.get("status") == "ok", health
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        assert 'slabridge_runs_total{connector="freshdesk",status="ok"}' in metrics
        assert 'slabridge_writes_sent_total{connector="freshdesk"} 6.0' in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err.decode()[-2000:]
    store = open_store(f"sqlite:///{setup.config_path.parent / 'state.db'}")
    # Read them all before asserting: a half-consumed generator left open would fail the next
    # test in this worker with "Cannot operate on a closed database".
    statuses = [run.status for run in store.iter_runs()]
    store.close()
    # SIGTERM can land in the middle of a run (likelier on a loaded machine): that one run ends
    # "interrupted" and the loop stops; every other run finished "ok".
    assert statuses.count("ok") >= 1, statuses
    assert statuses.count("interrupted") <= 1, statuses
    assert set(statuses) <= {"ok", "interrupted"}, statuses


def test_run_exits_2_when_the_metrics_port_is_taken(setup: Setup) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = invoke(
            "run",
            "--config",
            str(setup.config_path),
            "--metrics-port",
            str(port),
            "--max-runs",
            "1",
        )
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_sync_refreshes_the_goal_counters_from_the_store(setup: Setup, tmp_path: Path) -> None:
    with setup.config_path.open("a", encoding="utf-8") as handle:
        handle.write("\ngoals:\n  - {name: answered, metric: first_response, share: 90%}\n")
    target = tmp_path / "slabridge.prom"
    code, _, err = sync(setup, "--metrics-textfile", str(target))
    assert code == 0, err
    lines = [
        line
        for line in target.read_text().splitlines()
        if line.startswith(("slabridge_goal_cycles_total{", "slabridge_goal_good_cycles_total{"))
    ]
    # One good and one total series for the goal's period; no first response is decided yet
    # (six open tickets, none late at the fake's clock), so both count 0.
    assert len(lines) == 2 and all('goal="answered"' in line for line in lines)
    assert all(line.endswith(" 0.0") for line in lines)
