"""The board's rows without a browser: who is shown, in which order, and what is skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import yaml
from fakekit import POLICY

from slabridge.config import load_config_text
from slabridge.serve.board import board_rows, select, time_left_text
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import Event, Ticket
from slabridge.sync.store import TrackedTicket

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def tracked(ticket_id: str, opened_minutes_ago: int, **stored: Any) -> TrackedTicket:
    created = NOW - timedelta(minutes=opened_minutes_ago)
    ticket = Ticket(
        id=ticket_id,
        created_at=created,
        updated_at=created,
        status="open",
        events=(Event(created, "status", status="open"),),
    )
    values: dict[str, Any] = {
        "connector": "zd",
        "ticket_id": ticket_id,
        "snapshot": ticket.to_json(),
        "policy": "standard",
        "is_open": True,
        "next_instant": NOW - timedelta(seconds=1),
        "breached": False,
        "at_risk": False,
        "updated_at": created,
        "evaluated_at": created,
        "digest": "",
    }
    values.update(stored)
    return TrackedTicket(**values)


def runtime_over(rows: list[TrackedTicket]) -> Any:
    config = load_config_text(yaml.safe_dump(POLICY))
    return SimpleNamespace(
        store=SimpleNamespace(iter_tickets=lambda: iter(rows)),
        evaluate=lambda ticket, now: evaluate(ticket, config, now),
        connectors={},
    )


def test_rows_are_the_tickets_at_risk_or_breached_now_most_urgent_first() -> None:
    rows = [
        tracked("late", 90),  # first response 1h: overdue 30m
        tracked("soon", 50),  # 10m left: at risk (75% of the hour used)
        tracked("fine", 10),
        tracked("closed", 120, is_open=False),
        # Stored ok and nothing due before its next instant: not evaluated again.
        tracked("later", 120, next_instant=NOW + timedelta(hours=1)),
    ]
    shown = board_rows(runtime_over(rows), NOW)
    assert [(row.ticket_id, row.state, row.metric) for row in shown] == [
        ("late", "breached", "first_response"),
        ("soon", "at risk", "first_response"),
    ]
    assert [time_left_text(row.seconds_left) for row in shown] == ["overdue 30m", "10m left"]
    assert [row.ticket_id for row in select(shown, {}, "-time_left")] == ["soon", "late"]
    assert select(shown, {"connector": "fd"}, "time_left") == []


def test_an_unreadable_snapshot_is_left_out_not_fatal() -> None:
    good = tracked("late", 90)
    bad = tracked("bad", 90)
    bad = TrackedTicket(
        **{name: getattr(bad, name) for name in TrackedTicket.__dataclass_fields__}
        | {"snapshot": {"id": "bad", "status": "no-such-status"}}
    )
    shown = board_rows(runtime_over([bad, good]), NOW)
    assert [row.ticket_id for row in shown] == ["late"]
