"""Report periods: `2026-10` (month), `2026-W43` (ISO week), `2026-Q4` (quarter)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from slabridge.errors import InputError

PeriodKind = Literal["week", "month", "quarter"]
_KIND_ORDER: dict[str, int] = {"week": 0, "month": 1, "quarter": 2}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(InputError, ValueError):
    """A period that cannot be parsed; says what would be valid."""


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span [start, end) of local calendar days, held as UTC instants."""

    kind: PeriodKind
    label: str
    first_day: date
    end_day: date  # exclusive
    zone: tzinfo

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return _midnight(self.end_day, self.zone)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_period(text: str, zone: tzinfo = UTC) -> Period:
    """Parse `YYYY-MM`, `YYYY-Www` or `YYYY-Qn`; days start at local midnight in `zone`."""
    value = text.strip()
    if found := _MONTH.match(value):
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r}: month must be 01..12")
        return month_period(year, month, zone)
    if found := _WEEK.match(value):
        year, week = int(found.group(1)), int(found.group(2))
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise PeriodError(f"{text!r}: {year} has no ISO week {week}") from None
        return week_period(monday, zone)
    if found := _QUARTER.match(value):
        return quarter_period(int(found.group(1)), int(found.group(2)), zone)
    raise PeriodError(
        f"{text!r} is not a period (use a month like 2026-10, an ISO week like 2026-W43 "
        "or a quarter like 2026-Q4)"
    )


def month_period(year: int, month: int, zone: tzinfo = UTC) -> Period:
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period("month", f"{year:04d}-{month:02d}", first, following, zone)


def week_period(monday: date, zone: tzinfo = UTC) -> Period:
    year, week, _ = monday.isocalendar()
    return Period("week", f"{year:04d}-W{week:02d}", monday, monday + timedelta(days=7), zone)


def quarter_period(year: int, quarter: int, zone: tzinfo = UTC) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period("quarter", f"{year:04d}-Q{quarter}", first, following, zone)


def period_containing(kind: PeriodKind, day: date, zone: tzinfo = UTC) -> Period:
    """The week, month or quarter that holds a local calendar day."""
    if kind == "week":
        return week_period(day - timedelta(days=day.weekday()), zone)
    if kind == "month":
        return month_period(day.year, day.month, zone)
    return quarter_period(day.year, (day.month - 1) // 3 + 1, zone)


def weeks_of(period: Period) -> list[Period]:
    """The ISO weeks that overlap a period, oldest first (the first and last may stick out)."""
    weeks: list[Period] = []
    week = period_containing("week", period.first_day, period.zone)
    while week.first_day < period.end_day:
        weeks.append(week)
        week = week_period(week.end_day, period.zone)
    return weeks


@dataclass(frozen=True, slots=True)
class Window:
    """A span a goal is judged over: [start, end), labelled, and whether it is partial."""

    label: str
    start: datetime
    end: datetime
    partial: bool


def goal_windows(kind: PeriodKind, report: Period) -> list[Window]:
    """Where a goal with period `kind` is judged inside a report over `report`.

    Same kind: the report period. A shorter goal period (weekly goal, monthly report): each of
    its periods clipped to the report period (clipped ones are marked partial). A longer goal period
    (quarterly goal, monthly report): the goal period up to the report's end (to date, partial).
    """
    if kind == report.kind:
        return [Window(report.label, report.start, report.end, False)]
    if _KIND_ORDER[kind] < _KIND_ORDER[report.kind]:
        windows: list[Window] = []
        current = period_containing(kind, report.first_day, report.zone)
        while current.first_day < report.end_day:
            start = max(current.start, report.start)
            end = min(current.end, report.end)
            windows.append(
                Window(current.label, start, end, (start, end) != (current.start, current.end))
            )
            current = period_containing(kind, current.end_day, report.zone)
        return windows
    outer = period_containing(kind, report.first_day, report.zone)
    end = min(outer.end, report.end)
    return [Window(f"{outer.label} to {report.label}", outer.start, end, end != outer.end)]


__all__ = [
    "Period",
    "PeriodError",
    "PeriodKind",
    "Window",
    "goal_windows",
    "month_period",
    "parse_period",
    "period_containing",
    "quarter_period",
    "week_period",
    "weeks_of",
]
