"""Inclusive cursors: lookback window, boundary de-duplication, encoding."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from slabridge.connectors.cursor import CursorError, InclusiveCursor

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_first_read_starts_from_the_beginning_and_admits_everything() -> None:
    state = InclusiveCursor.decode(None)
    assert state.start is None
    assert state.admit("1", at(0)) and state.admit("2", at(1))
    assert not state.admit("2", at(1))  # the same version twice in one read
    assert json.loads(state.encode()) == {
        "v": 1,
        "at": "2026-01-05T09:01:00Z",
        "seen": {"2": "2026-01-05T09:01:00Z"},
    }


def test_the_next_read_starts_at_the_boundary_and_drops_versions_already_delivered() -> None:
    first = InclusiveCursor.decode(None)
    first.admit("1", at(0))
    first.admit("2", at(5))
    first.admit("3", at(5))
    second = InclusiveCursor.decode(first.encode())
    assert second.start == at(5)  # inclusive: the API is asked from the last instant again
    assert not second.admit("2", at(5)) and not second.admit("3", at(5))
    assert second.admit("4", at(5))  # arrived at the same second, after the first read
    assert second.admit("2", at(6))  # a newer version of a delivered ticket


def test_a_lookback_window_catches_late_records_without_repeating_delivered_ones() -> None:
    window = timedelta(minutes=10)
    first = InclusiveCursor.decode(None, lookback=window)
    for minute, ticket_id in ((0, "1"), (4, "2"), (8, "3")):
        first.admit(ticket_id, at(minute))
    second = InclusiveCursor.decode(first.encode(), lookback=window)
    assert second.start == at(-2)
    assert not second.admit("2", at(4)) and not second.admit("3", at(8))
    assert second.admit("late", at(3))  # became visible late, inside the window
    assert second.admit("1", at(9))  # changed again


def test_the_window_forgets_versions_older_than_the_lookback() -> None:
    state = InclusiveCursor.decode(None, lookback=timedelta(minutes=5))
    state.admit("old", at(0))
    state.admit("new", at(20))
    assert json.loads(state.encode())["seen"] == {"new": "2026-01-05T09:20:00Z"}


def test_nothing_new_keeps_the_cursor() -> None:
    first = InclusiveCursor.decode(None)
    first.admit("1", at(3))
    cursor = first.encode()
    again = InclusiveCursor.decode(cursor)
    assert not again.admit("1", at(3))
    assert again.encode() == cursor


def test_a_cursor_can_start_at_a_given_instant() -> None:
    cursor = InclusiveCursor.starting_at(at(60))
    state = InclusiveCursor.decode(cursor, lookback=timedelta(minutes=1))
    assert state.start == at(59)
    assert state.encode() == cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "not json",
        "[]",
        '{"v": 99}',
        '{"v": 1, "at": "yesterday"}',
        '{"v": 1, "at": "2026-01-05T09:00:00"}',
    ],
)
def test_a_foreign_cursor_is_a_clear_error(cursor: str) -> None:
    with pytest.raises(CursorError):
        InclusiveCursor.decode(cursor)


def test_a_negative_lookback_is_refused() -> None:
    with pytest.raises(ValueError, match="lookback"):
        InclusiveCursor(lookback=timedelta(seconds=-1))


def test_an_ascending_cursor_drops_versions_older_than_its_window() -> None:
    state = InclusiveCursor.decode(
        InclusiveCursor.starting_at(at(10)), lookback=timedelta(minutes=2), ascending=True
    )
    assert not state.admit("1", at(7))  # before the window: delivered by an earlier read
    assert state.admit("2", at(8)) and state.admit("3", at(12))
    assert not state.admit("4", at(9))  # the window moved on to 10..12
    plain = InclusiveCursor.decode(InclusiveCursor.starting_at(at(10)))
    assert plain.admit("1", at(7))  # without the promise of order, nothing is dropped


def test_an_ascending_cursor_keeps_only_the_window_over_a_long_read() -> None:
    state = InclusiveCursor(at(0), ascending=True)
    for second in range(10 * InclusiveCursor.FORGET_AFTER):
        assert state.admit(str(second), at(0) + timedelta(seconds=second))
    assert len(state._delivered) <= 2 * InclusiveCursor.FORGET_AFTER
    last = at(0) + timedelta(seconds=10 * InclusiveCursor.FORGET_AFTER - 1)
    assert json.loads(state.encode())["seen"] == {
        str(10 * InclusiveCursor.FORGET_AFTER - 1): last.strftime("%Y-%m-%dT%H:%M:%SZ")
    }
    assert not state.admit(str(10 * InclusiveCursor.FORGET_AFTER - 1), last)
