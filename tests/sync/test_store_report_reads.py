"""What the reports read from the state store: the store runs the query, the report parses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slabridge.sync.store import LatestEvaluation, StateStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _ticket(connector: str, ticket_id: str, snapshot: str) -> dict[str, object]:
    return {
        "connector": connector,
        "ticket_id": ticket_id,
        "snapshot_json": snapshot,
        "policy": "p",
        "is_open": True,
        "next_instant": None,
        "breached": False,
        "at_risk": False,
        "updated_at": T0,
        "evaluated_at": T0,
        "digest": "x",
    }


def _evaluation(connector: str, ticket_id: str, minutes: int, result: str) -> dict[str, object]:
    return {
        "connector": connector,
        "ticket_id": ticket_id,
        "evaluated_at": T0 + timedelta(minutes=minutes),
        "policy": f"policy-{minutes}",
        "breached": False,
        "at_risk": False,
        "result_json": result,
    }


def test_latest_evaluations_give_each_tickets_newest_row_in_the_window(store: StateStore) -> None:
    with store.begin() as connection:
        store.save_tickets(connection, [_ticket("zd", "1", '{"id": "1"}')])
        store.add_evaluations(
            connection,
            [
                _evaluation("zd", "1", 10, "first"),
                _evaluation("zd", "1", 20, "second"),
                _evaluation("zd", "1", 90, "after the window"),
                _evaluation("zd", "2", -5, "before the window"),
                _evaluation("zd", "2", 30, "untracked ticket"),
                _evaluation("fd", "1", 40, "other connector"),
            ],
        )
    window = (T0, T0 + timedelta(hours=1))
    rows = sorted(store.latest_evaluations(*window), key=lambda r: (r.connector, r.ticket_id))
    assert rows == [
        LatestEvaluation("fd", "1", "policy-40", "other connector", None),
        LatestEvaluation("zd", "1", "policy-20", "second", '{"id": "1"}'),
        LatestEvaluation("zd", "2", "policy-30", "untracked ticket", None),
    ]
    assert [r.result_json for r in store.latest_evaluations(*window, connector="fd")] == [
        "other connector"
    ]
