"""`slabridge backtest`: the same tickets under the current and a proposed policy."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from slabridge.cli import cli


def proposed(workdir: Path, *, with_goals: bool = True) -> Path:
    """A looser policy: first response 2h, resolution 12h."""
    text = (workdir / "slabridge.yaml").read_text(encoding="utf-8")
    text = text.replace("first_response: 1h, resolution: 8h", "first_response: 2h, resolution: 12h")
    if not with_goals:
        text = text.split("goals:")[0]
    path = workdir / "proposed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(workdir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["backtest", "--current", str(workdir / "slabridge.yaml"), *args],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_json_shows_both_sides_and_the_tickets_whose_outcome_changes(workdir: Path) -> None:
    code, out, _ = run(
        workdir,
        "--config",
        str(proposed(workdir)),
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["tickets"] == 6
    current, future = data["current"]["total"], data["proposed"]["total"]
    assert (current["achieved"], current["breached"]) == (4, 2)
    # T2 answered in exactly 2h (a stop at the due time achieves it) and solved in 10h < 12h.
    assert (future["achieved"], future["breached"]) == (6, 0)
    (change,) = data["changes"]
    assert change["ticket"] == "T2"
    assert change["current"] == {"first_response": ["breached"], "resolution": ["breached"]}
    assert change["proposed"] == {"first_response": ["achieved"], "resolution": ["achieved"]}
    assert change["summary"] == (
        "first_response: breached → achieved; resolution: breached → achieved"
    )
    credits = {c["customer"]: c["credit_percent"] for c in data["current"]["credits"]}
    assert credits["zendesk:A"] == 20.0
    credits = {c["customer"]: c["credit_percent"] for c in data["proposed"]["credits"]}
    assert credits["zendesk:A"] == 0.0


def test_a_proposed_file_without_goals_and_credits_is_judged_by_the_current_ones(
    workdir: Path,
) -> None:
    code, out, _ = run(
        workdir,
        "--config",
        str(proposed(workdir, with_goals=False)),
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert [g["goal"] for g in data["proposed"]["goals"]] == [
        g["goal"] for g in data["current"]["goals"]
    ]
    assert {c["rule"] for c in data["proposed"]["credits"]} == {"tiers.enterprise", "customers.B"}


def test_text_output_lists_groups_credits_and_changed_tickets(workdir: Path) -> None:
    code, out, _ = run(
        workdir,
        "--config",
        str(proposed(workdir)),
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--by",
        "tier",
    )
    assert code == 0
    assert "Backtest 2026-10: 6 tickets replayed" in out
    assert "tier=enterprise" in out and "50.00%" in out and "100.00%" in out
    assert "1 tickets would change outcome:" in out
    assert "zendesk/T2: first_response: breached → achieved" in out


def test_csv_output_has_group_credit_and_ticket_rows(workdir: Path) -> None:
    code, out, _ = run(
        workdir,
        "--config",
        str(proposed(workdir)),
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["section"] for r in rows] == ["group", "credit", "credit", "ticket"]
    assert (rows[0]["current_achieved_percent"], rows[0]["proposed_achieved_percent"]) == (
        "66.66",
        "100.00",
    )
    assert rows[-1]["name"] == "zendesk/T2"


def test_an_invalid_proposed_file_is_reported_with_its_key_paths(workdir: Path) -> None:
    bad = proposed(workdir)
    bad.write_text(bad.read_text(encoding="utf-8").replace("12h", "12 hours"), encoding="utf-8")
    code, _out, err = run(
        workdir,
        "--config",
        str(bad),
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
    )
    assert code == 2
    assert "proposed.yaml: invalid config" in err
    assert "policies[0].targets.default.resolution" in err


def test_without_tickets_the_backtest_replays_the_stores_snapshots(
    workdir: Path, october_tickets: list[dict[str, object]]
) -> None:
    from datetime import UTC, datetime

    from slabridge.sync.store import open_store

    database = workdir / "state.db"
    config = workdir / "slabridge.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + f"state: sqlite:///{database}\n", encoding="utf-8"
    )
    store = open_store(f"sqlite:///{database}")
    moment = datetime(2026, 11, 2, tzinfo=UTC)
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [
                {
                    "connector": "zendesk-eu",
                    "ticket_id": str(data["id"]),
                    "snapshot_json": json.dumps(data),
                    "policy": "standard",
                    "is_open": False,
                    "next_instant": None,
                    "breached": False,
                    "at_risk": False,
                    "updated_at": moment,
                    "evaluated_at": moment,
                    "digest": "x",
                }
                for data in october_tickets
            ],
        )
    store.close()
    code, out, _ = run(
        workdir, "--config", str(proposed(workdir)), "--period", "2026-10", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["tickets"] == 6
    assert data["current"]["source"] == "state store ticket snapshots"
    (change,) = data["changes"]
    assert (change["connector"], change["ticket"]) == ("zendesk-eu", "T2")


def test_a_metric_the_proposal_drops_shows_as_not_measured(workdir: Path) -> None:
    text = (workdir / "slabridge.yaml").read_text(encoding="utf-8")
    dropped = workdir / "no-resolution.yaml"
    dropped.write_text(
        text.replace("first_response: 1h, resolution: 8h", "first_response: 1h"), encoding="utf-8"
    )
    code, out, _ = run(
        workdir,
        "--config",
        str(dropped),
        "--period",
        "2026-10",
        "--tickets",
        str(workdir / "tickets.jsonl"),
        "--format",
        "json",
    )
    assert code == 0
    changes = {c["ticket"]: c["summary"] for c in json.loads(out)["changes"]}
    assert changes == {
        "T1": "resolution: achieved → (not measured)",
        "T2": "resolution: breached → (not measured)",
        "T3": "resolution: achieved → (not measured)",
        "T4": "resolution: open → (not measured)",
    }
