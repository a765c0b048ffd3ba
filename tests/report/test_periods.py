"""Report periods: months, ISO weeks and quarters, and where goals are judged."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from slabridge.report.periods import PeriodError, goal_windows, parse_period, weeks_of


def test_a_month_runs_from_its_first_midnight_to_the_next_months() -> None:
    period = parse_period("2026-10")
    assert (period.kind, period.label) == ("month", "2026-10")
    assert period.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_period("2026-12").end == datetime(2027, 1, 1, tzinfo=UTC)


def test_an_iso_week_starts_on_monday() -> None:
    period = parse_period("2026-W43")
    assert period.start == datetime(2026, 10, 19, tzinfo=UTC)
    assert period.end == datetime(2026, 10, 26, tzinfo=UTC)
    # ISO week 1 of 2027 starts in 2026.
    assert parse_period("2027-W01").start == datetime(2027, 1, 4, tzinfo=UTC)


def test_a_quarter_spans_three_months() -> None:
    period = parse_period("2026-Q4")
    assert period.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert period.end == datetime(2027, 1, 1, tzinfo=UTC)


def test_period_days_can_start_at_local_midnight() -> None:
    period = parse_period("2026-10", ZoneInfo("Europe/Berlin"))
    assert period.start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # CEST, UTC+2
    assert period.end == datetime(2026, 10, 31, 23, tzinfo=UTC)  # CET after the DST change


@pytest.mark.parametrize("text", ["2026-13", "2026-W54", "2026-Q5", "October", "2026/10"])
def test_a_bad_period_says_what_would_be_valid(text: str) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(text)
    assert text in str(raised.value)


def test_the_weeks_of_a_month_include_the_partial_first_and_last_weeks() -> None:
    weeks = weeks_of(parse_period("2026-10"))
    assert [w.label for w in weeks] == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]


def test_a_goal_is_judged_over_the_report_period_when_the_kinds_match() -> None:
    (window,) = goal_windows("month", parse_period("2026-10"))
    assert (window.label, window.partial) == ("2026-10", False)


def test_a_weekly_goal_in_a_monthly_report_is_judged_per_week_clipped_to_the_month() -> None:
    windows = goal_windows("week", parse_period("2026-10"))
    assert windows[0].label == "2026-W40"
    assert windows[0].start == datetime(2026, 10, 1, tzinfo=UTC)  # clipped: the week began 28 Sep
    assert windows[0].partial and not windows[1].partial
    assert windows[-1].end == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_quarterly_goal_in_a_monthly_report_is_judged_quarter_to_date() -> None:
    (window,) = goal_windows("quarter", parse_period("2026-11"))
    assert window.label == "2026-Q4 to 2026-11"
    assert window.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 12, 1, tzinfo=UTC)
    assert window.partial
