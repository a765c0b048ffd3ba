"""Calendar elapsed/due operations per second, beside business-duration and businesstime."""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time

import holidays

from slabridge.sla.calendar import BusinessCalendar, CalendarSpec

SPLIT_SHIFT = ((9 * 60, 12 * 60), (13 * 60, 17 * 60))
SINGLE_SHIFT = ((9 * 60, 17 * 60),)
YEARS = (2026, 2027)
LOW = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
HIGH = datetime(2027, 11, 1, tzinfo=UTC).timestamp()


def machine() -> str:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
            "",
        )
    except OSError:
        pass
    cpu = model or platform.processor()
    return f"{os.cpu_count()} CPUs, {cpu}, Python {platform.python_version()}"


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def random_pairs(rng: random.Random, count: int, align: int = 0) -> list[tuple[float, float]]:
    """Random ranges, mostly short, some up to 30 days; ``align`` rounds both ends down."""
    pairs = []
    for _ in range(count):
        start = rng.uniform(LOW, HIGH)
        end = start + rng.uniform(0, 30 * 86400) * rng.random()
        if align:
            start, end = float(start // align * align), float(end // align * align)
        pairs.append((start, end))
    return pairs


def bench_slabridge(operations: int) -> None:
    spec = CalendarSpec(
        "berlin",
        "Europe/Berlin",
        {day: SPLIT_SHIFT for day in range(5)},
        holiday_country="DE",
        holiday_subdivision="BE",
    )
    cold = BusinessCalendar(spec)
    compile_seconds = timed(lambda: cold.elapsed(LOW, HIGH))
    calendar = BusinessCalendar(spec)
    calendar.elapsed(LOW - 86400, HIGH + 40 * 86400)  # compile the range once
    rng = random.Random(7)
    pairs = random_pairs(rng, operations)
    targets = [(start, rng.uniform(0, 5 * 7 * 3600)) for start, _ in pairs]
    elapsed, due = calendar.elapsed, calendar.due

    def run_elapsed() -> None:
        for start, end in pairs:
            elapsed(start, end)

    def run_due() -> None:
        for start, seconds in targets:
            due(start, seconds)

    elapsed_seconds = min(timed(run_elapsed) for _ in range(3))
    due_seconds = min(timed(run_due) for _ in range(3))
    print("## slabridge, Berlin split shift 09-12/13-17 Mon-Fri, DE-BE holidays (one core)")
    print(f"compile {len(YEARS)} years from cold : {compile_seconds * 1000:.1f} ms")
    print(f"elapsed               : {rate(operations, elapsed_seconds)}")
    print(f"due                   : {rate(operations, due_seconds)}")
    print()


def bench_comparison(samples: int) -> None:
    """Same elapsed values in UTC, 09:00-17:00 Mon-Fri, DE-BE holiday list, by all three."""
    holiday_list = sorted(
        day for year in YEARS for day in holidays.country_holidays("DE", subdiv="BE", years=year)
    )
    calendar = BusinessCalendar(
        CalendarSpec(
            "utc",
            "UTC",
            {day: SINGLE_SHIFT for day in range(5)},
            closed_dates=frozenset(holiday_list),
        )
    )
    calendar.elapsed(LOW, HIGH + 40 * 86400)
    rng = random.Random(11)
    # Whole seconds (the libraries take naive datetimes), then ends on the hour, where the
    # opening/closing edge cases are.
    for label, align in (("random whole seconds", 1), ("on the hour", 3600)):
        pairs = random_pairs(rng, samples, align)
        naive = [(_naive(start), _naive(end)) for start, end in pairs]
        ours: list[float] = []
        ours_seconds = timed(lambda: ours.extend(calendar.elapsed(a, b) for a, b in pairs))  # noqa: B023
        print(f"## Side by side: UTC, 09:00-17:00 Mon-Fri, DE-BE holidays, {samples:,} ranges,")
        print(f"## {label}")
        header = f"{'library':<22}{'elapsed/s':>14}{'vs slabridge':>16}{'disagree':>10}"
        print(header)
        print("-" * len(header))
        print(f"{'slabridge':<22}{rate(samples, ours_seconds):>14}{'1x':>16}{'-':>10}")
        _compare_business_duration(naive, ours, holiday_list, samples / ours_seconds)
        _compare_businesstime(naive, ours, holiday_list, samples / ours_seconds)
        print()


def _naive(instant: float) -> datetime:
    return datetime(1970, 1, 1) + timedelta(seconds=instant)


def _report(
    name: str,
    theirs: list[float | None],
    ours: list[float],
    naive: list[tuple[datetime, datetime]],
    seconds: float,
    our_rate: float,
) -> None:
    count = len(theirs)
    wrong = [i for i, value in enumerate(theirs) if value is None or abs(value - ours[i]) > 1.0]
    their_rate = count / seconds
    print(
        f"{name:<22}{rate(count, seconds):>14}{f'{our_rate / their_rate:,.0f}x slower':>16}"
        f"{f'{100 * len(wrong) / count:.1f}%':>10}"
    )
    closing = wall_time(17)
    after_hours = sum(
        1
        for i in wrong
        if theirs[i] == 0.0 and naive[i][0].time() >= closing and naive[i][1].time() >= closing
    )
    if wrong:
        print(f"    {after_hours} of {len(wrong)}: start and end after closing, library says 0")
    for i in wrong[:3]:
        start, end = naive[i]
        print(f"    e.g. {start} -> {end}: {name} {theirs[i]}, slabridge {ours[i]:.0f}")


def _compare_business_duration(
    naive: list[tuple[datetime, datetime]],
    ours: list[float],
    holiday_list: list[date],
    our_rate: float,
) -> None:
    try:
        from business_duration import businessDuration
    except ImportError as error:
        print(f"business-duration     not available: {error}")
        return
    count = min(len(naive), 10_000)  # pandas on every call: keep the run short
    theirs: list[float | None] = []

    def run() -> None:
        for start, end in naive[:count]:
            value = businessDuration(
                start,
                end,
                starttime=wall_time(9),
                endtime=wall_time(17),
                weekendlist=[5, 6],
                holidaylist=holiday_list,
                unit="sec",
            )
            theirs.append(None if value != value else float(value))  # NaN -> None

    _report("business-duration", theirs, ours, naive, timed(run), our_rate)


def _compare_businesstime(
    naive: list[tuple[datetime, datetime]],
    ours: list[float],
    holiday_list: list[date],
    our_rate: float,
) -> None:
    try:
        from businesstime import BusinessTime
    except ImportError as error:
        print(f"businesstime          not available: {error}")
        return
    clock = BusinessTime(business_hours=(wall_time(9), wall_time(17)), holidays=holiday_list)
    count = min(len(naive), 20000)
    theirs: list[float | None] = []

    def run() -> None:
        for start, end in naive[:count]:
            theirs.append(clock.businesstime_hours(start, end).total_seconds())

    _report("businesstime", theirs, ours, naive, timed(run), our_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"date   : {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print()
    bench_slabridge(args.operations)
    bench_comparison(args.samples)


if __name__ == "__main__":
    main()
