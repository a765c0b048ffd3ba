"""Issue #19 end to end on each fake: slabridge's own at-risk escalation never breaches a ticket.

An enterprise ticket at ``high`` (first response 1h, resolution 8h), answered after 30 minutes,
is at risk on its resolution at 6h; ``escalate_priority: {on: at_risk}`` writes ``urgent``
(first response 15m, resolution 4h). Judged by ``urgent`` it would breach both; the raise is
slabridge's own (POLICY.md §3.4), so the next sync reports it at risk, first response met.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakekit import T0, Clock, Setup, make_setup

from slabridge.config import load_config
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import BY_SLABRIDGE, Customer, Event, Ticket, parse_ticket
from slabridge.sync.runtime import build_runtime, sync_all
from slabridge.sync.store import open_store

KINDS = ["zendesk", "freshdesk", "jira"]

POLICY: dict[str, Any] = {
    "version": 1,
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "settings": {"warn_at": "75%"},
    "policies": [
        {
            "name": "enterprise",
            "match": {"tier": "enterprise"},
            "calendar": "always",
            "targets": {
                "urgent": {"first_response": "15m", "resolution": "4h"},
                "high": {"first_response": "1h", "resolution": "8h"},
                "default": {"first_response": "8h", "resolution": "5h"},
            },
        },
        {
            "name": "standard",
            "calendar": "always",
            "targets": {"default": {"first_response": "8h"}},
        },
    ],
    "actions": {
        "tags": {"breached": "sla_breached", "at_risk": "sla_at_risk"},
        "escalate_priority": {"on": "at_risk", "to": "one_level_up"},
    },
}


def seed_enterprise_ticket(fake: Any, _clock: Clock) -> list[str]:
    ticket = Ticket(
        id="e1",
        created_at=T0,
        updated_at=T0 + timedelta(minutes=30),
        status="open",
        priority="high",
        customer=Customer(id="org-e", name="Enterprise Ltd", tier="enterprise", region="emea"),
        events=(
            Event(T0, "status", status="open"),
            Event(T0 + timedelta(minutes=30), "reply", author="agent"),
        ),
    )
    return [fake.load_normalized(ticket)]


def run_sync(setup: Setup) -> None:
    runtime = build_runtime(setup.config_path)
    try:
        outcome = sync_all(runtime, now=setup.clock.now)
    finally:
        runtime.close()
    [summary] = outcome.summaries
    assert summary.status == "ok", summary.errors


@pytest.fixture(params=KINDS)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    made = make_setup(str(request.param), tmp_path, policy=POLICY, seed=seed_enterprise_ticket)
    yield made
    made.fake.stop()


def test_an_at_risk_escalation_is_written_and_the_next_sync_reports_at_risk_not_breached(
    setup: Setup,
) -> None:
    [ticket_id] = setup.ids
    setup.clock.now = T0 + timedelta(hours=6, minutes=5)  # resolution: 6h05m of 8h used
    run_sync(setup)
    assert setup.fake.priority(ticket_id) == "urgent"
    assert setup.fake.tags(ticket_id) >= {"sla_at_risk"}

    setup.clock.advance(minutes=2)  # the helpdesk's export has our write by now
    run_sync(setup)
    run_sync(setup)  # and a sync after that still agrees
    tracked, latest = _latest(setup)
    read_back = parse_ticket(tracked.snapshot)
    assert read_back.priority == "urgent"  # the helpdesk has the raise...
    [raise_event] = [e for e in read_back.events if e.type == "priority"]
    assert (raise_event.priority, raise_event.from_priority, raise_event.by) == (
        "urgent",
        "high",
        BY_SLABRIDGE,
    )
    # ... and the verdict is still the one under high: at risk, not breached, first reply met.
    assert (tracked.at_risk, tracked.breached) == (True, False)
    assert latest["policy"] == "enterprise"
    assert (latest["at_risk"], latest["breached"]) == (True, False)
    assert latest["metrics"]["first_response"]["status"] == "achieved"
    assert latest["metrics"]["first_response"]["target_seconds"] == 3600
    assert latest["metrics"]["resolution"]["status"] == "active"
    assert latest["metrics"]["resolution"]["target_seconds"] == 8 * 3600
    tags = setup.fake.tags(ticket_id)
    assert "sla_at_risk" in tags and "sla_breached" not in tags
    assert setup.fake.priority(ticket_id) == "urgent"  # nothing fought over since

    # Without the mark, the same ticket read back would breach both metrics.
    unmarked = dataclasses.replace(
        read_back,
        events=tuple(e for e in read_back.events if e.by != BY_SLABRIDGE),
    )
    config = load_config(setup.config_path)
    naive = evaluate(unmarked, config, setup.clock.now)
    assert naive.breached
    assert naive.metrics["first_response"].cycles[0].status == "breached"


def _escalated(setup: Setup) -> str:
    [ticket_id] = setup.ids
    setup.clock.now = T0 + timedelta(hours=6, minutes=5)
    run_sync(setup)
    setup.clock.advance(minutes=2)
    run_sync(setup)
    assert setup.fake.priority(ticket_id) == "urgent"
    setup.clock.advance(minutes=30)  # well outside the write's window
    return ticket_id


def _latest(setup: Setup) -> tuple[Any, dict[str, Any]]:
    store = open_store(f"sqlite:///{setup.config_path.parent / 'state.db'}")
    try:
        [tracked] = list(store.iter_tickets())
        return tracked, list(store.iter_evaluations())[-1].result
    finally:
        store.close()


def test_an_agent_who_changes_the_priority_later_counts_as_usual(setup: Setup) -> None:
    ticket_id = _escalated(setup)
    setup.fake.agent_edit(ticket_id, priority="normal")
    setup.clock.advance(minutes=2)
    run_sync(setup)
    tracked, latest = _latest(setup)
    # normal takes the default 5h resolution target, long used up; the first response stopped
    # under high and stays met.
    assert tracked.breached
    assert latest["metrics"]["resolution"]["status"] == "breached"
    assert latest["metrics"]["resolution"]["target_seconds"] == 5 * 3600
    assert latest["metrics"]["first_response"]["status"] == "achieved"
    assert latest["metrics"]["first_response"]["target_seconds"] == 3600


@pytest.mark.parametrize("setup", ["zendesk", "jira"], indirect=True)
def test_an_agent_who_raises_to_the_same_priority_later_counts_as_usual(setup: Setup) -> None:
    """With priority history, an agent's own raise to urgent is told from slabridge's."""
    ticket_id = _escalated(setup)
    setup.fake.agent_edit(ticket_id, priority="low")
    setup.clock.advance(minutes=1)
    setup.fake.agent_edit(ticket_id, priority="urgent")
    setup.clock.advance(minutes=2)
    run_sync(setup)
    tracked, latest = _latest(setup)
    assert tracked.breached
    assert latest["metrics"]["resolution"]["status"] == "breached"
    assert latest["metrics"]["resolution"]["target_seconds"] == 4 * 3600
    assert latest["metrics"]["first_response"]["status"] == "achieved"
