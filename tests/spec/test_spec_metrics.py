"""POLICY.md §3 metrics and clocks: responses, resolution, pauses, target changes, reopen."""

from __future__ import annotations

from typing import Any

import pytest
from spec_helpers import Evaluator, agent, customer, policy_file, priority, status, ticket, utc

RESPONSES = policy_file(
    {"default": {"first_response": "1h", "next_response": "30m", "resolution": "4h"}}
)


def metric(out: Any, name: str) -> Any:
    return out["metrics"][name]


def without_cycles(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "cycles"}


def test_first_response_stops_only_at_the_first_public_agent_reply(sla: Evaluator) -> None:
    data = ticket("10:00", agent("10:10", public=False), customer("10:20"), agent("10:30"))
    first = metric(sla.one(RESPONSES, data, "12:00"), "first_response")
    assert first["status"] == "achieved"
    assert first["started_at"] == utc("10:00")
    assert first["stopped_at"] == utc("10:30")
    assert first["elapsed_seconds"] == 1800
    assert first["remaining_seconds"] == 1800
    assert first["due_at"] == utc("11:00")
    assert first["breached_at"] is None
    assert len(first["cycles"]) == 1


def test_first_response_is_not_paused_by_pending_by_default(sla: Evaluator) -> None:
    data = ticket("10:00", status("10:10", "pending"))
    first = metric(sla.one(RESPONSES, data, "10:40"), "first_response")
    assert first["status"] == "active"
    assert first["elapsed_seconds"] == 2400


def test_next_response_runs_one_cycle_per_customer_wait(sla: Evaluator) -> None:
    data = ticket(
        "10:00",
        customer("10:02"),  # before any public agent reply: no next_response cycle
        agent("10:05"),
        customer("10:10"),  # cycle 1 starts (the oldest unanswered)
        customer("10:15"),
        agent("10:20", public=False),  # a private note answers nobody
        agent("10:50"),  # cycle 1 stops: 40 min > 30 min -> breached at 10:40
        customer("11:00"),  # cycle 2
        agent("11:20"),  # 20 min -> achieved
        customer("11:40"),  # cycle 3, still waiting at 12:00
    )
    out = sla.one(RESPONSES, data, "12:00")
    nxt = metric(out, "next_response")
    cycles = nxt["cycles"]
    assert [cycle["started_at"] for cycle in cycles] == [utc("10:10"), utc("11:00"), utc("11:40")]
    first, second, third = cycles
    assert first["status"] == "breached"
    assert first["stopped_at"] == utc("10:50")
    assert first["due_at"] == first["breached_at"] == utc("10:40")
    assert first["elapsed_seconds"] == 2400
    assert first["remaining_seconds"] == -600
    assert second["status"] == "achieved"
    assert second["stopped_at"] == utc("11:20")
    assert second["due_at"] == utc("11:30")
    assert second["breached_at"] is None
    assert (second["elapsed_seconds"], second["remaining_seconds"]) == (1200, 600)
    assert third["status"] == "active"
    assert third["stopped_at"] is None
    assert third["due_at"] == utc("12:10")
    assert (third["elapsed_seconds"], third["remaining_seconds"]) == (1200, 600)
    assert third["at_risk"] is False  # 1200/1800 = 67% < 75%
    # The metric's top level is its latest cycle; the ticket is breached by cycle 1.
    assert without_cycles(nxt) == third
    assert out["breached"] is True


def test_resolution_pauses_while_pending_by_default(sla: Evaluator) -> None:
    # Counted 10:00-11:00 and 13:00-14:00; 2h left from 14:00 -> due 16:00.
    data = ticket("10:00", status("11:00", "pending"), status("13:00", "open"))
    res = metric(sla.one(RESPONSES, data, "14:00"), "resolution")
    assert res["status"] == "active"
    assert res["elapsed_seconds"] == 7200
    assert res["remaining_seconds"] == 7200
    assert res["due_at"] == utc("16:00")


def test_resolution_is_not_paused_on_hold_by_default(sla: Evaluator) -> None:
    data = ticket("10:00", status("11:00", "on_hold"), status("13:00", "open"))
    res = metric(sla.one(RESPONSES, data, "13:30"), "resolution")
    assert res["elapsed_seconds"] == 12600  # 10:00-13:30 all counted
    assert res["due_at"] == utc("14:00")


