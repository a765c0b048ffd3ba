"""Prometheus metrics of slabridge runs and API calls, and the health verdict behind ``/healthz``.

The metrics live in one :data:`REGISTRY` of this process (not prometheus_client's global one,
so that importing slabridge never adds collectors to a host application's registry). A
long-running ``slabridge run --every`` serves them on ``/metrics``; a one-shot ``slabridge
sync`` can write them to a node-exporter textfile or push them to a Pushgateway. Counters count
since the process started: in a one-shot run they are that run's figures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

RUNS = Counter(
    "slabridge_runs",
    "Sync runs of a connector, by how they ended (ok, failed, interrupted).",
    ["connector", "status"],
    registry=REGISTRY,
)
TICKETS_READ = Counter(
    "slabridge_tickets_read",
    "Tickets read from the helpdesk.",
    ["connector"],
    registry=REGISTRY,
)
TICKETS_EVALUATED = Counter(
    "slabridge_tickets_evaluated",
    "Tickets evaluated (read or re-checked because a due time passed).",
    ["connector"],
    registry=REGISTRY,
)
WRITES_SENT = Counter(
    "slabridge_writes_sent",
    "Change sets written back to the helpdesk.",
    ["connector"],
    registry=REGISTRY,
)
WRITES_PARKED = Counter(
    "slabridge_writes_parked",
    "Change sets parked after their last attempt failed (see `slabridge status`).",
    ["connector"],
    registry=REGISTRY,
)
BREACHES = Counter(
    "slabridge_breaches",
    "New SLA breaches recorded.",
    ["connector"],
    registry=REGISTRY,
)
API_CALLS = Counter(
    "slabridge_api_calls",
    "HTTP requests to a helpdesk API (one per request, retries included).",
    ["connector"],
    registry=REGISTRY,
)
API_RETRIES = Counter(
    "slabridge_api_retries",
    "HTTP attempts that were retried (429, 5xx, timeouts, dropped connections).",
    ["connector"],
    registry=REGISTRY,
)
RUN_DURATION = Histogram(
    "slabridge_run_duration_seconds",
    "Wall time of one sync run of a connector.",
    ["connector"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
LAST_RUN = Gauge(
    "slabridge_last_run_timestamp_seconds",
    "When the last run of a connector finished (Unix time).",
    ["connector"],
    registry=REGISTRY,
)
LAST_RUN_OK = Gauge(
    "slabridge_last_run_ok",
    "1 when the last run of a connector ended ok, 0 otherwise.",
    ["connector"],
    registry=REGISTRY,
)
OPEN_CYCLES = Gauge(
    "slabridge_open_tickets",
    "Open tickets slabridge tracks, by policy and SLA state (ok, at_risk, breached).",
    ["connector", "policy", "state"],
    registry=REGISTRY,
)


class _Summary(Protocol):
    """What :func:`record_run` reads of a ``RunSummary`` (kept structural: no sync import)."""

    connector: str
    status: str
    dry_run: bool
    fetched: int
    evaluated: int
    written: int
    parked: int
    new_breaches: int
    duration_seconds: float


def record_api_call(connector: str | None, retries: int) -> None:
    """Count one HTTP request (and its retries) of ``connector``."""
    name = connector or "unknown"
    API_CALLS.labels(connector=name).inc(retries + 1)
    if retries:
        API_RETRIES.labels(connector=name).inc(retries)


def record_run(summary: _Summary, *, finished_at: float | None = None) -> None:
    """Count one finished run of a connector; a dry run changes nothing and is not counted."""
    if summary.dry_run:
        return
    name = summary.connector
    RUNS.labels(connector=name, status=summary.status).inc()
    TICKETS_READ.labels(connector=name).inc(summary.fetched)
    TICKETS_EVALUATED.labels(connector=name).inc(summary.evaluated)
    WRITES_SENT.labels(connector=name).inc(summary.written)
    WRITES_PARKED.labels(connector=name).inc(summary.parked)
    BREACHES.labels(connector=name).inc(summary.new_breaches)
    RUN_DURATION.labels(connector=name).observe(summary.duration_seconds)
    LAST_RUN.labels(connector=name).set(finished_at if finished_at is not None else time.time())
    LAST_RUN_OK.labels(connector=name).set(1 if summary.status == "ok" else 0)


def set_open_tickets(counts: Iterable[tuple[str, str | None, str, int]]) -> None:
    """Replace the open-ticket gauge with ``(connector, policy, state, count)`` rows."""
    OPEN_CYCLES.clear()
    for connector, policy, state, count in counts:
        OPEN_CYCLES.labels(connector=connector, policy=policy or "", state=state).set(count)


@dataclass(frozen=True, slots=True)
class HealthVerdict:
    """What ``/healthz`` answers: ``healthy`` gives 200, else 503; ``reason`` says why."""

    healthy: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"status": "ok" if self.healthy else "unhealthy", "reason": self.reason}


class Health:
    """The health of a ``slabridge run --every`` loop: unhealthy when the last round failed or
    when no round has finished for ``overdue_after`` seconds (a hung or starved loop)."""

    def __init__(self, overdue_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.overdue_after = overdue_after
        self._clock = clock
        self._lock = threading.Lock()
        self._since = clock()
        self._failed: str | None = None
        self._rounds = 0

    def round_finished(self, failures: Iterable[str]) -> None:
        """Record the end of a round; ``failures`` names the connectors whose run failed."""
        failed = sorted(failures)
        with self._lock:
            self._since = self._clock()
            self._rounds += 1
            self._failed = ", ".join(failed) if failed else None

    def verdict(self) -> HealthVerdict:
        with self._lock:
            age = self._clock() - self._since
            if self._failed is not None:
                return HealthVerdict(False, f"the last run failed for {self._failed}")
            if age > self.overdue_after:
                what = "no run has finished" if self._rounds == 0 else "the last run finished"
                return HealthVerdict(
                    False, f"{what} {age:.0f}s ago (overdue after {self.overdue_after:.0f}s)"
                )
            if self._rounds == 0:
                return HealthVerdict(True, "starting: no run has finished yet")
            return HealthVerdict(True, f"the last run finished {age:.0f}s ago")


__all__ = [
    "REGISTRY",
    "Health",
    "HealthVerdict",
    "record_api_call",
    "record_run",
    "set_open_tickets",
]
