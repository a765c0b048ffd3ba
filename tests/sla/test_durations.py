"""Policy durations: parsing, suggestions in errors, formatting back."""

from __future__ import annotations

import pytest

from slabridge.sla.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("4h", 14400),
        ("1h30m", 5400),
        ("3d", 259200),
        ("1d2h", 93600),
        ("2w", 1209600),
        ("1d1h1m1s", 90061),
    ],
)
def test_the_spec_durations_and_their_combinations_parse_to_seconds(
    text: str, seconds: int
) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("1 hour", "try 1h"),
        ("1.5h", "try 1h30m"),
        ("2 days", "try 2d"),
        ("1h 30m", "try 1h30m"),
        ("30m1h", "try 1h30m"),
        ("abc", "e.g. 90s, 30m, 4h, 1h30m, 3d"),
    ],
)
def test_a_bad_duration_says_what_would_be_valid(text: str, hint: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert str(caught.value).startswith(f"{text!r} is not a duration")
    assert hint in str(caught.value)


def test_zero_and_bare_numbers_are_rejected() -> None:
    with pytest.raises(DurationError, match="longer than zero"):
        parse_duration("0m")
    with pytest.raises(DurationError, match="try 1h"):
        parse_duration(3600)
    with pytest.raises(DurationError):
        parse_duration(None)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (90, "1m30s"), (5400, "1h30m"), (259200, "3d"), (-1800, "-30m")],
)
def test_seconds_format_back_to_a_short_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
