"""The engine on the worked example of POLICY.md and on each rule of §2-§4."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slabridge.config import load_config, load_policy_text
from slabridge.sla.evaluate import evaluate
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import parse_ticket

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)

SPEC_TICKET: dict[str, Any] = {
    "id": "4821", "source": "zendesk",
    "created_at": "2025-03-07T16:30:00Z", "updated_at": "2025-03-10T08:00:00Z",
    "status": "open", "priority": "high", "type": "incident", "channel": "email",
    "product": "payments", "tags": ["vip"], "fields": {"region": "emea"},
    "customer": {"id": "org-9", "name": "Acme GmbH", "tier": "enterprise", "region": "emea"},
    "events": [
        {"at": "2025-03-07T16:30:00Z", "type": "status", "status": "new"},
        {"at": "2025-03-10T08:05:00Z", "type": "reply", "author": "agent", "public": True},
        {"at": "2025-03-10T09:00:00Z", "type": "status", "status": "pending"},
        {"at": "2025-03-10T11:00:00Z", "type": "reply", "author": "customer", "public": True},
        {"at": "2025-03-10T11:00:00Z", "type": "status", "status": "open"},
        {"at": "2025-03-10T11:30:00Z", "type": "priority", "priority": "urgent"},
    ],
}  # fmt: skip

SIMPLE = """
version: 1
calendars:
  always: {timezone: UTC, hours: 24x7}
  office: {timezone: UTC, hours: {mon-fri: "09:00-17:00"}}
settings: {warn_at: 75%, reopen: REOPEN}
policies:
  - name: all
    calendar: always
    targets:
      urgent: {first_response: 15m, next_response: 30m, resolution: 2h}
      default:
        first_response: 1h
        next_response: 1h
        resolution: {within: 4h, pause_on: [pending, on_hold]}
