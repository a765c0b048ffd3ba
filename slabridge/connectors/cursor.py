"""Inclusive "updated at or after" cursors with a lookback window and boundary de-duplication.

Most helpdesk APIs can only be asked for records updated at or after an instant, with second
resolution. Asking from exactly the last ``updated_at`` seen re-delivers the records at that
instant; asking from a moment before it (a lookback window) also catches records that became
visible late. :class:`InclusiveCursor` remembers the versions it delivered inside that window
and drops them when they come again, so the sync sees each version once and misses none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge.errors import SlabridgeError
from slabridge.sla.ticket import format_timestamp


class CursorError(SlabridgeError, ValueError):
    """A cursor string this connector did not write (or from an incompatible version)."""


def _parse_instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise CursorError("cursor instant is not a string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CursorError(f"cursor instant {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise CursorError(f"cursor instant {value!r} has no UTC offset")
    return moment.astimezone(UTC)


class InclusiveCursor:
    """Resume state for an API read "updated at or after ``start``", dlt style.

    Use it in ``Connector.read``::

        state = InclusiveCursor.decode(cursor, lookback=timedelta(minutes=5))
        for record in api_pages(updated_since=state.start):   # None: read everything
            if not state.admit(record_id, record_updated_at):
                continue                                         # this version was delivered
            yield ticket
        yield Checkpoint(state.encode())

    The encoded cursor holds the latest ``updated_at`` admitted and the versions delivered in
    the window ``[latest - lookback, latest]``; it only grows with the number of updates in that
    window. Records must arrive in ascending ``updated_at`` for a mid-read checkpoint to be safe
    (every API the built-in connectors use can be asked for that order).

    With ``ascending=True`` the cursor relies on that order: a version older than the window
    (``at - lookback``) is dropped as delivered before, and the versions delivered in this read
    are forgotten once the window has moved past them, so memory stays flat over a long read
    (only the versions inside the window are kept). Without it every version delivered in the
    read is remembered, for APIs that may repeat older records mid-read.
    """

    VERSION = 1
    # With ``ascending``, forget versions left behind by the window once this many are kept
    # (then twice as many as remain): amortized constant time per record.
    FORGET_AFTER = 1024

    def __init__(
        self,
        at: datetime | None = None,
        seen: dict[str, datetime] | None = None,
        *,
        lookback: timedelta = timedelta(0),
        ascending: bool = False,
    ) -> None:
        if lookback < timedelta(0):
            raise ValueError("lookback must not be negative")
        self.at = at.astimezone(UTC) if at is not None else None
        self.lookback = lookback
        self.ascending = ascending
        self._previous: dict[str, datetime] = dict(seen or {})
        self._delivered: dict[str, datetime] = {}
        self._forget_at = self.FORGET_AFTER

    @classmethod
    def decode(
        cls, cursor: str | None, *, lookback: timedelta = timedelta(0), ascending: bool = False
    ) -> InclusiveCursor:
        """Parse a cursor written by :meth:`encode` (None: start from the beginning)."""
        if cursor is None or cursor == "":
            return cls(lookback=lookback, ascending=ascending)
        try:
            data = json.loads(cursor)
        except ValueError:
            raise CursorError("cursor is not JSON: was it written by this connector?") from None
        if not isinstance(data, dict) or data.get("v") != cls.VERSION:
            raise CursorError("cursor has an unknown format version")
        seen_raw = data.get("seen") or {}
        if not isinstance(seen_raw, dict):
            raise CursorError("cursor 'seen' is not an object")
        seen = {str(key): _parse_instant(value) for key, value in seen_raw.items()}
        return cls(_parse_instant(data.get("at")), seen, lookback=lookback, ascending=ascending)

    @classmethod
    def starting_at(cls, moment: datetime, *, lookback: timedelta = timedelta(0)) -> str:
        """An encoded cursor that reads from ``moment`` on (e.g. a start date from the config)."""
        return cls(moment, lookback=lookback).encode()

    @property
    def start(self) -> datetime | None:
        """Where to ask the API to start: the cursor instant minus the lookback; None: all."""
        return None if self.at is None else self.at - self.lookback

    def admit(self, record_id: str, updated_at: datetime) -> bool:
        """True when this version of the record was not delivered before; remember it.

        A record is dropped when the previous read delivered it with the same ``updated_at``
        (it is in the lookback window or at the boundary) or when this read already did; with
        ``ascending``, also when it is older than the window.
        """
        updated_at = updated_at.astimezone(UTC)
        if self.ascending and self.start is not None and updated_at < self.start:
            return False
        if self._previous.get(record_id) == updated_at:
            return False
        if self._delivered.get(record_id) == updated_at:
            return False
        self._delivered[record_id] = updated_at
        if self.at is None or updated_at > self.at:
            self.at = updated_at
            if self.ascending and len(self._delivered) >= self._forget_at:
                self._forget_behind_window()
        return True

    def _forget_behind_window(self) -> None:
        """Drop the versions the window has left behind (``ascending``: none can come again)."""
        edge = self.start
        if edge is None:
            return
        for seen in (self._previous, self._delivered):
            for key in [key for key, moment in seen.items() if moment < edge]:
                del seen[key]
        self._forget_at = max(self.FORGET_AFTER, 2 * len(self._delivered))

    def encode(self) -> str:
        """The cursor covering everything admitted so far (and everything the old one covered)."""
        if self.at is None:
            return ""
        edge = self.at - self.lookback
        seen = {**self._previous, **self._delivered}
        window = {key: moment for key, moment in seen.items() if moment >= edge}
        data = {
            "v": self.VERSION,
            "at": format_timestamp(self.at),
            "seen": {key: format_timestamp(window[key]) for key in sorted(window)},
        }
        return json.dumps(data, separators=(",", ":"))


__all__ = ["CursorError", "InclusiveCursor"]
