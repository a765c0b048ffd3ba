"""`slabridge report` with error budgets and credits at risk, in every format, by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.cli import cli

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
  - {metric: first_response, share: 75%}
credits:
  tiers:
    enterprise:
      metrics: [first_response]
      schedule:
        - {below: 99%, credit: 5%}
        - {below: 40%, credit: 20%}
"""


def ticket_json(ticket_id: str, created: str, reply: str | None = None) -> dict[str, object]:
    events: list[dict[str, object]] = [{"at": created, "type": "status", "status": "new"}]
    if reply:
        events.append({"at": reply, "type": "reply", "author": "agent", "public": True})
    return {
        "id": ticket_id,
        "source": "zendesk",
        "created_at": created,
        "status": "open",
        "priority": "normal",
        "customer": {"id": "A", "name": "Cust A", "tier": "enterprise"},
        "events": events,
    }


def tickets() -> list[dict[str, object]]:
    """October: 2 tickets before the cut (Oct 11 08:00 = Oct 1 + 1/3 × 31 days), 9 after.

    November up to the 11th (24x7, first response 1h):
      N1 Nov 2 10:00, answered 10:30: met        N2 Nov 3 08:00, answered 10:00: missed (due 09:00)
      N3 Nov 10 23:00, answered 23:30: met       N4 Nov 10 22:00, no answer: missed at 23:00
    """
    found = [ticket_json(f"O{i}", "2026-10-05T09:00:00Z", "2026-10-05T09:10:00Z") for i in range(2)]
    found += [
        ticket_json(f"P{i}", "2026-10-20T09:00:00Z", "2026-10-20T09:10:00Z") for i in range(9)
    ]
    found += [
        ticket_json("N1", "2026-11-02T10:00:00Z", "2026-11-02T10:30:00Z"),
        ticket_json("N2", "2026-11-03T08:00:00Z", "2026-11-03T10:00:00Z"),
        ticket_json("N3", "2026-11-10T23:00:00Z", "2026-11-10T23:30:00Z"),
        ticket_json("N4", "2026-11-10T22:00:00Z"),
    ]
    return found


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "slabridge.yaml").write_text(CONFIG, encoding="utf-8")
    lines = "".join(json.dumps(ticket) + "\n" for ticket in tickets())
    (tmp_path / "tickets.jsonl").write_text(lines, encoding="utf-8")
    return tmp_path


def report(workdir: Path, fmt: str) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(workdir / "slabridge.yaml"),
            "--tickets",
            str(workdir / "tickets.jsonl"),
            "--period",
            "2026-11",
            "--now",
            "2026-11-11T00:00:00Z",
            "--format",
            fmt,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_has_the_budget_projected_from_october(workdir: Path) -> None:
    (budget,) = json.loads(report(workdir, "json"))["budgets"]
    # 2 met, 2 missed, 0 open; allowed so far floor(25% × 4) = 1.
    assert (budget["met_cycles"], budget["missed_cycles"], budget["open_cycles"]) == (2, 2, 0)
    assert budget["misses_allowed_so_far"] == 1
    # History: the 9 October tickets after the cut; projected 4 + 9 = 13 cycles;
    # allowed floor(25% × 13) = floor(3.25) = 3; left 3 - 2 = 1; spent 2/3 = 66.66%.
    assert (budget["projection"], budget["history_cycles"]) == ("history", 9)
    assert (budget["projected_cycles"], budget["misses_allowed"], budget["budget_left"]) == (
        13,
        3,
        1,
    )
    assert budget["budget_spent_percent"] == 66.66
    assert budget["elapsed_percent"] == 33.33  # 10 of 30 days
    fast, slow = budget["burn_rates"]
    # fast 1d and 2h, and slow 3d: N3 met at 23:30, N4 missed at 23:00: 1 of 2 = 50% ÷ 25% = 2x.
    assert (fast["long"]["burn_rate"], fast["short"]["burn_rate"], fast["firing"]) == (2, 2, False)
    # slow 3d/6h: 2x ≥ 1x on both: alerting.
    assert (slow["long"]["burn_rate"], slow["short"]["burn_rate"], slow["firing"]) == (2, 2, True)
    assert (fast["threshold"], slow["threshold"]) == (3, 1)
    assert budget["alerting"] == ["slow"]


def test_json_has_the_credit_at_risk(workdir: Path) -> None:
    (risk,) = json.loads(report(workdir, "json"))["credits_at_risk"]
    # 2 of 4 = 50%: below 99% (5%). Below 40% next: k = floor(2 / 0.4 - 4) + 1 = 2
    # (2/5 = 40% is not below 40%, 2/6 = 33.3% is).
    assert risk["current_step"] == {"below_percent": 99.0, "credit_percent": 5.0}
    assert (risk["misses_to_next_step"], risk["next_credit_percent"]) == (2, 20.0)
    assert risk["summary"] == (
        "2 more enterprise breaches take Cust A (zendesk:A) below 40%: credit 20%"
    )


def test_csv_has_budget_burn_and_credit_risk_rows(workdir: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(report(workdir, "csv"))))
    (budget,) = [row for row in rows if row["section"] == "budget"]
    assert (budget["window"], budget["cycles"], budget["breached"]) == ("2026-11", "4", "2")
    assert (budget["projected_cycles"], budget["misses_allowed"], budget["budget_left"]) == (
        "13",
        "3",
        "1",
    )
    burns = {row["window"]: row for row in rows if row["section"] == "burn"}
    assert list(burns) == ["fast 1d", "fast 2h", "slow 3d", "slow 6h"]
    assert (burns["slow 6h"]["burn_rate"], burns["slow 6h"]["reason"]) == ("2.0", "slow: alerting")
    assert burns["fast 1d"]["reason"] == "fast: alerts when both windows reach 3x"
    (risk,) = [row for row in rows if row["section"] == "credit_risk"]
    assert (risk["misses_to_next_step"], risk["credit_percent"]) == ("2", "20.0")


def test_text_says_budget_and_risk_in_words(workdir: Path) -> None:
    text = report(workdir, "text")
    assert text.startswith("SLA report 2026-11 (month, ")
    assert "As of 2026-11-11 00:00 UTC (period in progress)" in text
    assert (
        "first_response 75% in 2026-11: 2 missed of 4 decided (1 allowed so far); 3 allowed for "
        "13 cycles (projected from last period), 1 left (66.66% spent); slow burn: 2x over 3d "
        "and 2x over 6h (alert at 1x)"
    ) in text
    assert "2 more enterprise breaches take Cust A (zendesk:A) below 40%: credit 20%" in text


def test_html_has_the_budget_table_and_the_risk_list(workdir: Path) -> None:
    page = report(workdir, "html")
    assert '<table id="table-budgets">' in page
    assert '<ul id="credits-at-risk">' in page
