"""A store-based report reads the review figures from the stored snapshots' events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.config import load_config
from slabridge.report.review_source import tickets_updated_since
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import parse_ticket
from slabridge.sync.store import StateStore, open_store


def save(store: StateStore, config_path: Path, data: dict[str, Any], synced: datetime) -> None:
    """What a sync at ``synced`` stores: the snapshot and the evaluation made then."""
    ticket = parse_ticket(data)
    evaluation = evaluate(ticket, load_config(config_path), synced)
    row = {
        "connector": "zendesk-eu",
        "ticket_id": ticket.id,
        "evaluated_at": evaluation.evaluated_at,
        "policy": evaluation.policy,
        "breached": evaluation.breached,
        "at_risk": evaluation.at_risk,
    }
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [
                row
                | {
                    "snapshot_json": json.dumps(data),
                    "is_open": ticket.status not in ("solved", "closed"),
                    "next_instant": None,
                    "updated_at": ticket.updated_at,
                    "digest": "x",
                }
            ],
        )
        store.add_evaluations(connection, [row | {"result_json": json.dumps(evaluation.to_json())}])


def report_json(config_path: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["report", "--config", str(config_path), "--period", "2026-10", *args]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_store_gives_the_same_review_figures_as_the_exported_tickets(
    review_workdir: Path,
) -> None:
    config_path = review_workdir / "slabridge.yaml"
    config_path.write_text(
        config_path.read_text(encoding="utf-8")
        + f"state: sqlite:///{review_workdir / 'state.db'}\n",
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{review_workdir / 'state.db'}")
    tickets = [
        json.loads(line)
        for line in (review_workdir / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # Half the tickets have an evaluation made in October (stored), half were first synced in
    # November (replayed): the review reads every snapshot's events either way.
    for index, data in enumerate(tickets):
        synced = datetime(2026, 10, 20, tzinfo=UTC) if index % 2 else datetime(2026, 11, 5)
        save(store, config_path, data, synced.replace(tzinfo=UTC))
    from_store = report_json(config_path)
    assert from_store["data_source"] == "stored evaluations and replayed snapshots"
    from_file = report_json(config_path, "--tickets", str(review_workdir / "tickets.jsonl"))
    assert from_store["time_in_status"] == from_file["time_in_status"]
    # The store names customers by its connector instance, the file by the ticket's source.
    customers = from_store["customer_side"]["customers"]
    assert [c["customer"] for c in customers] == ["zendesk-eu:A", "zendesk-eu:B"]
    for stored, filed in zip(customers, from_file["customer_side"]["customers"], strict=True):
        assert stored | {"customer": filed["customer"]} == filed
    assert customers[0]["replies"]["median_seconds"] == 7200


def test_only_tickets_updated_since_the_period_start_are_read(review_workdir: Path) -> None:
    config_path = review_workdir / "slabridge.yaml"
    store = open_store(f"sqlite:///{review_workdir / 'state.db'}")
    tickets = [
        json.loads(line)
        for line in (review_workdir / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    for data in tickets:
        save(store, config_path, data, datetime(2026, 11, 5, tzinfo=UTC))
    # B1 was last updated 1 October 02:00: read from 1 October, not from 2 October.
    since_first = tickets_updated_since(store, datetime(2026, 10, 1, tzinfo=UTC))
    assert "B1" in [item.ticket.id for item in since_first]
    since_second = tickets_updated_since(store, datetime(2026, 10, 2, tzinfo=UTC))
    assert [item.ticket.id for item in since_second] == ["A1", "A2", "A3", "B2", "N1"]
    assert all(item.connector == "zendesk-eu" for item in since_second)
    assert list(tickets_updated_since(store, datetime(2026, 10, 1, tzinfo=UTC), "other")) == []


def test_an_unreadable_snapshot_is_named_once(review_workdir: Path) -> None:
    config_path = review_workdir / "slabridge.yaml"
    config_path.write_text(
        config_path.read_text(encoding="utf-8")
        + f"state: sqlite:///{review_workdir / 'state.db'}\n",
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{review_workdir / 'state.db'}")
    good = json.loads((review_workdir / "tickets.jsonl").read_text(encoding="utf-8").split("\n")[0])
    save(store, config_path, good, datetime(2026, 10, 20, tzinfo=UTC))
    # A snapshot the engine cannot read, with an evaluation made in October: the stored
    # evaluation counts, but its events cannot be read for the review.
    broken = good | {"id": "X1", "created_at": "not a time"}
    save(store, config_path, good | {"id": "X1"}, datetime(2026, 10, 20, tzinfo=UTC))
    with store.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE tickets SET snapshot_json = ? WHERE ticket_id = 'X1'", (json.dumps(broken),)
        )
    data = report_json(config_path)
    named = [p for p in data["problems"] if p.startswith("store zendesk-eu/X1:")]
    assert len(named) == 1
    assert "not in the review figures" in named[0] and "created_at" in named[0]
