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
    assert (
        "Priority changes (a running cycle takes the current target from its start; "
        "a stopped cycle keeps the one in force at its stop):"
    ) in out
    assert "2025-03-10T11:30:00Z  urgent" in out
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
