"""The read cursor round-trips and refuses what it did not write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from slabridge_freshdesk.cursor import ReadCursor


def test_a_cursor_round_trips_with_its_ids_in_numeric_order() -> None:
    cursor = ReadCursor(datetime(2026, 1, 5, 9, tzinfo=UTC), frozenset({"10", "9", "100"}))
    text = cursor.dump()
    assert text == '{"updated_at":"2026-01-05T09:00:00Z","ids":["9","10","100"]}'
    assert ReadCursor.load(text) == cursor


def test_a_cursor_with_an_offset_is_read_in_utc() -> None:
    loaded = ReadCursor.load('{"updated_at": "2026-01-05T10:00:00+01:00"}')
    assert loaded.updated_at == datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert loaded.updated_at.utcoffset() == timedelta(0)
    assert loaded.ids == frozenset()
    assert ReadCursor(datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(hours=1)))).dump() == (
        '{"updated_at":"2026-01-05T09:00:00Z","ids":[]}'
    )


@pytest.mark.parametrize(
    "text", ["page=3", "[]", '{"ids": []}', '{"updated_at": "2026-01-05T09:00:00"}']
)
def test_a_foreign_cursor_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="Freshdesk cursor"):
        ReadCursor.load(text)
