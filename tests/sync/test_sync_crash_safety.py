"""Crash safety: a sync killed by SIGKILL at random points, then resumed, loses nothing."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from fakekit import Setup, make_setup
from test_sync_fault_matrix import ESCALATING, converge, state

from slabridge.sync.store import open_store

KILLS = 20
COMMAND = [sys.executable, "-c", "from slabridge.cli import main; main()"]


def build(tmp_path: Path) -> Setup:
    # Small pages so that a run has many checkpoints, bulk writes and job polls to die between.
    setup = make_setup(
        "zendesk", tmp_path, tickets=12, policy=ESCALATING, config_overrides={"per_page": 3}
    )
    setup.clock.advance(minutes=45)
    return setup


def start_sync(setup: Setup) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *COMMAND,
            "sync",
            "--config",
            str(setup.config_path),
            "--now",
            setup.clock.now.isoformat(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_first_request(setup: Setup, before: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while len(setup.fake.calls) == before and process.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError("the sync subprocess never reached the helpdesk")
        time.sleep(0.005)


def test_twenty_runs_killed_at_random_points_then_resumed_end_like_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    reference = build(tmp_path / "reference")
    try:
        converge(reference)
        expected = state(reference)
    finally:
        reference.fake.stop()

    crashing = build(tmp_path / "crashing")
    rng = random.Random(7)
    try:
        crashing.fake.inject("delay", delay=0.02)  # stretch each run over many requests
        killed_mid_run = 0
        for _ in range(KILLS):
            before = len(crashing.fake.calls)
            process = start_sync(crashing)
            wait_for_first_request(crashing, before, process)
            time.sleep(rng.uniform(0, 0.35))
            if process.poll() is None:
                killed_mid_run += 1
            process.kill()
            process.wait()
        assert killed_mid_run >= KILLS // 2, "most kills must land inside a run"
        crashing.fake.clear_faults()

        # Resume: the next uninterrupted run finishes the job; one more writes nothing.
        finish = subprocess.run(
            [
                *COMMAND,
                "sync",
                "--config",
                str(crashing.config_path),
                "--now",
                crashing.clock.now.isoformat(),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert finish.returncode == 0, finish.stderr[-2000:]
        summaries = converge(crashing)
        assert summaries[-1]["written"] == 0
        assert state(crashing) == expected

        store = open_store(f"sqlite:///{crashing.config_path.parent / 'state.db'}")
        try:
            tracked = {ticket.ticket_id for ticket in store.iter_tickets()}
            assert tracked == set(crashing.ids)  # no ticket skipped
            assert store.pending_outbox("zendesk") == []
            escalations = [e.ticket_id for e in store.iter_sla_events(kinds=["escalated"])]
            assert len(escalations) == len(set(escalations))
        finally:
            store.close()
    finally:
        crashing.fake.stop()