def test_an_explicit_pause_on_replaces_the_default(sla: Evaluator) -> None:
    policy = policy_file({"default": {"resolution": {"within": "4h", "pause_on": ["on_hold"]}}})
    data = ticket("10:00", status("11:00", "pending"), status("13:00", "open"))
    res = metric(sla.one(policy, data, "13:30"), "resolution")
    assert res["elapsed_seconds"] == 12600  # pending no longer pauses
    assert res["due_at"] == utc("14:00")


def test_first_response_may_pause_on_a_status_when_configured(sla: Evaluator) -> None:
    # 10:00-10:20 counted (20 min), paused 10:20-11:00, runs again: 40 min left -> due 11:40.
    policy = policy_file({"default": {"first_response": {"within": "1h", "pause_on": ["pending"]}}})
    data = ticket("10:00", status("10:20", "pending"), status("11:00", "open"))
    first = metric(sla.one(policy, data, "11:10"), "first_response")
    assert first["elapsed_seconds"] == 1800
    assert first["remaining_seconds"] == 1800
    assert first["due_at"] == utc("11:40")


def test_solving_stops_a_running_first_response_as_achieved_before_due(sla: Evaluator) -> None:
    data = ticket("10:00", status("10:30", "solved"))
    out = sla.one(RESPONSES, data, "12:00")
    first = metric(out, "first_response")
    assert first["status"] == "achieved"
    assert first["stopped_at"] == utc("10:30")
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (1800, 1800)
    res = metric(out, "resolution")
    assert res["status"] == "achieved"
    assert res["stopped_at"] == utc("10:30")
    assert out["breached"] is False


def test_solving_after_due_stops_first_response_as_breached(sla: Evaluator) -> None:
    data = ticket("10:00", status("11:30", "solved"))
    first = metric(sla.one(RESPONSES, data, "12:00"), "first_response")
    assert first["status"] == "breached"
    assert first["stopped_at"] == utc("11:30")
    assert first["due_at"] == first["breached_at"] == utc("11:00")
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (5400, -1800)


def test_closing_stops_a_running_next_response_cycle(sla: Evaluator) -> None:
    data = ticket("10:00", agent("10:05"), customer("10:10"), status("10:20", "closed"))
    nxt = metric(sla.one(RESPONSES, data, "12:00"), "next_response")
    assert nxt["status"] == "achieved"
    assert nxt["started_at"] == utc("10:10")
    assert nxt["stopped_at"] == utc("10:20")
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (600, 1200)


TIERED = policy_file(
    {
        "urgent": {"first_response": "15m"},
        "high": {"first_response": "1h"},
        "default": {"first_response": "4h"},
    }
)


def test_raising_to_urgent_applies_the_new_target_from_the_start_and_may_breach_at_once(
    sla: Evaluator,
) -> None:
    # Created 10:00 normal (4h); raised to urgent at 11:00 -> 15m from 10:00: due 10:15.
    data = ticket("10:00", priority("11:00", "urgent"), priority="urgent")
    out = sla.one(TIERED, data, "11:05")
    first = metric(out, "first_response")
    assert first["target_seconds"] == 900
    assert first["status"] == "breached"
    assert first["due_at"] == first["breached_at"] == utc("10:15")
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3900, -3000)
    assert out["breached"] is True


def test_raising_the_priority_before_the_new_target_keeps_the_cycle_running(
    sla: Evaluator,
) -> None:
    data = ticket("10:00", priority("10:20", "high"), priority="high")
    first = metric(sla.one(TIERED, data, "10:30"), "first_response")
    assert first["target_seconds"] == 3600
    assert first["status"] == "active"
    assert first["due_at"] == utc("11:00")
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (1800, 1800)


REOPENED = (status("10:00", "open"), status("11:00", "solved"), status("13:00", "open"))


def test_reopen_resume_continues_the_resolution_clock_without_the_solved_time(
    sla: Evaluator,
) -> None:
    policy = policy_file({"default": {"resolution": "4h"}}, settings={"reopen": "resume"})
    res = metric(sla.one(policy, ticket("10:00", *REOPENED), "14:00"), "resolution")
    # 10:00-11:00 + 13:00-14:00 = 2h used; 2h left from 14:00 -> due 16:00.
    assert len(res["cycles"]) == 1
    assert res["status"] == "active"
    assert res["started_at"] == utc("10:00")
    assert res["stopped_at"] is None
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (7200, 7200)
    assert res["due_at"] == utc("16:00")


