"""POLICY.md §4 `slabridge evaluate`: the worked example, output shapes, at-risk, I/O and exits."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from spec_helpers import (
    CYCLE_KEYS,
    EVALUATION_KEYS,
    METRIC_KEYS,
    SETTINGS,
    SPEC_NOW,
    SPEC_POLICY,
    SPEC_TICKET,
    Evaluator,
    agent,
    customer,
    policy_file,
    status,
    ticket,
    utc,
)

# The first_response object exactly as §4 prints it.
SPEC_FIRST_RESPONSE = {
    "status": "breached",
    "calendar": "always",
    "target_seconds": 3600,
    "started_at": "2025-03-07T16:30:00Z",
    "stopped_at": "2025-03-10T08:05:00Z",
    "due_at": "2025-03-07T17:30:00Z",
    "breached_at": "2025-03-07T17:30:00Z",
    "elapsed_seconds": 228900,
    "remaining_seconds": -225300,
    "at_risk": False,
}


def check_shape(evaluation: dict[str, Any]) -> None:
    assert set(evaluation) == EVALUATION_KEYS
    for data in evaluation["metrics"].values():
        assert set(data) == METRIC_KEYS
        assert data["cycles"], "a metric present has at least one cycle"
        for cycle in data["cycles"]:
            assert set(cycle) == CYCLE_KEYS
            assert cycle["status"] in {"active", "paused", "achieved", "breached"}
            for key in ("target_seconds", "elapsed_seconds", "remaining_seconds"):
                assert type(cycle[key]) is int
            assert type(cycle["at_risk"]) is bool
        assert {k: v for k, v in data.items() if k != "cycles"} == data["cycles"][-1]


def test_the_worked_example_prints_the_specified_first_response(sla: Evaluator) -> None:
    out = sla.one(SPEC_POLICY, SPEC_TICKET, SPEC_NOW)
    check_shape(out)
    assert out["ticket"] == "4821"
    assert out["policy"] == "enterprise"
    assert out["evaluated_at"] == "2025-03-10T12:00:00Z"
    assert out["breached"] is True
    assert out["at_risk"] is False
    first = out["metrics"]["first_response"]
    assert {k: v for k, v in first.items() if k != "cycles"} == SPEC_FIRST_RESPONSE
    assert first["cycles"] == [SPEC_FIRST_RESPONSE]


def test_the_worked_example_next_response_and_resolution_follow_the_same_rules(
    sla: Evaluator,
) -> None:
    out = sla.one(SPEC_POLICY, SPEC_TICKET, SPEC_NOW)
    # Now urgent: next_response 30m. The customer replied at 11:00 after the 08:05 agent reply
    # and is unanswered: due 11:30, past at 12:00 -> breached; 11:00-12:00 = 3600 s.
    nxt = out["metrics"]["next_response"]
    assert (nxt["status"], nxt["calendar"], nxt["target_seconds"]) == ("breached", "always", 1800)
    assert (nxt["started_at"], nxt["stopped_at"]) == ("2025-03-10T11:00:00Z", None)
    assert nxt["due_at"] == nxt["breached_at"] == "2025-03-10T11:30:00Z"
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (3600, -1800)
    # resolution 4h (urgent), paused while pending 09:00-11:00. Counted Fri 16:30 -> Mon 09:00
    # (64.5h = 232200 s) + 11:00-12:00 (3600) = 235800. Target reached Fri 20:30, before any pause.
    res = out["metrics"]["resolution"]
    assert (res["status"], res["calendar"], res["target_seconds"]) == ("breached", "always", 14400)
    assert (res["started_at"], res["stopped_at"]) == ("2025-03-07T16:30:00Z", None)
    assert res["due_at"] == res["breached_at"] == "2025-03-07T20:30:00Z"
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (235800, 14400 - 235800)


def spec_ticket(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(SPEC_TICKET))
    data["events"] = []
    data.update(changes)
    return data


def test_the_example_payments_policy_uses_the_new_york_calendar_for_amer(sla: Evaluator) -> None:
    # Not enterprise; payments + high. Created Mon 13:00Z = 08:00 EST; NY opens 09:00 EST = 14:00Z;
    # 2h -> 16:00Z. At 15:00Z: 1h used.
    data = spec_ticket(
        created_at="2025-03-03T13:00:00Z",
        updated_at="2025-03-03T13:00:00Z",
        customer={"id": "o", "tier": "pro", "region": "amer"},
    )
    out = sla.one(SPEC_POLICY, data, "2025-03-03T15:00:00Z")
    check_shape(out)
    assert out["policy"] == "payments"
    assert set(out["metrics"]) == {"first_response"}  # a metric with no target is absent
    first = out["metrics"]["first_response"]
    assert first["calendar"] == "new_york"
    assert first["target_seconds"] == 7200
    assert first["due_at"] == "2025-03-03T16:00:00Z"
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3600, 3600)


def test_the_example_enterprise_default_measures_resolution_on_berlin(sla: Evaluator) -> None:
    # Normal priority -> default: first_response 4h on always, resolution 3d = 72h on berlin.
    # Created Mon 2025-03-03 08:00Z = 09:00 CET. berlin: 7h Mon-Fri, 4h Sat; Sat 8 March is
    # Women's Day in Berlin (closed). Week 1: 35h; week 2 Mon-Fri: 70h; Sat 15 10:00-12:00 -> 72h.
    # Due Sat 15 March 12:00 CET = 11:00Z.
    data = spec_ticket(
        created_at="2025-03-03T08:00:00Z", updated_at="2025-03-03T08:00:00Z", priority="normal"
    )
    out = sla.one(SPEC_POLICY, data, "2025-03-03T10:00:00Z")
    assert out["policy"] == "enterprise"
    first, res = out["metrics"]["first_response"], out["metrics"]["resolution"]
    assert (first["calendar"], first["due_at"]) == ("always", "2025-03-03T12:00:00Z")
    assert (res["calendar"], res["target_seconds"]) == ("berlin", 259200)
    assert res["due_at"] == "2025-03-15T11:00:00Z"
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (7200, 252000)
    assert "next_response" not in out["metrics"]


def test_the_example_standard_policy_on_berlin(sla: Evaluator) -> None:
    # Free tier, no product. Created Mon 2025-03-03 08:00Z = 09:00 CET.
    # first_response 8h: Mon 7h (09-12, 13-17) + Tue 09:00-10:00 CET -> Tue 09:00Z.
    # resolution 5d = 120h: week 1 35h, Sat 8 closed, week 2 35h + Sat 15 4h = 74h,
    # week 3 35h + Sat 22 4h = 113h, Mon 24 7h = 120h exactly at 17:00 CET closing = 16:00Z.
    data = spec_ticket(
        created_at="2025-03-03T08:00:00Z",
        updated_at="2025-03-03T08:00:00Z",
        priority="low",
        product=None,
        customer={"id": "o", "tier": "free", "region": "emea"},
    )
    out = sla.one(SPEC_POLICY, data, "2025-03-03T08:30:00Z")
    assert out["policy"] == "standard"
    first, res = out["metrics"]["first_response"], out["metrics"]["resolution"]
    assert first["calendar"] == res["calendar"] == "berlin"
    assert first["due_at"] == "2025-03-04T09:00:00Z"
    assert res["target_seconds"] == 432000
    assert res["due_at"] == "2025-03-24T16:00:00Z"


def test_a_ticket_no_policy_matches_prints_policy_null_and_no_metrics(sla: Evaluator) -> None:
    policy = policy_file({"default": {"first_response": "1h"}}, match={"source": "jira"})
    out = sla.one(policy, ticket("10:00", id="lonely"), "12:00")
    assert out["ticket"] == "lonely"
    assert out["policy"] is None
    assert not out.get("metrics")
    assert out["breached"] is False
    assert out["at_risk"] is False


FIRST_1H = policy_file({"default": {"first_response": "1h"}})


@pytest.mark.parametrize(
    ("now", "at_risk"),
    [("10:44:59", False), ("10:45", True), ("10:59", True), ("11:00:01", False)],
)
def test_a_cycle_is_at_risk_once_warn_at_of_its_target_is_used(
    sla: Evaluator, now: str, at_risk: bool
) -> None:
    # 75% of 1h = 45 min -> from 10:45; breached (after 11:00) is no longer "at risk".
    out = sla.one(FIRST_1H, ticket("10:00"), now)
    assert out["metrics"]["first_response"]["at_risk"] is at_risk
    assert out["at_risk"] is at_risk


@pytest.mark.parametrize(("now", "at_risk"), [("10:29:59", False), ("10:30", True)])
def test_a_cycle_is_at_risk_with_at_most_warn_before_left(
    sla: Evaluator, now: str, at_risk: bool
) -> None:
    settings = {key: value for key, value in SETTINGS.items() if key != "warn_at"}
    policy = policy_file({"default": {"first_response": "1h"}})
    policy["settings"] = {**settings, "warn_before": "30m"}
    out = sla.one(policy, ticket("10:00"), now)
    assert out["metrics"]["first_response"]["at_risk"] is at_risk
    assert out["at_risk"] is at_risk


def test_a_stopped_cycle_is_never_at_risk(sla: Evaluator) -> None:
    out = sla.one(FIRST_1H, ticket("10:00", agent("10:50")), "10:55")
    assert out["metrics"]["first_response"]["status"] == "achieved"
    assert out["metrics"]["first_response"]["at_risk"] is False
    assert out["at_risk"] is False


def test_a_paused_cycle_can_be_at_risk_and_has_no_due_at(sla: Evaluator) -> None:
    # 1h resolution; pending from 10:48 (48 min = 80% used). Paused short of target: due_at null.
    policy = policy_file({"default": {"resolution": "1h"}})
    out = sla.one(policy, ticket("10:00", status("10:48", "pending")), "11:30")
    res = out["metrics"]["resolution"]
    assert res["status"] == "paused"
    assert res["due_at"] is None
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (2880, 720)
    assert res["at_risk"] is True
    assert out["at_risk"] is True
    assert out["breached"] is False


def test_the_ticket_is_at_risk_when_any_cycle_is(sla: Evaluator) -> None:
    # first_response achieved at 10:05; next_response (30m) waiting since 10:10: 25 min = 83%.
    policy = policy_file(
        {"default": {"first_response": "1h", "next_response": "30m", "resolution": "8h"}}
    )
    data = ticket("10:00", agent("10:05"), customer("10:10"))
    out = sla.one(policy, data, "10:35")
    check_shape(out)
    assert out["metrics"]["first_response"]["at_risk"] is False
    assert out["metrics"]["resolution"]["at_risk"] is False
    assert out["metrics"]["next_response"]["at_risk"] is True
    assert out["at_risk"] is True
    assert out["breached"] is False


def test_metrics_without_a_target_are_absent(sla: Evaluator) -> None:
    policy = policy_file({"default": {"first_response": "1h"}})
    data = ticket("10:00", agent("10:05"), customer("10:10"))
    out = sla.one(policy, data, "10:35")
    assert set(out["metrics"]) == {"first_response"}


def test_ticket_minus_reads_standard_input(sla: Evaluator) -> None:
    outcome = sla.run(FIRST_1H, ticket("10:00", id="from-stdin"), "10:30", stdin=True)
    assert outcome.exit_code == 0, outcome.stderr
    out = outcome.json
    assert out["ticket"] == "from-stdin"
    assert out["metrics"]["first_response"]["elapsed_seconds"] == 1800


def test_an_array_of_tickets_gives_an_array_of_results_in_order(sla: Evaluator) -> None:
    tickets = [ticket("10:00", id="a"), ticket("11:00", id="b"), ticket("09:00", id="c")]
    outcome = sla.run(FIRST_1H, tickets, "11:30")
    assert outcome.exit_code == 0, outcome.stderr
    results = outcome.json
    assert isinstance(results, list)
    assert [item["ticket"] for item in results] == ["a", "b", "c"]
    for item in results:
        check_shape(item)
    statuses = [item["metrics"]["first_response"]["status"] for item in results]
    assert statuses == ["breached", "active", "breached"]


def test_a_one_element_array_still_gives_an_array(sla: Evaluator) -> None:
    outcome = sla.run(FIRST_1H, [ticket("10:00", id="solo")], "10:30")
    assert outcome.exit_code == 0, outcome.stderr
    assert [item["ticket"] for item in outcome.json] == ["solo"]


def test_now_defaults_to_the_current_time(sla: Evaluator) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    outcome = sla.run(FIRST_1H, ticket("10:00"), None)
    after = datetime.now(UTC)
    assert outcome.exit_code == 0, outcome.stderr
    evaluated = outcome.json["evaluated_at"]
    assert evaluated.endswith("Z")
    moment = datetime.fromisoformat(evaluated.replace("Z", "+00:00"))
    assert before <= moment <= after
    # created 2025-03-03 10:00, long before today: the 1h first response is breached.
    assert outcome.json["metrics"]["first_response"]["status"] == "breached"


def test_a_breached_ticket_still_exits_0(sla: Evaluator) -> None:
    outcome = sla.run(FIRST_1H, ticket("10:00"), "15:00")
    assert outcome.exit_code == 0
    assert outcome.json["breached"] is True


def test_a_ticket_that_is_not_json_exits_2_with_the_error_on_stderr(sla: Evaluator) -> None:
    outcome = sla.run(FIRST_1H, "{not json", "10:30")
    assert outcome.exit_code == 2
    assert outcome.stdout.strip() == ""
    assert outcome.stderr.strip()


SLABRIDGE = Path(sys.executable).parent / "slabridge"


def run_binary(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLABRIDGE), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_installed_command_prints_the_worked_example(tmp_path: Path) -> None:
    config = tmp_path / "slabridge.yaml"
    config.write_text(SPEC_POLICY, encoding="utf-8")
    ticket_file = tmp_path / "ticket.json"
    ticket_file.write_text(json.dumps(SPEC_TICKET), encoding="utf-8")
    done = run_binary(
        "evaluate", "--config", str(config), "--ticket", str(ticket_file), "--now", SPEC_NOW
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    first = out["metrics"]["first_response"]
    assert {k: v for k, v in first.items() if k != "cycles"} == SPEC_FIRST_RESPONSE
    assert (out["policy"], out["breached"], out["at_risk"]) == ("enterprise", True, False)


def test_the_installed_command_exits_2_on_a_config_error_with_it_on_stderr(
    tmp_path: Path,
) -> None:
    config = tmp_path / "slabridge.yaml"
    config.write_text(SPEC_POLICY.replace("first_response: 1h,", "first_response: 1 hour,"))
    ticket_file = tmp_path / "ticket.json"
    ticket_file.write_text(json.dumps(SPEC_TICKET), encoding="utf-8")
    done = run_binary(
        "evaluate", "--config", str(config), "--ticket", str(ticket_file), "--now", SPEC_NOW
    )
    assert done.returncode == 2
    assert done.stdout.strip() == ""
    expected = "policies[0].targets.high.first_response: '1 hour' is not a duration (try 1h)"
    assert expected in done.stderr


@pytest.mark.parametrize(("now", "at_risk"), [("17:00", False), ("2025-03-04 10:00", True)])
def test_warn_before_counts_what_is_left_on_the_metrics_calendar(
    sla: Evaluator, now: str, at_risk: bool
) -> None:
    # Office 09-17, 4h from Mon 15:00. Mon 17:00: 2h left (> 1h). Tue 10:00: 1h left (<= 1h).
    settings = {key: value for key, value in SETTINGS.items() if key != "warn_at"}
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="office")
    policy["settings"] = {**settings, "warn_before": "1h"}
    first = sla.one(policy, ticket("15:00"), now)["metrics"]["first_response"]
    assert first["at_risk"] is at_risk
    assert first["due_at"] == utc("2025-03-04 11:00")
