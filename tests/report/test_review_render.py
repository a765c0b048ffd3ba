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


def test_a_period_in_progress_counts_what_has_happened_by_now(review_workdir: Path) -> None:
    data = json.loads(run(review_workdir, "--now", "2026-10-05T12:00:00Z"))
    # As of 5 Oct 12:00 only A1 (created 10:00) and B1 (September) exist; A1 has been pending
    # since 10:30, its question unanswered; B1 was open 01:00-02:00 and is solved since.
    rows = {row["status"]: row for row in data["time_in_status"]}
    assert list(rows) == ["new", "open", "pending", "solved"]
    assert (rows["new"]["tickets"], rows["new"]["median_seconds"]) == (1, 1800)
    assert (rows["open"]["tickets"], rows["open"]["median_seconds"]) == (1, 3600)
    assert (rows["pending"]["ended_stays"], rows["pending"]["still_in_status"]) == (0, 1)
    assert (rows["solved"]["ended_stays"], rows["solved"]["still_in_status"]) == (0, 1)
    (a,) = [c for c in data["customer_side"]["customers"] if c["customer"] == "zendesk:A"]
    assert a["replies"] == {
        "answered": 0,
        "waiting": 1,
        "median_seconds": None,
        "p90_seconds": None,
    }
    # A1's first response (30m) is achieved; its resolution is paused in pending: 1 of 1.
    assert (a["achieved_cycles"], a["decided_cycles"]) == (1, 1)


def test_text_shows_the_review_beside_our_figures_and_groups_by_channel(
    review_workdir: Path,
) -> None:
    text = run(review_workdir, "--format", "text", "--by", "channel")
    lines = text.splitlines()
    assert lines[0].startswith("SLA report 2026-10 (month, 2026-10-01 00:00 to 2026-11-01 00:00")
    # email: A1-A3, 4 of 5 decided cycles achieved (A2's first response breached); web: B2's
    # two achieved and N1's two breached (no reply at all, 1h and 8h targets passed).
    email = next(line.split() for line in lines if line.strip().startswith("channel=email"))
    assert email[:6] == ["channel=email", "3", "6", "80.00%", "1", "1"]
    web = next(line.split() for line in lines if line.strip().startswith("channel=web"))
    assert web[:6] == ["channel=web", "2", "4", "50.00%", "2", "0"]
    pending = next(line.split() for line in lines if line.strip().startswith("pending "))
    assert pending == ["pending", "4", "4", "1", "2h", "30m", "1d"]
    assert (
        "  Cust A (zendesk:A): we met 80.00% of our SLA cycles (4 of 5); your team took a "
        "median 2h of business time to answer our questions (3 answered)."
    ) in lines
    assert (
        "    in pending: median 2h, p90 1d (3 ended, 1 still); replies: median 2h, p90 1d "
        "(3 answered, 1 waiting)"
    ) in lines
    assert "Time in status" not in run(review_workdir, "--format", "text", "--no-review")
