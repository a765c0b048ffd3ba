"""`slabridge report` shows time in status and the customer's side in JSON, CSV and HTML.

REVIEW_TICKETS (conftest.py) through the real engine and the command; the review figures are
worked out in test_review.py, the provider's side here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from slabridge.cli import cli


def run(workdir: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(workdir / "slabridge.yaml"),
            "--period",
            "2026-10",
            "--tickets",
            str(workdir / "tickets.jsonl"),
            *args,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_has_time_in_status_and_each_customers_side(review_workdir: Path) -> None:
    data = json.loads(run(review_workdir))
    statuses = {row["status"]: row for row in data["time_in_status"]}
    assert statuses["pending"] == {
        "status": "pending",
        "tickets": 4,
        "ended_stays": 4,
        "still_in_status": 1,
        "median_seconds": 9000,  # (7200 + 10800) / 2 of 1800, 7200, 10800, 86400
        "p90_seconds": 86400,
    }
    assert list(statuses) == ["new", "open", "pending", "solved"]
    side = data["customer_side"]
    assert side["customer_statuses"] == ["pending"]
    a, b = side["customers"]
    # Our side for A, by the engine (first response 1h, resolution 8h with pause_on [pending]):
    #   A1 first response 30m achieved; resolution 28h wall - 26h pending = 2h achieved
    #   A2 first response 1h15m breached; resolution 2h wall - 30m pending = 1h30m achieved
    #   A3 first response exactly 1h achieved (a stop at due_at achieves); resolution paused
    # so 4 achieved of 5 decided = 80%.
    assert (a["customer"], a["achieved_cycles"], a["decided_cycles"]) == ("zendesk:A", 4, 5)
    assert a["achieved_percent"] == 80.0
    assert a["replies"] == {
        "answered": 3,
        "waiting": 1,
        "median_seconds": 7200,  # of 1800, 7200, 86400
        "p90_seconds": 86400,  # ceil(0.9 * 3) = 3rd
    }
    assert a["customer_status"]["median_seconds"] == 7200
    assert a["summary"] == (
        "we met 80.00% of our SLA cycles (4 of 5); your team took a median 2h of business "
        "time to answer our questions (3 answered)"
    )
    # B: B2 answered in 30m and solved: both clocks achieved; B1 started in September.
    assert (b["customer"], b["achieved_cycles"], b["decided_cycles"]) == ("zendesk:B", 2, 2)
    assert b["replies"]["answered"] == 0


def test_csv_has_a_row_per_status_and_per_customer(review_workdir: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run(review_workdir, "--format", "csv"))))
    status = {r["group"]: r for r in rows if r["section"] == "status"}
    assert list(status) == ["status=new", "status=open", "status=pending", "status=solved"]
    new = status["status=new"]
    # 1800, 1800, 3600, 3600, 4500: the median is the 3rd, p90 the 5th.
    assert (new["tickets"], new["stays"], new["still_running"]) == ("5", "5", "0")
    assert (new["median_seconds"], new["p90_seconds"]) == ("3600", "4500")
    solved = status["status=solved"]
    assert (solved["stays"], solved["still_running"], solved["median_seconds"]) == ("0", "4", "")
    customers = [r for r in rows if r["section"] == "customer"]
    assert [r["group"] for r in customers] == [
        "customer=Cust A (zendesk:A)",
        "customer=Cust B (zendesk:B)",
    ]
    a = customers[0]
    assert (a["cycles"], a["achieved"], a["achieved_percent"]) == ("5", "4", "80.0")
    assert (a["replies_answered"], a["replies_waiting"]) == ("3", "1")
    assert (a["reply_median_seconds"], a["reply_p90_seconds"]) == ("7200", "86400")
    assert (a["customer_status_stays"], a["customer_status_median_seconds"]) == ("3", "7200")
    assert a["reason"].startswith("we met 80.00% of our SLA cycles (4 of 5); your team took")


def test_html_has_the_status_and_customer_tables(review_workdir: Path) -> None:
    page = run(review_workdir, "--format", "html")
    assert "<h2>Time in status</h2>" in page and "<h2>The customer's side</h2>" in page
    assert (
        "<li><b>Cust A (zendesk:A)</b>: we met 80.00% of our SLA cycles (4 of 5); your team "
        "took a median 2h of business time to answer our questions (3 answered).</li>"
    ) in page
    # pending: 4 tickets, 4 stays ended, 1 still pending, median 2h 30m (9000 s), p90 1d.
    assert (
        '<tr><td class="text">pending</td><td>4</td><td>4</td><td>1</td><td>2h 30m</td>'
        "<td>1d</td></tr>"
    ) in page


def test_no_review_leaves_the_sections_out(review_workdir: Path) -> None:
    data = json.loads(run(review_workdir, "--no-review"))
    assert data["time_in_status"] == []
    assert data["customer_side"] == {"customer_statuses": [], "customers": []}
    assert data["total"]["cycles"] == 10  # the provider's figures are unchanged
    page = run(review_workdir, "--no-review", "--format", "html")
    assert "Time in status" not in page and "table-customer-side" not in page
    rows = list(csv.DictReader(io.StringIO(run(review_workdir, "--no-review", "--format", "csv"))))
    assert not [r for r in rows if r["section"] in ("status", "customer")]
