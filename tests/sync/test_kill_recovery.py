"""Issue 28: on each bundled fake, syncs killed by SIGKILL at random moments, then run until
nothing changes, leave every ticket field by field as one uninterrupted run on the same seed."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakekit import POLICY, T0, Clock, Setup, make_setup

from slabridge.demo.seed import demo_tickets

KINDS = ["zendesk", "freshdesk", "jira"]
TICKETS = 40
KILLS = 6
SEED = 28
NOW = T0 + timedelta(days=30)
COMMAND = [sys.executable, "-c", "from slabridge.cli import main; main()"]
FIELDS: dict[str, tuple[str, str]] = {
    "zendesk": ("9100", "9101"),
    "freshdesk": ("cf_sla_due_at", "cf_sla_breached"),
    "jira": ("customfield_10201", "customfield_10200"),
}
State = dict[str, tuple[frozenset[str], str | None, Any, Any]]


def policy(kind: str) -> dict[str, Any]:
    due_at, breached = FIELDS[kind]
    actions = {
        **POLICY["actions"],
        "escalate_priority": {"on": "breach", "to": "one_level_up"},
        "fields": {kind: {"due_at": due_at, "breached": breached}},
    }
    return {**POLICY, "actions": actions}


def seeded(kind: str) -> Any:
    def seed(fake: Any, _clock: Clock) -> list[str]:
        due_at, breached = FIELDS[kind]
        if kind == "zendesk":
            fake.add_ticket_field(int(due_at), "text")
            fake.add_ticket_field(int(breached), "checkbox")
        elif kind == "freshdesk":
            fake.add_ticket_field(due_at)
            fake.add_ticket_field(breached, "custom_checkbox")
        tickets = demo_tickets(TICKETS, source=kind, now=NOW, seed=SEED)
        return [fake.load_normalized(ticket) for ticket in tickets]

    return seed


def build(kind: str, directory: Path) -> Setup:
    # The fake and the sync (--now) share one frozen clock, so both runs see the same instant.
    return make_setup(kind, directory, clock=Clock(NOW), policy=policy(kind), seed=seeded(kind))


def helpdesk_state(setup: Setup) -> State:
    due_at, breached = FIELDS[setup.kind]
    return {
        ticket_id: (
            frozenset(setup.fake.tags(ticket_id)),
            setup.fake.priority(ticket_id),
            setup.fake.field(ticket_id, due_at),
            setup.fake.field(ticket_id, breached),
        )
        for ticket_id in setup.ids
    }


def start_sync(setup: Setup) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*COMMAND, "sync", "--config", str(setup.config_path), "--now", NOW.isoformat()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_until_nothing_changes(setup: Setup, limit: int = 6) -> None:
    for _ in range(limit):
        before = setup.fake.write_count()
        finished = subprocess.run(
            [*COMMAND, "sync", "--config", str(setup.config_path), "--now", NOW.isoformat()],
            capture_output=True,
            text=True,
            check=False,
        )
        assert finished.returncode == 0, finished.stderr[-2000:]
        if setup.fake.write_count() == before:
            return
    raise AssertionError(f"still writing after {limit} runs")


def kill_at_random_moments(setup: Setup, rng: random.Random, span: float) -> int:
    killed_mid_run = 0
    for _ in range(KILLS):
        process = start_sync(setup)
        time.sleep(rng.uniform(0.2, span))
        if process.poll() is None:
            killed_mid_run += 1
        process.kill()
        process.wait()
    return killed_mid_run


def compare(initial: State, expected: State, final: State) -> tuple[int, int]:
    """(lost, differing): tickets that never got their write-back, tickets that differ."""
    differing = [i for i in expected if final.get(i) != expected[i]]
    lost = [i for i in differing if expected[i] != initial[i] and final.get(i) == initial[i]]
    return len(lost), len(differing)


@pytest.mark.parametrize("kind", KINDS)
def test_random_sigkills_then_runs_until_nothing_changes_end_like_an_uninterrupted_run(
    kind: str, tmp_path: Path
) -> None:
    reference = build(kind, tmp_path / "reference")
    try:
        initial = helpdesk_state(reference)
        started = time.monotonic()
        run_until_nothing_changes(reference)
        span = time.monotonic() - started
        expected = helpdesk_state(reference)
    finally:
        reference.fake.stop()
    assert expected != initial, "the reference run wrote nothing: the test proves nothing"

    crashing = build(kind, tmp_path / "crashing")
    try:
        crashing.fake.inject("delay", delay=0.01)  # stretch each run over many kill points
        killed = kill_at_random_moments(crashing, random.Random(SEED), span)
        crashing.fake.clear_faults()
        assert killed >= 1, "no kill landed inside a run"
        run_until_nothing_changes(crashing)
        lost, differing = compare(initial, expected, helpdesk_state(crashing))
    finally:
        crashing.fake.stop()
    assert (lost, differing) == (0, 0)
