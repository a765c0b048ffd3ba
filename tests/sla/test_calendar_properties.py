"""Property tests: elapsed and due are consistent, additive and monotone in every time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from slabridge.sla.calendar import BusinessCalendar, CalendarSpec

SPLIT = ((9 * 60, 12 * 60), (13 * 60, 17 * 60))
NIGHT = ((0, 3 * 60 + 30), (22 * 60, 1440))  # touches midnight and the DST hours
CALENDARS = [
    BusinessCalendar(
        CalendarSpec(
            "berlin",
            "Europe/Berlin",
            {**{day: SPLIT for day in range(5)}, 6: NIGHT},
            holiday_country="DE",
            holiday_subdivision="BE",
            special_hours={date(2026, 12, 23): ((9 * 60, 12 * 60),)},
        )
    ),
    BusinessCalendar(CalendarSpec("new_york", "America/New_York", {d: NIGHT for d in range(7)})),
    BusinessCalendar(CalendarSpec("sydney", "Australia/Sydney", always=True, holiday_country="AU")),
    BusinessCalendar(
        CalendarSpec("kolkata", "Asia/Kolkata", {d: ((9 * 60 + 30, 18 * 60),) for d in range(6)})
    ),
]
LOW = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
HIGH = datetime(2028, 1, 1, tzinfo=UTC).timestamp()
TOLERANCE = 1e-6

calendars = st.sampled_from(CALENDARS)
instants = st.floats(min_value=LOW, max_value=HIGH, allow_nan=False)
# Instants on exact minute and hour boundaries hit interval edges, where bugs live.
edges = st.integers(min_value=int(LOW) // 3600, max_value=int(HIGH) // 3600).map(
    lambda hour: float(hour * 3600)
)
points = st.one_of(instants, edges)
amounts = st.floats(min_value=0.0, max_value=60 * 86400.0, allow_nan=False)
SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(calendars, points, points, points)
def test_elapsed_is_additive_over_split_points(
    calendar: BusinessCalendar, a: float, b: float, c: float
) -> None:
    a, b, c = sorted((a, b, c))
    whole = calendar.elapsed(a, c)
    assert abs(whole - (calendar.elapsed(a, b) + calendar.elapsed(b, c))) <= TOLERANCE


@SETTINGS
@given(calendars, points, points)
def test_elapsed_is_never_negative_nor_more_than_real_time(
    calendar: BusinessCalendar, a: float, b: float
) -> None:
    assert 0.0 <= calendar.elapsed(a, b) <= max(0.0, b - a) + TOLERANCE


@SETTINGS
@given(calendars, points, points)
def test_due_of_the_elapsed_time_is_not_after_the_end(
    calendar: BusinessCalendar, start: float, end: float
) -> None:
    start, end = sorted((start, end))
    assert calendar.due(start, calendar.elapsed(start, end)) <= end + TOLERANCE


@SETTINGS
@given(calendars, points, amounts)
def test_elapsed_until_due_is_the_target(
    calendar: BusinessCalendar, start: float, seconds: float
) -> None:
    due = calendar.due(start, seconds)
    assert due >= start
    if seconds > 0:
        assert abs(calendar.elapsed(start, due) - seconds) <= TOLERANCE
        # ... and the first such instant: a millisecond earlier the target was not yet reached.
        assert calendar.elapsed(start, due - 1e-3) < seconds


@SETTINGS
@given(calendars, points, points, points)
def test_elapsed_grows_with_the_end(
    calendar: BusinessCalendar, start: float, end1: float, end2: float
) -> None:
    end1, end2 = sorted((end1, end2))
    assert calendar.elapsed(start, end1) <= calendar.elapsed(start, end2)


@SETTINGS
@given(calendars, points, amounts, amounts)
def test_due_grows_with_the_target(
    calendar: BusinessCalendar, start: float, first: float, second: float
) -> None:
    first, second = sorted((first, second))
    assert calendar.due(start, first) <= calendar.due(start, second)


@SETTINGS
@given(calendars, points, points)
def test_intervals_sum_to_elapsed_and_lie_in_business_time(
    calendar: BusinessCalendar, a: float, b: float
) -> None:
    a, b = sorted((a, b))
    pieces = calendar.intervals(a, b)
    assert abs(sum(end - start for start, end in pieces) - calendar.elapsed(a, b)) <= TOLERANCE
    for start, end in pieces:
        assert a <= start < end <= b
        assert calendar.is_open(start)
        assert calendar.next_open(start) == start


@SETTINGS
@given(calendars, points)
def test_next_open_is_open_and_nothing_opens_before_it(
    calendar: BusinessCalendar, at: float
) -> None:
    opening = calendar.next_open(at)
    assert opening >= at
    assert calendar.is_open(opening)
    assert calendar.elapsed(at, opening) == 0.0
