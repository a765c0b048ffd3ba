"""`slabridge report` from the first day: snapshots synced after the period are replayed, the
report says which source it used, and an empty report says why it is empty."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from slabridge.cli import cli
from slabridge.config import load_config
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import parse_ticket
from slabridge.sync.store import StateStore, open_store


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def save_synced(
    store: StateStore, config_path: Path, tickets: list[dict[str, Any]], synced: dict[str, str]
) -> None:
    """Store what a sync at ``synced[id]`` stores: the snapshot, and the evaluation made then."""
    config = load_config(config_path)
    with store.begin() as connection:
        for data in tickets:
            ticket = parse_ticket(data)
            evaluation = evaluate(ticket, config, at(synced[ticket.id]))
            store.save_tickets(
                connection,
                [
                    {
                        "connector": "zendesk-eu",
                        "ticket_id": ticket.id,
                        "snapshot_json": json.dumps(data),
                        "policy": evaluation.policy,
                        "is_open": ticket.status not in ("solved", "closed"),
                        "next_instant": None,
                        "breached": evaluation.breached,
                        "at_risk": evaluation.at_risk,
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
                        "evaluated_at": evaluation.evaluated_at,
                        "policy": evaluation.policy,
                        "breached": evaluation.breached,
                        "at_risk": evaluation.at_risk,
                        "result_json": json.dumps(evaluation.to_json()),
                    }
                ],
            )


@pytest.fixture
def config_path(workdir: Path) -> Path:
    path = workdir / "slabridge.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + f"state: sqlite:///{workdir / 'state.db'}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def store(workdir: Path, config_path: Path) -> StateStore:
    return open_store(f"sqlite:///{workdir / 'state.db'}")


def report(config_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["report", "--config", str(config_path), *args])


FIRST_SYNC = "2026-11-05T09:00:00Z"


def test_a_first_sync_after_the_period_is_replayed_with_the_hand_computed_figures(
    store: StateStore, config_path: Path, october_tickets: list[dict[str, Any]]
) -> None:
    # A new install: the first sync ran on 5 November, so no evaluation was made in October.
    save_synced(
        store,
        config_path,
        october_tickets,
        dict.fromkeys(("T1", "T2", "T3", "T4", "T5", "T6"), FIRST_SYNC),
    )
    result = report(config_path, "--period", "2026-10", "--by", "customer")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Replayed as of 1 November 00:00 (the period end, before now): T1 and T3 achieve both
    # clocks, T2 breaches both, T4 (created 23:30) has both running and not yet due; T5 started
    # in September and T6 in November.
    total = data["total"]
    assert (total["tickets"], total["cycles"]) == (4, 8)
    assert (total["achieved"], total["breached"], total["open"]) == (4, 2, 2)
    assert total["achieved_percent"] == 66.66
    assert total["first_response"]["median_seconds"] == 2700  # 30m, 45m and 2h stops
    assert data["data_source"] == "replayed snapshots"
    assert data["tickets_by_source"] == {"replayed snapshots": 4}
    assert data["source"] == (
        "state store ticket snapshots, replayed as of 2026-11-01 00:00 UTC with the current config"
    )
    assert data["empty_reason"] is None
    credit_a = next(c for c in data["credits"] if c["customer"] == "zendesk-eu:A")
    # A: 2 of 4 cycles achieved = 50%, below 90%: 25%, capped at 20%.
    assert (credit_a["achieved_cycles"], credit_a["decided_cycles"]) == (2, 4)
    assert credit_a["credit_percent"] == 20.0


def test_stored_evaluations_count_where_they_exist_and_no_ticket_counts_twice(
    store: StateStore, config_path: Path, october_tickets: list[dict[str, Any]]
) -> None:
    # T1 was seen once in October while both clocks ran (its stored verdict: both breached by
    # the period end, which a replay would not say); T2 was seen after its breaches. The others
    # reached the store only in November and are replayed.
    synced = dict.fromkeys(("T3", "T4", "T5", "T6"), FIRST_SYNC)
    synced |= {"T1": "2026-10-05T10:01:00Z", "T2": "2026-10-06T20:00:00Z"}
    save_synced(store, config_path, october_tickets, synced)
    result = report(config_path, "--period", "2026-10", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    total = data["total"]
    assert (total["tickets"], total["achieved"], total["breached"], total["open"]) == (4, 2, 4, 2)
    assert data["data_source"] == "stored evaluations and replayed snapshots"
    assert data["tickets_by_source"] == {"stored evaluations": 2, "replayed snapshots": 2}
    assert "evaluation history (2 tickets)" in data["source"]
    assert (
        "replayed as of 2026-11-01 00:00 UTC with the current config (2 tickets)"
        in (data["source"])
    )


def test_a_period_in_progress_is_replayed_as_of_now(
    store: StateStore, config_path: Path, october_tickets: list[dict[str, Any]]
) -> None:
    save_synced(
        store,
        config_path,
        october_tickets,
        dict.fromkeys(("T1", "T2", "T3", "T4", "T5", "T6"), FIRST_SYNC),
    )
    # As of 6 October 11:00, T2's first response (due 11:00) has just breached; its resolution
    # (due 18:00) is open; T1 is done; T3 is not created yet.
    result = report(config_path, "--period", "2026-10", "--now", "2026-10-06T11:00:01Z")
    data = json.loads(result.stdout)
    assert data["in_progress"] is True
    total = data["total"]
    assert (total["tickets"], total["achieved"], total["breached"], total["open"]) == (2, 2, 1, 1)
    assert data["source"].endswith("replayed as of 2026-10-06 11:00 UTC with the current config")


def test_the_csv_and_html_say_which_source_was_used(
    store: StateStore, config_path: Path, october_tickets: list[dict[str, Any]], workdir: Path
) -> None:
    save_synced(
        store,
        config_path,
        october_tickets,
        dict.fromkeys(("T1", "T2", "T3", "T4", "T5", "T6"), FIRST_SYNC),
    )
    rows = list(
        csv.DictReader(
            io.StringIO(report(config_path, "--period", "2026-10", "--format", "csv").stdout)
        )
    )
    source = [row for row in rows if row["section"] == "source"]
    assert [(row["group"], row["tickets"]) for row in source] == [("replayed snapshots", "4")]
    assert source[0]["reason"].startswith("state store ticket snapshots, replayed as of")
    page = report(config_path, "--period", "2026-10", "--format", "html").stdout
    line = re.search(r'<p class="as-of" id="data-source">(.*?)</p>', page)
    assert line is not None
    assert line.group(1) == "Data: replayed snapshots (4 tickets)."


def test_an_empty_store_says_run_sync_first_in_every_format(config_path: Path) -> None:
    reason = "the store is empty: run `slabridge sync` first"
    data = json.loads(report(config_path, "--period", "2026-10").stdout)
    assert data["empty_reason"] == reason
    assert data["data_source"] == "none"
    rows = list(
        csv.DictReader(
            io.StringIO(report(config_path, "--period", "2026-10", "--format", "csv").stdout)
        )
    )
    assert rows[0]["section"] == "total" and rows[0]["reason"] == reason
    page = report(config_path, "--period", "2026-10", "--format", "html").stdout
    assert f"No data for this period</b>: {reason}." in page


def test_a_period_the_store_does_not_cover_names_the_span_it_does(
    store: StateStore, config_path: Path, october_tickets: list[dict[str, Any]]
) -> None:
    save_synced(
        store,
        config_path,
        october_tickets,
        dict.fromkeys(("T1", "T2", "T3", "T4", "T5", "T6"), FIRST_SYNC),
    )
    reason = (
        "no ticket in the store was created in 2026-08 and no SLA cycle started in it; "
        "the store's 6 tickets were created 2026-09-30..2026-11-01"
    )
    for fmt in ("json", "csv", "html"):
        out = report(config_path, "--period", "2026-08", "--format", fmt).stdout
        assert reason in out.replace("&#x27;", "'"), fmt


def test_a_period_that_has_not_started_says_so(config_path: Path) -> None:
    data = json.loads(
        report(config_path, "--period", "2026-12", "--now", "2026-11-20T10:00:00Z").stdout
    )
    assert data["empty_reason"] == "2026-12 has not started yet (as of 2026-11-20 10:00 UTC)"


def test_an_empty_ticket_file_period_says_why(workdir: Path, config_path: Path) -> None:
    result = report(config_path, "--period", "2026-08", "--tickets", str(workdir / "tickets.jsonl"))
    data = json.loads(result.stdout)
    assert data["empty_reason"] == (
        "no ticket in tickets.jsonl was created in 2026-08 and no SLA cycle started in it; "
        "tickets.jsonl's 6 tickets were created 2026-09-30..2026-11-01"
    )
    assert data["data_source"] == "none"


def test_tickets_without_a_matching_policy_are_the_stated_reason(
    workdir: Path, config_path: Path, october_tickets: list[dict[str, Any]]
) -> None:
    config_path.write_text(
        config_path.read_text(encoding="utf-8").replace(
            "  - name: standard\n", "  - name: standard\n    match: {tier: platinum}\n"
        ),
        encoding="utf-8",
    )
    tickets = workdir / "october.jsonl"
    tickets.write_text("".join(json.dumps(t) + "\n" for t in october_tickets), encoding="utf-8")
    data = json.loads(report(config_path, "--period", "2026-10", "--tickets", str(tickets)).stdout)
    assert data["empty_reason"].startswith(
        "4 ticket(s) in october.jsonl were created in 2026-10, but no policy sets a target for them"
    )


def test_with_goals_and_credits_configured_an_empty_page_never_says_they_are_not(
    config_path: Path,
) -> None:
    page = report(config_path, "--period", "2026-10", "--format", "html").stdout
    assert "No goals configured." not in page
    assert "No credit rules apply" not in page
    assert "No credits configured." not in page
    assert "2 goal(s) configured; none has a decided cycle in this period." in page
    assert "Credit rules are configured; no customer had a cycle in this period." in page
    assert "No customer had a decided cycle to judge" in page


def test_without_goals_and_credits_the_page_says_none_are_configured(
    config_path: Path,
) -> None:
    text = config_path.read_text(encoding="utf-8")
    bare = text[: text.index("goals:")] + text[text.index("state:") :]
    config_path.write_text(bare, encoding="utf-8")
    page = report(config_path, "--period", "2026-10", "--format", "html").stdout
    assert "No goals configured." in page
    assert "No credit rules apply" in page
    assert "No credits configured." in page


def test_a_ticket_file_report_names_the_file_as_its_source(
    workdir: Path, config_path: Path
) -> None:
    result = report(config_path, "--period", "2026-10", "--tickets", str(workdir / "tickets.jsonl"))
    data = json.loads(result.stdout)
    assert data["data_source"] == "ticket file"
    assert data["tickets_by_source"] == {"ticket file": 4}
    assert data["source"] == "tickets.jsonl, evaluated as of 2026-11-01 00:00 UTC"
