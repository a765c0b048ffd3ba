"""The report's store queries (stored evaluations, snapshots to replay) on PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime

from slabridge.config import load_config_text
from slabridge.report.history import SourceCounter, store_empty_reason, store_history
from slabridge.report.periods import parse_period
from slabridge.sla.evaluate import evaluate
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket, parse_ticket
from slabridge.sync.store import StateStore

OCTOBER = parse_period("2026-10")
CONFIG = load_config_text(
    "version: 1\ncalendars: {c: {timezone: UTC, hours: 24x7}}\n"
    "policies: [{name: p, calendar: c, targets: {default: {first_response: 1h}}}]\n"
)


def engine(ticket: Ticket, now: datetime) -> Evaluation:
    return evaluate(ticket, CONFIG, now)


def ticket(ticket_id: str, created: str, reply: str) -> dict[str, object]:
    return {
        "id": ticket_id, "source": "zendesk", "created_at": created, "status": "open",
        "events": [{"at": reply, "type": "reply", "author": "agent", "public": True}],
    }  # fmt: skip


def test_stored_where_evaluated_in_the_window_replayed_elsewhere(pg_store: StateStore) -> None:
    assert pg_store.dialect == "postgresql"
    # T1 answered in 30 minutes, evaluated in October; T2 answered after 2 hours, first seen by
    # a sync in November: replayed, breached.
    rows = [
        (ticket("T1", "2026-10-05T10:00:00Z", "2026-10-05T10:30:00Z"), "2026-10-05T11:00:00Z"),
        (ticket("T2", "2026-10-06T10:00:00Z", "2026-10-06T12:00:00Z"), "2026-11-03T09:00:00Z"),
    ]
    with pg_store.begin() as connection:
        for data, synced in rows:
            parsed = parse_ticket(data)
            moment = datetime.fromisoformat(synced)
            evaluation = engine(parsed, moment)
            pg_store.save_tickets(
                connection,
                [
                    {
                        "connector": "zd", "ticket_id": parsed.id,
                        "snapshot_json": json.dumps(data), "policy": "p", "is_open": True,
                        "next_instant": None, "breached": evaluation.breached, "at_risk": False,
                        "updated_at": parsed.updated_at, "evaluated_at": moment, "digest": "x",
                    }
                ],
            )  # fmt: skip
            pg_store.add_evaluations(
                connection,
                [
                    {
                        "connector": "zd", "ticket_id": parsed.id, "evaluated_at": moment,
                        "policy": "p", "breached": evaluation.breached, "at_risk": False,
                        "result_json": json.dumps(evaluation.to_json()),
                    }
                ],
            )  # fmt: skip
    counter = SourceCounter()
    outcomes = list(store_history(pg_store, engine, OCTOBER.start, OCTOBER.end, counter))
    assert sorted((o.facts.ticket_id, o.status) for o in outcomes) == [
        ("T1", "achieved"),
        ("T2", "breached"),
    ]
    assert counter.tickets == {"stored evaluations": 1, "replayed snapshots": 1}
    august = parse_period("2026-08")
    assert store_empty_reason(pg_store, august, august.end, None).endswith(
        "the store's 2 tickets were created 2026-10-05..2026-10-06"
    )
