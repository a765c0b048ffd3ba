"""Kit for kill -9 runs (issue #28): seeded fakes, syncs as subprocesses, and what to compare.

Shared by tests/sync/test_kill_recovery.py, tests/sync/test_escalation_once_under_kill.py and
benchmarks/kill_recovery.py (which puts this directory on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from fakekit import FIELDS, T0, Clock, Setup, add_owned_fields, escalating, make_setup

from slabridge.demo.seed import demo_tickets
from slabridge.testing.fakeapi import FakeRequest

KINDS = ["zendesk", "freshdesk", "jira"]
NOW = T0 + timedelta(days=30)
COMMAND = [sys.executable, "-c", "from slabridge.cli import main; main()"]
# A sync that dies (os._exit, as SIGKILL would) at its DIE_AT-th outcome recording, that is
# after connector.apply returned and before store.finish_outbox wrote what it answered.
DIE_BEFORE_RECORDING = """
import os
from slabridge.sync.store import StateStore
recording = StateStore.finish_outbox
calls = [0]
def finish_outbox(self, outcomes):
    calls[0] += 1
    if calls[0] == int(os.environ["DIE_AT"]):
        os._exit(137)
    return recording(self, outcomes)
StateStore.finish_outbox = finish_outbox
from slabridge.cli import main
main()
"""
# Where each fake takes a write, and where its body carries the priority.
_WRITE_PATHS = {
    "zendesk": re.compile(r"/api/v2/tickets/(\d+)\.json$|/api/v2/tickets/update_many\.json$"),
    "freshdesk": re.compile(r"/api/v2/tickets/(\d+)$"),
    "jira": re.compile(r"/rest/api/3/issue/([^/]+)$"),
}
STARTUP = 1.0  # seconds a `slabridge sync` process takes before its first request, about
State = dict[str, tuple[frozenset[str], str | None, Any, Any]]


def seeded(kind: str, tickets: int, seed: int) -> Any:
    """A seed function: the owned fields, then ``tickets`` demo tickets."""

    def seed_fake(fake: Any, _clock: Clock) -> list[str]:
        add_owned_fields(kind, fake)
        return [
            fake.load_normalized(ticket)
            for ticket in demo_tickets(tickets, source=kind, now=NOW, seed=seed)
        ]

    return seed_fake


def build(kind: str, directory: Path, *, tickets: int, seed: int) -> Setup:
    """A started fake of ``kind`` with seeded tickets and a config escalating on breach."""
    # The fake and the sync (--now) share one frozen clock, so all runs see the same instant.
    setup = make_setup(
        kind, directory, clock=Clock(NOW), policy=escalating(kind), seed=seeded(kind, tickets, seed)
    )
    # Plan limits off: under a frozen clock a per-minute window never resets, and pacing to
    # Zendesk's 700 requests a minute would make the large runs an hour long.
    if kind == "zendesk":
        setup.fake.account_per_minute = 10**9
    elif kind == "freshdesk":
        setup.fake.rate_limit = 10**9
    return setup


def helpdesk_state(setup: Setup) -> State:
    """What slabridge writes, per ticket: tags, priority, due-at field, breached field."""
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


def _carries_priority(kind: str, body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    # Zendesk {"ticket": {"priority"}}, Jira {"fields": {"priority"}}, Freshdesk {"priority"}.
    inner = {"zendesk": body.get("ticket"), "jira": body.get("fields")}.get(kind, body)
    return isinstance(inner, Mapping) and "priority" in inner


def raised_by(kind: str, request: FakeRequest) -> list[str]:
    """The tickets whose priority this request to a ``kind`` fake sets (most often none)."""
    match = _WRITE_PATHS[kind].search(request.path)
    if request.method != "PUT" or match is None:
        return []
    try:
        body = request.json()
    except ValueError:
        return []
    if not _carries_priority(kind, body):
        return []
    if match.group(1) is not None:
        return [match.group(1)]
    return (request.arg("ids") or "").split(",")  # update_many: ids=1,2,3


def priority_writes(setup: Setup) -> Counter[str]:
    """Write requests whose body sets a priority, per ticket id, from the fake's request log.

    Every request counts, whatever the fake answered: a raise sent twice is two requests even
    when the second changed nothing (or met a conflict).
    """
    with setup.fake.lock:
        calls = list(setup.fake.calls)
    return Counter(ticket_id for call in calls for ticket_id in raised_by(setup.kind, call.request))


@dataclass(frozen=True, slots=True)
class Writes:
    """The write figures of a run: writes that changed a ticket, and priority write requests."""

    changed: int
    priority: Counter[str]

    @classmethod
    def of(cls, setup: Setup) -> Writes:
        return cls(setup.fake.write_count(), priority_writes(setup))

    @property
    def priority_total(self) -> int:
        return sum(self.priority.values())

    @property
    def raised_twice(self) -> list[str]:
        return sorted(ticket_id for ticket_id, count in self.priority.items() if count > 1)


def sync_command(setup: Setup) -> list[str]:
    return [*COMMAND, "sync", "--config", str(setup.config_path), "--now", NOW.isoformat()]


def start_sync(setup: Setup) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        sync_command(setup), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def sync_dying_before_recording(setup: Setup, die_at: int) -> int:
    """Run a sync that dies at its ``die_at``-th outcome recording; return its exit code."""
    command = [sys.executable, "-c", DIE_BEFORE_RECORDING, *sync_command(setup)[3:]]
    env = {**os.environ, "DIE_AT": str(die_at)}
    finished = subprocess.run(command, env=env, capture_output=True, check=False)
    return finished.returncode


def run_until_nothing_changes(setup: Setup, limit: int = 6) -> int:
    """Sync until a run writes nothing; return the number of runs."""
    for runs in range(1, limit + 1):
        before = setup.fake.write_count()
        finished = subprocess.run(sync_command(setup), capture_output=True, text=True, check=False)
        assert finished.returncode == 0, finished.stderr[-2000:]
        if setup.fake.write_count() == before:
            return runs
    raise AssertionError(f"still writing after {limit} runs")


def kill_at_random_moments(setup: Setup, rng: random.Random, kills: int, span: float) -> int:
    """Start syncs and SIGKILL each at a random moment; return how many died mid-run.

    The moments are ``kills`` random instants within ``span`` (the uninterrupted run's
    duration), sorted: each run is killed when the next one comes, after a second to start up.
    Each restart resumes where the last one stopped, so the kills spread over the whole
    sync (reading, queueing, sending) instead of piling up on runs that have nothing left to do.
    """
    moments = sorted(rng.uniform(0, span) for _ in range(kills))
    killed_mid_run = 0
    for previous, moment in zip([0.0, *moments], moments, strict=False):
        process = start_sync(setup)
        try:
            process.wait(timeout=STARTUP + moment - previous)  # a run that ends is not waited on
        except subprocess.TimeoutExpired:
            killed_mid_run += 1
            process.kill()
        process.wait()
    return killed_mid_run


def compare(initial: State, expected: State, final: State) -> tuple[int, int]:
    """(lost, differing): tickets that never got their write-back, tickets that differ."""
    differing = [i for i in expected if final.get(i) != expected[i]]
    lost = [i for i in differing if expected[i] != initial[i] and final.get(i) == initial[i]]
    return len(lost), len(differing)


def differences(expected: State, final: State, limit: int = 5) -> list[str]:
    """A few differing tickets, field by field, for a failure message or a report."""
    names = ("tags", "priority", "due_at", "breached")
    lines = []
    for ticket_id in sorted(i for i in expected if final.get(i) != expected[i])[:limit]:
        want, got = expected[ticket_id], final.get(ticket_id)
        fields = [
            f"{name}: {json.dumps(sorted(a) if isinstance(a, frozenset) else a)} != "
            f"{json.dumps(sorted(b) if isinstance(b, frozenset) else b)}"
            for name, a, b in zip(names, want, got or (None,) * 4, strict=True)
            if a != b
        ]
        lines.append(f"ticket {ticket_id}: " + "; ".join(fields))
    return lines


__all__ = [
    "COMMAND",
    "KINDS",
    "NOW",
    "State",
    "Writes",
    "build",
    "compare",
    "differences",
    "helpdesk_state",
    "kill_at_random_moments",
    "priority_writes",
    "raised_by",
    "run_until_nothing_changes",
    "start_sync",
    "sync_command",
    "sync_dying_before_recording",
]
