"""The board's budget column: each goal's error budget this period, as ``slabridge report``
counts it, worked out by hand over a store of replayed snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.config import load_config
from slabridge.serve.board import goal_budget, goal_lines, render_board
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import parse_ticket
from slabridge.sync.store import StateStore, open_store

CONFIG = """\
version: 1
calendars:
  clock: {timezone: UTC, hours: 24x7}
policies:
  - name: standard
    calendar: clock
    targets:
      default: {first_response: 1h}
goals:
  - {name: replies, metric: first_response, share: 90%}
"""
# Halfway through November (15 of 30 days behind): the projection doubles the cycles so far.
NOW = datetime(2026, 11, 16, tzinfo=UTC)


def ticket_json(ticket_id: str, created: str, reply: str | None) -> dict[str, Any]:
    events: list[dict[str, Any]] = [{"at": created, "type": "status", "status": "new"}]
    if reply:
        events.append({"at": reply, "type": "reply", "author": "agent", "public": True})
    return {
        "id": ticket_id,
        "source": "zendesk",
        "created_at": created,
        "status": "open",
        "priority": "normal",
        "events": events,
    }


def november() -> list[dict[str, Any]]:
    """20 first replies this month: 17 within the hour, 3 never answered (due an hour later)."""
    met = [
        ticket_json(
            f"M{i}", f"2026-11-{2 + i % 12:02d}T09:00:00Z", f"2026-11-{2 + i % 12:02d}T09:20:00Z"
        )
        for i in range(17)
    ]
    missed = [ticket_json(f"X{i}", f"2026-11-1{i}T09:00:00Z", None) for i in range(3)]
    return met + missed


def save_snapshots(store: StateStore, tickets: list[dict[str, Any]]) -> None:
    """What a sync stores, without its evaluations: the board and the report replay them."""
    with store.begin() as connection:
        for data in tickets:
            ticket = parse_ticket(data)
            store.save_tickets(
                connection,
                [
                    {
                        "connector": "zd",
                        "ticket_id": ticket.id,
                        "snapshot_json": json.dumps(data),
                        "policy": "standard",
                        "is_open": True,
                        "next_instant": None,
                        "breached": False,
                        "at_risk": False,
                        "updated_at": ticket.updated_at,
                        "evaluated_at": ticket.updated_at,
                        "digest": "x",
                    }
                ],
            )


def test_the_budget_cell_is_the_hand_computed_budget_and_the_reports(tmp_path: Path) -> None:
    """Goal 90% over November, as of 16 November 00:00 (f = 15/30 = 1/2 of the month behind):

    - cycles so far: 20 (17 met, 3 missed, none open), so 85.0% compliance, 17 of 20;
    - no cycle in October, so the rest of the month is extrapolated: projected = ⌊20 ÷ 1/2⌋ = 40;
    - misses allowed = ⌊(1 − 0.9) × 40⌋ = 4; budget left = 4 − 3 = 1; spent = 3 ÷ 4 = 75%.
    """
    path = tmp_path / "slabridge.yaml"
    path.write_text(CONFIG + f"state: sqlite:///{tmp_path / 'state.db'}\n", encoding="utf-8")
    config = load_config(path)
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        save_snapshots(store, november())
        runtime: Any = SimpleNamespace(
            store=store, config=config, evaluate=lambda t, now: evaluate(t, config, now)
        )
        [line] = goal_lines(runtime, NOW)
    finally:
        store.close()
    assert (line.window, line.met, line.decided) == ("2026-11", 17, 20)
    assert line.budget == "1 of 4 misses left (75.00% spent)"
    assert line.budget_detail.startswith("replies in 2026-11: 3 missed of 20 decided")
    page = render_board([], [line], {}, "time_left", NOW)
    assert (
        "<td>85.0%</td><td>90%</td><td>17 of 20</td>"
        '<td class="budget" title="replies in 2026-11: 3 missed of 20 decided (2 allowed so far);'
        " 4 allowed for 40 cycles (extrapolated from the period so far), 1 left (75.00% spent)"
        '">1 of 4 misses left (75.00% spent)</td>'
    ) in page

    # The same figures as `slabridge report` for the same period, instant and store.
    result = CliRunner().invoke(
        cli,
        ["report", "--config", str(path), "--period", "2026-11", "--now", "2026-11-16T00:00:00Z"],
    )
    assert result.exit_code == 0, result.output
    [budget] = json.loads(result.stdout)["budgets"]
    assert (budget["misses_allowed"], budget["budget_left"], budget["projected_cycles"]) == (
        4,
        1,
        40,
    )


def test_without_a_budget_the_cell_says_so() -> None:
    assert goal_budget(None) == "-"
