"""Business calendars compiled to UTC intervals with prefix sums, so time arithmetic is bisection.

How it works
------------
A calendar is compiled lazily, one UTC chunk (365 days) at a time, in both directions, to a flat
sorted list of UTC boundaries ``[start0, end0, start1, end1, ...]`` and a parallel list of the
business seconds that lie before each boundary.  ``elapsed`` is two bisections and a subtraction,
``due`` is one bisection on the prefix sums.  Local wall times go through ``zoneinfo`` only while a
chunk is compiled; the query path touches plain floats only.

Semantics (decisions where the policy spec is silent)
-----------------------------------------------------
* An instant is business time when its *local wall time* lies in one of the open ranges of its
  *local date*.  Counting is in real elapsed seconds.  Consequences at DST changes:

  - spring forward: wall times that do not exist are never business time (a 02:00-03:00 slot the
    change skips counts 0); a range boundary that falls in the gap maps to the instant the gap
    ends (the transition instant), so ``02:30-05:00`` on that day opens at the transition;
  - fall back: the repeated wall hour is business time *both* times if it lies in an open range,
    so ``01:00-03:00`` local on the fall-back day is three real hours and a 00:00-24:00 day lasts
    25 hours.

* A range ending at 24:00 (minute 1440) touches the next day's 00:00; touching intervals are
  merged, so a 24x7 calendar has no boundary at midnight and a due time is never pushed across one.
* ``always=True`` means every minute of every day is open (``weekly`` is then ignored); holidays,
  ``closed_dates`` and ``special_hours`` still apply if given.
* A holiday or closed date closes the whole local day; ``special_hours`` replace the day's hours
  and win over both weekly hours and holidays (an empty tuple closes the day).
* Holidays come from ``holidays.country_holidays(country, subdiv=...)`` with the package defaults
  (public holidays, including the observed days the package adds, e.g. US Independence Day moved
  to a Friday), computed per year on demand.
* No business time: ``due`` raises :class:`NoBusinessTimeError` (a ``ValueError``) when the target
  can never be reached, i.e. the calendar has no recurring weekly hours and its special-hours days
  run out, or the target lies beyond year 9998.  ``next_open`` returns ``math.inf`` when the
  calendar never opens again.  Config loaders should reject calendars for which
  :func:`has_recurring_hours` is false, so this only shows up for hand-built specs.
* Instants are UTC epoch seconds (floats) between years 2 and 9998; anything else (NaN, inf, far
  out of range) raises ``ValueError``.
* A ``BusinessCalendar`` extends itself on demand; the compiled state is swapped in as one tuple,
  so concurrent readers never see half an extension (two threads may both compile a chunk; the
  result is the same).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from slabridge.errors import InputError

Ranges = tuple[tuple[int, int], ...]

_DAY = 86_400
_CHUNK = 365 * _DAY  # UTC seconds compiled per step; chunk k covers [k*_CHUNK, (k+1)*_CHUNK)
_OFFSET_SAMPLE = 3 * 3600  # probe the UTC offset this often when looking for DST transitions
_ORDINAL_1970 = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_INSTANT = (datetime(2, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds()
_MAX_INSTANT = (datetime(9998, 12, 31, tzinfo=UTC) - _EPOCH).total_seconds()
_MAX_CHUNK = int(_MAX_INSTANT // _CHUNK)
_FULL_DAY: Ranges = ((0, 1440),)
_INF = math.inf


class NoBusinessTimeError(InputError, ValueError):
    """A due time can never be reached because the calendar has no business time left."""


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A calendar as the policy file describes it (parsed and validated by the config loader)."""

    name: str
    timezone: str
    weekly: Mapping[int, Ranges] = field(default_factory=dict)
    always: bool = False
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()
    special_hours: Mapping[date, Ranges] = field(default_factory=dict)


