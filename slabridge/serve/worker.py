"""The one thread that syncs: webhook batches as they come, a scheduled sync every interval.

Both kinds of run go through the same thread, so inside one ``serve`` process they never
overlap; against other processes sharing the state store (a cron ``slabridge sync``) the
connector's lease decides, and a webhook batch that meets a held lease waits and tries again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from slabridge.logs import redact_text
from slabridge.serve.queue import WebhookQueue
from slabridge.sync.runtime import Runtime, sync_all
from slabridge.sync.single import sync_tickets, syncer_for
from slabridge.sync.syncer import LockHeldError

log = structlog.get_logger("slabridge.serve")

MAX_ATTEMPTS = 3  # reads of one webhook's ticket that failed before it is given up (logged)
BUSY_PAUSE = 1.0  # seconds between tries while another process holds a connector


class ServeWorker:
    """Drains ``queue`` into :func:`sync_tickets` and runs :func:`sync_all` every
    ``sync_every`` seconds (the first at start, unless ``sync_at_start`` is False)."""

    def __init__(
        self,
        runtime: Runtime,
        queue: WebhookQueue,
        *,
        sync_every: float,
        sync_at_start: bool = True,
        on_round: Callable[[], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.queue = queue
        self.sync_every = sync_every
        self.on_round = on_round  # after each scheduled sync (the board refreshes its figures)
        self._next_sync = time.monotonic() + (0 if sync_at_start else sync_every)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="slabridge-serve", daemon=True)
        self.scheduled_runs = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the run in hand, then stop."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = max(0.0, min(self._next_sync - time.monotonic(), 1.0))
            batch = self.queue.take(wait)
            busy = False
            for connector, attempts in batch.items():
                busy |= self._sync_batch(connector, attempts)
            if time.monotonic() >= self._next_sync and not self._stop.is_set():
                self._scheduled_sync()
                self._next_sync = time.monotonic() + self.sync_every
            if busy:
                self._stop.wait(BUSY_PAUSE)

    def _sync_batch(self, connector: str, attempts: dict[str, int]) -> bool:
        """One targeted run; True when the connector was busy (the batch waits again)."""
        if connector not in self.runtime.connectors:
            self.queue.failed(len(attempts))
            return False
        try:
            summary = sync_tickets(
                syncer_for(self.runtime),
                connector,
                self.runtime.connectors[connector],
                list(attempts),
            )
        except LockHeldError:
            log.info("webhook_batch_waits", connector=connector, tickets=len(attempts))
            self.queue.retry(connector, attempts)
            return True
        except Exception as error:  # e.g. the store is unreachable: try again shortly
            summary = None
            log.error("webhook_batch_failed", connector=connector, error=redact_text(str(error)))
        if summary is not None and summary.status == "ok":
            self.queue.processed(len(attempts))
            return False
        # A failed run keeps its writes in the outbox; the reads are tried a few times more.
        again = {
            ticket: tries + 1 for ticket, tries in attempts.items() if tries + 1 < MAX_ATTEMPTS
        }
        given_up = len(attempts) - len(again)
        if summary is not None:
            for message in summary.errors:
                log.warning("webhook_run_error", connector=connector, error=redact_text(message))
        if given_up:
            log.error(
                "webhook_given_up",
                connector=connector,
                tickets=given_up,
                hint="the next scheduled sync reads them from its cursor",
            )
            self.queue.failed(given_up)
        if again:
            self.queue.retry(connector, again)
        return bool(again)

    def _scheduled_sync(self) -> None:
        try:
            outcome = sync_all(self.runtime, stop_requested=self._stop.is_set)
        except Exception as error:
            log.error("scheduled_sync_failed", error=redact_text(str(error)))
            return
        self.scheduled_runs += 1
        for locked in outcome.locked:
            log.info("scheduled_sync_skipped", reason=redact_text(str(locked)))
        if self.on_round is not None:
            self.on_round()


__all__ = ["MAX_ATTEMPTS", "ServeWorker"]
