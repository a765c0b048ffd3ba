"""The sync against the three fake helpdesks over loopback HTTP: convergence and time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fakekit import Setup, make_setup

from slabridge.sync.runtime import build_runtime, sync_all
from slabridge.sync.store import open_store

KINDS = ["zendesk", "freshdesk", "jira", "jira_dc"]


@pytest.fixture(params=KINDS)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    built = make_setup(request.param, tmp_path)
    yield built
    built.fake.stop()


def run_sync(setup: Setup, **options: object) -> dict[str, object]:
    runtime = build_runtime(setup.config_path)
    try:
        outcome = sync_all(runtime, now=setup.clock.now, **options)  # type: ignore[arg-type]
    finally:
        runtime.close()
    assert len(outcome.summaries) == 1
    return outcome.summaries[0].to_json()


def test_first_sync_tags_every_ticket_and_the_second_writes_nothing(setup: Setup) -> None:
    # At T0+30m: ticket 1 answered, the others at most 30 minutes old: policy tag only.
    setup.clock.advance(minutes=20)  # T0+50m: ticket 2 (created T0+5m) used 45 of 60 min
    first = run_sync(setup)
    assert first["status"] == "ok", first
    first_id, second_id = setup.ids[0], setup.ids[1]
    tags = setup.owned_tags()
    assert tags[second_id] == {"sla_policy_standard", "sla_at_risk"}
    assert tags[first_id] == {"sla_policy_standard"}
    assert all("sla_policy_standard" in t for t in tags.values())
    # Tags slabridge does not own survive.
    assert "customer_tag" in setup.fake.tags(second_id)
    writes = setup.fake.write_count()

    second = run_sync(setup)
    assert second["written"] == 0, second
    assert setup.fake.write_count() == writes
    third = run_sync(setup)
    assert (third["written"], setup.fake.write_count()) == (0, writes)


def test_an_untouched_ticket_gets_its_breach_tag_when_the_clock_passes_its_due_time(
    setup: Setup,
) -> None:
    run_sync(setup)
    setup.clock.advance(minutes=2)  # past the helpdesks' export lag: our writes read back
    run_sync(setup)
    run_sync(setup)
    writes = setup.fake.write_count()
    setup.clock.advance(minutes=38)  # T0+70m: ticket 2 (due T0+65m) breached, nobody touched it
    before = len(setup.fake.calls)

    summary = run_sync(setup)

    assert summary["due_rechecked"] >= 1
    first_id, second_id = setup.ids[0], setup.ids[1]
    assert "sla_breached" in setup.fake.tags(second_id)
    assert "sla_at_risk" not in setup.fake.tags(second_id)
    assert "sla_breached" not in setup.fake.tags(first_id)  # answered in time
    assert setup.fake.write_count() > writes
    assert len(setup.fake.calls) > before
    store = open_store(f"sqlite:///{setup.config_path.parent / 'state.db'}")
    breaches = [e.ticket_id for e in store.iter_sla_events(kinds=["breached"])]
    store.close()
    assert breaches == [second_id]


def test_dry_run_prints_the_plan_and_changes_nothing(setup: Setup, tmp_path: Path) -> None:
    setup.clock.advance(minutes=2)  # past the helpdesks' export lag
    runtime = build_runtime(setup.config_path, dry_run=True)
    try:
        outcome = sync_all(runtime, now=setup.clock.now + timedelta(hours=2), dry_run=True)
    finally:
        runtime.close()
    assert len(outcome.planned) == len(setup.ids)
    assert setup.fake.write_count() == 0
    assert not (tmp_path / "state.db").exists()
