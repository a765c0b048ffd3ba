"""The syncer: syncs connectors against one state store, one run of one connector at a time.

It owns what spans a run (the connector's lease, the ``runs`` row, the run-level hooks, alert
delivery); the run's stages are ``slabridge.sync.connector_run``.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from slabridge.connectors.base import Connector
from slabridge.errors import EXIT_LOCKED, SlabridgeError
from slabridge.logs import redact_text
from slabridge.plugins import SlabridgePluginManager
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket
from slabridge.sync.connector_run import ConnectorRun
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.sends import SETTLE
from slabridge.sync.store import StateStore
from slabridge.sync.summary import PlannedWrite, RunSummary

if TYPE_CHECKING:
    from slabridge.alerts.message import AlertMessage
    from slabridge.alerts.notifiers.base import Notifier
    from slabridge.alerts.rules import AlertRules, Trip

log = structlog.get_logger("slabridge.sync")

Evaluator = Callable[[Ticket, datetime], Evaluation]
Progress = Callable[[str, int], None]


class LockHeldError(SlabridgeError, RuntimeError):
    """Another sync holds the connector's lease (exit status 3: this run did nothing)."""

    exit_code = EXIT_LOCKED

    def __init__(self, connector: str, owner: str | None, expires_at: datetime | None) -> None:
        self.connector = connector
        self.owner = owner
        self.expires_at = expires_at
        detail = f" (held by {owner} until {expires_at:%Y-%m-%d %H:%M:%SZ})" if owner else ""
        super().__init__(
            f"{connector}: another slabridge sync is running for this connector{detail}; "
            "this run did nothing. Wait for it to finish, or, if it died, for its lease to expire."
        )


