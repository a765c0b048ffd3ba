"""POLICY.md edge cases: local-date holidays, 24x7 across DST, more errors, more cycle rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spec_helpers import (
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


def first_response(out: Any) -> Any:
    return out["metrics"]["first_response"]


def test_a_24x7_calendar_in_a_dst_zone_counts_real_seconds(sla: Evaluator) -> None:
    # Berlin jumps 02:00 -> 03:00 on 2025-03-30 (00:00Z = 01:00 CET). 4h of real time from
    # 00:00Z is 04:00Z; wall-clock counting would wrongly give 05:00 CEST = 03:00Z.
    calendars = {"ber": {"timezone": "Europe/Berlin", "hours": "24x7"}}
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="ber", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-03-30 00:00"), "2025-03-30 03:00"))
    assert metric["due_at"] == utc("2025-03-30 04:00")
    assert metric["elapsed_seconds"] == 10800


def test_holiday_dates_are_local_days_of_the_calendars_time_zone(sla: Evaluator) -> None:
    # New York (UTC-5) closed on 2025-03-04 local: 05:00Z Mar 4 to 05:00Z Mar 5.
    # Created 03:00Z Mar 4 (= 22:00 Mar 3 local, open): 2h to 05:00Z, then 2h from 05:00Z Mar 5.
    calendars = {
        "ny": {
            "timezone": "America/New_York",
            "hours": {"mon-sun": "00:00-24:00"},
            "holidays": {"dates": ["2025-03-04"]},
        }
    }
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="ny", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-03-04 03:00"), "2025-03-04 12:00"))
    assert metric["elapsed_seconds"] == 7200
    assert metric["due_at"] == utc("2025-03-05 07:00")


def test_the_spec_berlin_calendar_honours_its_special_day_extra_date_and_christmas(
    sla: Evaluator,
) -> None:
    # standard policy, first_response 8h on berlin. Created Wed 2026-12-23 08:00Z = 09:00 CET:
    # 23rd special hours 09-12 = 3h; 24th extra closed date; 25th/26th German holidays;
    # Sun closed; Mon 28th 09-12 = 3h (6h), 13-15 = 2h (8h) -> 15:00 CET = 14:00Z.
    data = dict(SPEC_TICKET, events=[], product=None, priority="low")
    data.update(
        created_at="2026-12-23T08:00:00Z",
        updated_at="2026-12-23T08:00:00Z",
        customer={"id": "o", "tier": "free", "region": "emea"},
    )
    out = sla.one(SPEC_POLICY, data, "2026-12-23T10:00:00Z")
    assert out["policy"] == "standard"
    metric = first_response(out)
    assert metric["due_at"] == "2026-12-28T14:00:00Z"
    assert metric["elapsed_seconds"] == 7200


def test_a_composite_duration_adds_its_parts(sla: Evaluator) -> None:
    # 2h15m = 7200 + 900 = 8100 s
    out = sla.one(policy_file({"default": {"first_response": "2h15m"}}), ticket("10:00"), "10:00")
    assert first_response(out)["target_seconds"] == 8100
    assert first_response(out)["due_at"] == utc("12:15")


@pytest.mark.parametrize(
    ("match", "attributes", "applies"),
    [
        ({"priority": "urgent"}, {"priority": "urgent"}, True),
        ({"priority": "urgent"}, {"priority": "high"}, False),
        ({"source": ["jira", "freshdesk"]}, {"source": "freshdesk"}, True),
        ({"source": ["jira", "freshdesk"]}, {"source": "zendesk"}, False),
        ({"tier": ["gold", "silver"]}, {"customer": {"id": "c", "tier": "silver"}}, True),
        ({"fields.region": ["emea", "apac"]}, {"fields": {"region": "apac"}}, True),
        ({"tags_any": ["vip"], "channel": "email"}, {"tags": ["vip"], "channel": "email"}, True),
        ({"tags_any": ["vip"], "channel": "email"}, {"tags": ["vip"], "channel": "chat"}, False),
    ],
)
def test_match_values_may_be_scalars_or_any_of_lists_and_keys_are_anded(
    sla: Evaluator, match: dict[str, Any], attributes: dict[str, Any], applies: bool
) -> None:
    policy = policy_file({"default": {"first_response": "1h"}}, match=match)
    out = sla.one(policy, ticket("10:00", **attributes), "10:10")
    assert out["policy"] == ("p" if applies else None)


@pytest.mark.parametrize(
    ("settings", "policy_change", "path", "word"),
    [
        ({"default_priority": "critical"}, {}, "settings.default_priority", "critical"),
        ({"reopen": "sometimes"}, {}, "settings.reopen", "sometimes"),
        ({}, {"calendar": {"by": "customer.region", "map": {"amer": "mars"}, "default": "always"}},
         "policies[0].calendar", "mars"),
        ({}, {"calendar": {"by": "customer.region", "map": {"amer": "always"}, "default": "moon"}},
         "policies[0].calendar", "moon"),
        ({}, {"targets": {"default": {"resolution": {"within": "4h", "pause_on": ["waiting"]}}}},
         "policies[0].targets.default.resolution.pause_on", "waiting"),
    ],
)  # fmt: skip
def test_more_config_errors_name_their_path(
    sla: Evaluator, settings: dict[str, Any], policy_change: dict[str, Any], path: str, word: str
) -> None:
    policy: dict[str, Any] = {
        "name": "p",
        "calendar": "always",
        "targets": {"default": {"first_response": "1h"}},
        **policy_change,
    }
    outcome = sla.run(policy_file(settings=settings, policies=[policy]), ticket("10:00"))
    assert outcome.exit_code == 2
    assert outcome.stdout.strip() == ""
    lines = [line.strip() for line in outcome.stderr.splitlines()]
    assert any(line.startswith(path) and word in line for line in lines), outcome.stderr


def test_a_missing_config_file_exits_2_with_the_error_on_stderr(
    sla: Evaluator, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from slabridge.cli import cli

    ticket_file = tmp_path / "t.json"
    ticket_file.write_text('{"id": "1", "created_at": "2025-03-03T10:00:00Z", "status": "new"}')
    result = CliRunner().invoke(
        cli,
        ["evaluate", "--config", str(tmp_path / "absent.yaml"), "--ticket", str(ticket_file)],
    )
    assert result.exit_code == 2
    assert result.stdout.strip() == ""
    assert "absent.yaml" in result.stderr


def test_an_unparsable_now_is_an_input_error(sla: Evaluator) -> None:
    outcome = sla.run(policy_file({"default": {"first_response": "1h"}}), ticket(), "yesterday")
    assert outcome.exit_code == 2
    assert outcome.stdout.strip() == ""
    assert outcome.stderr.strip()


def test_next_response_counts_on_business_hours(sla: Evaluator) -> None:
    # Office 09-17. Customer waits from Fri 16:50: 10 min Friday, 20 min Monday -> Mon 09:20.
    policy = policy_file(
        {"default": {"first_response": "8h", "next_response": "30m"}}, calendar="office"
    )
    data = ticket("2025-03-07 09:00", agent("2025-03-07 09:10"), customer("2025-03-07 16:50"))
    nxt = sla.one(policy, data, "2025-03-10 09:05")["metrics"]["next_response"]
    assert nxt["started_at"] == utc("2025-03-07 16:50")
    assert nxt["due_at"] == utc("2025-03-10 09:20")
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (900, 900)
    assert nxt["status"] == "active"
    assert nxt["at_risk"] is False  # 900/1800 = 50%


def test_solving_after_a_next_response_due_at_stops_the_cycle_as_breached(sla: Evaluator) -> None:
    policy = policy_file({"default": {"first_response": "1h", "next_response": "30m"}})
    data = ticket("10:00", agent("10:05"), customer("10:10"), status("10:50", "solved"))
    nxt = sla.one(policy, data, "12:00")["metrics"]["next_response"]
    assert nxt["status"] == "breached"
    assert nxt["stopped_at"] == utc("10:50")
    assert nxt["due_at"] == nxt["breached_at"] == utc("10:40")
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (2400, -600)


def test_a_breached_old_cycle_keeps_the_ticket_breached_after_a_new_cycle(
    sla: Evaluator,
) -> None:
    # new_cycle, 1h resolution: open 10:00, solved 11:30 (due 11:00 -> breached), reopened 13:00.
    policy = policy_file({"default": {"resolution": "1h"}}, settings={"reopen": "new_cycle"})
    data = ticket(
        "10:00", status("10:00", "open"), status("11:30", "solved"), status("13:00", "open")
    )
    out = sla.one(policy, data, "13:10")
    old, new = out["metrics"]["resolution"]["cycles"]
    assert old["status"] == "breached"
    assert old["due_at"] == old["breached_at"] == utc("11:00")
    assert old["stopped_at"] == utc("11:30")
    assert (old["elapsed_seconds"], old["remaining_seconds"]) == (5400, -1800)
    assert new["status"] == "active"
    assert new["due_at"] == utc("14:00")
    assert (new["elapsed_seconds"], new["remaining_seconds"]) == (600, 3000)
    assert out["metrics"]["resolution"]["status"] == "active"
    assert out["breached"] is True


def test_reopening_a_closed_ticket_with_resume_continues_the_clock(sla: Evaluator) -> None:
    # open 10:00-10:30 (30 min), closed 10:30-12:00, open again: 12:00-12:30 (30 min).
    policy = policy_file({"default": {"resolution": "4h"}}, settings={"reopen": "resume"})
    data = ticket(
        "10:00", status("10:00", "open"), status("10:30", "closed"), status("12:00", "open")
    )
    res = sla.one(policy, data, "12:30")["metrics"]["resolution"]
    assert len(res["cycles"]) == 1
    assert res["status"] == "active"
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (3600, 10800)
    assert res["due_at"] == utc("15:30")


def test_a_pending_resolution_clock_on_business_hours_stays_paused_overnight(
    sla: Evaluator,
) -> None:
    # Office 09-17, 8h resolution. Counted Mon 09:00-12:00 (3h), pending 12:00-Tue 10:00,
    # open again Tue 10:00; at Tue 11:00: 4h used, 4h left -> Tue 15:00.
    policy = policy_file({"default": {"resolution": "8h"}}, calendar="office")
    data = ticket("09:00", status("12:00", "pending"), status("2025-03-04 10:00", "open"))
    res = sla.one(policy, data, "2025-03-04 11:00")["metrics"]["resolution"]
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (14400, 14400)
    assert res["due_at"] == utc("2025-03-04 15:00")
