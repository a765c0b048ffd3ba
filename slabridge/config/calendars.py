"""The ``calendars:`` section: time zone, weekly hours, holidays and special hours."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slabridge.config.checking import Checker, FromEnv, key_path, show_value
from slabridge.sla.calendar import CalendarSpec, holiday_support, validate_timezone

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

_Week = dict[int, tuple[tuple[int, int], ...]]  # weekday -> opening ranges in minutes
_Special = dict[date, tuple[tuple[int, int], ...]]  # date -> that day's ranges in minutes
_Holidays = tuple[str | None, str | None, frozenset[date], _Special]


class CalendarChecks(Checker):
    """Checks ``calendars:`` into engine-ready :class:`CalendarSpec` objects."""

    def calendars(self, raw: Any) -> dict[str, CalendarSpec]:
        data = self.mapping(raw, "calendars", "a mapping of calendar names")
        out: dict[str, CalendarSpec] = {}
        for name, body in (data or {}).items():
            spec = self.calendar(name, body, f"calendars.{name}")
            if spec is not None:
                out[name] = spec
        return out

    def calendar(self, name: str, raw: Any, path: str) -> CalendarSpec | None:
        data = self.mapping(raw, path)
        if data is None:
            return None
        self.known_keys(data, path, ("timezone", "hours", "holidays"))
        hours = data.get("hours")
        always = isinstance(hours, str) and hours.strip().lower() in ("24x7", "24/7")
        timezone = self.calendar_timezone(data, path, always)
        weekly = self.calendar_hours(hours, path, always)
        holidays: _Holidays | None = (None, None, frozenset(), {})
        if "holidays" in data:
            holidays = self.holidays(data["holidays"], key_path(path, "holidays"))
        if timezone is None or weekly is None or holidays is None:
            return None
        country, subdivision, closed, special = holidays
        return CalendarSpec(
            name=name,
            timezone=timezone,
            weekly=weekly,
            always=always,
            holiday_country=country,
            holiday_subdivision=subdivision,
            closed_dates=closed,
            special_hours=special,
        )

    def calendar_timezone(self, data: dict[str, Any], path: str, always: bool) -> str | None:
        """The calendar's IANA time zone, or None (and an issue) when missing or unknown."""
        timezone = data.get("timezone")
        if timezone is None and always and "holidays" not in data:
            return "UTC"  # a 24x7 calendar without holidays is the same in every zone
        if timezone is None:
            self.add(key_path(path, "timezone"), "required (an IANA name such as Europe/Berlin)")
            return None
        if not isinstance(timezone, str) or not validate_timezone(timezone):
            self.add(
                key_path(path, "timezone"),
                f"{show_value(timezone)} is not an IANA time zone (e.g. Europe/Berlin, UTC)",
            )
            return None
        return timezone

    def calendar_hours(self, hours: Any, path: str, always: bool) -> _Week | None:
        """The weekly opening hours (empty for 24x7), or None (and an issue) when invalid."""
        if hours is None:
            self.add(key_path(path, "hours"), "required (e.g. {mon-fri: '09:00-17:00'} or 24x7)")
            return None
        if always:
            return {}
        weekly = self.weekly(hours, key_path(path, "hours"))
        if weekly is not None and not any(weekly.values()):
            self.add(key_path(path, "hours"), "the calendar is never open")
            return None
        return weekly

    def weekly(self, raw: Any, path: str) -> _Week | None:
        if isinstance(raw, str):
            self.add(
                path, f"{show_value(raw)} is not a week of hours (use 24x7 or a mapping of days)"
            )
            return None
        data = self.mapping(raw, path, "24x7 or a mapping like {mon-fri: '09:00-17:00'}")
        if data is None:
            return None
        out: _Week = {}
        ok = True
        for key, value in data.items():
            where = key_path(path, key)
            days = self.days(key, where)
            ranges = self.ranges(value, where)
            if days is None or ranges is None:
                ok = False
                continue
            for day in days:
                if day in out:
                    self.add(where, f"{WEEKDAYS[day]} is given more than once")
                    ok = False
                out[day] = ranges
        return out if ok else None

    def days(self, key: str, path: str) -> list[int] | None:
        days: list[int] = []
        for part in key.lower().replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
                self.add(
                    path,
                    f"{key!r} is not a day or day range (use mon..sun, e.g. mon-fri, sat, sat,sun)",
                )
                return None
            a = WEEKDAYS.index(first)
            b = WEEKDAYS.index(last) if dash else a
            day = a
            days.append(day)
            while day != b:  # a range may wrap around the week: fri-mon
                day = (day + 1) % 7
                days.append(day)
        return days

    def ranges(self, raw: Any, path: str) -> tuple[tuple[int, int], ...] | None:
        if isinstance(raw, str) and raw.strip().lower() == "closed":
            return ()
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            self.add(path, "expected 'HH:MM-HH:MM', a list of them, or closed")
            return None
        parsed: list[tuple[int, int, str]] = []
        ok = True
        for item in items:
            found = _RANGE.match(item)
            if found is None:
                self.add(
                    path,
                    f"{show_value(item)} is not a time range (use HH:MM-HH:MM, e.g. 09:00-17:00)",
                )
                ok = False
                continue
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
                self.add(
                    path, f"{show_value(item)} has a time that does not exist (00:00 to 24:00)"
                )
                ok = False
                continue
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if end <= start:
                self.add(
                    path,
                    f"{show_value(item)} runs backwards (end must be after start; split a night "
                    "shift over two days, e.g. 22:00-24:00 and 00:00-06:00)",
                )
                ok = False
                continue
            parsed.append((start, end, item.strip()))
        parsed.sort()
        merged: list[tuple[int, int]] = []
        for index, (start, end, label) in enumerate(parsed):
            if index and start < parsed[index - 1][1]:
                self.add(path, f"{label!r} overlaps {parsed[index - 1][2]!r}")
                ok = False
                continue
            if merged and merged[-1][1] == start:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return tuple(merged) if ok else None

    def a_date(self, raw: Any, path: str) -> date | None:
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                pass
        self.add(path, f"{show_value(raw)} is not a date (use YYYY-MM-DD)")
        return None

    def holidays(self, raw: Any, path: str) -> _Holidays | None:
        data = self.mapping(raw, path)
        if data is None:
            return None
        self.known_keys(data, path, ("country", "subdivision", "dates", "hours"))
        region = self.holiday_region(data, path)
        closed, dates_ok = self.closed_dates(data.get("dates"), key_path(path, "dates"))
        special = self.special_hours(data.get("hours"), key_path(path, "hours"), closed)
        if region is None or not dates_ok or special is None:
            return None
        country, subdivision = region
        return country, subdivision, frozenset(closed), special

    def holiday_country(self, raw: Any, path: str) -> tuple[str | None, bool]:
        """``holidays.country`` as an upper-case code, and whether it was valid."""
        if isinstance(raw, str):
            return raw.strip().upper(), True  # ISO 3166 codes; `de` means DE
        if raw is not None:
            self.add(key_path(path, "country"), "expected a country code such as DE")
            return None, False
        return None, True

    def holiday_subdivision(self, raw: Any, path: str) -> tuple[str | None, bool]:
        """``holidays.subdivision`` as text, and whether it was valid."""
        if isinstance(raw, bool) or not isinstance(raw, str | int | None):
            self.add(key_path(path, "subdivision"), "expected a subdivision code such as BE or NY")
            return None, False
        if raw is not None and not isinstance(raw, str):
            return str(raw), True  # numeric codes, e.g. 75 for Paris
        return raw, True

    def holiday_region(
        self, data: dict[str, Any], path: str
    ) -> tuple[str | None, str | None] | None:
        """The public-holiday country and subdivision, or None (and an issue) when unsupported."""
        country, country_ok = self.holiday_country(data.get("country"), path)
        subdivision, subdivision_ok = self.holiday_subdivision(data.get("subdivision"), path)
        ok = country_ok and subdivision_ok
        if subdivision is not None and country is None and ok:
            self.add(key_path(path, "subdivision"), "needs holidays.country as well")
            ok = False
        if isinstance(country, str):
            problem = holiday_support(country, subdivision)
            if problem is not None:
                where = "subdivision" if "subdivision" in problem else "country"
                if isinstance(data.get(where), FromEnv):
                    problem = f"the value from the environment is not a supported {where}"
                self.add(key_path(path, where), problem)
                ok = False
        return (country, subdivision) if ok else None

    def closed_dates(self, raw: Any, path: str) -> tuple[set[date], bool]:
        """``holidays.dates``: every valid date, and whether all of them were valid."""
        raw_dates = raw or []
        if not isinstance(raw_dates, list):
            self.add(path, "expected a list of dates (YYYY-MM-DD)")
            return set(), False
        closed: set[date] = set()
        ok = True
        for index, item in enumerate(raw_dates):
            day = self.a_date(item, key_path(path, index))
            if day is None:
                ok = False
            else:
                closed.add(day)
        return closed, ok

    def special_hours(self, raw: Any, path: str, closed: set[date]) -> _Special | None:
        """``holidays.hours``: the hours of days that are neither usual nor closed."""
        hours = self.mapping(raw, path, "a mapping of dates to hours")
        ok = hours is not None
        special: _Special = {}
        for key, value in (hours or {}).items():
            where = key_path(path, key)
            day = self.a_date(key, where)
            ranges = self.ranges(value, where)
            if day is None or ranges is None:
                ok = False
                continue
            if day in closed:
                self.add(
                    where,
                    "also under holidays.dates; a day is either closed or has special hours",
                )
                ok = False
            special[day] = ranges
        return special if ok else None
