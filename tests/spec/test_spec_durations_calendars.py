"""POLICY.md §1 durations and calendars, and §3 clock rules, through `slabridge evaluate`."""

from __future__ import annotations

from typing import Any

import pytest
from spec_helpers import OFFICE, Evaluator, agent, policy_file, ticket, utc


def first_response(out: Any) -> Any:
    return out["metrics"]["first_response"]


@pytest.mark.parametrize(
    ("duration", "seconds", "due"),
    [
        ("90s", 90, "10:01:30"),  # 90 s after 10:00
        ("30m", 1800, "10:30"),  # 30 * 60
        ("4h", 14400, "14:00"),  # 4 * 3600
        ("1h30m", 5400, "11:30"),  # 3600 + 1800
        ("3d", 259200, "2025-03-06 10:00"),  # 3 * 86400 on a 24x7 clock: Thursday 10:00
    ],
)
def test_durations_of_every_form_give_the_target_in_seconds_and_due_time_on_a_24x7_clock(
    sla: Evaluator, duration: str, seconds: int, due: str
) -> None:
    out = sla.one(policy_file({"default": {"first_response": duration}}), ticket("10:00"), "10:01")
    metric = first_response(out)
    assert metric["target_seconds"] == seconds
    assert metric["due_at"] == utc(due)
    # 10:00 -> 10:01 is 60 s of clock
    assert metric["elapsed_seconds"] == 60
    assert metric["remaining_seconds"] == seconds - 60
    assert metric["status"] == "active"


def test_four_hours_on_a_nine_to_five_calendar_are_four_business_hours(sla: Evaluator) -> None:
    # Mon 15:00-17:00 = 2h, then Tue 09:00-11:00 = 2h -> due Tue 11:00.
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="office")
    metric = first_response(sla.one(policy, ticket("15:00"), "2025-03-04 10:00"))
    assert metric["due_at"] == utc("2025-03-04 11:00")
    # Mon 15:00-17:00 (7200) + Tue 09:00-10:00 (3600)
    assert metric["elapsed_seconds"] == 10800
    assert metric["remaining_seconds"] == 3600
    assert metric["calendar"] == "office"


def test_one_day_on_a_nine_to_five_calendar_is_three_working_days(sla: Evaluator) -> None:
    # 1d = 24h of the clock = 3 x 8h: Mon, Tue, Wed 09:00-17:00; reached exactly at Wed closing.
    policy = policy_file({"default": {"first_response": "1d"}}, calendar="office")
    metric = first_response(sla.one(policy, ticket("09:00"), "2025-03-04 09:00"))
    assert metric["target_seconds"] == 86400
    assert metric["due_at"] == utc("2025-03-05 17:00")


def test_one_day_starting_at_midday_ends_at_midday_three_working_days_later(
    sla: Evaluator,
) -> None:
    # Mon 13-17 (4h) + Tue 8h + Wed 8h = 20h, Thu 09-13 (4h) = 24h -> Thu 13:00.
    policy = policy_file({"default": {"first_response": "1d"}}, calendar="office")
    metric = first_response(sla.one(policy, ticket("13:00"), "13:00"))
    assert metric["due_at"] == utc("2025-03-06 13:00")


def test_a_target_reached_exactly_at_closing_time_is_due_at_closing_time(sla: Evaluator) -> None:
    # 8h from Mon 09:00 on 09:00-17:00 ends exactly at Mon 17:00, not Tue 09:00.
    policy = policy_file({"default": {"first_response": "8h"}}, calendar="office")
    metric = first_response(sla.one(policy, ticket("09:00"), "12:00"))
    assert metric["due_at"] == utc("17:00")


def test_a_clock_starting_outside_business_time_starts_counting_at_the_next_opening(
    sla: Evaluator,
) -> None:
    # Created Sat 2025-03-08 12:00; nothing counts until Mon 2025-03-10 09:00; 1h -> Mon 10:00.
    policy = policy_file({"default": {"first_response": "1h"}}, calendar="office")
    out = sla.one(policy, ticket("2025-03-08 12:00"), "2025-03-10 09:30")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-10 10:00")
    assert metric["elapsed_seconds"] == 1800  # Mon 09:00-09:30
    assert metric["remaining_seconds"] == 1800
    assert metric["status"] == "active"
    assert out["breached"] is False


def test_business_hours_are_read_in_the_calendars_time_zone(sla: Evaluator) -> None:
    # Berlin is UTC+1 in early March 2025. Created 07:00Z = 08:00 Berlin (closed); opens at
    # 09:00 Berlin = 08:00Z; 1h -> 09:00Z. At now 08:30Z: 30 min counted.
    calendars = {"ber": {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}}
    policy = policy_file({"default": {"first_response": "1h"}}, calendar="ber", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("07:00"), "08:30"))
    assert metric["due_at"] == utc("09:00")
    assert metric["elapsed_seconds"] == 1800
    assert metric["calendar"] == "ber"


