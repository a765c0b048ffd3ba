"""A period in progress: cycles not yet due are open, the report says when it was computed;
an unknown --connector is an error, not an empty report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from slabridge.cli import cli

POLICY = """version: 1
calendars: {always: {timezone: UTC, hours: 24x7}}
policies:
  - {name: standard, calendar: always, targets: {default: {first_response: 1h}}}
"""


def ticket(ticket_id: str, created: str, reply: str | None = None) -> dict[str, object]:
    events: list[dict[str, object]] = [{"at": created, "type": "status", "status": "open"}]
    if reply:
        events.append({"at": reply, "type": "reply", "author": "agent", "public": True})
    return {
        "id": ticket_id,
        "source": "zendesk",
        "created_at": created,
        "updated_at": reply or created,
        "status": "open",
        "priority": "normal",
        "customer": {"id": "org-1", "name": "Acme", "tier": "pro"},
        "events": events,
    }


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "slabridge.yaml"
    config.write_text(POLICY + f"state: sqlite:///{tmp_path / 'state.db'}\n")
    tickets = tmp_path / "tickets.jsonl"
    rows = [
        ticket("1", "2026-12-07T08:00:00Z"),  # due 09:00, unanswered: breached by 12:00
        ticket("2", "2026-12-07T11:30:00Z"),  # due 12:30: still open at 12:00
        ticket("3", "2026-12-03T10:00:00Z", "2026-12-03T10:20:00Z"),  # answered in time
    ]
    tickets.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return config, tickets


def report(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["report", "--config", str(config), "--period", "2026-12", *args]
    )


def test_a_clock_due_later_in_the_month_is_open_not_breached(files: tuple[Path, Path]) -> None:
    config, tickets = files
    result = report(config, "--tickets", str(tickets), "--now", "2026-12-07T12:00:00Z")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    total = data["total"]
    assert (total["cycles"], total["achieved"], total["breached"], total["open"]) == (3, 1, 1, 1)
    assert data["as_of"] == "2026-12-07T12:00:00Z"
    assert data["in_progress"] is True


def test_after_the_period_the_same_clock_is_breached(files: tuple[Path, Path]) -> None:
    config, tickets = files
    result = report(config, "--tickets", str(tickets), "--now", "2027-01-05T00:00:00Z")
    data = json.loads(result.stdout)
    assert (data["total"]["breached"], data["total"]["open"]) == (2, 0)
    assert data["as_of"] == "2027-01-01T00:00:00Z"  # capped at the period's end
    assert data["in_progress"] is False


def test_the_html_report_shows_an_in_progress_banner_with_the_open_cycles(
    files: tuple[Path, Path],
) -> None:
    config, tickets = files
    result = report(
        config, "--tickets", str(tickets), "--now", "2026-12-07T12:00:00Z", "--format", "html"
    )
    assert '<p class="banner in-progress" id="in-progress"><b>Period in progress</b>' in (
        result.stdout
    )
    assert "as of 2026-12-07 12:00 UTC. 1 cycle(s) are still open" in result.stdout


def test_the_csv_total_row_says_as_of_and_in_progress(files: tuple[Path, Path]) -> None:
    config, tickets = files
    result = report(
        config, "--tickets", str(tickets), "--now", "2026-12-07T12:00:00Z", "--format", "csv"
    )
    header, total = result.stdout.splitlines()[:2]
    assert header.endswith(",as_of")
    assert total.endswith(",2026-12-07T12:00:00Z (period in progress)")


def test_weeks_that_have_not_begun_are_not_drawn(files: tuple[Path, Path]) -> None:
    config, tickets = files
    result = report(config, "--tickets", str(tickets), "--now", "2026-12-07T12:00:00Z")
    weeks = [week["week"] for week in json.loads(result.stdout)["weekly"]]
    assert weeks == ["2026-W49", "2026-W50"]  # Dec 7 is a Monday: W50 has begun, W51-W53 not


def test_report_with_an_unknown_connector_exits_2_naming_the_configured_ones(
    files: tuple[Path, Path],
) -> None:
    config, _tickets = files
    config.write_text(
        config.read_text()
        + "connectors:\n  zendesk-eu: {type: zendesk, subdomain: acme, email: a@b.example, "
        "token: t0ken-value}\n"
    )
    result = report(config, "--connector", "zendesk-ue")
    assert result.exit_code == 2
    assert "--connector 'zendesk-ue': no such connector" in result.stderr
    assert "zendesk-eu" in result.stderr


def test_report_on_a_ticket_file_with_an_unknown_source_exits_2(files: tuple[Path, Path]) -> None:
    config, tickets = files
    result = report(config, "--tickets", str(tickets), "--connector", "jira")
    assert result.exit_code == 2
    assert "(there: zendesk)" in result.stderr


def test_backtest_with_an_unknown_connector_exits_2(files: tuple[Path, Path]) -> None:
    config, tickets = files
    result = CliRunner().invoke(
        cli,
        [
            "backtest",
            "--config",
            str(config),
            "--current",
            str(config),
            "--period",
            "2026-12",
            "--tickets",
            str(tickets),
            "--connector",
            "freshdesk",
        ],
    )
    assert result.exit_code == 2
    assert "no such connector" in result.stderr
