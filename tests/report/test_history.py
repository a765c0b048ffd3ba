"""Which tickets are replayed, how sources are counted, and the sentences for empty reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slabridge.report.history import (
    NOTHING,
    REPLAYED,
    STORED,
    SourceCounter,
    store_empty_reason,
    unevaluated_snapshots,
    why_empty,
)
from slabridge.report.outcomes import Outcome
from slabridge.report.periods import parse_period
from slabridge.sync.store import StateStore, open_store

OCTOBER = parse_period("2026-10")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return open_store(f"sqlite:///{tmp_path / 'state.db'}")


def put(
    store: StateStore,
    ticket: dict[str, Any] | str,
    *,
    connector: str = "zendesk-eu",
    ticket_id: str | None = None,
    updated: str = "2026-10-05T12:00:00Z",
    evaluated: tuple[str, ...] = (),
) -> None:
    """One tickets row (its snapshot as given) and an evaluation row per `evaluated` instant."""
    text = ticket if isinstance(ticket, str) else json.dumps(ticket)
    ticket_id = ticket_id or (ticket["id"] if isinstance(ticket, dict) else "bad")
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [
                {
                    "connector": connector,
                    "ticket_id": ticket_id,
                    "snapshot_json": text,
                    "policy": "standard",
                    "is_open": False,
                    "next_instant": None,
                    "breached": False,
                    "at_risk": False,
                    "updated_at": at(updated),
                    "evaluated_at": at(updated),
                    "digest": "x",
                }
            ],
        )
        store.add_evaluations(
            connection,
            [
                {
                    "connector": connector,
                    "ticket_id": ticket_id,
                    "evaluated_at": at(moment),
                    "policy": "standard",
                    "breached": False,
                    "at_risk": False,
                    "result_json": "{}",
                }
                for moment in evaluated
            ],
        )


def test_only_tickets_without_an_evaluation_in_the_window_are_replayed(
    store: StateStore, october_tickets: list[dict[str, Any]]
) -> None:
    t1, t2, t3, _t4, t5, _t6 = october_tickets
    put(store, t1, evaluated=("2026-10-05T12:00:00Z",))  # evaluated inside October: stored
    put(store, t2, evaluated=("2026-11-02T00:00:00Z",))  # evaluated only after: replayed
    put(store, t3)  # never evaluated: replayed
    # Last updated in September: no cycle of it can start in October, it is not even parsed.
    put(store, t5, updated="2026-09-30T23:30:00Z")
    put(store, t3, connector="jira-it")
    problems: list[str] = []
    found = list(unevaluated_snapshots(store, OCTOBER.start, OCTOBER.end, problems=problems))
    assert [(s.connector, s.ticket.id) for s in found] == [
        ("jira-it", "T3"),
        ("zendesk-eu", "T2"),
        ("zendesk-eu", "T3"),
    ]
    assert problems == []
    only = list(unevaluated_snapshots(store, OCTOBER.start, OCTOBER.end, "jira-it"))
    assert [(s.connector, s.ticket.id) for s in only] == [("jira-it", "T3")]


def test_an_unreadable_snapshot_is_a_problem_not_a_crash(store: StateStore) -> None:
    put(store, "{not json", ticket_id="Z9")
    put(store, json.dumps({"id": "Z8", "status": "open"}), ticket_id="Z8")
    problems: list[str] = []
    assert list(unevaluated_snapshots(store, OCTOBER.start, OCTOBER.end, None, problems)) == []
    assert len(problems) == 2
    assert problems[0].startswith("store zendesk-eu/Z8: ") and "created_at" in problems[0]
    assert problems[1].startswith("store zendesk-eu/Z9: ")


def test_the_counter_counts_tickets_not_outcomes(make_outcome: Any) -> None:
    counter = SourceCounter(STORED, REPLAYED)
    assert counter.data_source == NOTHING
    stored: list[Outcome] = [
        make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 60, ticket="1"),
        make_outcome("resolution", "achieved", "2026-10-05T10:00:00Z", 600, ticket="1"),
        make_outcome("first_response", "breached", "2026-10-06T10:00:00Z", 6000, ticket="2"),
    ]
    assert list(counter.count(STORED, stored)) == stored
    assert counter.tickets == {STORED: 2, REPLAYED: 0}
    assert counter.data_source == STORED
    list(counter.count(REPLAYED, stored[:1]))
    assert counter.data_source == "stored evaluations and replayed snapshots"


def test_why_empty_names_the_span_and_the_tickets_without_a_target() -> None:
    created = [at("2026-12-01T08:00:00Z"), at("2026-12-07T10:00:00Z"), at("2026-12-03T00:00:00Z")]
    november = parse_period("2026-11")
    assert why_empty(november, november.end, created, "the store", "-") == (
        "no ticket in the store was created in 2026-11 and no SLA cycle started in it; "
        "the store's 3 tickets were created 2026-12-01..2026-12-07"
    )
    december = parse_period("2026-12")
    assert why_empty(december, at("2026-12-07T12:00:00Z"), created, "x.jsonl", "-").startswith(
        "3 ticket(s) in x.jsonl were created in 2026-12, but no policy sets a target for them"
    )
    assert why_empty(december, december.end, [], "the store", "nothing here") == "nothing here"


def test_an_empty_store_and_a_connector_without_tickets_say_run_sync(
    store: StateStore, october_tickets: list[dict[str, Any]]
) -> None:
    assert store_empty_reason(store, OCTOBER, OCTOBER.end, None) == (
        "the store is empty: run `slabridge sync` first"
    )
    put(store, october_tickets[0])
    assert store_empty_reason(store, OCTOBER, OCTOBER.end, "jira-it") == (
        "the store has no tickets from connector 'jira-it': run "
        "`slabridge sync --connector jira-it` first"
    )
