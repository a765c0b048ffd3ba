"""Unit tests for business calendars: hours, holidays, special days, DST and due times."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from slabridge.sla.calendar import (
    BusinessCalendar,
    CalendarSpec,
    NoBusinessTimeError,
    compile_calendar,
    has_recurring_hours,
    holiday_support,
    validate_timezone,
)

HOUR = 3600.0
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"
WEEKDAYS = range(5)
SPLIT_SHIFT = ((9 * 60, 12 * 60), (13 * 60, 17 * 60))


def at(local: str, zone: str = BERLIN) -> float:
    """Epoch seconds of a local wall time (first occurrence when ambiguous)."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).timestamp()


def local(instant: float, zone: str = BERLIN) -> str:
    return datetime.fromtimestamp(instant, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def berlin_office(**extra: object) -> BusinessCalendar:
    spec = CalendarSpec(
        name="berlin",
        timezone=BERLIN,
        weekly={day: SPLIT_SHIFT for day in WEEKDAYS},
        **extra,  # type: ignore[arg-type]
    )
    return BusinessCalendar(spec)


def every_day(zone: str, ranges: tuple[tuple[int, int], ...]) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec("daily", zone, {day: ranges for day in range(7)}))


def always(zone: str = BERLIN, **extra: object) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec("always", zone, always=True, **extra))  # type: ignore[arg-type]


# -- weekly hours ---------------------------------------------------------------------------


def test_split_shift_day_counts_only_the_open_hours() -> None:
    calendar = berlin_office()
    assert calendar.elapsed(at("2026-11-23T00:00"), at("2026-11-24T00:00")) == 7 * HOUR
    assert calendar.elapsed(at("2026-11-23T11:00"), at("2026-11-23T14:00")) == 2 * HOUR


def test_lunch_break_is_not_business_time() -> None:
    calendar = berlin_office()
    assert calendar.elapsed(at("2026-11-23T12:00"), at("2026-11-23T13:00")) == 0.0
    assert not calendar.is_open(at("2026-11-23T12:30"))
    assert calendar.is_open(at("2026-11-23T13:00"))
    assert not calendar.is_open(at("2026-11-23T17:00"))


def test_weekend_is_closed_and_a_week_has_five_working_days() -> None:
    calendar = berlin_office()
    assert calendar.elapsed(at("2026-11-28T00:00"), at("2026-11-30T00:00")) == 0.0
    assert calendar.elapsed(at("2026-11-23T00:00"), at("2026-11-30T00:00")) == 35 * HOUR


def test_elapsed_is_zero_for_empty_or_backwards_ranges() -> None:
    calendar = berlin_office()
    assert calendar.elapsed(at("2026-11-23T10:00"), at("2026-11-23T10:00")) == 0.0
    assert calendar.elapsed(at("2026-11-23T11:00"), at("2026-11-23T10:00")) == 0.0


def test_fractional_seconds_are_counted_exactly() -> None:
    calendar = berlin_office()
    start = at("2026-11-23T09:00") + 0.25
    assert calendar.elapsed(start, start + 10.5) == pytest.approx(10.5, abs=1e-9)


def test_weekly_ranges_are_validated() -> None:
    with pytest.raises(ValueError, match="0 <= start < end <= 1440"):
        BusinessCalendar(CalendarSpec("bad", BERLIN, {0: ((600, 540),)}))
    with pytest.raises(ValueError, match="must not overlap"):
        BusinessCalendar(CalendarSpec("bad", BERLIN, {0: ((540, 720), (700, 800))}))
    with pytest.raises(ValueError, match="weekday 7"):
        BusinessCalendar(CalendarSpec("bad", BERLIN, {7: ((540, 720),)}))


# -- 24x7 and 24:00 -------------------------------------------------------------------------


def test_always_calendar_counts_every_second() -> None:
    calendar = always("UTC")
    start = at("2026-01-01T00:00", "UTC")
    assert calendar.elapsed(start, start + 10 * 86400) == 10 * 86400
    assert calendar.intervals(start, start + 3 * 86400) == [(start, start + 3 * 86400)]


