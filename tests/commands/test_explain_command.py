"""``slabridge explain``: the match, each clock's intervals in local time, due and breach."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from slabridge.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "examples" / "slabridge.yaml"
TICKET = ROOT / "docs" / "examples" / "ticket.json"
NOW = "2025-03-10T12:00:00Z"


def test_explain_tells_which_policy_matched_and_how_each_clock_ran() -> None:
    result = CliRunner().invoke(
        cli, ["explain", "--config", str(CONFIG), "--ticket", str(TICKET), "--now", NOW]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "✔ enterprise: applies (all keys hold)" in out
    assert "Priority used: urgent" in out
    assert "Priority changes (running cycles take the current target, stopped ones" in out
    assert "2025-03-10T11:30:00Z  urgent" in out
    # POLICY.md §3.4: the first reply came before the raise, so the `high` target (1h) holds.
    assert "first_response: target 1h (3600s) on calendar always (UTC)" in out
    assert "BREACHED at Fri 2025-03-07 17:30 UTC" in out
    assert "not counted while pending: Mon 2025-03-10 09:00 UTC → Mon 11:00 UTC" in out
    assert "elapsed 2d15h35m of 1h, remaining -2d14h35m" in out
    assert "Overall: BREACHED." in out


def test_explain_shows_failed_keys_and_business_intervals_in_local_time(tmp_path: Path) -> None:
    ticket = json.loads(TICKET.read_text())
    ticket.update(customer={"tier": "pro", "region": "amer"}, priority="low", events=[])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(ticket))
    result = CliRunner().invoke(
        cli, ["explain", "--config", str(CONFIG), "--ticket", str(path), "--now", NOW]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "✘ enterprise: tier must be enterprise, the ticket has pro" in out
    assert "✘ payments: priority must be one of [high, urgent], the ticket has low" in out
    assert "✔ standard: applies (no match keys, matches every ticket)" in out
    # Created Friday 17:30 CET, after hours; Berlin counts from Monday 09:00 CET, in local time.
    assert "on calendar berlin (Europe/Berlin)" in out
    assert "Mon 2025-03-10 09:00 CET → Mon 12:00 CET  (3h)" in out
    assert "Mon 2025-03-10 13:00 CET → Mon 13:00 CET  (0s)" not in out
    assert "elapsed 3h of 8h, remaining 5h" in out


def test_explain_rejects_a_bad_ticket_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"id": "1"}')
    result = CliRunner().invoke(cli, ["explain", "--config", str(CONFIG), "--ticket", str(path)])
    assert result.exit_code == 2 and "created_at: missing required key" in result.stderr


def _explain(ticket: dict[str, object], tmp_path: Path, now: str) -> str:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(ticket))
    result = CliRunner().invoke(
        cli, ["explain", "--config", str(CONFIG), "--ticket", str(path), "--now", now]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_explain_says_which_priority_and_policy_judged_each_cycle_and_why() -> None:
    result = CliRunner().invoke(
        cli, ["explain", "--config", str(CONFIG), "--ticket", str(TICKET), "--now", NOW]
    )
    out = result.stdout
    # The first reply stopped its clock under high; the agent's raise to urgent came later.
    assert (
        "    judged by high (target 1h, policy enterprise): stopped Mon 2025-03-10 08:05 UTC "
        "while high; later change to urgent does not apply to it\n"
    ) in out
    # The resolution clock still runs: it takes urgent's 4h, counted from its start.
    assert (
        "    judged by urgent (target 4h, policy enterprise): running: takes the current target, "
        "counted from its start\n"
    ) in out


def test_explain_says_a_raise_by_slabridge_was_ignored(tmp_path: Path) -> None:
    ticket = {
        "id": "e1",
        "created_at": "2026-03-02T09:00:00Z",
        "updated_at": "2026-03-02T15:05:01Z",
        "status": "open",
        "priority": "urgent",
        "customer": {"tier": "enterprise"},
        "events": [
            {"at": "2026-03-02T09:00:00Z", "type": "status", "status": "open"},
            {"at": "2026-03-02T09:30:00Z", "type": "reply", "author": "agent", "public": True},
            {
                "at": "2026-03-02T15:05:01Z",
                "type": "priority",
                "priority": "urgent",
                "from": "high",
                "by": "slabridge",
            },
        ],
    }
    out = _explain(ticket, tmp_path, "2026-03-02T15:10:00Z")
    assert "Priority used: high (the ticket's urgent was written by slabridge" in out
    assert (
        "2026-03-02T15:05:01Z  urgent (from high)  by slabridge: ignored for matching and targets"
    ) in out
    assert (
        "judged by high (target 1h, policy enterprise): stopped Mon 2026-03-02 09:30 UTC while "
        "high; later raise to urgent by slabridge ignored"
    ) in out
    assert (
        "judged by high (target 8h, policy enterprise): running: takes the current target, "
        "counted from its start; raise to urgent by slabridge ignored"
    ) in out
    assert "Overall: at risk." in out