"""


def _policies(reopen: str = "resume", text: str = SIMPLE) -> PolicySet:
    return load_policy_text(text.replace("REOPEN", reopen))


def _ticket(events: list[dict[str, Any]], **values: Any) -> Any:
    data: dict[str, Any] = {
        "id": "t1",
        "created_at": "2025-03-10T09:00:00Z",
        "status": "open",
        "priority": "normal",
        "events": events,
    }
    data.update(values)
    return parse_ticket(data)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _run(ticket: Any, now: str, policies: PolicySet | None = None) -> dict[str, Any]:
    return evaluate(ticket, policies or _policies(), _at(now)).to_json()


def _reply(at: str, author: str = "agent", public: bool = True) -> dict[str, Any]:
    return {"at": at, "type": "reply", "author": author, "public": public}


def _status(at: str, status: str) -> dict[str, Any]:
    return {"at": at, "type": "status", "status": status}


# -- the worked example -------------------------------------------------------------------------


def test_the_spec_example_reproduces_the_section_4_output_exactly() -> None:
    config = load_config(EXAMPLES / "slabridge.yaml")
    result = evaluate(parse_ticket(SPEC_TICKET), config, NOW).to_json()
    # enterprise matches through customer.tier; calendar `always`. The ticket became urgent at
    # 11:30, so the urgent first_response target (15m = 900s) applies retroactively from
    # created_at 03-07 16:30: due 16:45. The first public agent reply came 03-10 08:05, i.e.
    # 2d 15h 35m = 228900s later, so it is breached at 16:45 and 900 - 228900 = -225300 remain.
    first = result["metrics"]["first_response"]
    expected = {
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
    assert {k: v for k, v in first.items() if k != "cycles"} == expected
    assert first["cycles"] == [expected]
    assert result["ticket"] == "4821"
    assert result["policy"] == "enterprise"
    assert result["evaluated_at"] == "2025-03-10T12:00:00Z"
    assert result["breached"] is True
    assert result["at_risk"] is False


def test_the_spec_example_next_response_and_resolution_figures() -> None:
    config = load_config(EXAMPLES / "slabridge.yaml")
    metrics = evaluate(parse_ticket(SPEC_TICKET), config, NOW).to_json()["metrics"]
    # next_response: the customer reply at 11:00 follows the agent reply of 08:05 and is
    # unanswered at 12:00: 3600s used of the urgent 30m target, due 11:30, breached.
    nxt = metrics["next_response"]
    assert (nxt["started_at"], nxt["due_at"], nxt["elapsed_seconds"]) == (
        "2025-03-10T11:00:00Z",
        "2025-03-10T11:30:00Z",
        3600,
    )
    assert nxt["status"] == "breached" and nxt["stopped_at"] is None
    # resolution: 4h urgent target on `always`, paused while pending 09:00-11:00:
    # 03-07 16:30 -> 03-10 09:00 is 232200s, plus 11:00-12:00 = 235800s; due 03-07 20:30.
    res = metrics["resolution"]
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (235800, 14400 - 235800)
    assert res["due_at"] == "2025-03-07T20:30:00Z" and res["status"] == "breached"


def test_before_the_priority_change_the_high_targets_apply() -> None:
    config = load_config(EXAMPLES / "slabridge.yaml")
    at_11 = evaluate(parse_ticket(SPEC_TICKET), config, _at("2025-03-10T11:15:00Z")).to_json()
    first = at_11["metrics"]["first_response"]
    assert first["target_seconds"] == 3600 and first["due_at"] == "2025-03-07T17:30:00Z"
    assert "next_response" not in at_11["metrics"]  # the high block has no next_response


def test_the_default_block_can_put_one_metric_on_another_calendar() -> None:
    config = load_config(EXAMPLES / "slabridge.yaml")
    ticket = parse_ticket({**SPEC_TICKET, "priority": "low", "events": SPEC_TICKET["events"][:5]})
    metrics = evaluate(ticket, config, NOW).to_json()["metrics"]
    assert metrics["first_response"]["calendar"] == "always"
    assert metrics["resolution"]["calendar"] == "berlin"
    assert metrics["resolution"]["target_seconds"] == 3 * 86400


# -- §2 status timeline ---------------------------------------------------------------------------


def test_without_status_events_the_ticket_was_in_its_status_since_created() -> None:
    pending = _ticket([], status="pending")
    result = _run(pending, "2025-03-10T10:00:00Z")
    assert result["metrics"]["resolution"]["status"] == "paused"
    assert result["metrics"]["resolution"]["elapsed_seconds"] == 0
    assert result["metrics"]["resolution"]["due_at"] is None


def test_before_the_first_status_event_the_ticket_was_new() -> None:
    ticket = _ticket([_status("2025-03-10T09:30:00Z", "pending")], status="pending")
    res = _run(ticket, "2025-03-10T10:00:00Z")["metrics"]["resolution"]
    assert res["elapsed_seconds"] == 1800 and res["status"] == "paused"


def test_a_status_that_disagrees_with_the_last_event_changed_at_updated_at() -> None:
    ticket = _ticket(
        [_status("2025-03-10T09:00:00Z", "open")],
        status="pending",
        updated_at="2025-03-10T10:00:00Z",
    )
    res = _run(ticket, "2025-03-10T11:00:00Z")["metrics"]["resolution"]
    assert res["elapsed_seconds"] == 3600 and res["status"] == "paused"


def test_events_after_now_are_ignored() -> None:
    ticket = _ticket(
        [_reply("2025-03-10T09:10:00Z", "agent"), _status("2025-03-10T09:20:00Z", "solved")],
        status="solved",
    )
    result = _run(ticket, "2025-03-10T09:05:00Z")
    assert result["metrics"]["first_response"]["status"] == "active"
    assert result["metrics"]["first_response"]["elapsed_seconds"] == 300
    assert result["metrics"]["resolution"]["stopped_at"] is None


# -- §3 metrics ----------------------------------------------------------------------------------


def test_customer_replies_and_private_notes_do_not_stop_first_response() -> None:
    ticket = _ticket(
        [
            _reply("2025-03-10T09:10:00Z", "customer"),
            _reply("2025-03-10T09:20:00Z", "agent", public=False),
            _reply("2025-03-10T09:40:00Z", "agent"),
        ]
    )
    first = _run(ticket, "2025-03-10T12:00:00Z")["metrics"]["first_response"]
    assert first["stopped_at"] == "2025-03-10T09:40:00Z"
    assert first["status"] == "achieved" and first["elapsed_seconds"] == 2400


def test_a_stop_at_exactly_due_at_achieves_and_one_second_later_breaches() -> None:
    on_time = _ticket([_reply("2025-03-10T10:00:00Z")])
    first = _run(on_time, "2025-03-10T12:00:00Z")["metrics"]["first_response"]
    assert first["status"] == "achieved" and first["breached_at"] is None
    late = _ticket([_reply("2025-03-10T10:00:01Z")])
    first = _run(late, "2025-03-10T12:00:00Z")["metrics"]["first_response"]
    assert first["status"] == "breached" and first["breached_at"] == "2025-03-10T10:00:00Z"


def test_next_response_cycles_start_at_the_oldest_unanswered_customer_reply() -> None:
    ticket = _ticket(
        [
            _reply("2025-03-10T09:05:00Z", "agent"),
            _reply("2025-03-10T09:30:00Z", "customer"),
            _reply("2025-03-10T09:45:00Z", "customer"),
            _reply("2025-03-10T10:00:00Z", "agent", public=False),
            _reply("2025-03-10T10:15:00Z", "agent"),
            _reply("2025-03-10T11:00:00Z", "customer"),
        ]
    )
    nxt = _run(ticket, "2025-03-10T11:30:00Z")["metrics"]["next_response"]
    starts = [(c["started_at"], c["stopped_at"], c["status"]) for c in nxt["cycles"]]
    assert starts == [
        ("2025-03-10T09:30:00Z", "2025-03-10T10:15:00Z", "achieved"),
        ("2025-03-10T11:00:00Z", None, "active"),
    ]
    assert nxt["status"] == "active" and nxt["elapsed_seconds"] == 1800


def test_next_response_is_absent_until_a_customer_waits_after_an_agent_reply() -> None:
    ticket = _ticket([_reply("2025-03-10T09:00:00Z", "customer"), _reply("2025-03-10T09:30:00Z")])
    assert "next_response" not in _run(ticket, "2025-03-10T12:00:00Z")["metrics"]


def test_solving_stops_running_response_clocks_at_that_instant() -> None:
    ticket = _ticket(
        [
            _reply("2025-03-10T09:05:00Z", "agent"),
            _reply("2025-03-10T09:30:00Z", "customer"),
            _status("2025-03-10T10:00:00Z", "solved"),
        ],
        status="solved",
    )
    nxt = _run(ticket, "2025-03-10T12:00:00Z")["metrics"]["next_response"]
    assert nxt["stopped_at"] == "2025-03-10T10:00:00Z" and nxt["status"] == "achieved"
    late = _ticket([_status("2025-03-10T11:00:00Z", "solved")], status="solved")
    first = _run(late, "2025-03-10T12:00:00Z")["metrics"]["first_response"]
    assert first["stopped_at"] == "2025-03-10T11:00:00Z" and first["status"] == "breached"


def test_reopen_resume_continues_the_same_resolution_clock() -> None:
    events = [
        _status("2025-03-10T09:00:00Z", "open"),
        _status("2025-03-10T10:00:00Z", "solved"),
        _status("2025-03-10T12:00:00Z", "open"),
    ]
    res = _run(_ticket(events), "2025-03-10T12:30:00Z")["metrics"]["resolution"]
    assert len(res["cycles"]) == 1
    assert res["elapsed_seconds"] == 5400 and res["stopped_at"] is None
    assert res["due_at"] == "2025-03-10T15:00:00Z"  # 4h of counting, 2h of it skipped while solved


def test_reopen_new_cycle_records_the_old_cycle_and_starts_a_fresh_one() -> None:
    events = [
        _status("2025-03-10T09:00:00Z", "open"),
        _status("2025-03-10T10:00:00Z", "solved"),
        _status("2025-03-10T12:00:00Z", "open"),
    ]
    res = _run(_ticket(events), "2025-03-10T12:30:00Z", _policies("new_cycle"))["metrics"][
        "resolution"
    ]
    assert [(c["started_at"], c["stopped_at"], c["status"]) for c in res["cycles"]] == [
        ("2025-03-10T09:00:00Z", "2025-03-10T10:00:00Z", "achieved"),
        ("2025-03-10T12:00:00Z", None, "active"),
    ]
    assert res["elapsed_seconds"] == 1800 and res["due_at"] == "2025-03-10T16:00:00Z"


def test_raising_the_priority_applies_the_new_target_from_the_start() -> None:
    ticket = _ticket([{"at": "2025-03-10T09:40:00Z", "type": "priority", "priority": "urgent"}])
    first = _run(ticket, "2025-03-10T09:45:00Z")["metrics"]["first_response"]
    assert first["target_seconds"] == 900
    assert first["status"] == "breached" and first["breached_at"] == "2025-03-10T09:15:00Z"


def test_a_paused_cycle_has_no_due_at_and_keeps_its_elapsed_time() -> None:
    events = [_status("2025-03-10T09:00:00Z", "open"), _status("2025-03-10T10:00:00Z", "on_hold")]
    res = _run(_ticket(events, status="on_hold"), "2025-03-10T15:00:00Z")["metrics"]["resolution"]
    assert res["status"] == "paused" and res["due_at"] is None
    assert res["elapsed_seconds"] == 3600 and res["remaining_seconds"] == 10800


def test_a_cycle_that_breached_before_its_pause_stays_breached() -> None:
    events = [_status("2025-03-10T09:00:00Z", "open"), _status("2025-03-10T14:00:00Z", "pending")]
    res = _run(_ticket(events, status="pending"), "2025-03-10T15:00:00Z")["metrics"]["resolution"]
    assert res["status"] == "breached" and res["breached_at"] == "2025-03-10T13:00:00Z"


def test_a_clock_that_starts_outside_business_hours_counts_from_the_next_opening() -> None:
    text = SIMPLE.replace("calendar: always", "calendar: office")
    ticket = _ticket([], created_at="2025-03-08T10:00:00Z")  # a Saturday
    first = _run(ticket, "2025-03-10T09:30:00Z", _policies(text=text))["metrics"]["first_response"]
    assert first["elapsed_seconds"] == 1800 and first["due_at"] == "2025-03-10T10:00:00Z"


# -- §4 at risk, ticket level, no match ----------------------------------------------------------


def test_at_risk_once_the_warn_share_of_the_target_is_used() -> None:
    ticket = _ticket([])
    calm = _run(ticket, "2025-03-10T09:44:00Z")
    assert calm["at_risk"] is False
    risky = _run(ticket, "2025-03-10T09:45:00Z")
    assert risky["metrics"]["first_response"]["at_risk"] is True and risky["at_risk"] is True
    assert risky["breached"] is False


def test_warn_before_marks_a_cycle_at_risk_when_little_time_is_left() -> None:
    text = SIMPLE.replace("warn_at: 75%", "warn_before: 10m")
    first = _run(_ticket([]), "2025-03-10T09:49:00Z", _policies(text=text))["metrics"][
        "first_response"
    ]
    assert first["at_risk"] is False
    first = _run(_ticket([]), "2025-03-10T09:50:00Z", _policies(text=text))["metrics"][
        "first_response"
    ]
    assert first["at_risk"] is True


def test_next_instant_is_the_earliest_warning_or_due_time_of_a_running_cycle() -> None:
    evaluation = evaluate(_ticket([]), _policies(), _at("2025-03-10T09:10:00Z"))
    assert evaluation.next_instant == _at("2025-03-10T09:45:00Z")  # 75% of 1h first_response
    paused = evaluate(_ticket([], status="pending"), _policies(), _at("2025-03-10T09:50:00Z"))
    assert paused.next_instant == _at("2025-03-10T10:00:00Z")  # first_response still runs


def test_a_ticket_no_policy_matches_has_a_null_policy_and_no_metrics() -> None:
    text = SIMPLE.replace("  - name: all\n", "  - name: all\n    match: {tier: enterprise}\n")
    result = _run(_ticket([]), "2025-03-10T12:00:00Z", _policies(text=text))
    assert result["policy"] is None and result["metrics"] == {}
    assert result["breached"] is False and result["at_risk"] is False


def test_evaluation_is_deterministic_and_json_serializable() -> None:
    config = load_config(EXAMPLES / "slabridge.yaml")
    ticket = parse_ticket(SPEC_TICKET)
    first = json.dumps(evaluate(ticket, config, NOW).to_json())
    assert first == json.dumps(evaluate(ticket, config, NOW).to_json())


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        evaluate(_ticket([]), _policies(), datetime(2025, 3, 10, 12))


# -- calendars: holidays, regions, special days ---------------------------------------------------

HOLIDAYS = """
calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-17:00"}
    holidays:
      country: DE
      subdivision: BE
      dates: ["2025-04-22"]
      hours: {"2025-04-23": "09:00-12:00"}
  new_york: {timezone: America/New_York, hours: {mon-fri: "09:00-17:00"}}