def test_range_ending_at_2400_merges_with_next_days_midnight() -> None:
    calendar = BusinessCalendar(
        CalendarSpec("late", BERLIN, {0: ((20 * 60, 1440),), 1: ((0, 2 * 60),)})
    )
    monday_evening = at("2026-11-23T20:00")
    tuesday_night = at("2026-11-24T02:00")
    assert calendar.intervals(monday_evening - HOUR, tuesday_night + HOUR) == [
        (monday_evening, tuesday_night)
    ]
    assert calendar.elapsed(monday_evening, tuesday_night) == 6 * HOUR


def test_due_at_midnight_on_24x7_is_midnight_not_later() -> None:
    calendar = always("UTC")
    start = at("2026-11-23T22:00", "UTC")
    assert calendar.due(start, 2 * HOUR) == at("2026-11-24T00:00", "UTC")


def test_intervals_merge_across_year_boundaries() -> None:
    calendar = always(BERLIN)
    start, end = at("2026-12-31T00:00"), at("2027-01-02T00:00")
    assert calendar.intervals(start, end) == [(start, end)]


# -- due times ------------------------------------------------------------------------------


def test_due_reached_exactly_at_closing_time_is_closing_time() -> None:
    calendar = berlin_office()
    assert calendar.due(at("2026-11-23T16:00"), HOUR) == at("2026-11-23T17:00")
    assert calendar.due(at("2026-11-23T11:00"), HOUR) == at("2026-11-23T12:00")


def test_due_one_second_past_closing_rolls_to_next_opening() -> None:
    calendar = berlin_office()
    assert calendar.due(at("2026-11-23T16:00"), HOUR + 1) == at("2026-11-24T09:00:01")
    assert calendar.due(at("2026-11-23T11:00"), HOUR + 1) == at("2026-11-23T13:00:01")


def test_clock_starting_outside_business_time_starts_at_next_opening() -> None:
    calendar = berlin_office()
    saturday = at("2026-11-28T15:00")
    assert calendar.next_open(saturday) == at("2026-11-30T09:00")
    assert calendar.due(saturday, 4 * HOUR) == at("2026-11-30T14:00")
    assert calendar.elapsed(saturday, at("2026-11-30T10:00")) == HOUR


def test_next_open_returns_the_instant_itself_inside_business_time() -> None:
    calendar = berlin_office()
    inside = at("2026-11-23T10:30")
    assert calendar.next_open(inside) == inside
    assert calendar.next_open(at("2026-11-23T12:00")) == at("2026-11-23T13:00")


def test_due_with_zero_or_negative_seconds_is_the_start() -> None:
    calendar = berlin_office()
    saturday = at("2026-11-28T15:00")
    assert calendar.due(saturday, 0) == saturday
    assert calendar.due(saturday, -5) == saturday


def test_due_far_ahead_extends_the_calendar_lazily() -> None:
    calendar = berlin_office(holiday_country="DE", holiday_subdivision="BE")
    start = at("2026-11-23T09:00")
    due = calendar.due(start, 30 * 7 * HOUR)  # 30 working days
    # Dec 25 and 26 (Sat) and Jan 1 are holidays; 30 working days from Mon Nov 23 9:00.
    assert local(due) == "2027-01-05 17:00:00"
    assert calendar.elapsed(start, due) == 30 * 7 * HOUR


def test_due_years_ahead_and_years_back_both_work() -> None:
    calendar = berlin_office(holiday_country="DE", holiday_subdivision="BE")
    assert calendar.elapsed(at("2026-11-23T00:00"), at("2026-11-24T00:00")) == 7 * HOUR
    start = at("1999-03-01T09:00")
    due = calendar.due(start, 10 * 7 * HOUR)
    assert local(due) == "1999-03-12 17:00:00"
    future = calendar.due(at("2060-06-01T09:00"), 7 * HOUR)
    assert local(future) == "2060-06-01 17:00:00"
    assert calendar.elapsed(at("1999-03-01T00:00"), at("1999-03-02T00:00")) == 7 * HOUR