def test_reopen_new_cycle_records_the_old_cycle_and_starts_a_full_one(sla: Evaluator) -> None:
    policy = policy_file({"default": {"resolution": "4h"}}, settings={"reopen": "new_cycle"})
    out = sla.one(policy, ticket("10:00", *REOPENED), "14:00")
    res = metric(out, "resolution")
    old, new = res["cycles"]
    assert old["status"] == "achieved"
    assert (old["started_at"], old["stopped_at"]) == (utc("10:00"), utc("11:00"))
    assert (old["elapsed_seconds"], old["remaining_seconds"]) == (3600, 10800)
    assert old["due_at"] == utc("14:00")
    assert new["status"] == "active"
    assert (new["started_at"], new["stopped_at"]) == (utc("13:00"), None)
    assert new["target_seconds"] == 14400
    assert (new["elapsed_seconds"], new["remaining_seconds"]) == (3600, 10800)
    assert new["due_at"] == utc("17:00")
    assert without_cycles(res) == new
    assert out["breached"] is False


FIRST_1H = policy_file({"default": {"first_response": "1h"}})


def test_a_stop_exactly_at_due_at_achieves(sla: Evaluator) -> None:
    first = metric(sla.one(FIRST_1H, ticket("10:00", agent("11:00")), "12:00"), "first_response")
    assert first["status"] == "achieved"
    assert first["breached_at"] is None
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3600, 0)


def test_a_stop_one_second_after_due_at_breaches_at_due_at(sla: Evaluator) -> None:
    first = metric(sla.one(FIRST_1H, ticket("10:00", agent("11:00:01")), "12:00"), "first_response")
    assert first["status"] == "breached"
    assert first["due_at"] == first["breached_at"] == utc("11:00")
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3601, -1)


def test_a_running_cycle_is_not_breached_while_now_is_exactly_due_at(sla: Evaluator) -> None:
    out = sla.one(FIRST_1H, ticket("10:00"), "11:00")
    first = metric(out, "first_response")
    assert first["status"] == "active"
    assert first["breached_at"] is None
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3600, 0)
    assert out["breached"] is False


def test_a_running_cycle_is_breached_once_now_is_past_due_at(sla: Evaluator) -> None:
    out = sla.one(FIRST_1H, ticket("10:00"), "11:00:01")
    first = metric(out, "first_response")
    assert first["status"] == "breached"
    assert first["stopped_at"] is None
    assert first["due_at"] == first["breached_at"] == utc("11:00")
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3601, -1)
    assert out["breached"] is True


def test_a_stopped_cycles_due_at_counts_only_the_pauses_before_its_stop(sla: Evaluator) -> None:
    # Counted 10:00-10:30 and 11:30-12:00 = 1h; paused 10:30-11:30; solved 12:00.
    # Due = 10:00 + 4h + the 1h pause = 15:00.
    data = ticket(
        "10:00", status("10:30", "pending"), status("11:30", "open"), status("12:00", "solved")
    )
    res = metric(sla.one(RESPONSES, data, "18:00"), "resolution")
    assert res["status"] == "achieved"
    assert res["stopped_at"] == utc("12:00")
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (3600, 10800)
    assert res["due_at"] == utc("15:00")


def test_a_cycle_paused_after_its_target_is_breached_at_due_at(sla: Evaluator) -> None:
    # 1h target, pending only from 11:30: the target was reached at 11:00.
    policy = policy_file({"default": {"resolution": "1h"}})
    out = sla.one(policy, ticket("10:00", status("11:30", "pending")), "12:00")
    res = metric(out, "resolution")
    assert res["status"] == "breached"
    assert res["due_at"] == res["breached_at"] == utc("11:00")
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (5400, -1800)
    assert out["breached"] is True


@pytest.mark.parametrize("stopping_status", ["solved", "closed"])
def test_solving_or_closing_stops_resolution(sla: Evaluator, stopping_status: str) -> None:
    data = ticket("10:00", status("10:45", stopping_status))
    res = metric(sla.one(RESPONSES, data, "20:00"), "resolution")
    assert res["status"] == "achieved"
    assert res["stopped_at"] == utc("10:45")
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (2700, 11700)


def test_later_evaluations_report_the_same_single_breach(sla: Evaluator) -> None:
    # 1h first response, unanswered: breached at 11:00 whether evaluated at 11:05 or next day.
    for now in ("11:05", "2025-03-04 09:00"):
        first = metric(sla.one(FIRST_1H, ticket("10:00"), now), "first_response")
        assert len(first["cycles"]) == 1
        assert first["status"] == "breached"
        assert first["breached_at"] == utc("11:00")
