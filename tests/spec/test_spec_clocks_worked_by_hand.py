"""Second reading of POLICY.md §1 and §3: calendars, DST, closing times, pauses, cycles, risk.

Every expected value is worked out by hand from the spec in the comment above the assertion.
The reference week: 2025-03-03 is a Monday (see spec_helpers.utc).
"""

from __future__ import annotations

from typing import Any

import pytest
from spec_helpers import (
    OFFICE,
    SETTINGS,
    Evaluator,
    agent,
    customer,
    policy_file,
    priority,
    status,
    ticket,
    utc,
)

NY = {"timezone": "America/New_York", "hours": {"mon-fri": "09:00-18:00"}}
BERLIN = {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}
SPLIT = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-12:00", "13:00-17:00"]}}


def first_response(out: Any) -> Any:
    return out["metrics"]["first_response"]


def on(calendar: str, target: str, **calendars: Any) -> dict[str, Any]:
    """A policy with one first_response target on ``calendar``."""
    return policy_file(
        {"default": {"first_response": target}}, calendar=calendar, calendars=calendars
    )


# -- DST ------------------------------------------------------------------------------------


def test_new_york_opens_an_hour_earlier_in_utc_after_the_spring_change(sla: Evaluator) -> None:
    # Fri 2025-03-07 21:00Z = 16:00 EST; 16:00-18:00 EST = 2h. DST starts Sun 9 March.
    # Mon 10 March 09:00 EDT = 13:00Z; 2h more -> 15:00Z.
    out = sla.one(on("ny", "4h", ny=NY), ticket("2025-03-07 21:00"), "2025-03-07 22:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-10 15:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 10800)


def test_a_new_york_range_over_the_skipped_hour_holds_only_its_real_hours(
    sla: Evaluator,
) -> None:
    # Sun 2025-03-09 01:00-04:00 local: 01:00 EST = 06:00Z, the clocks jump 02:00 EST -> 03:00 EDT
    # at 07:00Z, 04:00 EDT = 08:00Z: 2 real hours. Target 3h: 2h that day, 1h the next Sunday
    # from 01:00 EDT = 05:00Z -> due 2025-03-16 06:00Z.
    calendar = {"timezone": "America/New_York", "hours": {"sun": "01:00-04:00"}}
    out = sla.one(on("c", "3h", c=calendar), ticket("2025-03-09 05:00"), "2025-03-09 09:00")
    metric = first_response(out)
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (7200, 3600)
    assert metric["due_at"] == utc("2025-03-16 06:00")
    assert metric["status"] == "active"


def test_a_new_york_range_over_the_repeated_hour_counts_it_twice(sla: Evaluator) -> None:
    # Sun 2025-11-02 01:00-04:00 local: 01:00 EDT = 05:00Z, 02:00 EDT = 06:00Z = 01:00 EST,
    # 04:00 EST = 09:00Z: 4 real hours. Target 3h from 05:00Z -> due 08:00Z; at 09:00Z 4h counted.
    calendar = {"timezone": "America/New_York", "hours": {"sun": "01:00-04:00"}}
    out = sla.one(on("c", "3h", c=calendar), ticket("2025-11-02 05:00"), "2025-11-02 09:00")
    metric = first_response(out)
    assert metric["due_at"] == metric["breached_at"] == utc("2025-11-02 08:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (14400, -3600)
    assert metric["status"] == "breached"


def test_berlin_office_hours_start_an_hour_earlier_in_utc_after_the_spring_change(
    sla: Evaluator,
) -> None:
    # Fri 2025-03-28 15:00Z = 16:00 CET: 16:00-17:00 = 1h. DST starts Sun 30 March.
    # Mon 31 March 09:00 CEST = 07:00Z; 1h more -> 08:00Z. At 07:30Z: 1h + 30 min counted.
    out = sla.one(on("ber", "2h", ber=BERLIN), ticket("2025-03-28 15:00"), "2025-03-31 07:30")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-31 08:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (5400, 1800)


def test_berlin_office_hours_start_an_hour_later_in_utc_after_the_autumn_change(
    sla: Evaluator,
) -> None:
    # Fri 2025-10-24 14:00Z = 16:00 CEST: 1h to 17:00 CEST = 15:00Z. DST ends Sun 26 October.
    # Mon 27 October 09:00 CET = 08:00Z; 1h more -> 09:00Z.
    out = sla.one(on("ber", "2h", ber=BERLIN), ticket("2025-10-24 14:00"), "2025-10-27 08:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-10-27 09:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 3600)


def test_one_day_on_a_berlin_24x7_clock_is_24_real_hours_across_the_spring_change(
    sla: Evaluator,
) -> None:
    # 1d = 86400 s of the clock; 24x7 counts real seconds, so 2025-03-29 12:00Z -> 03-30 12:00Z
    # (not 11:00Z, which is 12:00 local on the 23-hour day).
    calendar = {"timezone": "Europe/Berlin", "hours": "24x7"}
    out = sla.one(on("c", "1d", c=calendar), ticket("2025-03-29 12:00"), "2025-03-30 11:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-30 12:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (82800, 3600)


# -- closing times, 24:00, special days, holidays ---------------------------------------------


def test_a_target_reached_at_a_twenty_four_hundred_end_is_due_at_that_midnight(
    sla: Evaluator,
) -> None:
    # Open Mon 18:00-24:00 and Wed 09:00-17:00. Created Mon 22:00, 2h: reached at Mon 24:00 =
    # Tue 00:00Z, which is a closing time -> due then, not at Wed 09:00.
    calendar = {"timezone": "UTC", "hours": {"mon": "18:00-24:00", "wed": "09:00-17:00"}}
    out = sla.one(on("c", "2h", c=calendar), ticket("22:00"), "23:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-04 00:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 3600)


def test_a_target_reached_when_the_lunch_break_starts_is_due_at_the_break(
    sla: Evaluator,
) -> None:
    # 09-12, 13-17. Created 11:00, 1h: reached at 12:00 (a closing time) -> due 12:00, not 13:00.
    out = sla.one(on("split", "1h", split=SPLIT), ticket("11:00"), "12:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("12:00")
    assert metric["status"] == "active"  # now == due_at: not yet past it
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 0)


def test_a_cycle_is_breached_during_the_break_after_a_target_reached_at_closing(
    sla: Evaluator,
) -> None:
    # Same cycle at 12:30: no more time counted (still 3600, remaining 0), but now is past the
    # due_at 12:00 and the cycle has not stopped -> breached at 12:00.
    out = sla.one(on("split", "1h", split=SPLIT), ticket("11:00"), "12:30")
    metric = first_response(out)
    assert metric["status"] == "breached"
    assert metric["due_at"] == metric["breached_at"] == utc("12:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 0)
    assert out["breached"] is True


def test_a_reply_after_closing_misses_a_target_reached_at_closing_time(sla: Evaluator) -> None:
    # Office 09-17, 8h from Mon 09:00: due Mon 17:00. The reply at 18:00 comes after due_at,
    # although no business time passed after 17:00: breached, elapsed = target.
    policy = on("office", "8h")
    metric = first_response(sla.one(policy, ticket("09:00", agent("18:00")), "19:00"))
    assert metric["status"] == "breached"
    assert metric["stopped_at"] == utc("18:00")
    assert metric["due_at"] == metric["breached_at"] == utc("17:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (28800, 0)


def test_a_reply_exactly_at_a_closing_time_due_at_achieves(sla: Evaluator) -> None:
    # Office 8h from Mon 09:00, reply at 17:00 = due_at -> achieved.
    metric = first_response(sla.one(on("office", "8h"), ticket("09:00", agent("17:00")), "19:00"))
    assert metric["status"] == "achieved"
    assert metric["breached_at"] is None
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (28800, 0)


def test_a_special_hours_day_may_open_later_than_usual(sla: Evaluator) -> None:
    # Tue 2025-03-04 open 09:00-20:00 instead of 17:00. Created Tue 16:00, 4h -> Tue 20:00.
    calendar = {**OFFICE, "holidays": {"hours": {"2025-03-04": "09:00-20:00"}}}
    out = sla.one(on("c", "4h", c=calendar), ticket("2025-03-04 16:00"), "2025-03-04 17:30")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-04 20:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (5400, 9000)


def test_a_target_reached_at_an_early_special_closing_is_due_then(sla: Evaluator) -> None:
    # Tue 2025-03-04 open 09:00-12:00 only. Created Tue 10:00, 2h: reached at 12:00 -> due 12:00.
    calendar = {**OFFICE, "holidays": {"hours": {"2025-03-04": "09:00-12:00"}}}
    out = sla.one(on("c", "2h", c=calendar), ticket("2025-03-04 10:00"), "2025-03-04 11:00")
    assert first_response(out)["due_at"] == utc("2025-03-04 12:00")


def test_united_states_new_york_holidays_close_independence_day(sla: Evaluator) -> None:
    # Thu 2025-07-03 21:00Z = 17:00 EDT: 17-18 = 1h. Fri 4 July closed (US holiday); weekend
    # closed; Mon 7 July 09:00 EDT = 13:00Z, 1h more -> 14:00Z.
    calendar = {**NY, "holidays": {"country": "US", "subdivision": "NY"}}
    out = sla.one(on("c", "2h", c=calendar), ticket("2025-07-03 21:00"), "2025-07-04 15:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-07-07 14:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 3600)


def test_public_holidays_close_whole_local_days_of_a_24x7_calendar(sla: Evaluator) -> None:
    # Berlin 24x7 with DE holidays. Created 2025-12-24 22:00Z = 23:00 CET on the 24th (open):
    # 1h to 23:00Z. 25th and 26th (local) closed: 2025-12-24 23:00Z to 2025-12-26 23:00Z.
    # 1h more from 2025-12-26 23:00Z -> 2025-12-27 00:00Z.
    calendar = {"timezone": "Europe/Berlin", "hours": "24x7", "holidays": {"country": "DE"}}
    out = sla.one(on("c", "2h", c=calendar), ticket("2025-12-24 22:00"), "2025-12-25 12:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-12-27 00:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 3600)


def test_one_day_from_a_weekend_is_three_working_days_from_monday_opening(
    sla: Evaluator,
) -> None:
    # Office 09-17. Created Sat 2025-03-08 12:00: counting starts Mon 10 March 09:00.
    # 1d = 24 business hours = Mon, Tue, Wed -> reached at Wed 12 March 17:00 (closing).
    out = sla.one(on("office", "1d"), ticket("2025-03-08 12:00"), "2025-03-10 10:00")
    metric = first_response(out)
    assert metric["target_seconds"] == 86400
    assert metric["due_at"] == utc("2025-03-12 17:00")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 82800)


def test_a_stop_before_the_first_opening_counts_nothing(sla: Evaluator) -> None:
    # Office 09-17, 1h. Created Sat 12:00, replied Sun 10:00: no business time in between.
    # Stopped cycle: due projected from the stop -> Mon 09:00 + 1h = Mon 10:00; achieved.
    data = ticket("2025-03-08 12:00", agent("2025-03-09 10:00"))
    metric = first_response(sla.one(on("office", "1h"), data, "2025-03-10 12:00"))
    assert metric["status"] == "achieved"
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (0, 3600)
    assert metric["due_at"] == utc("2025-03-10 10:00")


# -- pauses on response metrics --------------------------------------------------------------

NEXT_PAUSING = policy_file(
    {
        "default": {
            "first_response": "1h",
            "next_response": {"within": "30m", "pause_on": ["pending"]},
        }
    }
)
WAIT_WITH_PENDING = (agent("10:05"), customer("10:10"), status("10:20", "pending"))


def test_next_response_pauses_on_a_configured_status(sla: Evaluator) -> None:
    # Wait from 10:10; pending 10:20-10:40 does not count. At 10:50: 10 + 10 = 20 min used;
    # 10 min left from 10:50 -> due 11:00.
    data = ticket("10:00", *WAIT_WITH_PENDING, status("10:40", "open"))
    nxt = sla.one(NEXT_PAUSING, data, "10:50")["metrics"]["next_response"]
    assert nxt["status"] == "active"
    assert nxt["started_at"] == utc("10:10")
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (1200, 600)
    assert nxt["due_at"] == utc("11:00")


def test_a_next_response_cycle_paused_short_of_its_target_has_no_due_at(sla: Evaluator) -> None:
    # Pending since 10:20 at now 10:30: 10 min used, paused -> status paused, due_at null.
    out = sla.one(NEXT_PAUSING, ticket("10:00", *WAIT_WITH_PENDING), "10:30")
    nxt = out["metrics"]["next_response"]
    assert nxt["status"] == "paused"
    assert nxt["due_at"] is None
    assert nxt["breached_at"] is None
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (600, 1200)
    assert nxt["at_risk"] is False  # 600 / 1800 = 33%
    assert nxt["cycles"][-1]["status"] == "paused"


def test_a_first_response_paused_after_its_due_at_is_breached(sla: Evaluator) -> None:
    # 30 min, pausing on pending; pending only from 10:45, after the target was reached at 10:30.
    policy = policy_file(
        {"default": {"first_response": {"within": "30m", "pause_on": ["pending"]}}}
    )
    out = sla.one(policy, ticket("10:00", status("10:45", "pending")), "11:00")
    metric = first_response(out)
    assert metric["status"] == "breached"
    assert metric["due_at"] == metric["breached_at"] == utc("10:30")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (2700, -900)


def test_a_clock_pausing_on_new_waits_for_the_first_status_event(sla: Evaluator) -> None:
    # Before the first status event (open at 11:00) the ticket was new: paused 10:00-11:00.
    # At 11:30: 30 min used; 30 min left -> due 12:00.
    policy = policy_file({"default": {"first_response": {"within": "1h", "pause_on": ["new"]}}})
    metric = first_response(sla.one(policy, ticket("10:00", status("11:00", "open")), "11:30"))
    assert metric["status"] == "active"
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (1800, 1800)
    assert metric["due_at"] == utc("12:00")


def test_a_clock_pausing_on_new_stays_paused_for_a_new_ticket_without_status_events(
    sla: Evaluator,
) -> None:
    # No status event at all: the ticket has been `new` since created_at -> never counted.
    policy = policy_file({"default": {"first_response": {"within": "1h", "pause_on": ["new"]}}})
    metric = first_response(sla.one(policy, ticket("10:00", status="new"), "12:00"))
    assert metric["status"] == "paused"
    assert metric["due_at"] is None
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (0, 3600)


# -- resolution: pauses, solves, reopens -----------------------------------------------------


def test_resume_skips_both_pending_and_solved_time_and_reports_a_pause(sla: Evaluator) -> None:
    # 4h resolution, pause_on [pending]. Counted: 10:00-10:30, 11:00-12:00, 13:00-13:30
    # = 30 + 60 + 30 min = 7200 s. Pending again at now 14:00 -> paused, due_at null.
    data = ticket(
        "10:00",
        status("10:00", "open"),
        status("10:30", "pending"),
        status("11:00", "open"),
        status("12:00", "solved"),
        status("13:00", "open"),
        status("13:30", "pending"),
    )
    policy = policy_file({"default": {"resolution": "4h"}}, settings={"reopen": "resume"})
    res = sla.one(policy, data, "14:00")["metrics"]["resolution"]
    assert len(res["cycles"]) == 1
    assert res["status"] == "paused"
    assert (res["started_at"], res["stopped_at"], res["due_at"]) == (utc("10:00"), None, None)
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (7200, 7200)


def test_new_cycle_counts_pauses_inside_each_cycle(sla: Evaluator) -> None:
    # 1h, new_cycle. Cycle 1: 10:00-10:20 + 10:40-11:00 = 40 min, solved 11:00; its due_at counts
    # only the 20-min pause before the stop: 10:00 + 1h + 20 min = 11:20 -> achieved.
    # Cycle 2 from the reopen at 12:00: 12:00-12:50 = 50 min, pending at now 13:00 -> paused,
    # due_at null, 50/60 = 83% >= 75% -> at risk.
    data = ticket(
        "10:00",
        status("10:00", "open"),
        status("10:20", "pending"),
        status("10:40", "open"),
        status("11:00", "solved"),
        status("12:00", "open"),
        status("12:50", "pending"),
    )
    policy = policy_file({"default": {"resolution": "1h"}}, settings={"reopen": "new_cycle"})
    out = sla.one(policy, data, "13:00")
    old, new = out["metrics"]["resolution"]["cycles"]
    assert old["status"] == "achieved"
    assert (old["started_at"], old["stopped_at"]) == (utc("10:00"), utc("11:00"))
    assert (old["elapsed_seconds"], old["remaining_seconds"]) == (2400, 1200)
    assert old["due_at"] == utc("11:20")
    assert new["status"] == "paused"
    assert (new["started_at"], new["stopped_at"], new["due_at"]) == (utc("12:00"), None, None)
    assert (new["elapsed_seconds"], new["remaining_seconds"]) == (3000, 600)
    assert new["at_risk"] is True
    assert (out["breached"], out["at_risk"]) == (False, True)


def test_two_reopens_under_new_cycle_give_three_cycles_oldest_first(sla: Evaluator) -> None:
    # 1h each. [10:00-10:30] achieved (due 11:00); [11:00-12:30] breached at 12:00;
    # [13:00-] active, 15 min used at 13:15, due 14:00.
    data = ticket(
        "10:00",
        status("10:00", "open"),
        status("10:30", "solved"),
        status("11:00", "open"),
        status("12:30", "solved"),
        status("13:00", "open"),
    )
    policy = policy_file({"default": {"resolution": "1h"}}, settings={"reopen": "new_cycle"})
    out = sla.one(policy, data, "13:15")
    cycles = out["metrics"]["resolution"]["cycles"]
    assert [c["status"] for c in cycles] == ["achieved", "breached", "active"]
    assert [c["started_at"] for c in cycles] == [utc("10:00"), utc("11:00"), utc("13:00")]
    assert [c["due_at"] for c in cycles] == [utc("11:00"), utc("12:00"), utc("14:00")]
    assert cycles[1]["breached_at"] == utc("12:00")
    assert [c["elapsed_seconds"] for c in cycles] == [1800, 5400, 900]
    assert out["metrics"]["resolution"]["status"] == "active"
    assert out["breached"] is True


def test_a_resolution_breached_before_a_solve_stays_breached_after_a_resume_reopen(
    sla: Evaluator,
) -> None:
    # 1h, resume: open 10:00-11:30 (target reached 11:00), solved 11:30, reopened 12:00.
    # One cycle, running again, breached at 11:00; 90 + 15 min counted at 12:15.
    data = ticket(
        "10:00", status("10:00", "open"), status("11:30", "solved"), status("12:00", "open")
    )
    policy = policy_file({"default": {"resolution": "1h"}}, settings={"reopen": "resume"})
    res = sla.one(policy, data, "12:15")["metrics"]["resolution"]
    assert len(res["cycles"]) == 1
    assert res["status"] == "breached"
    assert res["stopped_at"] is None
    assert res["due_at"] == res["breached_at"] == utc("11:00")
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (6300, -2700)


def test_a_ticket_solved_twice_under_resume_stops_at_the_latest_solve(sla: Evaluator) -> None:
    # 4h, resume: counted 10:00-11:00 and 12:00-13:00; solved at 13:00 again.
    # due_at counts only the solved pause before the stop: 10:00 + 4h + 1h = 15:00.
    data = ticket(
        "10:00",
        status("10:00", "open"),
        status("11:00", "solved"),
        status("12:00", "open"),
        status("13:00", "solved"),
    )
    policy = policy_file({"default": {"resolution": "4h"}}, settings={"reopen": "resume"})
    res = sla.one(policy, data, "16:00")["metrics"]["resolution"]
    assert res["status"] == "achieved"
    assert (res["started_at"], res["stopped_at"]) == (utc("10:00"), utc("13:00"))
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (7200, 7200)
    assert res["due_at"] == utc("15:00")


# -- solving stops response cycles -----------------------------------------------------------

RESPONSES = policy_file(
    {"default": {"first_response": "1h", "next_response": "30m", "resolution": "4h"}}
)


def test_solving_exactly_at_a_next_response_due_at_achieves_it(sla: Evaluator) -> None:
    # Wait from 10:10, 30 min -> due 10:40; solved at 10:40 -> achieved, remaining 0.
    data = ticket("10:00", agent("10:05"), customer("10:10"), status("10:40", "solved"))
    nxt = sla.one(RESPONSES, data, "12:00")["metrics"]["next_response"]
    assert nxt["status"] == "achieved"
    assert nxt["stopped_at"] == utc("10:40")
    assert nxt["breached_at"] is None
    assert (nxt["elapsed_seconds"], nxt["remaining_seconds"]) == (1800, 0)


def test_a_reply_after_a_reopen_starts_a_new_next_response_cycle(sla: Evaluator) -> None:
    # Cycle 1: 10:10 -> solved 10:20 (achieved, 10 min). Reopened 11:00; customer writes 11:10:
    # cycle 2 from 11:10, 20 min at 11:30, due 11:40.
    data = ticket(
        "10:00",
        agent("10:05"),
        customer("10:10"),
        status("10:20", "solved"),
        status("11:00", "open"),
        customer("11:10"),
    )
    cycles = sla.one(RESPONSES, data, "11:30")["metrics"]["next_response"]["cycles"]
    assert [(c["started_at"], c["stopped_at"]) for c in cycles] == [
        (utc("10:10"), utc("10:20")),
        (utc("11:10"), None),
    ]
    assert cycles[0]["status"] == "achieved"
    assert (cycles[1]["status"], cycles[1]["due_at"]) == ("active", utc("11:40"))
    assert cycles[1]["elapsed_seconds"] == 1200
    assert cycles[1]["at_risk"] is False  # 1200 / 1800 = 67% < 75%


# -- target changes ---------------------------------------------------------------------------

TIERED = policy_file({"urgent": {"first_response": "15m"}, "default": {"first_response": "4h"}})


def test_lowering_the_priority_applies_the_longer_target_from_the_start(sla: Evaluator) -> None:
    # Urgent (15 min) at creation, lowered to low at 10:30: the current target (4h) applies
    # from 10:00 -> due 14:00, 1h used at 11:00, not breached.
    data = ticket("10:00", priority("10:30", "low"), priority="low")
    out = sla.one(TIERED, data, "11:00")
    metric = first_response(out)
    assert metric["target_seconds"] == 14400
    assert (metric["status"], metric["due_at"]) == ("active", utc("14:00"))
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 10800)
    assert out["breached"] is False


def test_a_priority_change_that_changes_the_policy_applies_it_from_the_start(
    sla: Evaluator,
) -> None:
    # Raised to high at 11:00 -> the `hot` policy (30 min) applies from 10:00: breached at 10:30.
    policy = policy_file(
        policies=[
            {
                "name": "hot",
                "match": {"priority": ["high", "urgent"]},
                "calendar": "always",
                "targets": {"default": {"first_response": "30m"}},
            },
            {
                "name": "rest",
                "calendar": "always",
                "targets": {"default": {"first_response": "8h"}},
            },
        ]
    )
    data = ticket("10:00", priority("11:00", "high"), priority="high")
    out = sla.one(policy, data, "11:05")
    assert out["policy"] == "hot"
    metric = first_response(out)
    assert metric["status"] == "breached"
    assert metric["due_at"] == metric["breached_at"] == utc("10:30")
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3900, -2100)


def test_a_priority_block_without_a_metric_drops_it_for_that_priority(sla: Evaluator) -> None:
    # Raised from normal to urgent; the urgent block has no resolution -> resolution is absent.
    policy = policy_file(
        {
            "urgent": {"first_response": "15m"},
            "default": {"first_response": "4h", "resolution": "8h"},
        }
    )
    out = sla.one(policy, ticket("10:00", priority("10:05", "urgent"), priority="urgent"), "10:10")
    assert set(out["metrics"]) == {"first_response"}


# -- at risk ---------------------------------------------------------------------------------


def both_warnings(warn_at: str, warn_before: str) -> dict[str, Any]:
    policy = policy_file({"default": {"first_response": "1h"}})
    policy["settings"] = {**SETTINGS, "warn_at": warn_at, "warn_before": warn_before}
    return policy


@pytest.mark.parametrize(
    ("warn_at", "warn_before", "now", "at_risk"),
    [
        # warn_at 90% = 54 min used; warn_before 30m = 30 min used: the earlier rule wins.
        ("90%", "30m", "10:29:59", False),
        ("90%", "30m", "10:30", True),
        # warn_at 50% = 30 min used; warn_before 10m = 50 min used.
        ("50%", "10m", "10:29:59", False),
        ("50%", "10m", "10:30", True),
    ],
)
def test_with_warn_at_and_warn_before_either_rule_makes_a_cycle_at_risk(
    sla: Evaluator, warn_at: str, warn_before: str, now: str, at_risk: bool
) -> None:
    out = sla.one(both_warnings(warn_at, warn_before), ticket("10:00"), now)
    assert first_response(out)["at_risk"] is at_risk
    assert out["at_risk"] is at_risk


@pytest.mark.parametrize(
    ("now", "at_risk"), [("2025-03-04 09:59", False), ("2025-03-04 10:00", True)]
)
def test_warn_at_counts_the_share_of_business_time_used(
    sla: Evaluator, now: str, at_risk: bool
) -> None:
    # Office, 4h from Mon 15:00; 75% = 3h used: Mon 15-17 (2h) + Tue 09-10 (1h) -> Tue 10:00.
    metric = first_response(sla.one(on("office", "4h"), ticket("15:00"), now))
    assert metric["at_risk"] is at_risk
    assert metric["status"] == "active"


def test_a_paused_cycle_with_at_most_warn_before_left_is_at_risk(sla: Evaluator) -> None:
    # 1h resolution, pending from 10:40: 20 min left <= warn_before 30m -> at risk, paused.
    policy = policy_file({"default": {"resolution": "1h"}})
    policy["settings"] = {"default_priority": "normal", "reopen": "resume", "warn_before": "30m"}
    out = sla.one(policy, ticket("10:00", status("10:40", "pending")), "12:00")
    res = out["metrics"]["resolution"]
    assert (res["status"], res["due_at"]) == ("paused", None)
    assert (res["elapsed_seconds"], res["remaining_seconds"]) == (2400, 1200)
    assert res["at_risk"] is True
    assert out["at_risk"] is True


def test_a_ticket_can_be_breached_and_at_risk_at_once(sla: Evaluator) -> None:
    # resolution 1h breached at 11:00; next_response waiting since 11:10, 25/30 min = 83% at 11:35.
    data = ticket("10:00", agent("10:05"), customer("11:10"))
    policy = policy_file(
        {"default": {"first_response": "1h", "next_response": "30m", "resolution": "1h"}}
    )
    out = sla.one(policy, data, "11:35")
    assert out["metrics"]["resolution"]["status"] == "breached"
    assert out["metrics"]["resolution"]["at_risk"] is False
    assert out["metrics"]["next_response"]["at_risk"] is True
    assert (out["breached"], out["at_risk"]) == (True, True)
