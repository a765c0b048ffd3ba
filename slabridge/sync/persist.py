"""The sync's persist step: one batch's decisions stored in one transaction, writes queued.

Everything a batch decided (snapshots, verdicts, SLA events, alerts, the write-back) is stored
before a single write is sent: crash anywhere, lose nothing (DESIGN.md principle 6).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slabridge.sync.decide import Decision
from slabridge.sync.store import StateStore

if TYPE_CHECKING:
    from slabridge.alerts.rules import AlertRules


def ticket_row(connector: str, decision: Decision) -> dict[str, Any]:
    """The ``tickets`` row of a decision: the snapshot, the verdict, the next re-check."""
    ticket, evaluation = decision.ticket, decision.evaluation
    return {
        "connector": connector,
        "ticket_id": ticket.id,
        "snapshot_json": json.dumps(ticket.to_json(), sort_keys=True),
        "policy": evaluation.policy,
        "is_open": decision.is_open,
        "next_instant": decision.next_instant,
        "breached": evaluation.breached,
        "at_risk": evaluation.at_risk,
        "updated_at": ticket.updated_at,
        "evaluated_at": evaluation.evaluated_at,
        "digest": decision.digest,
    }


def evaluation_row(connector: str, decision: Decision) -> dict[str, Any]:
    """The ``evaluations`` (history) row of a decision."""
    evaluation = decision.evaluation
    return {
        "connector": connector,
        "ticket_id": decision.ticket.id,
        "evaluated_at": evaluation.evaluated_at,
        "policy": evaluation.policy,
        "breached": evaluation.breached,
        "at_risk": evaluation.at_risk,
        "result_json": json.dumps(evaluation.to_json(), sort_keys=True),
    }


def persist(
    store: StateStore,
    connector: str,
    decisions: Sequence[Decision],
    *,
    settled: Sequence[str],
    alerts: AlertRules | None,
    now: datetime,
) -> dict[str, int]:
    """Store ``decisions`` and queue their writes in one transaction; the outbox id per ticket.

    ``settled`` are tickets whose pending outbox entries are closed (nothing left to write).
    """
    with store.begin() as connection:
        store.save_tickets(connection, [ticket_row(connector, d) for d in decisions])
        store.add_evaluations(
            connection, [evaluation_row(connector, d) for d in decisions if d.record_evaluation]
        )
        store.add_sla_events(connection, [event for d in decisions for event in d.events])
        if alerts is not None:
            # Alerts exist exactly when their events do: same transaction.
            alerts.enqueue(connection, [trip for d in decisions for trip in d.trips], now)
        outbox_ids = store.enqueue(
            connection,
            connector,
            [d.changes.to_json() for d in decisions if not d.changes.is_empty],
        )
        store.settle(connection, connector, settled)
    return outbox_ids


__all__ = ["evaluation_row", "persist", "ticket_row"]