class SyncedElsewhere(RuntimeError):
    """Another worker sharing the state store synced this connector during this round."""

    def __init__(self, connector: str) -> None:
        self.connector = connector
        super().__init__(f"{connector}: synced by another worker during this round")


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` is a process of this machine that no longer runs."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class Syncer:
    """Syncs connectors against one state store; one syncer per process, one run at a time."""

    def __init__(
        self,
        store: StateStore,
        evaluate: Evaluator,
        settings: Mapping[str, WriteBackSettings],
        *,
        plugin_manager: SlabridgePluginManager | None = None,
        now: datetime | None = None,
        dry_run: bool = False,
        full: bool = False,
        owner: str | None = None,
        lease_ttl: timedelta = timedelta(minutes=10),
        batch_size: int = 200,
        progress: Progress | None = None,
        stop_requested: Callable[[], bool] = lambda: False,
        settle: timedelta = SETTLE,
        alerts: AlertRules | None = None,
        alert_channels: Mapping[str, Notifier] | None = None,
    ) -> None:
        self.store = store
        # alerts: rules queue messages with the events; the channels deliver them after commit.
        self.alerts = alerts
        self.alert_channels: Mapping[str, Notifier] = alert_channels or {}
        self.dry_run_trips: list[Trip] = []
        self.evaluate = evaluate
        self.settings = settings
        self.pm = plugin_manager
        self.fixed_now = now
        self.dry_run = dry_run
        self.full = full
        self.owner = owner or default_owner()
        self.lease_ttl = lease_ttl
        self.batch_size = batch_size
        self.progress = progress
        self.stop_requested = stop_requested
        self.settle = settle  # see slabridge.sync.sends
        self.planned: list[PlannedWrite] = []

    # -- public ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.fixed_now if self.fixed_now is not None else datetime.now(UTC)

    @property
    def planned_alerts(self) -> list[AlertMessage]:
        """The alerts a dry run would send (digests grouped), neither stored nor sent."""
        from slabridge.alerts.rules import messages

        return messages(self.dry_run_trips)

    def deliver_alerts(self) -> None:
        """Digest this run's collected alerts and send every due one (after the commits)."""
        if self.dry_run or self.alerts is None:
            return
        from slabridge.alerts.rules import collect_digests, deliver

        try:
            now = self.now()
            collect_digests(self.store.engine, now)
            report = deliver(self.store.engine, self.alert_channels, now=now)
        except Exception as error:  # the alerts stay queued; the next run sends them
            log.error("alerts_delivery_failed", error=redact_text(str(error)))
            return
        if report.sent or report.retried or report.parked:
            log.info(
                "alerts_delivered", sent=report.sent, retried=report.retried, parked=report.parked
            )

    def sync(
        self, name: str, connector: Connector, *, fresh_since: datetime | None = None
    ) -> RunSummary:
        """One run for one connector; raises :class:`LockHeldError` if another run holds it.

        With ``fresh_since``, raises :class:`SyncedElsewhere` when another worker finished a
        run of this connector since then (checked while holding the lease, so no race).
        """
        summary = RunSummary(connector=name, dry_run=self.dry_run)
        if not self.dry_run and not self._claim(name):
            holder = self.store.lease_holder(name)
            raise LockHeldError(name, *(holder or (None, None)))
        if (
            not self.dry_run
            and fresh_since is not None
            and self.store.synced_since(name, fresh_since)
        ):
            self.store.release_lease(name, self.owner)
            raise SyncedElsewhere(name)
        started = time.monotonic()
        calls_before = connector.api_calls()
        run = ConnectorRun(self, name, connector, summary)
        finished = False
        try:
            if not self.dry_run:
                summary.run_id = str(self.store.start_run(name))
            self._hook(
                "sync_started", connector=connector, run_id=summary.run_id, dry_run=self.dry_run
            )
            run.execute()
            finished = True
        except Exception as error:  # report, persist what we have, let the next run resume
            summary.status = "failed"
            summary.errors.append(f"{name}: {error}")
            log.error(
                "sync_failed",
                connector=name,
                error=str(error),
                hint="the cursor stays at the last completed page; the next run resumes there",
            )
        finally:
            summary.api_calls = connector.api_calls() - calls_before
            summary.duration_seconds = time.monotonic() - started
            if summary.status == "ok" and (summary.failed or summary.parked):
                summary.status = "failed"
            if summary.status == "ok" and not finished and not summary.errors:
                summary.status = "interrupted"  # KeyboardInterrupt, SystemExit
            # Still under the lease: two workers never deliver one run's alerts at once.
            self.deliver_alerts()
            if not self.dry_run:
                if summary.run_id:
                    self.store.finish_run(int(summary.run_id), summary.status, summary.to_json())
                self.store.release_lease(name, self.owner)
            self._hook(
                "sync_finished",
                connector=connector,
                run_id=summary.run_id,
                summary=summary.to_json(),
            )
            log.info("sync_summary", **_log_fields(summary))
        return summary

    def _claim(self, name: str) -> bool:
        if self.store.acquire_lease(name, self.owner, self.lease_ttl):
            return True
        holder = self.store.lease_holder(name)
        if holder is not None and owner_is_dead(holder[0]):
            # A run on this machine was killed (SIGKILL, OOM): no need to wait for the expiry.
            log.warning("lease_taken_over", connector=name, dead_owner=holder[0])
            return self.store.take_over_lease(name, holder[0], self.owner, self.lease_ttl)
        return False

    # -- helpers used by ConnectorRun -------------------------------------------------------------

    def _hook(self, hook_name: str, **kwargs: Any) -> None:
        if self.pm is None:
            return
        try:
            getattr(self.pm.hook, hook_name)(**kwargs)
        except Exception as error:  # a broken plugin must not stop the sync
            log.error("plugin_hook_failed", hook=hook_name, error=str(error))


def _log_fields(summary: RunSummary) -> dict[str, Any]:
    data = summary.to_json()
    data.pop("errors")
    data["errors"] = len(summary.errors)
    return data


__all__ = [
    "Evaluator",
    "LockHeldError",
    "PlannedWrite",
    "Progress",
    "RunSummary",
    "SyncedElsewhere",
    "Syncer",
    "default_owner",
    "owner_is_dead",
]
