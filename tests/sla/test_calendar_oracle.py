"""The calendar engine against a brute-force oracle that walks every UTC minute through zoneinfo."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays
import pytest

from slabridge.sla.calendar import BusinessCalendar, CalendarSpec

MINUTE = 60
PAIRS_PER_WINDOW = 700
# Windows (UTC dates) that contain the DST changes of all four zones and the year-end holidays:
# New York Mar 8 / Nov 1, Berlin Mar 29 / Oct 25, Sydney Apr 5 / Oct 4 (2026).
WINDOWS = (
    (date(2026, 3, 1), date(2026, 4, 12)),
    (date(2026, 9, 27), date(2026, 11, 8)),
    (date(2026, 12, 20), date(2027, 1, 6)),
)


def hours(*spans: str) -> tuple[tuple[int, int], ...]:
    def minute(text: str) -> int:
        hh, mm = text.split(":")
        return int(hh) * 60 + int(mm)

    return tuple((minute(s.split("-")[0]), minute(s.split("-")[1])) for s in spans)


SPECS = {
    "Europe/Berlin": CalendarSpec(
        name="berlin",
        timezone="Europe/Berlin",
        weekly={
            **{day: hours("09:00-12:00", "13:00-17:00") for day in range(5)},
            5: hours("10:00-14:00", "22:00-24:00"),
            6: hours("00:00-03:30", "20:00-21:00"),  # straddles both DST changes
        },
        holiday_country="DE",
        holiday_subdivision="BE",
        closed_dates=frozenset({date(2026, 12, 31), date(2026, 3, 18)}),
        special_hours={date(2026, 12, 23): hours("09:00-12:00"), date(2026, 12, 26): ()},
    ),
    "America/New_York": CalendarSpec(
        name="new_york",
        timezone="America/New_York",
        weekly={
            **{day: hours("08:00-18:00") for day in range(5)},
            5: hours("22:00-24:00"),
            6: hours("00:00-24:00"),
        },
        holiday_country="US",
        special_hours={date(2026, 11, 26): hours("10:00-11:00")},  # Thanksgiving, a holiday
    ),
    "Australia/Sydney": CalendarSpec(
        name="sydney",
        timezone="Australia/Sydney",
        weekly={
            **{day: hours("09:00-17:30") for day in range(5)},
            6: hours("01:00-04:00", "23:00-24:00"),
        },
        holiday_country="AU",
        holiday_subdivision="NSW",
    ),
    "Asia/Kolkata": CalendarSpec(
        name="kolkata",
        timezone="Asia/Kolkata",
        weekly={day: hours("09:30-13:00", "13:30-18:00") for day in range(6)},
        holiday_country="IN",
        closed_dates=frozenset({date(2026, 3, 20)}),
    ),
}


# Stranger zones, each over a short window around its oddity: a 30-minute DST change (Lord Howe),
# changes at midnight so the local date runs backwards (Santiago), a skipped calendar day (Apia).
NIGHT_AND_DAY = hours("00:00-01:30", "09:00-17:00", "23:00-24:00")
EXOTIC = (
    ("Australia/Lord_Howe", date(2026, 4, 2), date(2026, 4, 8)),
    ("Australia/Lord_Howe", date(2026, 10, 1), date(2026, 10, 7)),
    ("America/Santiago", date(2026, 4, 2), date(2026, 4, 8)),
    ("America/Santiago", date(2026, 9, 3), date(2026, 9, 9)),
    ("Pacific/Apia", date(2011, 12, 27), date(2012, 1, 3)),
)
SPECS.update(
    {
        zone: CalendarSpec(zone, zone, {day: NIGHT_AND_DAY for day in range(7)})
        for zone, _, _ in EXOTIC
    }
)


@dataclass
class Oracle:
    """Minute-by-minute open flags and their running count over one UTC window."""

    first_minute: int
    open_flags: list[bool]
    counts: list[int]  # counts[i] = open minutes before minute first_minute + i

    def elapsed(self, start: int, end: int) -> int:
        return (self.counts[end - self.first_minute] - self.counts[start - self.first_minute]) * 60

    def due(self, start: int, seconds: int) -> int:
        wanted = seconds // MINUTE
        minute = start
        while wanted:
            wanted -= self.open_flags[minute - self.first_minute]
            minute += 1
        return minute * MINUTE


def walk(spec: CalendarSpec, first: date, last: date) -> Oracle:
    """Decide every UTC minute in [first, last) on its own, straight from the spec and zoneinfo."""
    zone = ZoneInfo(spec.timezone)
    found: dict[int, object] = {}

    def is_holiday(day: date) -> bool:
        if spec.holiday_country is None:
            return False
        if day.year not in found:
            found[day.year] = holidays.country_holidays(
                spec.holiday_country, subdiv=spec.holiday_subdivision, years=day.year
            )
        return day in found[day.year]  # type: ignore[operator]

    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    total = int((last - first).total_seconds()) // MINUTE
    flags: list[bool] = []
    for offset in range(total):
        wall = (start + timedelta(minutes=offset)).astimezone(zone)
        day = wall.date()
        if day in spec.special_hours:
            ranges = spec.special_hours[day]
        elif day in spec.closed_dates or is_holiday(day):
            ranges = ()
        else:
            ranges = spec.weekly.get(wall.weekday(), ())
        minute_of_day = wall.hour * 60 + wall.minute
        flags.append(any(a <= minute_of_day < b for a, b in ranges))
    first_minute = int(start.timestamp()) // MINUTE
    return Oracle(first_minute, flags, [0, *accumulate(flags)])


def cases() -> Iterator[tuple[str, date, date]]:
    for zone in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"):
        for first, last in WINDOWS:
            yield zone, first, last
    yield from EXOTIC


@pytest.fixture(scope="module", params=list(cases()), ids=lambda case: f"{case[0]}-{case[1]}")
def oracle_case(request: pytest.FixtureRequest) -> tuple[BusinessCalendar, Oracle]:
    zone, first, last = request.param
    spec = SPECS[zone]
    return BusinessCalendar(spec), walk(spec, first, last)


def test_elapsed_matches_the_minute_walk_on_random_ranges(
    oracle_case: tuple[BusinessCalendar, Oracle],
) -> None:
    calendar, oracle = oracle_case
    rng = random.Random(oracle.first_minute)
    span = len(oracle.open_flags)
    for _ in range(PAIRS_PER_WINDOW):
        a, b = sorted(rng.randrange(span + 1) for _ in range(2))
        if rng.random() < 0.5:  # many short ranges too, where boundaries matter most
            b = min(span, a + rng.randrange(600))
        start, end = oracle.first_minute + a, oracle.first_minute + b
        assert calendar.elapsed(start * MINUTE, end * MINUTE) == oracle.elapsed(start, end)


def test_due_matches_the_minute_walk(oracle_case: tuple[BusinessCalendar, Oracle]) -> None:
    calendar, oracle = oracle_case
    rng = random.Random(-oracle.first_minute)
    span = len(oracle.open_flags)
    for _ in range(PAIRS_PER_WINDOW):
        a = rng.randrange(span // 2)
        start = oracle.first_minute + a
        available = oracle.counts[span] - oracle.counts[a]
        seconds = rng.randrange(1, min(available, 3000) + 1) * MINUTE
        assert calendar.due(start * MINUTE, seconds) == oracle.due(start, seconds)


def test_is_open_and_intervals_match_the_minute_walk(
    oracle_case: tuple[BusinessCalendar, Oracle],
) -> None:
    calendar, oracle = oracle_case
    start = oracle.first_minute
    end = start + len(oracle.open_flags)
    rng = random.Random(start)
    for _ in range(PAIRS_PER_WINDOW):
        index = rng.randrange(len(oracle.open_flags))
        assert calendar.is_open((start + index) * MINUTE) == oracle.open_flags[index]
    runs: list[tuple[float, float]] = []
    for index, is_open in enumerate(oracle.open_flags):
        minute = (start + index) * MINUTE
        if is_open and runs and runs[-1][1] == minute:
            runs[-1] = (runs[-1][0], minute + MINUTE)
        elif is_open:
            runs.append((minute, minute + MINUTE))
    assert calendar.intervals(start * MINUTE, end * MINUTE) == runs
