"""The status journal: status starts seen in ``stats`` by earlier reads, kept in SQLite.

Freshdesk v2 has no status history; ``stats`` only hold the latest start of each status. A
period that lasted across one read is remembered here, so later reads still see it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from slabridge.sla.ticket import format_timestamp

_SCHEMA = """
CREATE TABLE IF NOT EXISTS freshdesk_status_marks (
    account TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (account, ticket_id, at, status)
)
"""


class StatusJournal:
    """Status starts by (account, ticket); ``path`` ``:memory:`` keeps them for the process."""

    def __init__(self, path: str | Path, account: str) -> None:
        self.account = account
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            with self._db:
                self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise ValueError(f"status_journal: cannot use {str(path)!r} ({exc})") from None

    def marks(self, ticket_id: str) -> list[tuple[datetime, str]]:
        """The status starts remembered for a ticket, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, status FROM freshdesk_status_marks "
                "WHERE account = ? AND ticket_id = ? ORDER BY at",
                (self.account, ticket_id),
            ).fetchall()
        return [(datetime.fromisoformat(at).astimezone(UTC), status) for at, status in rows]

    def record(self, ticket_id: str, marks: Iterable[tuple[datetime, str]]) -> None:
        """Remember status starts (idempotent)."""
        rows = [(self.account, ticket_id, format_timestamp(at), status) for at, status in marks]
        if not rows:
            return
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO freshdesk_status_marks VALUES (?, ?, ?, ?)", rows
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


__all__ = ["StatusJournal"]
