"""`slabridge export tickets`: the store's snapshots as JSON lines `slabridge evaluate` reads."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from slabridge.cli import cli
from slabridge.demo.run import DemoResult, run_demo
from slabridge.report import running
from slabridge.report.history import unevaluated_snapshots
from slabridge.report.periods import parse_period
from slabridge.sync.store import open_store

# A new install: the demo's first sync runs on 7 December over tickets of the 30 days before.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NOVEMBER = parse_period("2026-11")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoResult]:
    saved = dict(os.environ)  # the demo puts its fake helpdesks' tokens in the environment
    try:
        directory = tmp_path_factory.mktemp("demo")
        yield run_demo(directory, tickets_per_helpdesk=30, now=NOW, say=lambda _: None)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_stored_ticket_is_one_line_with_its_connector(demo: DemoResult) -> None:
    result = invoke("export", "tickets", "--config", str(demo.config_path))
    assert result.exit_code == 0, result.output
    exported = lines(result.stdout)
    assert len(exported) == 90
    store = open_store(f"sqlite:///{demo.config_path.parent / 'slabridge.db'}")
    stored = {(row.connector, row.ticket_id): row.snapshot for row in store.iter_tickets()}
    store.close()
    assert [(t["connector"], t["id"]) for t in exported] == sorted(stored)
    for ticket in exported:
        snapshot = dict(stored[(ticket["connector"], ticket["id"])])
        assert {k: v for k, v in ticket.items() if k != "connector"} == snapshot


def test_one_connector_and_an_output_file(demo: DemoResult, tmp_path: Path) -> None:
    target = tmp_path / "jira.jsonl"
    result = invoke(
        "export", "tickets", "--config", str(demo.config_path), "--connector", "demo-jira",
        "--output", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote 30 tickets to {target}" in result.stderr
    exported = lines(target.read_text(encoding="utf-8"))
    assert {t["connector"] for t in exported} == {"demo-jira"}
    assert {t["source"] for t in exported} == {"jira"}


def test_an_unknown_connector_exits_2_naming_the_ones_there(demo: DemoResult) -> None:
    result = invoke(
        "export", "tickets", "--config", str(demo.config_path), "--connector", "demo-jria"
    )
    assert result.exit_code == 2
    assert "--connector 'demo-jria': no such connector" in result.stderr
    assert "demo-freshdesk, demo-jira, demo-zendesk" in result.stderr
    assert result.stdout == ""


def test_an_unreadable_snapshot_is_named_and_the_rest_is_exported(tmp_path: Path) -> None:
    config = tmp_path / "slabridge.yaml"
    config.write_text(
        "version: 1\ncalendars: {c: {timezone: UTC, hours: 24x7}}\n"
        "policies: [{name: p, calendar: c, targets: {default: {first_response: 1h}}}]\n"
        f"state: sqlite:///{tmp_path / 'state.db'}\n",
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    moment = datetime(2026, 11, 2, tzinfo=UTC)
    good = {"id": "1", "created_at": "2026-11-01T10:00:00Z", "status": "open", "events": []}
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [
                {
                    "connector": "zd", "ticket_id": ticket_id, "snapshot_json": text,
                    "policy": None, "is_open": True, "next_instant": None, "breached": False,
                    "at_risk": False, "updated_at": moment, "evaluated_at": moment, "digest": "x",
                }
                for ticket_id, text in (("1", json.dumps(good)), ("2", '{"id": "2"}'))
            ],
        )  # fmt: skip
    store.close()
    result = invoke("export", "tickets", "--config", str(config))
    assert result.exit_code == 2
    assert [t["id"] for t in lines(result.stdout)] == ["1"]
    assert "skipped: store zd/2: not exported:" in result.stderr
    assert "created_at" in result.stderr


def test_evaluate_on_the_export_gives_what_the_report_replays(
    demo: DemoResult, tmp_path: Path
) -> None:
    exported = tmp_path / "tickets.jsonl"
    assert (
        invoke(
            "export", "tickets", "--config", str(demo.config_path), "-o", str(exported)
        ).exit_code
        == 0
    )
    as_of = NOVEMBER.end
    result = invoke(
        "evaluate", "--config", str(demo.config_path), "--ticket", str(exported),
        "--now", "2026-12-01T00:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    evaluated = lines(result.stdout)
    # What `report --period 2026-11` replays: the snapshots with no evaluation in November.
    config = running.load(demo.config_path)
    store = running.open_state(config)
    replayed = list(unevaluated_snapshots(store, NOVEMBER.start, as_of))
    store.close()
    assert len(replayed) == 90  # the first sync evaluated them all in December
    engine = running.engine(config)
    expected = [engine(item.ticket, as_of).to_json() for item in replayed]
    assert evaluated == expected

    # And a report from the exported file has the figures of the report from the store, down to
    # the groups per connector instance (each line names its `connector`).
    month = ("report", "--config", str(demo.config_path), "--period", "2026-11")
    by = ("--by", "connector,customer")
    from_store = json.loads(invoke(*month, *by).stdout)
    from_file = json.loads(invoke(*month, *by, "--tickets", str(exported)).stdout)
    assert from_store["data_source"] == "replayed snapshots"
    assert from_store["total"]["tickets"] > 0
    assert from_file["data_source"] == "ticket file"
    for key in ("total", "groups", "goals", "credits", "weekly", "breaches_by"):
        assert from_file[key] == from_store[key], key
    assert {g["group"]["connector"] for g in from_file["groups"]} == {
        "demo-freshdesk", "demo-jira", "demo-zendesk",
    }  # fmt: skip
    jira = ("--connector", "demo-jira")
    only_file = json.loads(invoke(*month, *jira, "--tickets", str(exported)).stdout)
    assert only_file["total"] == json.loads(invoke(*month, *jira).stdout)["total"]


def test_the_demos_last_month_report_counts_what_backtest_replays(demo: DemoResult) -> None:
    # The issue: on a new install the report of last month read 0 tickets while backtest
    # replayed the same store; both now count the same cycles.
    report = json.loads(
        invoke("report", "--config", str(demo.config_path), "--period", "2026-11").stdout
    )
    backtest = json.loads(
        invoke(
            "backtest", "--config", str(demo.config_path), "--current", str(demo.config_path),
            "--period", "2026-11", "--format", "json",
        ).stdout
    )  # fmt: skip
    assert report["total"]["tickets"] > 0
    assert report["total"] == backtest["current"]["total"]
    assert report["empty_reason"] is None
    page = invoke(
        "report", "--config", str(demo.config_path), "--period", "2026-09", "--format", "html"
    ).stdout
    assert "No goals configured." not in page and "No credit rules apply" not in page
    created = sorted(
        t["created_at"][:10]
        for t in lines(invoke("export", "tickets", "--config", str(demo.config_path)).stdout)
    )
    assert created[0] >= "2026-11-07"  # the demo's 30 days before 7 December
    assert f"the store&#x27;s 90 tickets were created {created[0]}..{created[-1]}" in page


def test_an_output_that_cannot_be_written_exits_2_naming_it(
    demo: DemoResult, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "tickets.jsonl"
    result = invoke("export", "tickets", "--config", str(demo.config_path), "-o", str(target))
    assert result.exit_code == 2
    assert f"--output: cannot write {target}" in result.stderr
