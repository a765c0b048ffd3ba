"""Issue 28: on each bundled fake, syncs killed by SIGKILL at random moments, then run until
nothing changes, leave every ticket field by field as one uninterrupted run on the same seed,
with the same writes: as many ticket-changing writes, and each priority raise sent once."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from killkit import (
    KINDS,
    Writes,
    build,
    compare,
    differences,
    helpdesk_state,
    kill_at_random_moments,
    run_until_nothing_changes,
)

TICKETS = 40
KILLS = 6
SEED = 28


@pytest.mark.parametrize("kind", KINDS)
def test_random_sigkills_then_runs_until_nothing_changes_end_like_an_uninterrupted_run(
    kind: str, tmp_path: Path
) -> None:
    reference = build(kind, tmp_path / "reference", tickets=TICKETS, seed=SEED)
    try:
        initial = helpdesk_state(reference)
        started = time.monotonic()
        run_until_nothing_changes(reference)
        span = time.monotonic() - started
        expected = helpdesk_state(reference)
        expected_writes = Writes.of(reference)
    finally:
        reference.fake.stop()
    assert expected != initial, "the reference run wrote nothing: the test proves nothing"
    assert expected_writes.priority_total > 0, "the reference run raised no priority"

    crashing = build(kind, tmp_path / "crashing", tickets=TICKETS, seed=SEED)
    try:
        crashing.fake.inject("delay", delay=0.01)  # stretch each run over many kill points
        killed = kill_at_random_moments(crashing, random.Random(SEED), KILLS, span)
        crashing.fake.clear_faults()
        assert killed >= 1, "no kill landed inside a run"
        run_until_nothing_changes(crashing)
        final = helpdesk_state(crashing)
        writes = Writes.of(crashing)
    finally:
        crashing.fake.stop()
    assert compare(initial, expected, final) == (0, 0), differences(expected, final)
    assert writes.raised_twice == []
    assert writes.priority == expected_writes.priority
    assert writes.changed == expected_writes.changed