def test_a_new_york_calendar_carries_over_to_the_next_morning(sla: Evaluator) -> None:
    # New York is UTC-5 in early March 2025. Created Mon 20:00Z = 15:00 EST; 15:00-18:00 = 3h;
    # Tue 09:00-10:00 EST = 14:00Z-15:00Z -> due Tue 15:00Z.
    calendars = {"ny": {"timezone": "America/New_York", "hours": {"mon-fri": "09:00-18:00"}}}
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="ny", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("20:00"), "22:00"))
    assert metric["due_at"] == utc("2025-03-04 15:00")
    assert metric["elapsed_seconds"] == 7200  # 20:00Z-22:00Z, all inside 15:00-17:00 EST


def test_split_shifts_skip_the_lunch_break(sla: Evaluator) -> None:
    # 09-12 and 13-17. Created 11:00: 11-12 = 1h, 13-14 = 1h -> 2h due 14:00.
    calendars = {"split": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-12:00", "13:00-17:00"]}}}
    policy = policy_file(
        {"default": {"first_response": "2h"}}, calendar="split", calendars=calendars
    )
    metric = first_response(sla.one(policy, ticket("11:00"), "13:30"))
    assert metric["due_at"] == utc("14:00")
    assert metric["elapsed_seconds"] == 5400  # 11:00-12:00 + 13:00-13:30
    assert metric["remaining_seconds"] == 1800


def test_a_day_may_end_at_twenty_four_hundred(sla: Evaluator) -> None:
    # Mon 18:00-24:00 and Tue 00:00-02:00 join at midnight. Created Mon 23:00, 2h:
    # Mon 23:00-24:00 = 1h, Tue 00:00-01:00 = 1h -> due Tue 01:00.
    calendars = {"late": {"timezone": "UTC", "hours": {"mon": "18:00-24:00", "tue": "00:00-02:00"}}}
    policy = policy_file(
        {"default": {"first_response": "2h"}}, calendar="late", calendars=calendars
    )
    metric = first_response(sla.one(policy, ticket("23:00"), "23:30"))
    assert metric["due_at"] == utc("2025-03-04 01:00")
    assert metric["elapsed_seconds"] == 1800


def test_weekday_keys_may_be_single_days_and_ranges(sla: Evaluator) -> None:
    # mon-thu 09-17, fri 09-12, sat/sun closed. Created Fri 11:00: Fri 11-12 = 1h, Mon 09-11 = 2h.
    calendars = {
        "short_friday": {
            "timezone": "UTC",
            "hours": {"mon-thu": "09:00-17:00", "fri": "09:00-12:00"},
        }
    }
    policy = policy_file(
        {"default": {"first_response": "3h"}}, calendar="short_friday", calendars=calendars
    )
    metric = first_response(sla.one(policy, ticket("2025-03-07 11:00"), "2025-03-07 12:30"))
    assert metric["due_at"] == utc("2025-03-10 11:00")
    assert metric["elapsed_seconds"] == 3600


BERLIN_HOURS = {"mon-fri": "09:00-17:00"}


@pytest.mark.parametrize(
    ("holidays", "due"),
    [
        # 2024-03-08 (Fri) is Women's Day, a holiday in Berlin (BE) only. Berlin = UTC+1.
        # Thu 16:00-17:00 Berlin = 1h; Fri closed; Mon 11 09:00-10:00 Berlin -> 09:00Z.
        ({"country": "DE", "subdivision": "BE"}, "2024-03-11 09:00"),
        # Germany as a whole works that Friday: Fri 09:00-10:00 Berlin -> 09:00Z on the 8th.
        ({"country": "DE"}, "2024-03-08 09:00"),
    ],
)
def test_country_and_subdivision_holidays_close_the_calendar(
    sla: Evaluator, holidays: dict[str, str], due: str
) -> None:
    calendars = {"ber": {"timezone": "Europe/Berlin", "hours": BERLIN_HOURS, "holidays": holidays}}
    policy = policy_file({"default": {"first_response": "2h"}}, calendar="ber", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2024-03-07 15:00"), "2024-03-07 15:30"))
    assert metric["due_at"] == utc(due)


def test_easter_holidays_of_a_country_are_skipped(sla: Evaluator) -> None:
    # Berlin = UTC+2 after 30 March 2025. Good Friday 18 Apr and Easter Monday 21 Apr are closed.
    # Thu 17 Apr 16:00-17:00 CEST = 1h; Tue 22 Apr 09:00-10:00 CEST = 07:00Z-08:00Z -> due 08:00Z.
    calendars = {
        "ber": {"timezone": "Europe/Berlin", "hours": BERLIN_HOURS, "holidays": {"country": "DE"}}
    }
    policy = policy_file({"default": {"first_response": "2h"}}, calendar="ber", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-04-17 14:00"), "2025-04-17 14:30"))
    assert metric["due_at"] == utc("2025-04-22 08:00")


def test_extra_holiday_dates_close_those_days(sla: Evaluator) -> None:
    # Tue 2025-03-04 closed. Created Mon 16:00: Mon 16-17 = 1h, Wed 09-10 = 1h -> Wed 10:00.
    calendars = {"c": {**OFFICE, "holidays": {"dates": ["2025-03-04"]}}}
    policy = policy_file({"default": {"first_response": "2h"}}, calendar="c", calendars=calendars)
    out = sla.one(policy, ticket("16:00"), "2025-03-04 12:00")
    metric = first_response(out)
    assert metric["due_at"] == utc("2025-03-05 10:00")
    assert metric["elapsed_seconds"] == 3600  # only Mon 16:00-17:00 so far


def test_a_special_hours_day_shortens_that_day(sla: Evaluator) -> None:
    # Tue 2025-03-04 open only 09:00-12:00. Created Tue 11:00: 11-12 = 1h, Wed 09-10 = 1h.
    calendars = {"c": {**OFFICE, "holidays": {"hours": {"2025-03-04": "09:00-12:00"}}}}
    policy = policy_file({"default": {"first_response": "2h"}}, calendar="c", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-03-04 11:00"), "2025-03-04 11:30"))
    assert metric["due_at"] == utc("2025-03-05 10:00")


def test_a_special_hours_day_opens_a_normally_closed_day(sla: Evaluator) -> None:
    # Sat 2025-03-08 open 10:00-14:00. Created Fri 16:00: Fri 16-17 = 1h, Sat 10-11 = 1h.
    calendars = {"c": {**OFFICE, "holidays": {"hours": {"2025-03-08": "10:00-14:00"}}}}
    policy = policy_file({"default": {"first_response": "2h"}}, calendar="c", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-03-07 16:00"), "2025-03-07 16:30"))
    assert metric["due_at"] == utc("2025-03-08 11:00")


def test_an_hour_skipped_by_the_spring_dst_change_counts_zero(sla: Evaluator) -> None:
    # Berlin, Sunday 2025-03-30 open 01:00-05:00 local; clocks jump 02:00 -> 03:00, so the day
    # holds 3 real hours: 01:00 CET = 00:00Z to 05:00 CEST = 03:00Z. Target 4h: 3h that Sunday,
    # the 4th hour next Sunday 01:00-02:00 CEST = Sat 2025-04-05 23:00Z - Sun 00:00Z.
    calendars = {"ber": {"timezone": "Europe/Berlin", "hours": {"sun": "01:00-05:00"}}}
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="ber", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-03-30 00:00"), "2025-03-30 03:30"))
    assert metric["elapsed_seconds"] == 10800
    assert metric["remaining_seconds"] == 3600
    assert metric["due_at"] == utc("2025-04-06 00:00")


def test_an_hour_repeated_by_the_autumn_dst_change_counts_in_real_seconds(
    sla: Evaluator,
) -> None:
    # Berlin, Sunday 2025-10-26 open 01:00-05:00 local; clocks go back 03:00 -> 02:00, so the
    # day holds 5 real hours from 01:00 CEST = Sat 23:00Z to 05:00 CET = 04:00Z.
    # Target 4h from 23:00Z -> 03:00Z (= 04:00 CET), not 05:00 local.
    calendars = {"ber": {"timezone": "Europe/Berlin", "hours": {"sun": "01:00-05:00"}}}
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="ber", calendars=calendars)
    metric = first_response(sla.one(policy, ticket("2025-10-25 23:00"), "2025-10-26 01:00"))
    assert metric["due_at"] == utc("2025-10-26 03:00")
    assert metric["elapsed_seconds"] == 7200


def test_the_clock_stops_counting_at_the_stop_even_across_closed_time(sla: Evaluator) -> None:
    # Office calendar; created Mon 16:00, agent reply Tue 09:30 -> counted 16-17 + 09-09:30.
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="office")
    out = sla.one(policy, ticket("16:00", agent("2025-03-04 09:30")), "2025-03-05 12:00")
    metric = first_response(out)
    assert metric["status"] == "achieved"
    assert metric["stopped_at"] == utc("2025-03-04 09:30")
    assert metric["elapsed_seconds"] == 5400
    assert metric["remaining_seconds"] == 14400 - 5400
    # 16-17 Mon = 1h, Tue 09-12 = 3h -> due Tue 12:00
    assert metric["due_at"] == utc("2025-03-04 12:00")
    assert metric["breached_at"] is None


def test_a_weekend_evaluation_counts_nothing_after_friday_closing(sla: Evaluator) -> None:
    # Office 09-17, 4h. Created Fri 16:00: 1h on Friday; at Sat 12:00 still 1h used;
    # 3h left from Mon 09:00 -> Mon 12:00.
    policy = policy_file({"default": {"first_response": "4h"}}, calendar="office")
    metric = first_response(sla.one(policy, ticket("2025-03-07 16:00"), "2025-03-08 12:00"))
    assert (metric["elapsed_seconds"], metric["remaining_seconds"]) == (3600, 10800)
    assert metric["due_at"] == utc("2025-03-10 12:00")
    assert metric["status"] == "active"