policies:
  - name: regional
    calendar: {by: customer.region, map: {amer: new_york}, default: berlin}
    targets: {default: {first_response: 8h}}
"""


def test_public_holidays_closed_dates_and_special_hours_are_skipped() -> None:
    # Thursday 2025-04-17 16:00 CEST (14:00Z): 1h that day; Good Friday and Easter Monday are
    # Berlin holidays, Tuesday 04-22 is a closed date, Wednesday 04-23 is open 09:00-12:00 (3h),
    # so the remaining 4h run on Thursday 04-24 09:00-13:00 CEST: due 11:00Z.
    ticket = _ticket([], created_at="2025-04-17T14:00:00Z", customer={"region": "emea"})
    first = _run(ticket, "2025-04-23T12:00:00Z", _policies(text=HOLIDAYS))["metrics"]
    assert first["first_response"]["calendar"] == "berlin"
    assert first["first_response"]["elapsed_seconds"] == 4 * 3600
    assert first["first_response"]["due_at"] == "2025-04-24T11:00:00Z"


def test_the_calendar_follows_the_customer_region() -> None:
    # New York is open on Good Friday: 14:00Z = 10:00 EDT Thursday, 7h that day, 1h Friday.
    ticket = _ticket([], created_at="2025-04-17T14:00:00Z", customer={"region": "amer"})
    first = _run(ticket, "2025-04-18T20:00:00Z", _policies(text=HOLIDAYS))["metrics"]
    assert first["first_response"]["calendar"] == "new_york"
    assert first["first_response"]["due_at"] == "2025-04-18T14:00:00Z"
    assert first["first_response"]["status"] == "breached"


@pytest.mark.parametrize(
    ("change_at", "first_response_target", "status"),
    [
        # Before the first reply every cycle, the met first response too, takes urgent's 15m.
        ("2025-03-10T09:10:00Z", 900, "breached"),
        # At the reply's very instant the stop comes first: the first response keeps 1h.
        ("2025-03-10T09:30:00Z", 3600, "achieved"),
        ("2025-03-10T10:00:00Z", 3600, "achieved"),
    ],
)
def test_a_change_before_the_first_stop_judges_every_cycle_and_one_at_or_after_it_does_not(
    change_at: str, first_response_target: int, status: str
) -> None:
    ticket = _ticket(
        [
            _reply("2025-03-10T09:30:00Z"),
            {"at": change_at, "type": "priority", "priority": "urgent", "from": "normal"},
        ],
        priority="urgent",
    )
    result = _run(ticket, "2025-03-10T10:30:00Z")
    first = result["metrics"]["first_response"]
    assert (first["target_seconds"], first["status"]) == (first_response_target, status)
    # The resolution clock still runs: it takes urgent's 2h in every case.
    assert result["metrics"]["resolution"]["target_seconds"] == 7200
