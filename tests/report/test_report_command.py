"""`slabridge report` end to end with the real engine: tickets file, CSV, JSON and errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from slabridge.cli import cli

OCTOBER_END = datetime(2026, 11, 1, tzinfo=UTC)


def run(workdir: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["report", "--config", str(workdir / "slabridge.yaml"), *args],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_json_report_from_a_tickets_file_matches_the_hand_computed_figures(workdir: Path) -> None:
    code, out, _ = run(
        workdir, "--period", "2026-10", "--tickets", str(workdir / "tickets.jsonl"), "--by", "tier"
    )
    assert code == 0
    data = json.loads(out)
    total = data["total"]
    # T1-T4 start in October; T4's two clocks still run at the period end (30 minutes used).
    assert (total["tickets"], total["cycles"]) == (4, 8)
    assert (total["achieved"], total["breached"], total["open"]) == (4, 2, 2)
    assert total["achieved_percent"] == 66.66  # 4 of 6 decided, truncated
    assert total["first_response"] == {"median_seconds": 2700, "p90_seconds": 7200}
    assert total["resolution"] == {"median_seconds": 14400, "p90_seconds": 36000}
    groups = {g["label"]: g for g in data["groups"]}
    assert groups["tier=enterprise"]["first_response"]["median_seconds"] == 4500  # (1800+7200)/2
    assert groups["tier=pro"]["open"] == 2

    overall = {g["goal"]: g for g in data["goals"] if g["label"] == "all"}
    assert overall["first_response 90%"]["met"] is False  # 2 of 3
    assert overall["resolved in 5h"]["met_cycles"] == 2  # 2h and 4h within 5h, 10h not
    assert overall["resolved in 5h"]["met"] is True  # 2/3 >= 60%

    credits = {c["customer"]: c for c in data["credits"]}
    assert credits["zendesk:A"]["compliance_percent"] == 50.0
    assert credits["zendesk:A"]["credit_percent"] == 20.0
    assert credits["zendesk:A"]["reason"] == "tiers.enterprise: below 90% → 25%, capped at 20%"
    # B's own rule: 2 of 2 decided = exactly 100%, which is not below 100%.
    assert credits["zendesk:B"]["credit_percent"] == 0.0
    assert credits["zendesk:B"]["rule"] == "customers.B"
    assert data["period"] == {
        "label": "2026-10",
        "kind": "month",
        "start": "2026-10-01T00:00:00Z",
        "end": "2026-11-01T00:00:00Z",
        "timezone": "UTC",
    }


def test_csv_report_has_one_row_per_total_group_goal_and_credit(workdir: Path) -> None:
    code, out, _ = run(
        workdir,
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--by",
        "customer",
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    sections = [row["section"] for row in rows]
    budgets = (["budget"] + ["burn"] * 4) * 2  # per goal: its budget, then 2 pairs × 2 windows
    # Then the review rows: statuses new, open (T4 is open: POLICY.md §2 puts the change from
    # its last status event at updated_at) and solved; customers A and B.
    assert sections == (
        ["total", "group", "group"]
        + ["goal"] * 6
        + ["credit", "credit"]
        + budgets
        + ["credit_risk"]
        + ["status"] * 3
        + ["customer", "customer", "source"]
    )
    assert [r["group"] for r in rows if r["section"] == "status"] == [
        "status=new",
        "status=open",
        "status=solved",
    ]
    total = rows[0]
    assert (total["tickets"], total["achieved"], total["breached"], total["open"]) == (
        "4",
        "4",
        "2",
        "2",
    )
    assert total["achieved_percent"] == "66.66"
    assert rows[1]["group"] == "customer=Cust A (zendesk:A)"
    credit_a = next(r for r in rows if r["section"] == "credit" and "(zendesk:A)" in r["group"])
    assert (credit_a["rule"], credit_a["credit_percent"]) == ("tiers.enterprise", "20.0")


def test_output_format_follows_the_file_suffix(workdir: Path) -> None:
    target = workdir / "october.html"
    code, _, err = run(
        workdir,
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--output",
        str(target),
    )
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "wrote" in err


def test_a_week_report_counts_only_that_weeks_cycles(workdir: Path) -> None:
    # ISO week 41 of 2026 is 5-11 October: T1, T2 and T3.
    code, out, _ = run(workdir, "--period", "2026-W41", "--tickets", str(workdir / "tickets.jsonl"))
    assert code == 0
    total = json.loads(out)["total"]
    assert (total["tickets"], total["achieved"], total["breached"], total["open"]) == (3, 4, 2, 0)


def test_bad_ticket_lines_are_reported_and_the_rest_is_counted(workdir: Path) -> None:
    path = workdir / "tickets.jsonl"
    path.write_text(
        path.read_text(encoding="utf-8") + "{not json\n" + json.dumps({"id": "T9"}) + "\n",
        encoding="utf-8",
    )
    code, out, err = run(workdir, "--period", "2026-10", "--tickets", str(path))
    assert code == 0
    assert json.loads(out)["total"]["tickets"] == 4
    assert "line 7: not JSON" in err
    assert "line 8: ticket 'T9': created_at: missing required key" in err


def test_bad_arguments_exit_2_with_the_reason(workdir: Path) -> None:
    tickets = str(workdir / "tickets.jsonl")
    code, _, err = run(workdir, "--period", "2026-10-01", "--tickets", tickets)
    assert code == 2 and "--period" in err and "2026-W43" in err
    code, _, err = run(workdir, "--period", "2026-10", "--by", "team", "--tickets", tickets)
    assert code == 2 and "unknown group key 'team'" in err
    code, _, err = run(
        workdir, "--period", "2026-10", "--timezone", "Mars/Base", "--tickets", tickets
    )
    assert code == 2 and "unknown time zone" in err


def test_a_config_error_names_the_key_path_and_exits_2(workdir: Path) -> None:
    config = workdir / "slabridge.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("share: 90%", "share: 0.9"), encoding="utf-8"
    )
    code, out, err = run(
        workdir, "--period", "2026-10", "--tickets", str(workdir / "tickets.jsonl")
    )
    assert code == 2
    assert "goals[0].share: expected a percentage" in err
    assert out == ""


def test_without_tickets_the_report_reads_the_state_store(
    workdir: Path, october_tickets: list[dict[str, object]]
) -> None:
    from slabridge.config import load_config
    from slabridge.sla.evaluate import evaluate
    from slabridge.sla.ticket import parse_ticket
    from slabridge.sync.store import open_store

    database = workdir / "state.db"
    config_path = workdir / "slabridge.yaml"
    config_path.write_text(
        config_path.read_text(encoding="utf-8") + f"state: sqlite:///{database}\n",
        encoding="utf-8",
    )
    config = load_config(config_path)
    store = open_store(f"sqlite:///{database}")
    with store.begin() as connection:
        for data in october_tickets:
            ticket = parse_ticket(data)
            evaluation = evaluate(ticket, config, OCTOBER_END)
            if ticket.created_at >= OCTOBER_END:
                continue
            store.save_tickets(
                connection,
                [
                    {
                        "connector": "zendesk-eu",
                        "ticket_id": ticket.id,
                        "snapshot_json": json.dumps(data),
                        "policy": evaluation.policy,
                        "is_open": True,
                        "next_instant": None,
                        "breached": evaluation.breached,
                        "at_risk": False,
                        "updated_at": ticket.updated_at,
                        "evaluated_at": evaluation.evaluated_at,
                        "digest": "x",
                    }
                ],
            )
            store.add_evaluations(
                connection,
                [
                    {
                        "connector": "zendesk-eu",
                        "ticket_id": ticket.id,
                        "evaluated_at": ticket.updated_at,
                        "policy": evaluation.policy,
                        "breached": evaluation.breached,
                        "at_risk": False,
                        "result_json": json.dumps(evaluation.to_json()),
                    }
                ],
            )
    store.close()
    code, out, _ = run(workdir, "--period", "2026-10", "--by", "connector")
    assert code == 0
    data = json.loads(out)
    assert data["source"] == "state store evaluation history"
    total = data["total"]
    assert (total["tickets"], total["achieved"], total["breached"], total["open"]) == (4, 4, 2, 2)
    assert [g["label"] for g in data["groups"]] == ["connector=zendesk-eu"]
