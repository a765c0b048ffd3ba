"""The webhooks waiting for the worker: one entry per ticket, held in memory, every one counted.

A webhook for a ticket that is already waiting adds nothing (``deduplicated``): the worker
reads the ticket as it is when it gets to it. One for a ticket the worker is reading right now
waits again, since the ticket may have changed after the read began. Nothing is persisted: a
crash loses only the waiting ids, and those tickets changed, so the next scheduled sync reads
them from its cursor anyway (docs/serve.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(slots=True)
class QueueCounts:
    """Every accepted webhook ends in exactly one of deduplicated, processed or failed, or is
    still pending (waiting or being read): ``accepted == deduplicated + processed + failed +
    pending``."""

    accepted: int = 0
    deduplicated: int = 0
    processed: int = 0
    failed: int = 0
    refused_full: int = 0
    pending: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "deduplicated": self.deduplicated,
            "processed": self.processed,
            "failed": self.failed,
            "refused_full": self.refused_full,
            "pending": self.pending,
        }


class WebhookQueue:
    """Thread-safe: the web server offers, the worker takes and reports back."""

    def __init__(self, max_pending: int) -> None:
        self.max_pending = max_pending
        self._waiting: dict[tuple[str, str], int] = {}  # (connector, ticket) -> attempts
        self._in_flight = 0
        self._counts = QueueCounts()
        self._changed = threading.Condition()

    def offer(self, connector: str, ticket_id: str) -> str:
        """``queued``, ``deduplicated`` or ``full`` (answer 503: the helpdesk retries)."""
        with self._changed:
            key = (connector, ticket_id)
            if key in self._waiting:
                self._counts.accepted += 1
                self._counts.deduplicated += 1
                return "deduplicated"
            if len(self._waiting) >= self.max_pending:
                self._counts.refused_full += 1
                return "full"
            self._counts.accepted += 1
            self._waiting[key] = 0
            self._changed.notify_all()
            return "queued"

    def take(self, timeout: float) -> dict[str, dict[str, int]]:
        """Everything waiting, per connector (ticket -> attempts so far); {} after ``timeout``."""
        with self._changed:
            if not self._waiting:
                self._changed.wait(timeout)
            taken: dict[str, dict[str, int]] = {}
            for (connector, ticket_id), attempts in self._waiting.items():
                taken.setdefault(connector, {})[ticket_id] = attempts
            self._in_flight += len(self._waiting)
            self._waiting = {}
            return taken

    def processed(self, count: int) -> None:
        with self._changed:
            self._in_flight -= count
            self._counts.processed += count
            self._changed.notify_all()

    def failed(self, count: int) -> None:
        with self._changed:
            self._in_flight -= count
            self._counts.failed += count
            self._changed.notify_all()

    def retry(self, connector: str, attempts: dict[str, int]) -> None:
        """Put taken tickets back (the connector was busy, or the read failed)."""
        with self._changed:
            self._in_flight -= len(attempts)
            for ticket_id, tries in attempts.items():
                key = (connector, ticket_id)
                if key in self._waiting:  # a newer webhook is waiting already
                    self._counts.deduplicated += 1
                else:
                    self._waiting[key] = tries
            self._changed.notify_all()

    def counts(self) -> QueueCounts:
        with self._changed:
            counts = QueueCounts(**self._counts.to_json())
            counts.pending = len(self._waiting) + self._in_flight
            return counts

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is waiting or being read (tests, shutdown); False on timeout."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._waiting and not self._in_flight, timeout
            )


__all__ = ["QueueCounts", "WebhookQueue"]
