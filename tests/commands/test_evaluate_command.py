"""``slabridge evaluate``: one ticket, arrays, JSON lines, stdin, exit codes, errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from slabridge.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "examples" / "slabridge.yaml"
TICKET = ROOT / "docs" / "examples" / "ticket.json"
NOW = "2025-03-10T12:00:00Z"


def _run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["evaluate", "--config", str(CONFIG), *args], input=stdin)


def test_one_ticket_prints_the_section_4_object() -> None:
    result = _run("--ticket", str(TICKET), "--now", NOW)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["policy"] == "enterprise" and data["breached"] is True
    assert data["metrics"]["first_response"]["elapsed_seconds"] == 228900
    assert data["metrics"]["first_response"]["remaining_seconds"] == -225300
    assert data["evaluated_at"] == NOW


def test_an_array_gives_an_array_and_stdin_works() -> None:
    ticket = json.loads(TICKET.read_text())
    other = {**ticket, "id": "2", "customer": None, "product": None}
    result = _run("--ticket", "-", "--now", NOW, stdin=json.dumps([ticket, other]))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["ticket"] for d in data] == ["4821", "2"]
    assert [d["policy"] for d in data] == ["enterprise", "standard"]


def test_now_accepts_an_offset_and_is_printed_in_utc() -> None:
    result = _run("--ticket", str(TICKET), "--now", "2025-03-10T13:00:00+01:00")
    assert json.loads(result.stdout)["evaluated_at"] == NOW


def test_no_matching_policy_prints_null_and_no_metrics(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "policies: [{name: gold, match: {tier: gold}, targets: {default: {first_response: 1h}}}]\n"
    )
    result = CliRunner().invoke(
        cli, ["evaluate", "--config", str(config), "--ticket", str(TICKET), "--now", NOW]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["policy"] is None and data["metrics"] == {}


def test_a_config_error_exits_2_listing_every_issue_on_stderr(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "calendars: {c: {timezone: Mars/Base, hours: 24x7}}\n"
        "policies: [{name: p, calendar: nope}]\n"
    )
    result = CliRunner().invoke(cli, ["evaluate", "--config", str(config), "--ticket", str(TICKET)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "calendars.c.timezone: 'Mars/Base' is not an IANA time zone" in result.stderr
    assert "policies[0].calendar: unknown calendar 'nope'" in result.stderr


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"id": "9", "status": "open"}', "ticket '9': created_at: missing required key"),
        ('{"id": "9", "created_at": "yesterday", "status": "open"}', "created_at: not an ISO 8601"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_bad_ticket_exits_2_with_the_error_on_stderr(payload: str, message: str) -> None:
    result = _run("--ticket", "-", "--now", NOW, stdin=payload)
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr


def test_a_bad_now_is_a_usage_error() -> None:
    result = _run("--ticket", str(TICKET), "--now", "2025-03-10T12:00:00")
    assert result.exit_code == 2 and "offset" in result.stderr


def _lines(tmp_path: Path, bad: bool = True) -> Path:
    ticket = json.loads(TICKET.read_text())
    lines = [json.dumps({**ticket, "id": str(i)}) for i in range(5)]
    if bad:
        lines[2] = '{"id": "x2", "status": "open"}'
        lines.insert(4, "{oops")
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    return path


def test_json_lines_stream_one_result_per_line_and_bad_lines_become_error_objects(
    tmp_path: Path,
) -> None:
    result = _run("--ticket", str(_lines(tmp_path)), "--now", NOW)
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["ticket"] for o in out] == ["0", "1", "x2", "3", None, "4"]
    assert out[2]["error"] == "ticket 'x2': created_at: missing required key"
    assert out[4]["error"].startswith("line 5: not valid JSON")
    assert out[0]["metrics"]["first_response"]["elapsed_seconds"] == 228900
    assert "line 3: ticket 'x2'" in result.stderr
    assert "2 ticket(s) could not be evaluated" in result.stderr


def test_jsonl_from_stdin_and_two_worker_processes_give_the_same_ordered_output(
    tmp_path: Path,
) -> None:
    text = _lines(tmp_path, bad=False).read_text()
    one = _run("--ticket", "-", "--jsonl", "--now", NOW, stdin=text)
    assert one.exit_code == 0, one.stderr
    two = subprocess.run(
        [str(Path(sys.executable).with_name("slabridge")), "evaluate", "--config", str(CONFIG),
         "--ticket", str(tmp_path / "tickets.jsonl"), "--workers", "2", "--now", NOW],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert two.returncode == 0, two.stderr
    assert two.stdout == one.stdout
    tickets = [json.loads(line)["ticket"] for line in two.stdout.splitlines()]
    assert tickets == ["0", "1", "2", "3", "4"]


def test_the_installed_console_script_runs_the_spec_example() -> None:
    script = Path(sys.executable).with_name("slabridge")
    completed = subprocess.run(
        [str(script), "evaluate", "--config", str(CONFIG), "--ticket", str(TICKET), "--now", NOW],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["metrics"]["first_response"]["status"] == "breached"


def test_a_bad_ticket_in_an_array_becomes_an_error_object_and_exit_2() -> None:
    ticket = json.loads(TICKET.read_text())
    payload = json.dumps([ticket, {"id": 7, "created_at": "2025-03-10T09:00:00Z"}])
    result = _run("--ticket", "-", "--now", NOW, stdin=payload)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data[0]["policy"] == "enterprise"
    assert data[1] == {"ticket": "7", "error": "ticket '7': status: missing required key"}
    assert "[1] ticket '7': status: missing required key" in result.stderr


def test_a_ticket_outside_the_supported_years_is_an_error_for_that_ticket_alone(
    tmp_path: Path,
) -> None:
    ticket = json.loads(TICKET.read_text())
    far = {**ticket, "id": "far", "created_at": "9999-12-31T00:00:00Z", "events": []}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(far) + "\n" + json.dumps(ticket) + "\n")
    result = _run("--ticket", str(path), "--now", "9999-12-31T12:00:00Z")
    assert result.exit_code == 2
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["ticket"] == "far" and "cannot be evaluated" in first["error"]
    assert second["ticket"] == "4821"
