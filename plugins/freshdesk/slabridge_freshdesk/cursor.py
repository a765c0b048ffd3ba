"""The Freshdesk read cursor: the last ``updated_at`` seen and the ids already seen at it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from slabridge.sla.ticket import format_timestamp


@dataclass(frozen=True, slots=True)
class ReadCursor:
    """Where a read got to: the last ``updated_at`` seen and the ids already seen at it.

    Freshdesk's ``updated_since`` is inclusive, so the next read starts at ``updated_at`` and
    drops the tickets in ``ids`` (unless they changed again: then their time moved on).
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


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


__all__ = ["ReadCursor"]
