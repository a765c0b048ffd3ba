"""Fault matrix: each fake misbehaves, the sync still leaves exactly the state of a clean run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakekit import POLICY, Setup, make_setup

from slabridge.connectors.base import ChangeSet, WriteResult
from slabridge.sync.runtime import Runtime, build_runtime, sync_all

KINDS = ["zendesk", "freshdesk", "jira"]
ESCALATING = {
    **POLICY,
    "actions": {**POLICY["actions"], "escalate_priority": {"on": "breach", "to": "one_level_up"}},
}
MAX_RUNS = 6


def no_sleep(_seconds: float) -> None:
    return None


def fast_runtime(setup: Setup) -> Runtime:
    """The runtime the CLI would build, with connectors that do not really sleep on backoff."""
    runtime = build_runtime(setup.config_path)
    for name, connector in list(runtime.connectors.items()):
        runtime.connectors[name] = type(connector)(name, connector.config, sleep=no_sleep)  # type: ignore[call-arg]
    return runtime


def sync_once(setup: Setup, patch: Callable[[Runtime], None] | None = None) -> dict[str, Any]:
    runtime = fast_runtime(setup)
    if patch is not None:
        patch(runtime)
    try:
        outcome = sync_all(runtime, now=setup.clock.now)
    finally:
        runtime.close()
    return outcome.summaries[0].to_json()


def converge(setup: Setup, patch: Callable[[Runtime], None] | None = None) -> list[dict[str, Any]]:
    """Sync until a run is clean and writes nothing (a scheduler would simply keep running)."""
    summaries = []
    for _ in range(MAX_RUNS):
        summary = sync_once(setup, patch)
        summaries.append(summary)
        if summary["status"] == "ok" and summary["written"] == 0 and summary["retried"] == 0:
            return summaries
    raise AssertionError(f"no convergence after {MAX_RUNS} runs: {summaries}")


def state(setup: Setup) -> list[tuple[frozenset[str], str | None]]:
    return [(frozenset(setup.fake.tags(i)), setup.fake.priority(i)) for i in setup.ids]


def build(kind: str, tmp_path: Path) -> Setup:
    overrides = {"timeout": 0.5}
    setup = make_setup(kind, tmp_path, tickets=8, policy=ESCALATING, config_overrides=overrides)
    setup.clock.advance(minutes=45)  # T0+75m: several tickets breached, some at risk
    return setup


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


_BASELINES: dict[str, tuple[list[tuple[frozenset[str], str | None]], int]] = {}


def baseline(kind: str, tmp_path: Path) -> tuple[list[tuple[frozenset[str], str | None]], int]:
    """The helpdesk state (and write count) a fault-free run leaves; deterministic, so cached."""
    if kind not in _BASELINES:
        clean = build(kind, tmp_path / "clean")
        try:
            converge(clean)
            _BASELINES[kind] = (state(clean), clean.fake.write_count())
        finally:
            clean.fake.stop()
    return _BASELINES[kind]


FAULTS: dict[str, dict[str, Any]] = {
    "429": {"kind": "429", "rate": 0.4, "times": 6},
    "5xx": {"kind": "5xx", "rate": 0.4, "times": 6},
    "timeout": {"kind": "delay", "delay": 0.8, "rate": 0.3, "times": 2},
    "drop": {"kind": "drop", "rate": 0.3, "times": 4},
    "malformed": {"kind": "malformed", "rate": 0.3, "times": 4},
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_faults_leave_the_same_helpdesk_state_as_a_clean_run(
    kind: str, fault: str, tmp_path: Path
) -> None:
    expected, clean_writes = baseline(kind, tmp_path)
    faulty = build(kind, tmp_path / "faulty")
    try:
        options = dict(FAULTS[fault])
        injected = faulty.fake.inject(options.pop("kind"), **options)
        converge(faulty)
        assert injected.hits > 0, "the fault never fired: the test proves nothing"
        assert state(faulty) == expected
        # Escalations (one priority level per breach) are where a double write would show.
        assert sum(p == "high" for _, p in state(faulty)) == sum(p == "high" for _, p in expected)
        assert faulty.fake.write_count() <= clean_writes + options.get("times", 0)
    finally:
        faulty.fake.stop()


def test_a_partial_bulk_failure_is_retried_until_every_ticket_is_written(
    kind: str, tmp_path: Path
) -> None:
    expected, _ = baseline(kind, tmp_path)
    faulty = build(kind, tmp_path / "faulty")
    failed_once: set[str] = set()

    def patch(runtime: Runtime) -> None:
        connector = runtime.connectors[kind]
        original = connector.apply

        def flaky_apply(changes: Any) -> list[WriteResult]:
            # The helpdesk fails every other ticket of the first bulk write transiently.
            doomed = [c for c in changes[1::2] if c.ticket_id not in failed_once]
            failed_once.update(c.ticket_id for c in doomed)
            kept = [c for c in changes if c not in doomed]
            results = original(kept) if kept else []
            return results + [WriteResult(c.ticket_id, "retry", "503 in job") for c in doomed]

        connector.apply = flaky_apply  # type: ignore[method-assign]

    try:
        summaries = converge(faulty, patch)
        assert failed_once
        assert summaries[0]["retried"] == len(failed_once)
        assert state(faulty) == expected
    finally:
        faulty.fake.stop()


def test_an_agent_editing_the_same_ticket_mid_sync_keeps_their_change_and_ours(
    kind: str, tmp_path: Path
) -> None:
    expected, _ = baseline(kind, tmp_path)
    faulty = build(kind, tmp_path / "faulty")
    edited: list[str] = []

    def patch(runtime: Runtime) -> None:
        connector = runtime.connectors[kind]
        original = connector.apply

        def racing_apply(changes: Any) -> list[WriteResult]:
            if not edited:
                target: ChangeSet = changes[0]
                tags = sorted(faulty.fake.tags(target.ticket_id) | {"agent_was_here"})
                faulty.fake.agent_edit(target.ticket_id, tags=tags)
                edited.append(target.ticket_id)
            return original(changes)

        connector.apply = racing_apply  # type: ignore[method-assign]

    try:
        summaries = converge(faulty, patch)
        final = state(faulty)
        index = faulty.ids.index(edited[0])
        assert "agent_was_here" in final[index][0]
        without_agent = [(tags - {"agent_was_here"}, p) for tags, p in final]
        assert without_agent == expected
        if kind != "jira":  # Jira has no conflict check; the others detect the race
            seen_409 = any(call.status == 409 for call in faulty.fake.calls)
            assert seen_409 or sum(s["conflicts"] for s in summaries) >= 1
    finally:
        faulty.fake.stop()


def test_clean_runs_do_converge_for_each_fake(kind: str, tmp_path: Path) -> None:
    setup = build(kind, tmp_path)
    try:
        summaries = converge(setup)
        assert summaries[0]["new_breaches"] >= 1
        assert any(p == "high" for _, p in state(setup))
        assert setup.clock.now - timedelta(minutes=75) > setup.clock.now - timedelta(hours=2)
    finally:
        setup.fake.stop()