def test_due_on_a_calendar_without_any_hours_raises() -> None:
    calendar = BusinessCalendar(CalendarSpec("never", "UTC", {}))
    assert not has_recurring_hours(calendar.spec)
    with pytest.raises(NoBusinessTimeError, match="never"):
        calendar.due(at("2026-01-01T00:00", "UTC"), 60)
    assert calendar.next_open(at("2026-01-01T00:00", "UTC")) == math.inf
    assert calendar.elapsed(at("2026-01-01T00:00", "UTC"), at("2027-01-01T00:00", "UTC")) == 0.0


def test_due_past_the_last_special_day_of_an_hourless_calendar_raises() -> None:
    special = {date(2026, 12, 23): ((9 * 60, 12 * 60),)}
    calendar = BusinessCalendar(CalendarSpec("oneday", BERLIN, {}, special_hours=special))
    start = at("2026-12-01T00:00")
    assert calendar.due(start, 3 * HOUR) == at("2026-12-23T12:00")
    assert calendar.next_open(start) == at("2026-12-23T09:00")
    with pytest.raises(NoBusinessTimeError):
        calendar.due(start, 3 * HOUR + 1)
    assert calendar.next_open(at("2026-12-23T12:00")) == math.inf


def test_instants_outside_the_supported_years_are_rejected() -> None:
    calendar = berlin_office()
    with pytest.raises(ValueError, match="supported years"):
        calendar.elapsed(0.0, math.inf)
    with pytest.raises(ValueError, match="supported years"):
        calendar.is_open(math.nan)
    with pytest.raises(NoBusinessTimeError, match="9998"):
        calendar.due(at("2026-01-01T00:00"), 1e15)


# -- holidays, closed dates, special hours --------------------------------------------------


def test_german_holidays_close_the_whole_day() -> None:
    calendar = berlin_office(holiday_country="DE", holiday_subdivision="BE")
    # 2026-10-02 is a Friday, 2026-10-03 (Unity Day) a Saturday: use 2025-10-03 (a Friday) too.
    assert calendar.elapsed(at("2025-10-03T00:00"), at("2025-10-04T00:00")) == 0.0
    assert calendar.elapsed(at("2026-12-25T00:00"), at("2026-12-26T00:00")) == 0.0
    assert calendar.elapsed(at("2026-12-24T00:00"), at("2026-12-25T00:00")) == 7 * HOUR
    # Berlin's own holiday: International Women's Day, 2027-03-08 is a Monday.
    assert calendar.elapsed(at("2027-03-08T00:00"), at("2027-03-09T00:00")) == 0.0


def test_a_holiday_on_a_24x7_calendar_leaves_a_hole() -> None:
    calendar = always(BERLIN, holiday_country="DE", holiday_subdivision="BE")
    assert calendar.elapsed(at("2026-10-02T00:00"), at("2026-10-05T00:00")) == 48 * HOUR
    assert calendar.intervals(at("2026-10-02T12:00"), at("2026-10-04T12:00")) == [
        (at("2026-10-02T12:00"), at("2026-10-03T00:00")),
        (at("2026-10-04T00:00"), at("2026-10-04T12:00")),
    ]


def test_subdivision_holidays_differ_between_states() -> None:
    bavaria = berlin_office(holiday_country="DE", holiday_subdivision="BY")
    berlin = berlin_office(holiday_country="DE", holiday_subdivision="BE")
    epiphany = (at("2027-01-06T00:00"), at("2027-01-07T00:00"))  # a Wednesday
    assert bavaria.elapsed(*epiphany) == 0.0
    assert berlin.elapsed(*epiphany) == 7 * HOUR


def test_closed_dates_close_the_day() -> None:
    calendar = berlin_office(closed_dates=frozenset({date(2026, 12, 31)}))
    assert calendar.elapsed(at("2026-12-31T00:00"), at("2027-01-01T00:00")) == 0.0
    assert calendar.elapsed(at("2026-12-30T00:00"), at("2026-12-31T00:00")) == 7 * HOUR