def _check_ranges(where: str, ranges: Ranges) -> None:
    previous_end = -1
    for start, end in ranges:
        if not (0 <= start < end <= 1440):
            raise ValueError(f"{where}: range {start}-{end} must satisfy 0 <= start < end <= 1440")
        if start < previous_end:
            raise ValueError(f"{where}: ranges must be sorted and must not overlap")
        previous_end = end


def has_recurring_hours(spec: CalendarSpec) -> bool:
    """True when the calendar opens every week (so any target is eventually reached)."""
    return spec.always or any(spec.weekly.get(day) for day in range(7))


class BusinessCalendar:
    """A compiled business calendar answering elapsed/due questions on UTC epoch seconds."""

    __slots__ = (
        "_day_cache",
        "_last_special_day",
        "_recurring",
        "_state",
        "_weekly",
        "name",
        "spec",
        "zone",
    )

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.zone = ZoneInfo(spec.timezone)
        weekly: list[Ranges] = []
        for day in spec.weekly:
            if day not in range(7):
                raise ValueError(f"calendar {spec.name!r}: weekday {day} is not in 0..6")
        for day in range(7):
            ranges = _FULL_DAY if spec.always else tuple(spec.weekly.get(day, ()))
            _check_ranges(f"calendar {spec.name!r} weekday {day}", ranges)
            weekly.append(ranges)
        for special_day, ranges in spec.special_hours.items():
            _check_ranges(f"calendar {spec.name!r} {special_day.isoformat()}", ranges)
        self._weekly = tuple(weekly)
        self._recurring = has_recurring_hours(spec)
        open_days = [
            day.toordinal() - _ORDINAL_1970 for day, ranges in spec.special_hours.items() if ranges
        ]
        self._last_special_day = max(open_days, default=None)
        self._day_cache: dict[int, Ranges] = {}
        # (lo, hi, bounds, cumulative, first_chunk, chunks): bounds/cumulative end with an
        # (inf, inf) sentinel pair so a bisection never runs off the end.
        self._state: tuple[float, float, list[float], list[float], int, list[list[float]]] = (
            0.0,
            0.0,
            [_INF, _INF],
            [0.0, 0.0],
            0,
            [],
        )

    # -- queries (hot path: no datetime objects, plain lists and bisect) ---------------------

    def elapsed(self, start: float, end: float) -> float:
        """Business seconds in ``[start, end)``; 0.0 when ``end <= start``."""
        if end <= start:
            return 0.0
        lo, hi, b, c, _, _ = self._state
        if not (lo <= start and end <= hi):  # also catches NaN
            lo, hi, b, c, _, _ = self._cover(start, end)
        i = bisect_right(b, end)
        total = c[i - 1] + (end - b[i - 1]) if i & 1 else c[i]
        i = bisect_right(b, start)
        return total - (c[i - 1] + (start - b[i - 1]) if i & 1 else c[i])

    def due(self, start: float, seconds: float) -> float:
        """The first instant ``t >= start`` with ``elapsed(start, t) >= seconds``.

        ``seconds <= 0`` returns ``start``.  A target reached exactly at closing time is due at
        closing time, not at the next opening.  Raises :class:`NoBusinessTimeError` when the
        calendar never accumulates that much business time (see the module docstring).
        """
        if not seconds > 0:  # also catches NaN
            if seconds <= 0:
                return start
            raise ValueError(f"seconds must be a number, not {seconds!r}")
        lo, hi, b, c, _, _ = self._state
        if not (lo <= start < hi):
            lo, hi, b, c, _, _ = self._cover(start, start)
        i = bisect_right(b, start)
        target = (c[i - 1] + (start - b[i - 1]) if i & 1 else c[i]) + seconds
        if target > c[-1]:
            lo, hi, b, c = self._extend_until(start, seconds)
            i = bisect_right(b, start)
            target = (c[i - 1] + (start - b[i - 1]) if i & 1 else c[i]) + seconds
        j = bisect_left(c, target)
        if j & 1:
            t = b[j - 1] + (target - c[j - 1])
            return t if t > start else start
        # Only reachable through float absorption (a sub-ulp target): open the next interval.
        return self.next_open(start)

    def count_cycle(  # noqa: C901, PLR0912, PLR0915  one call per cycle: inline on purpose (docs/benchmarks.md, Evaluate)
        self,
        segments: list[tuple[float, float]],
        target: float,
        until: float | None,
        threshold: float | None,
    ) -> tuple[float, float | None, float | None]:
        """One cycle's ``(elapsed, due, warn)`` in one call, sharing the bisections.

        ``elapsed`` sums :meth:`elapsed` over ``segments``; ``due`` is :meth:`due` from the
        segment in which ``target`` is reached, else from ``until`` for what is left (None when
        ``until`` is None); ``warn`` is ``due(until, threshold - elapsed)`` when ``threshold`` and
        ``until`` are given, ``elapsed < threshold`` and the cycle is not due before ``until``,
        else None. Every figure equals the one the single queries give.
        """
        state = self._state
        lo, hi, b, c, _, _ = state
        elapsed = 0.0
        due: float | None = None
        last_end = _INF
        at_last_end = 0.0
        for a, z in segments:
            if z <= a:
                continue
            if not (lo <= a and z <= hi):  # also catches NaN
                state = self._cover(a, z)
                lo, hi, b, c, _, _ = state
            i = bisect_right(b, z)
            at_z = c[i - 1] + (z - b[i - 1]) if i & 1 else c[i]
            i = bisect_right(b, a)
            at_a = c[i - 1] + (a - b[i - 1]) if i & 1 else c[i]
            counted = at_z - at_a
            if due is None and elapsed + counted >= target:
                seconds = target - elapsed
                goal = at_a + seconds
                if seconds > 0 and goal <= c[-1] and (j := bisect_left(c, goal)) & 1:
                    t = b[j - 1] + (goal - c[j - 1])  # due()'s common case, inline
                    due = t if t > a else a
                else:
                    due = self._due_from(a, at_a, seconds, b, c)
                    state = self._state  # an extension may have replaced it
                    lo, hi, b, c, _, _ = state
                last_end = _INF
            else:
                last_end = z
                at_last_end = at_z
            elapsed += counted
        if until is None:
            return elapsed, due, None
        if due is None and not target - elapsed > 0:
            due = self.due(until, target - elapsed)  # no lookup needed (or a clear error)
        need_due = due is None
        # ``not >=`` rather than ``<``: a NaN threshold reaches due() and fails there, as before.
        need_warn = threshold is not None and not elapsed >= threshold
        if not need_due and (not need_warn or (due is not None and due < until)):
            return elapsed, due, None
        if until == last_end and until < hi:
            at_until = at_last_end
        else:
            if not (lo <= until < hi):
                state = self._cover(until, until)
                lo, hi, b, c, _, _ = state
            i = bisect_right(b, until)
            at_until = c[i - 1] + (until - b[i - 1]) if i & 1 else c[i]
        if due is None:
            seconds = target - elapsed  # > 0 here
            goal = at_until + seconds
            if goal <= c[-1] and (j := bisect_left(c, goal)) & 1:
                t = b[j - 1] + (goal - c[j - 1])  # due()'s common case, inline
                due = t if t > until else until
            else:
                due = self._due_from(until, at_until, seconds, b, c)
            if due < until:
                return elapsed, due, None
            if self._state is not state:  # an extension replaced the lists
                state = self._state
                lo, hi, b, c, _, _ = state
                i = bisect_right(b, until)
                at_until = c[i - 1] + (until - b[i - 1]) if i & 1 else c[i]
        warn: float | None = None
        if need_warn and threshold is not None:
            seconds = threshold - elapsed
            goal = at_until + seconds
            if seconds > 0 and goal <= c[-1] and (j := bisect_left(c, goal)) & 1:
                t = b[j - 1] + (goal - c[j - 1])  # due()'s common case, inline
                warn = t if t > until else until
            else:
                warn = self._due_from(until, at_until, seconds, b, c)
        return elapsed, due, warn

    def _due_from(
        self, start: float, at_start: float, seconds: float, b: list[float], c: list[float]
    ) -> float:
        """:meth:`due` given the business seconds before ``start`` in the current ``b``/``c``."""
        if not seconds > 0:
            return self.due(start, seconds)
        target = at_start + seconds
        if target > c[-1]:
            return self.due(start, seconds)  # needs compiling further ahead
        j = bisect_left(c, target)
        if j & 1:
            t = b[j - 1] + (target - c[j - 1])
            return t if t > start else start
        return self.next_open(start)

    def next_open(self, at: float) -> float:
        """``at`` itself when it is business time, else the next opening (``math.inf`` if none)."""
        lo, hi, b, _, _, _ = self._state
        if not (lo <= at < hi):
            lo, hi, b, _, _, _ = self._cover(at, at)
        while True:
            i = bisect_right(b, at)
            if i & 1:
                return at
            if b[i] != _INF:
                return b[i]
            if not self._recurring and self._specials_over(hi):
                return _INF
            if int(hi // _CHUNK) > _MAX_CHUNK:
                return _INF
            lo, hi, b, _, _, _ = self._cover(hi, hi)

    def is_open(self, at: float) -> bool:
        """Whether the instant ``at`` is business time."""
        lo, hi, b, _, _, _ = self._state
        if not (lo <= at < hi):
            lo, hi, b, _, _, _ = self._cover(at, at)
        return bool(bisect_right(b, at) & 1)

    def intervals(self, start: float, end: float) -> list[tuple[float, float]]:
        """The business intervals inside ``[start, end)``, clipped to it, in order."""
        if end <= start:
            return []
        lo, hi, b, _, _, _ = self._state
        if not (lo <= start and end <= hi):  # also catches NaN
            lo, hi, b, _, _, _ = self._cover(start, end)
        out: list[tuple[float, float]] = []
        i = bisect_right(b, start)
        if i & 1:
            i -= 1  # start lies inside the interval beginning at b[i - 1]
        while b[i] < end:
            out.append((max(b[i], start), min(b[i + 1], end)))
            i += 2
        return out

    # -- compilation -------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, {self.spec.timezone!r})"

    def _cover(
        self, start: float, end: float
    ) -> tuple[float, float, list[float], list[float], int, list[list[float]]]:
        """Make sure ``[start, end]`` is compiled (end inclusive) and return the new state."""
        for instant in (start, end):
            if not (_MIN_INSTANT <= instant <= _MAX_INSTANT):
                raise ValueError(f"instant {instant!r} is outside the supported years 2-9998")
        _, _, _, _, first, chunks = self._state
        want_first = int(start // _CHUNK)
        want_last = int(end // _CHUNK)  # inclusive, so an instant equal to hi is covered too
        if not chunks:
            first = want_first
            new_chunks = [self._compile_chunk(k) for k in range(want_first, want_last + 1)]
        else:
            last = first + len(chunks) - 1
            before = [self._compile_chunk(k) for k in range(want_first, first)]
            after = [self._compile_chunk(k) for k in range(last + 1, want_last + 1)]
            new_chunks = before + chunks + after
            first = min(first, want_first)
        self._state = _assemble(first, new_chunks)
        return self._state

    def _extend_until(
        self, start: float, seconds: float
    ) -> tuple[float, float, list[float], list[float]]:
        """Compile forward until ``seconds`` of business time after ``start`` exist."""
        while True:
            lo, hi, b, c, first, chunks = self._state
            i = bisect_right(b, start)
            target = (c[i - 1] + (start - b[i - 1]) if i & 1 else c[i]) + seconds
            missing = target - c[-1]
            if missing <= 0:
                return lo, hi, b, c
            if start + seconds > _MAX_INSTANT:  # business time never outruns real time
                raise NoBusinessTimeError(
                    f"calendar {self.name!r}: a target of {seconds:g}s from "
                    f"{_format_instant(start)} lies beyond year 9998"
                )
            if not self._recurring and self._specials_over(hi):
                last = _last_close(b)
                when = "at all" if last == -_INF else f"after {_format_instant(last)}"
                raise NoBusinessTimeError(
                    f"calendar {self.name!r} has no weekly hours and no business time {when}; "
                    f"a target of {seconds:g}s is never reached"
                )
            # Estimate how many chunks the rest needs from the business rate seen so far.
            rate = c[-1] / len(chunks) if chunks and c[-1] > 0 else 0.0
            steps = 1 if rate <= 0 else max(1, math.ceil(missing / rate))
            last_needed = first + len(chunks) - 1 + steps
            if last_needed > _MAX_CHUNK:
                if first + len(chunks) - 1 >= _MAX_CHUNK:
                    raise NoBusinessTimeError(
                        f"calendar {self.name!r}: a target of {seconds:g}s from "
                        f"{_format_instant(start)} lies beyond year 9998"
                    )
                last_needed = _MAX_CHUNK
            self._cover(start, last_needed * _CHUNK)

    def _specials_over(self, hi: float) -> bool:
        """Whether every special-hours day lies before ``hi`` (local days end <= 2 days later)."""
        last = self._last_special_day
        return last is None or (last + 2) * _DAY <= hi

    def _compile_chunk(self, k: int) -> list[float]:
        """Flat ``[start, end, ...]`` business intervals (UTC seconds) inside chunk ``k``."""
        out: list[float] = []
        a = k * _CHUNK
        for seg_start, seg_end, offset in _offset_segments(self.zone, a, a + _CHUNK):
            wall_lo = seg_start + offset
            wall_hi = seg_end + offset
            day = wall_lo // _DAY
            while day * _DAY < wall_hi:
                base = day * _DAY
                for first_minute, last_minute in self._day_ranges(day):
                    wall_open = max(base + first_minute * 60, wall_lo)
                    wall_close = min(base + last_minute * 60, wall_hi)
                    if wall_open < wall_close:
                        opens = float(wall_open - offset)
                        if out and out[-1] == opens:
                            out[-1] = float(wall_close - offset)
                        else:
                            out.append(opens)
                            out.append(float(wall_close - offset))
                day += 1
        return out

    def _day_ranges(self, day: int) -> Ranges:
        """Open ranges (local minutes) of the local date ``day`` days after 1970-01-01."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        local_date = date.fromordinal(day + _ORDINAL_1970)
        special = self.spec.special_hours.get(local_date)
        if special is not None:
            ranges: Ranges = tuple(special)
        elif local_date in self.spec.closed_dates or self._is_holiday(local_date):
            ranges = ()
        else:
            ranges = self._weekly[(day + 3) % 7]  # 1970-01-01 was a Thursday (weekday 3)
        self._day_cache[day] = ranges
        return ranges

    def _is_holiday(self, local_date: date) -> bool:
        country = self.spec.holiday_country
        if country is None:
            return False
        return local_date in _holiday_dates(country, self.spec.holiday_subdivision, local_date.year)


@lru_cache(maxsize=1024)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """One year of holidays, shared by every calendar of that country and subdivision."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


def _last_close(bounds: list[float]) -> float:
    """The last closing instant in a flat bounds list (or -inf when there is none)."""
    return bounds[-3] if len(bounds) > 2 else -_INF


def _assemble(
    first: int, chunks: list[list[float]]
) -> tuple[float, float, list[float], list[float], int, list[list[float]]]:
    """Join chunks (merging intervals that touch at a chunk edge) and build the prefix sums."""
    bounds: list[float] = []
    for flat in chunks:
        if bounds and flat and bounds[-1] == flat[0]:
            bounds[-1] = flat[1]
            bounds.extend(flat[2:])
        else:
            bounds.extend(flat)
    cumulative: list[float] = []
    total = 0.0
    for index in range(0, len(bounds), 2):
        cumulative.append(total)
        total += bounds[index + 1] - bounds[index]
        cumulative.append(total)
    bounds += [_INF, _INF]
    cumulative += [total, total]
    lo = float(first * _CHUNK)
    hi = float((first + len(chunks)) * _CHUNK)
    return lo, hi, bounds, cumulative, first, chunks


def _utc_offset(zone: ZoneInfo, instant: int) -> int:
    offset = (_EPOCH + timedelta(seconds=instant)).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _offset_segments(zone: ZoneInfo, a: int, b: int) -> list[tuple[int, int, int]]:
    """Split ``[a, b)`` (UTC seconds) into ``(start, end, utc_offset_seconds)`` pieces.

    The offset is probed every few hours and each change located to the second by bisection;
    offset changes are integral seconds in tzdata.  Two changes that undo each other between
    two probes (never seen in tzdata) would be missed.
    """
    segments: list[tuple[int, int, int]] = []
    seg_start = previous_t = a
    previous_offset = _utc_offset(zone, a)
    for t in [*range(a + _OFFSET_SAMPLE, b, _OFFSET_SAMPLE), b - 1]:
        offset = _utc_offset(zone, t)
        while offset != previous_offset:  # a loop: one probe window may hold two changes
            low, high = previous_t, t  # offset(low) == previous_offset != offset(high)
            while high - low > 1:
                mid = (low + high) // 2
                if _utc_offset(zone, mid) == previous_offset:
                    low = mid
                else:
                    high = mid
            segments.append((seg_start, high, previous_offset))
            seg_start = previous_t = high
            previous_offset = _utc_offset(zone, high)
        previous_t = t
    segments.append((seg_start, b, previous_offset))
    return segments


def _format_instant(instant: float) -> str:
    if not math.isfinite(instant):
        return "the start of the calendar"
    return (_EPOCH + timedelta(seconds=instant)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spec_key(spec: CalendarSpec) -> tuple[object, ...]:
    return (
        spec.name,
        spec.timezone,
        tuple(sorted((day, tuple(r)) for day, r in spec.weekly.items())),
        spec.always,
        spec.holiday_country,
        spec.holiday_subdivision,
        spec.closed_dates,
        tuple(sorted((day, tuple(r)) for day, r in spec.special_hours.items())),
    )


_COMPILED: dict[tuple[object, ...], BusinessCalendar] = {}
_COMPILED_MAX = 256


def compile_calendar(spec: CalendarSpec) -> BusinessCalendar:
    """The compiled calendar for ``spec``; equal specs share one (lazily extended) instance."""
    key = _spec_key(spec)
    calendar = _COMPILED.get(key)
    if calendar is None:
        calendar = BusinessCalendar(spec)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))  # oldest first; keeps memory bounded
        _COMPILED[key] = calendar
    return calendar


def validate_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone ``zoneinfo`` knows."""
    if not name or not isinstance(name, str):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def holiday_support(country: str, subdivision: str | None) -> str | None:
    """None when the ``holidays`` package supports this country/subdivision, else why not."""
    supported: dict[str, list[str]] = holidays.list_supported_countries()
    if country not in supported:
        examples = ", ".join(c for c in ("DE", "US", "GB", "FR", "AU", "IN") if c in supported)
        return (
            f"unknown holiday country {country!r}; use an ISO 3166-1 alpha-2 code the "
            f"`holidays` package supports (e.g. {examples})"
        )
    if subdivision is None:
        return None
    try:
        holidays.country_holidays(country, subdiv=subdivision, years=2000)
    except (NotImplementedError, ValueError, KeyError):
        valid = ", ".join(supported[country]) or "none"
        return f"unknown subdivision {subdivision!r} for {country}; valid: {valid}"
    return None


__all__ = [
    "BusinessCalendar",
    "CalendarSpec",
    "NoBusinessTimeError",
    "compile_calendar",
    "has_recurring_hours",
    "holiday_support",
    "validate_timezone",
]
