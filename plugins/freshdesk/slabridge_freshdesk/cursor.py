"""The Freshdesk read cursor: the kit's :class:`InclusiveCursor`, and the format before it.

Freshdesk's ``updated_since`` is inclusive and the read asks for ascending ``updated_at``, so
the cursor is an ascending :class:`~slabridge.connectors.cursor.InclusiveCursor` without
lookback: the next read starts at the last ``updated_at`` delivered and drops the versions
delivered at it. Cursors written before (``{"updated_at": …, "ids": […]}``, :class:`ReadCursor`)
are still read, for one release (see docs/connectors/freshdesk.md); they mean the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from slabridge.connectors.cursor import CursorError, InclusiveCursor
from slabridge.sla.ticket import format_timestamp

_EXPECTED = (
    'expected a cursor this connector wrote, like {"v":1,"at":"2024-01-01T00:00:00Z","seen":{}}'
)


@dataclass(frozen=True, slots=True)
class ReadCursor:
    """The cursor format before #22: the last ``updated_at`` seen and the ids seen at it.

    Deprecated: only read (:func:`decode_cursor`), so that a sync from an older version
    resumes where it was; to be removed in the release after.
    """

    updated_at: datetime
    ids: frozenset[str] = frozenset()

    def dump(self) -> str:
        return json.dumps(
            {"updated_at": format_timestamp(self.updated_at), "ids": sorted(self.ids, key=_id_key)},
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str) -> ReadCursor:
        try:
            data = json.loads(text)
            moment = datetime.fromisoformat(data["updated_at"])
            ids = frozenset(str(i) for i in data.get("ids", []))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(
                "not a Freshdesk cursor: expected JSON like "
                '{"updated_at": "2024-01-01T00:00:00Z", "ids": ["42"]}'
            ) from None
        if moment.tzinfo is None:
            raise ValueError("Freshdesk cursor: updated_at needs a UTC offset")
        return cls(moment.astimezone(UTC), ids)

    def to_inclusive(self) -> InclusiveCursor:
        """The same position as an inclusive cursor: the ids were delivered at ``updated_at``."""
        seen = dict.fromkeys(self.ids, self.updated_at)
        return InclusiveCursor(self.updated_at, seen, ascending=True)


def decode_cursor(cursor: str | None, start: datetime) -> InclusiveCursor:
    """The read state for ``cursor`` (either format); a first read (None) starts at ``start``.

    Raises:
        ValueError: the text is no cursor this connector wrote ("not a Freshdesk cursor").
    """
    if not cursor:
        return InclusiveCursor(start, ascending=True)
    try:
        data = json.loads(cursor)
    except ValueError:
        raise ValueError(f"not a Freshdesk cursor: {_EXPECTED}") from None
    if isinstance(data, dict) and "v" not in data:
        return ReadCursor.load(cursor).to_inclusive()
    try:
        return InclusiveCursor.decode(cursor, ascending=True)
    except CursorError as exc:
        raise ValueError(f"not a Freshdesk cursor ({exc}): {_EXPECTED}") from None


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


__all__ = ["ReadCursor", "decode_cursor"]