def test_special_hours_replace_the_day_even_on_a_holiday_or_weekend() -> None:
    special = {
        date(2026, 12, 23): ((9 * 60, 12 * 60),),
        date(2026, 12, 25): ((10 * 60, 11 * 60),),  # Christmas Day, a holiday
        date(2026, 11, 28): ((10 * 60, 14 * 60),),  # a Saturday
        date(2026, 11, 30): (),  # a Monday, closed
    }
    calendar = berlin_office(holiday_country="DE", special_hours=special)
    assert calendar.elapsed(at("2026-12-23T00:00"), at("2026-12-24T00:00")) == 3 * HOUR
    assert calendar.elapsed(at("2026-12-25T00:00"), at("2026-12-26T00:00")) == HOUR
    assert calendar.elapsed(at("2026-11-28T00:00"), at("2026-11-29T00:00")) == 4 * HOUR
    assert calendar.elapsed(at("2026-11-30T00:00"), at("2026-12-01T00:00")) == 0.0
    assert calendar.due(at("2026-12-23T11:00"), HOUR) == at("2026-12-23T12:00")


def test_intervals_lists_the_clipped_business_intervals() -> None:
    calendar = berlin_office(holiday_country="DE", holiday_subdivision="BE")
    got = calendar.intervals(at("2026-12-24T10:00"), at("2026-12-28T10:30"))
    assert [(local(a), local(b)) for a, b in got] == [
        ("2026-12-24 10:00:00", "2026-12-24 12:00:00"),
        ("2026-12-24 13:00:00", "2026-12-24 17:00:00"),
        ("2026-12-28 09:00:00", "2026-12-28 10:30:00"),
    ]
    assert calendar.intervals(at("2026-12-26T00:00"), at("2026-12-27T00:00")) == []
    assert calendar.intervals(at("2026-12-28T10:00"), at("2026-12-28T09:00")) == []


# -- DST ------------------------------------------------------------------------------------


def test_24x7_berlin_spring_forward_day_has_23_hours() -> None:
    calendar = always(BERLIN)
    assert calendar.elapsed(at("2026-03-29T00:00"), at("2026-03-30T00:00")) == 23 * HOUR
    assert calendar.elapsed(at("2026-10-25T00:00"), at("2026-10-26T00:00")) == 25 * HOUR


def test_new_york_full_day_calendar_counts_25_hours_on_fall_back() -> None:
    calendar = every_day(NEW_YORK, ((0, 1440),))
    fall_back = (at("2026-11-01T00:00", NEW_YORK), at("2026-11-02T00:00", NEW_YORK))
    assert calendar.elapsed(*fall_back) == 25 * HOUR
    spring = (at("2026-03-08T00:00", NEW_YORK), at("2026-03-09T00:00", NEW_YORK))
    assert calendar.elapsed(*spring) == 23 * HOUR


def test_fall_back_hour_is_counted_twice_in_real_seconds() -> None:
    calendar = every_day(NEW_YORK, ((60, 180),))  # 01:00-03:00 local
    day = (at("2026-11-01T00:00", NEW_YORK), at("2026-11-02T00:00", NEW_YORK))
    assert calendar.elapsed(*day) == 3 * HOUR
    assert calendar.intervals(*day) == [
        (at("2026-11-01T01:00", NEW_YORK), at("2026-11-01T03:00", NEW_YORK))
    ]


def test_slot_skipped_by_spring_forward_counts_zero() -> None:
    calendar = every_day(BERLIN, ((120, 180),))  # 02:00-03:00 local
    spring_day = (at("2026-03-29T00:00"), at("2026-03-30T00:00"))
    assert calendar.elapsed(*spring_day) == 0.0
    assert calendar.elapsed(at("2026-03-28T00:00"), at("2026-03-29T00:00")) == HOUR


