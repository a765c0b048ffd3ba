"""POLICY.md §2 normalized ticket: status timeline, ignored keys, per-ticket errors, UTC output."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from spec_helpers import Evaluator, agent, policy_file, status, ticket, utc

# resolution keeps the default pause_on [pending], so the status timeline shows in its clock.
RESOLUTION_4H = policy_file({"default": {"first_response": "4h", "resolution": "4h"}})


def resolution(out: Any) -> Any:
    return out["metrics"]["resolution"]


def test_with_no_status_event_the_ticket_was_in_its_status_since_created_at(
    sla: Evaluator,
) -> None:
    # Pending since 10:00: the resolution clock never ran.
    out = sla.one(RESOLUTION_4H, ticket("10:00", status="pending"), "12:00")
    metric = resolution(out)
    assert metric["status"] == "paused"
    assert metric["elapsed_seconds"] == 0
    assert metric["remaining_seconds"] == 14400
    assert metric["due_at"] is None


def test_before_the_first_status_event_the_ticket_was_new(sla: Evaluator) -> None:
    # new 10:00-11:00 counts (3600), pending from 11:00 does not.
    out = sla.one(RESOLUTION_4H, ticket("10:00", status("11:00", "pending")), "12:00")
    metric = resolution(out)
    assert metric["status"] == "paused"
    assert metric["elapsed_seconds"] == 3600
    assert metric["remaining_seconds"] == 10800
    assert metric["due_at"] is None


def test_a_status_disagreeing_with_the_last_status_event_changed_at_updated_at(
    sla: Evaluator,
) -> None:
    # Last event says open (10:00); the ticket says pending, updated 11:00 -> pending from 11:00.
    data = ticket("10:00", status("10:00", "open"), status="pending", updated="11:00")
    metric = resolution(sla.one(RESOLUTION_4H, data, "12:00"))
    assert metric["status"] == "paused"
    assert metric["elapsed_seconds"] == 3600


def test_a_solved_status_without_its_event_stops_the_clock_at_updated_at(
    sla: Evaluator,
) -> None:
    data = ticket("10:00", status("10:00", "open"), status="solved", updated="11:00")
    metric = resolution(sla.one(RESOLUTION_4H, data, "12:00"))
    assert metric["status"] == "achieved"
    assert metric["stopped_at"] == utc("11:00")
    assert metric["elapsed_seconds"] == 3600
    assert metric["remaining_seconds"] == 10800


def test_events_after_now_are_ignored(sla: Evaluator) -> None:
    # The agent reply at 13:00 has not happened yet at 12:00.
    data = ticket("10:00", status("10:00", "open"), agent("13:00"), updated="13:00")
    metric = sla.one(RESOLUTION_4H, data, "12:00")["metrics"]["first_response"]
    assert metric["status"] == "active"
    assert metric["stopped_at"] is None
    assert metric["elapsed_seconds"] == 7200
    assert metric["remaining_seconds"] == 7200


def test_a_pending_event_after_now_does_not_pause_the_clock(sla: Evaluator) -> None:
    data = ticket(
        "10:00", status("10:00", "open"), status("13:00", "pending"), status="open", updated="11:00"
    )
    metric = resolution(sla.one(RESOLUTION_4H, data, "12:00"))
    assert metric["status"] == "active"
    assert metric["elapsed_seconds"] == 7200


def test_unknown_keys_are_kept_and_ignored(sla: Evaluator) -> None:
    plain = ticket("10:00", status("10:00", "open"), agent("10:30"))
    decorated = json.loads(json.dumps(plain))
    decorated["sentiment"] = {"score": 0.4}
    decorated["customer"]["plan"] = "gold"
    decorated["events"][1]["via"] = "web"
    assert sla.one(RESOLUTION_4H, decorated, "12:00") == sla.one(RESOLUTION_4H, plain, "12:00")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("created_at", None),  # missing
        ("status", None),  # missing
        ("created_at", "yesterday afternoon"),  # unparsable
        ("updated_at", "2025-13-45T99:00:00Z"),  # unparsable
    ],
)
def test_a_bad_ticket_is_an_input_error_naming_the_ticket_and_the_key(
    sla: Evaluator, key: str, value: str | None
) -> None:
    data = ticket("10:00", id="bad-77")
    if value is None:
        del data[key]
    else:
        data[key] = value
    outcome = sla.run(RESOLUTION_4H, data, "12:00")
    assert outcome.exit_code == 2
    assert "bad-77" in outcome.stderr
    assert key in outcome.stderr


def test_an_unparsable_event_timestamp_names_the_ticket_and_the_key(sla: Evaluator) -> None:
    data = ticket("10:00", agent("10:30"), id="bad-78")
    data["events"][0]["at"] = "half past ten"
    outcome = sla.run(RESOLUTION_4H, data, "12:00")
    assert outcome.exit_code == 2
    assert "bad-78" in outcome.stderr
    assert re.search(r"\bat\b", outcome.stderr.replace("bad-78", "")), outcome.stderr


def test_a_bad_ticket_in_an_array_does_not_stop_the_others(sla: Evaluator) -> None:
    bad = ticket("10:00", id="broken")
    del bad["created_at"]
    tickets = [ticket("10:00", id="first"), bad, ticket("11:00", id="last")]
    outcome = sla.run(RESOLUTION_4H, tickets, "12:00")
    # An input error: exit 2, the error on stderr naming the ticket and the key...
    assert outcome.exit_code == 2
    assert "broken" in outcome.stderr
    assert "created_at" in outcome.stderr
    # ...and the other tickets are still evaluated, in order.
    results = {item.get("ticket"): item for item in outcome.json}
    assert results["first"]["metrics"]["resolution"]["elapsed_seconds"] == 7200  # 10:00-12:00
    assert results["last"]["metrics"]["resolution"]["elapsed_seconds"] == 3600  # 11:00-12:00
    assert [item.get("ticket") for item in outcome.json if item.get("ticket") != "broken"] == [
        "first",
        "last",
    ]


def test_timestamps_with_offsets_are_output_in_utc_with_z(sla: Evaluator) -> None:
    data = ticket("10:00", id="tz")
    data["created_at"] = "2025-03-03T11:00:00+01:00"  # = 10:00Z
    data["updated_at"] = "2025-03-03T05:00:00-05:00"  # = 10:00Z
    data["events"] = [
        {"at": "2025-03-03T12:30:00+02:00", "type": "reply", "author": "agent", "public": True}
    ]
    out = sla.one(RESOLUTION_4H, data, "2025-03-03T13:00:00+02:00")  # now = 11:00Z
    assert out["evaluated_at"] == "2025-03-03T11:00:00Z"
    first = out["metrics"]["first_response"]
    assert first["started_at"] == "2025-03-03T10:00:00Z"
    assert first["stopped_at"] == "2025-03-03T10:30:00Z"  # 12:30+02:00
    assert first["due_at"] == "2025-03-03T14:00:00Z"
    assert first["elapsed_seconds"] == 1800
