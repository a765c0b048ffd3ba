"""Issue 28: a priority raise is sent once per breach of a cycle, even when the run that sent
it dies before recording the answer; on each bundled fake, counted in the fake's request log."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakekit import Setup
from killkit import (
    KINDS,
    Writes,
    build,
    helpdesk_state,
    priority_writes,
    raised_by,
    run_until_nothing_changes,
    start_sync,
    sync_dying_before_recording,
)

from slabridge.testing.fakeapi import FakeRequest, FakeResponse, Fault

TICKETS = 40
SEED = 28


@pytest.fixture(scope="module", params=KINDS)
def reference(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One uninterrupted run per fake: its final state and write figures."""
    kind = str(request.param)
    setup = build(kind, tmp_path_factory.mktemp(kind), tickets=TICKETS, seed=SEED)
    try:
        run_until_nothing_changes(setup)
        return kind, helpdesk_state(setup), Writes.of(setup)
    finally:
        setup.fake.stop()


@pytest.fixture
def started() -> Iterator[list[Setup]]:
    setups: list[Setup] = []
    yield setups
    for setup in setups:
        setup.fake.stop()


def test_a_run_dying_after_the_helpdesk_answered_and_before_recording_raises_nothing_twice(
    reference: Any, tmp_path: Path, started: list[Setup]
) -> None:
    kind, expected, writes = reference
    assert writes.priority_total > 0, "the reference run raised nothing: the test proves nothing"
    setup = build(kind, tmp_path, tickets=TICKETS, seed=SEED)
    started.append(setup)

    assert sync_dying_before_recording(setup, die_at=1) == 137
    assert priority_writes(setup), "the dying run sent no raise before it died"
    run_until_nothing_changes(setup)

    after = Writes.of(setup)
    assert after.raised_twice == []
    assert after.priority == writes.priority
    assert after.changed == writes.changed
    assert helpdesk_state(setup) == expected


class _HeldWrite:
    """Holds the first priority write the fake receives for ``hold`` seconds before serving it:
    the helpdesk accepted the request and finishes it later, after the sender was killed."""

    def __init__(self, setup: Setup, hold: float) -> None:
        self.setup = setup
        self.hold = hold
        self.arrived = threading.Event()
        self.landed_at: float | None = None
        self._dispatch = setup.fake.dispatch
        setup.fake.dispatch = self.dispatch

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        if not self.arrived.is_set() and self._is_raise(request):
            self.arrived.set()
            time.sleep(self.hold)
            answer = self._dispatch(request)
            self.landed_at = time.monotonic()
            return answer
        return self._dispatch(request)

    def _is_raise(self, request: FakeRequest) -> bool:
        return bool(raised_by(self.setup.kind, request))


def test_a_raise_still_in_flight_when_its_sender_is_killed_is_not_sent_again(
    reference: Any, tmp_path: Path, started: list[Setup]
) -> None:
    kind, expected, writes = reference
    setup = build(kind, tmp_path, tickets=TICKETS, seed=SEED)
    started.append(setup)
    held = _HeldWrite(setup, hold=2.0)

    process = start_sync(setup)
    assert held.arrived.wait(60), "no raise was sent"
    process.kill()  # SIGKILL while the helpdesk still works on the raise
    process.wait()
    run_until_nothing_changes(setup)

    assert held.landed_at is not None
    after = Writes.of(setup)
    assert after.raised_twice == []
    assert after.priority == writes.priority
    assert helpdesk_state(setup) == expected