def test_boundary_inside_the_spring_forward_gap_maps_to_the_gap_end() -> None:
    calendar = every_day(BERLIN, ((150, 300),))  # 02:30-05:00 local
    transition = datetime(2026, 3, 29, 1, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    got = calendar.intervals(at("2026-03-29T00:00"), at("2026-03-30T00:00"))
    assert got == [(transition, at("2026-03-29T05:00"))]
    closing_in_gap = every_day(BERLIN, ((60, 150),))  # 01:00-02:30 local
    got = closing_in_gap.intervals(at("2026-03-29T00:00"), at("2026-03-30T00:00"))
    assert got == [(at("2026-03-29T01:00"), transition)]


def test_sydney_dst_changes_in_april_and_october() -> None:
    calendar = always(SYDNEY)
    april = (at("2026-04-05T00:00", SYDNEY), at("2026-04-06T00:00", SYDNEY))
    october = (at("2026-10-04T00:00", SYDNEY), at("2026-10-05T00:00", SYDNEY))
    assert calendar.elapsed(*april) == 25 * HOUR
    assert calendar.elapsed(*october) == 23 * HOUR
    assert calendar.elapsed(at("2026-07-01T00:00", SYDNEY), at("2026-07-02T00:00", SYDNEY)) == (
        24 * HOUR
    )


def test_kolkata_half_hour_offset_hours_line_up_with_local_time() -> None:
    calendar = every_day(KOLKATA, ((9 * 60 + 30, 18 * 60),))
    opening = calendar.next_open(at("2026-06-01T00:00", KOLKATA))
    assert opening == datetime(2026, 6, 1, 4, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    assert calendar.due(opening, 8.5 * HOUR) == at("2026-06-01T18:00", KOLKATA)


def test_business_day_across_spring_forward_keeps_its_local_hours() -> None:
    calendar = every_day(NEW_YORK, ((9 * 60, 17 * 60),))
    assert calendar.due(at("2026-03-07T16:00", NEW_YORK), 2 * HOUR) == at(
        "2026-03-08T10:00", NEW_YORK
    )


# -- compile_calendar and config helpers ----------------------------------------------------


def test_compile_calendar_shares_one_instance_for_equal_specs() -> None:
    first = compile_calendar(CalendarSpec("x", BERLIN, {0: ((540, 1020),)}))
    second = compile_calendar(CalendarSpec("x", BERLIN, {0: ((540, 1020),)}))
    other = compile_calendar(CalendarSpec("x", BERLIN, {1: ((540, 1020),)}))
    assert first is second
    assert other is not first
    assert first.name == "x" and first.zone == ZoneInfo(BERLIN)


def test_validate_timezone_accepts_iana_names_only() -> None:
    assert validate_timezone("Europe/Berlin")
    assert validate_timezone("UTC")
    assert not validate_timezone("Europe/Atlantis")
    assert not validate_timezone("")
    assert not validate_timezone("../../etc/passwd")


def test_holiday_support_explains_what_is_valid() -> None:
    assert holiday_support("DE", "BE") is None
    assert holiday_support("US", None) is None
    country_error = holiday_support("XX", None)
    assert country_error is not None and "unknown holiday country 'XX'" in country_error
    subdivision_error = holiday_support("DE", "ZZ")
    assert subdivision_error is not None
    assert "unknown subdivision 'ZZ' for DE" in subdivision_error and "BE" in subdivision_error


def test_count_cycle_gives_exactly_what_the_single_queries_give() -> None:
    """The engine's one-call cycle count equals elapsed/due composed query by query."""
    import random

    calendar = berlin_office()
    rng = random.Random(11)
    base = at("2026-03-02 08:00")
    for _ in range(3000):
        cuts = sorted(base + rng.uniform(0, 40 * 86400) for _ in range(rng.choice((2, 4, 6))))
        segments = list(zip(cuts[::2], cuts[1::2], strict=True))
        target = rng.choice((900.0, 3600.0, 4 * 3600.0, 30 * 3600.0))
        until = rng.choice((None, segments[-1][1]))
        threshold = rng.choice((None, 0.75 * target))
        elapsed, due, warn = calendar.count_cycle(segments, target, until, threshold)

        expected_elapsed = 0.0
        expected_due = None
        for start, end in segments:
            part = calendar.elapsed(start, end)
            if expected_due is None and expected_elapsed + part >= target:
                expected_due = calendar.due(start, target - expected_elapsed)
            expected_elapsed += part
        if expected_due is None and until is not None:
            expected_due = calendar.due(until, target - expected_elapsed)
        expected_warn = None
        if (
            threshold is not None
            and until is not None
            and expected_elapsed < threshold
            and (expected_due is None or expected_due >= until)
        ):
            expected_warn = calendar.due(until, threshold - expected_elapsed)
        assert elapsed == pytest.approx(expected_elapsed, abs=1e-6)
        assert due == (None if expected_due is None else pytest.approx(expected_due, abs=1e-6))
        assert warn == (None if expected_warn is None else pytest.approx(expected_warn, abs=1e-6))
