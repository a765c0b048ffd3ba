"""Outcomes from the state store's evaluation history and ticket snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slabridge.config import load_config
from slabridge.report.compute import build_report
from slabridge.report.periods import parse_period
from slabridge.report.sources import read_store_tickets, stored_outcomes
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import parse_ticket
from slabridge.sync.store import StateStore, open_store

OCTOBER = parse_period("2026-10")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def store_history(
    store: StateStore, config_path: Path, tickets: list[dict[str, Any]], times: dict[str, list[str]]
) -> None:
    """Store each ticket's snapshot and its evaluations at the given instants (engine output)."""
    config = load_config(config_path)
    with store.begin() as connection:
        for data in tickets:
            ticket = parse_ticket(data)
            evaluations = [evaluate(ticket, config, at(moment)) for moment in times[ticket.id]]
            store.save_tickets(
                connection,
                [
                    {
                        "connector": "zendesk-eu",
                        "ticket_id": ticket.id,
                        "snapshot_json": json.dumps(data),
                        "policy": "standard",
                        "is_open": ticket.status not in ("solved", "closed"),
                        "next_instant": None,
                        "breached": evaluations[-1].breached,
                        "at_risk": False,
                        "updated_at": ticket.updated_at,
                        "evaluated_at": evaluations[-1].evaluated_at,
                        "digest": "x",
                    }
                ],
            )
            store.add_evaluations(
                connection,
                [
                    {
                        "connector": "zendesk-eu",
                        "ticket_id": ticket.id,
                        "evaluated_at": evaluation.evaluated_at,
                        "policy": evaluation.policy,
                        "breached": evaluation.breached,
                        "at_risk": evaluation.at_risk,
                        "result_json": json.dumps(evaluation.to_json()),
                    }
                    for evaluation in evaluations
                ],
            )


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return open_store(f"sqlite:///{tmp_path / 'state.db'}")


def test_the_latest_evaluation_before_the_period_end_counts(
    store: StateStore,
    workdir: Path,
    october_tickets: list[dict[str, Any]],
    build_ticket: Callable[..., dict[str, Any]],
) -> None:
    late = build_ticket("T7", "A", "enterprise", "payments", "2026-10-20T10:00:00Z")
    times = {
        "T1": ["2026-10-05T10:01:00Z", "2026-10-05T12:00:00Z"],
        # The first look at T2 saw it running; the last one before November saw the breaches.
        "T2": ["2026-10-06T10:01:00Z", "2026-10-06T20:00:00Z"],
        "T3": ["2026-10-07T09:01:00Z", "2026-10-07T13:00:00Z"],
        "T4": ["2026-10-31T23:31:00Z"],
        "T5": ["2026-09-30T23:01:00Z", "2026-10-01T01:00:00Z"],
        "T6": ["2026-11-01T00:01:00Z"],
        # Seen once while running and never again: both its clocks passed their due times.
        "T7": ["2026-10-20T10:05:00Z"],
    }
    store_history(store, workdir / "slabridge.yaml", [*october_tickets, late], times)
    problems: list[str] = []
    outcomes = list(stored_outcomes(store, OCTOBER.start, OCTOBER.end, problems=problems))
    assert problems == []
    report = build_report(outcomes, OCTOBER, by=("connector",))
    total = report.total
    assert (total.tickets, total.achieved, total.breached, total.open) == (5, 4, 4, 2)
    assert total.first_response_median == 2700  # T7 never stopped: not in the times
    assert report.groups[0].key == ("zendesk-eu",)
    facts = next(o.facts for o in outcomes if o.facts.ticket_id == "T7")
    assert (facts.customer_id, facts.tier, facts.product) == ("A", "enterprise", "payments")


def test_evaluations_after_the_period_end_are_not_used(
    store: StateStore, workdir: Path, october_tickets: list[dict[str, Any]]
) -> None:
    t1 = october_tickets[0]
    store_history(store, workdir / "slabridge.yaml", [t1], {"T1": ["2026-10-05T12:00:00Z"]})
    # A November evaluation (here: a forged one that claims a breach) is outside the report.
    forged = {
        "ticket": "T1",
        "policy": "standard",
        "metrics": {
            "first_response": {
                "cycles": [
                    {
                        "status": "breached",
                        "target_seconds": 1,
                        "started_at": "2026-10-05T10:00:00Z",
                        "stopped_at": None,
                        "due_at": "2026-10-05T10:00:01Z",
                        "elapsed_seconds": 99,
                    }
                ]
            }
        },
    }
    with store.begin() as connection:
        store.add_evaluations(
            connection,
            [
                {
                    "connector": "zendesk-eu",
                    "ticket_id": "T1",
                    "evaluated_at": OCTOBER.end + timedelta(hours=1),
                    "policy": "standard",
                    "breached": True,
                    "at_risk": False,
                    "result_json": json.dumps(forged),
                }
            ],
        )
    outcomes = list(stored_outcomes(store, OCTOBER.start, OCTOBER.end))
    assert {(o.metric, o.status) for o in outcomes} == {
        ("first_response", "achieved"),
        ("resolution", "achieved"),
    }


def test_a_running_cycle_seen_before_its_due_time_is_settled_at_the_period_end(
    store: StateStore, workdir: Path, october_tickets: list[dict[str, Any]]
) -> None:
    # Stored while both clocks ran (10:01); nothing was stored after. By the period end the
    # 1h first response and the 8h resolution are past due: both count as breached.
    t1 = october_tickets[0]
    store_history(store, workdir / "slabridge.yaml", [t1], {"T1": ["2026-10-05T10:01:00Z"]})
    outcomes = list(stored_outcomes(store, OCTOBER.start, OCTOBER.end))
    assert {(o.metric, o.status) for o in outcomes} == {
        ("first_response", "breached"),
        ("resolution", "breached"),
    }


def test_ticket_snapshots_are_read_back_for_replay(
    store: StateStore, workdir: Path, october_tickets: list[dict[str, Any]]
) -> None:
    store_history(
        store,
        workdir / "slabridge.yaml",
        october_tickets[:2],
        {"T1": ["2026-10-05T12:00:00Z"], "T2": ["2026-10-06T20:00:00Z"]},
    )
    loaded = read_store_tickets(store)
    assert [(t.connector, t.ticket.id) for t in loaded.tickets] == [
        ("zendesk-eu", "T1"),
        ("zendesk-eu", "T2"),
    ]
    assert loaded.problems == []


def test_one_connector_can_be_chosen_and_an_unreadable_row_is_reported(
    store: StateStore, workdir: Path, october_tickets: list[dict[str, Any]]
) -> None:
    store_history(
        store, workdir / "slabridge.yaml", october_tickets[:1], {"T1": ["2026-10-05T12:00:00Z"]}
    )
    with store.begin() as connection:
        store.add_evaluations(
            connection,
            [
                {
                    "connector": "jira-it",
                    "ticket_id": "HELP-1",
                    "policy": "standard",
                    "evaluated_at": at("2026-10-09T00:00:00Z"),
                    "breached": False,
                    "at_risk": False,
                    "result_json": "{not json",
                },
            ],
        )
    problems: list[str] = []
    everything = list(stored_outcomes(store, OCTOBER.start, OCTOBER.end, problems=problems))
    assert {o.facts.ticket_id for o in everything} == {"T1"}
    assert len(problems) == 1 and problems[0].startswith("store jira-it/HELP-1: unreadable")
    only_jira = list(stored_outcomes(store, OCTOBER.start, OCTOBER.end, "jira-it"))
    assert only_jira == []
