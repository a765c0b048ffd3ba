"""The sync engine: read changed tickets, evaluate, plan, queue, write back, re-check due ones."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from slabridge.connectors.base import ChangeSet, Checkpoint, Connector, Skipped, WriteResult
from slabridge.logs import redact_text
from slabridge.plugins import SlabridgePluginManager, apply_plan_actions
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket
from slabridge.sync import own_writes
from slabridge.sync.carry import pending_changes
from slabridge.sync.events import derive_events, evaluation_digest
from slabridge.sync.plan import (
    WriteBackSettings,
    changeset_from_json,
    effective_priority,
    escalation_target,
    escalation_triggers,
    plan_changes,
    priority_rank,
)
from slabridge.sync.sends import SETTLE, forget_sent, let_writes_settle, mark_sent
from slabridge.sync.store import SlaEvent, StateStore

if TYPE_CHECKING:
    from slabridge.alerts.message import AlertMessage
    from slabridge.alerts.notifiers.base import Notifier
    from slabridge.alerts.rules import AlertRules, Trip

log = structlog.get_logger("slabridge.sync")

Evaluator = Callable[[Ticket, datetime], Evaluation]
Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class Carried:
    """What a superseded plan still meant to do, carried into its retry or re-plan."""

    was: str | None  # the ticket's priority when the raise was planned (None: not known)
    to: str | None  # the priority it raised to (None: no raise)
    planned_at: datetime | None  # the ticket's updated_at the plan was made against
    # Tags it removed: still slabridge's to remove (the ticket's stored policy may already be
    # the new one, so a renamed policy's tag would otherwise stop being owned).
    remove_tags: frozenset[str] = frozenset()

    @classmethod
    def of(cls, changes: ChangeSet) -> Carried | None:
        if not changes.priority and not changes.remove_tags:
            return None
        return cls(
            changes.raised_from,
            changes.priority,
            changes.expected_updated_at,
            changes.remove_tags,
        )


WRITE_CHUNK = 100  # change sets per apply() call; connectors split further as their API needs
FETCH_CHUNK = 100  # ids per fetch() call
MAX_CONFLICT_ROUNDS = 3


class LockHeldError(RuntimeError):
    """Another sync holds the connector's lease."""

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


@dataclass(slots=True)
class RunSummary:
    """The counters of one sync of one connector (logged as one line, stored in ``runs``)."""

    connector: str
    run_id: str = ""
    status: str = "ok"  # ok | failed | interrupted
    dry_run: bool = False
    fetched: int = 0
    skipped: int = 0
    evaluated: int = 0
    due_rechecked: int = 0
    changed: int = 0
    written: int = 0
    retried: int = 0
    conflicts: int = 0
    failed: int = 0
    parked: int = 0
    new_breaches: int = 0
    api_calls: int = 0
    duration_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "run_id": self.run_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "fetched": self.fetched,
            "skipped": self.skipped,
            "evaluated": self.evaluated,
            "due_rechecked": self.due_rechecked,
            "changed": self.changed,
            "written": self.written,
            "retried": self.retried,
            "conflicts": self.conflicts,
            "failed": self.failed,
            "parked": self.parked,
            "new_breaches": self.new_breaches,
            "api_calls": self.api_calls,
            "duration_seconds": round(self.duration_seconds, 3),
            # Errors quote exceptions, some from third-party code: scrub known secrets before
            # they reach the runs table, the JSON output or a hook.
            "errors": [redact_text(error) for error in self.errors],
        }


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """A change set the sync would send (what ``--dry-run`` prints)."""

    connector: str
    ticket_id: str
    policy: str | None
    breached: bool
    at_risk: bool
    changes: ChangeSet


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


@dataclass(slots=True)
class _Processed:
    conflicts: list[ChangeSet] = field(default_factory=list)
    handled: set[str] = field(default_factory=set)


class SyncEngine:
    """Syncs connectors against one state store; one engine per process, one run at a time."""

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
        self.planned_trips: list[Trip] = []
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

        return messages(self.planned_trips)

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
        run = _Run(self, name, connector, summary)
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

    # -- helpers used by _Run -------------------------------------------------------------

    def _hook(self, hook_name: str, **kwargs: Any) -> None:
        if self.pm is None:
            return
        try:
            getattr(self.pm.hook, hook_name)(**kwargs)
        except Exception as error:  # a broken plugin must not stop the sync
            log.error("plugin_hook_failed", hook=hook_name, error=str(error))


def _still_raised(
    carried: Carried | None, ticket: Ticket, settings: WriteBackSettings
) -> str | None:
    """The raise to carry into a re-plan, or None when someone set the priority since the plan.

    It is carried only while the ticket keeps the priority it was planned from and its history
    shows no priority change after the plan: a raise that was applied without its answer
    reaching us and then undone by an agent looks like the first case but not the second. An
    agent's choice wins for that cycle (its escalation is already recorded).
    """
    if carried is None or carried.to is None:
        return None
    if carried.was is not None and carried.was != effective_priority(ticket, settings):
        return None
    planned_at = carried.planned_at
    if planned_at is not None and any(
        event.type == "priority" and event.at > planned_at for event in ticket.events
    ):
        return None
    return carried.to


def _log_fields(summary: RunSummary) -> dict[str, Any]:
    data = summary.to_json()
    data.pop("errors")
    data["errors"] = len(summary.errors)
    return data


class _Run:
    """The state of one run of one connector."""

    def __init__(
        self, engine: SyncEngine, name: str, connector: Connector, summary: RunSummary
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.name = name
        self.connector = connector
        self.summary = summary
        self.settings = engine.settings.get(name, WriteBackSettings()).for_capabilities(
            connector.capabilities
        )
        # Only a dry run needs to remember which tickets it handled (see _recheck_due); a
        # real run remembers only the ones that failed, so they are not tried twice per run.
        self.planned_ids: set[str] = set()
        self.failed_ids: set[str] = set()
        # While a paged read is in progress, writes are queued, not sent: a write changes the
        # ticket's updated_at, and helpdesks that page by offset over updated_at (Freshdesk,
        # Jira) would then move it behind the pages still to come and skip others.
        self.deferring = False

    def execute(self) -> None:
        self._drain_outbox()
        if not self.engine.stop_requested():
            self._read_changed()
        if not self.engine.stop_requested():
            self._recheck_due()
        if self.engine.stop_requested():
            self.summary.status = "interrupted"

    # -- stages ---------------------------------------------------------------------------

    def _drain_outbox(self) -> None:
        """Retry writes left pending by an earlier run: re-read, re-plan, send the difference."""
        pending = self.store.pending_outbox(self.name)
        if not pending:
            return
        if not self.engine.dry_run:
            # A run that died while sending: let its writes land before re-reading, or a raise
            # that is still on its way would look unapplied and be sent again.
            waited = let_writes_settle(
                self.store.engine, [entry.id for entry in pending], settle=self.engine.settle
            )
            if waited:
                log.info("waited_for_unrecorded_writes", connector=self.name, seconds=waited)
        carried: dict[str, Carried] = {}
        for entry in pending:
            left = Carried.of(changeset_from_json(entry.changes))
            if left is not None:
                carried[entry.ticket_id] = left
        ids = list(dict.fromkeys(entry.ticket_id for entry in pending))
        # Processing settles each entry: a new plan supersedes it, an empty plan closes it.
        _, gone = self._fetch_and_process(ids, carried)
        outcomes: list[tuple[int, str, str | None]] = [
            (entry.id, "parked", "the ticket no longer exists in the helpdesk")
            for entry in pending
            if entry.ticket_id in gone
        ]
        if not self.engine.dry_run and outcomes:
            self._finish_pending(outcomes)

    def _finish_pending(self, outcomes: list[tuple[int, str, str | None]]) -> None:
        self.store.close_pending(outcomes)

    def _read_changed(self) -> None:
        floor = 0 if self.engine.dry_run else self.store.max_outbox_id()
        self.deferring = True
        try:
            self._read_pages()
        finally:
            self.deferring = False
        if not self.engine.dry_run and not self.engine.stop_requested():
            self._send_queued(floor)

    def _send_queued(self, floor: int) -> None:
        """Send the writes the read queued (entries above ``floor``), in bulk chunks."""
        last = floor
        while True:
            entries = self.store.pending_outbox(self.name, after_id=last, limit=WRITE_CHUNK)
            if not entries:
                return
            last = entries[-1].id
            changes = [changeset_from_json(entry.changes) for entry in entries]
            conflicts = self._send(changes, {entry.ticket_id: entry.id for entry in entries})
            self._resolve_conflicts(conflicts, {})
            self.store.renew_lease(self.name, self.engine.owner, self.engine.lease_ttl)

    def _read_pages(self) -> None:
        cursor = None if self.engine.full else self.store.get_cursor(self.name)
        batch: list[Ticket] = []
        for item in self.connector.read(cursor):
            if isinstance(item, Ticket):
                self.summary.fetched += 1
                batch.append(item)
                if len(batch) >= self.engine.batch_size:
                    self._process_all(batch)
                    batch = []
            elif isinstance(item, Skipped):
                self._skipped(item)
            elif isinstance(item, Checkpoint):
                self._process_all(batch)
                batch = []
                if not self.engine.dry_run:
                    self.store.set_cursor(self.name, item.cursor)
                    self.store.renew_lease(self.name, self.engine.owner, self.engine.lease_ttl)
                if self.engine.stop_requested():
                    return
        # Tickets after the last checkpoint are queued but the cursor stays: read again next time.
        self._process_all(batch)

    def _recheck_due(self) -> None:
        """Re-evaluate tracked open tickets whose next interesting instant has passed.

        Keyset paging over (next_instant, ticket_id) visits each due ticket once in constant
        memory: a re-evaluated ticket moves past ``now`` and one that fails stays behind the
        key. A dry run stores nothing, so it remembers what the read stage already planned.
        """
        now = self.engine.now()
        after: tuple[datetime, str] | None = None
        while not self.engine.stop_requested():
            page = self.store.due_tickets(self.name, now, after=after, limit=FETCH_CHUNK * 10)
            if not page:
                return
            after = page[-1]
            due = [
                ticket_id
                for _, ticket_id in page
                if ticket_id not in self.planned_ids and ticket_id not in self.failed_ids
            ]
            self.summary.due_rechecked += len(due)
            _, gone = self._fetch_and_process(due, {}, settle=False)
            if not self.engine.dry_run:
                self._untrack(gone)

    # -- processing -----------------------------------------------------------------------

    def _fetch_and_process(
        self, ids: Sequence[str], carried: Mapping[str, Carried], *, settle: bool = True
    ) -> tuple[set[str], set[str]]:
        """Fetch tickets by id and process them; return (handled ids, ids that are gone)."""
        handled: set[str] = set()
        gone: set[str] = set()
        unreadable: set[str] = set()
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = list(ids[start : start + FETCH_CHUNK])
            tickets: list[Ticket] = []
            for item in self.connector.fetch(chunk):
                if isinstance(item, Ticket):
                    tickets.append(item)
                else:
                    self._skipped(item)
                    if item.ticket_id is not None:
                        # Deleted tickets are gone; a malformed one stays tracked and queued,
                        # to be tried again next run (it is logged and counted as skipped).
                        (gone if item.gone else unreadable).add(item.ticket_id)
            returned = {ticket.id for ticket in tickets}
            gone.update(set(chunk) - returned - gone - unreadable)
            self.failed_ids.update(unreadable)
            handled |= self._process_all(tickets, carried, settle=settle)
            if not self.engine.dry_run:
                self.store.renew_lease(self.name, self.engine.owner, self.engine.lease_ttl)
        return handled, gone

    def _process_all(
        self,
        tickets: Sequence[Ticket],
        carried: Mapping[str, Carried] | None = None,
        *,
        settle: bool = False,
    ) -> set[str]:
        """Process tickets; conflicting writes are re-read and re-planned a few times.

        ``settle``: the tickets may have pending outbox entries, to be closed when nothing is
        left to write (a conflict leaves its entry pending until the re-plan settles it).
        """
        carried = {**self._carried_by_pending(tickets), **(carried or {})}
        result = self._process(tickets, carried, settle=settle)
        self._resolve_conflicts(result.conflicts, carried)
        return set(result.handled)

    def _carried_by_pending(self, tickets: Sequence[Ticket]) -> dict[str, Carried]:
        """What pending entries of these tickets carry (see ``slabridge.sync.carry``)."""
        pending = pending_changes(self.store.engine, self.name, [t.id for t in tickets])
        carried = {}
        for ticket_id, changes in pending.items():
            left = Carried.of(changeset_from_json(changes))
            if left is not None:
                carried[ticket_id] = left
        return carried

    def _resolve_conflicts(self, conflicts: list[ChangeSet], carried: dict[str, Carried]) -> None:
        """Re-read tickets whose write met an agent's change, re-plan and retry a few times."""
        for _ in range(MAX_CONFLICT_ROUNDS):
            if not conflicts:
                break
            self.summary.conflicts += len(conflicts)
            for changes in conflicts:
                left = Carried.of(changes)
                if left is not None:
                    carried[changes.ticket_id] = left
            ids = [changes.ticket_id for changes in conflicts]
            fresh = [item for item in self.connector.fetch(ids) if isinstance(item, Ticket)]
            conflicts = self._process(fresh, carried, settle=True).conflicts
        for changes in conflicts:
            self.summary.retried += 1
            log.warning(
                "write_conflict_unresolved",
                connector=self.name,
                ticket=changes.ticket_id,
                hint="the ticket keeps changing; the write stays queued for the next run",
            )

    def _process(
        self, tickets: Sequence[Ticket], carried: Mapping[str, Carried], *, settle: bool
    ) -> _Processed:
        out = _Processed()
        if not tickets:
            return out
        engine = self.engine
        now = engine.now()
        ids = [ticket.id for ticket in tickets]
        tracked = self.store.get_tickets(self.name, ids)
        known_events = self.store.event_keys(self.name, ids)
        ticket_rows: list[dict[str, Any]] = []
        evaluation_rows: list[dict[str, Any]] = []
        new_events: list[SlaEvent] = []
        to_write: list[ChangeSet] = []
        settled: list[str] = []
        new_breaches: list[tuple[Ticket, Evaluation, str, int]] = []
        trips: list[Trip] = []
        # slabridge's own priority writes are marked before evaluating (POLICY.md §3.4).
        written = own_writes.writes_for(self.store.engine, self.name, ids)
        has_history = self.connector.capabilities.priority_history
        for read in tickets:
            ticket = own_writes.mark_own_writes(
                read, written.get(read.id, ()), has_history=has_history
            )
            if engine.dry_run:
                self.planned_ids.add(ticket.id)
            try:
                evaluation = engine.evaluate(ticket, now)
            except Exception as error:
                self.summary.failed += 1
                self.failed_ids.add(ticket.id)
                message = (
                    f"{self.name}: ticket {ticket.id}: cannot evaluate: {error} "
                    "(fix the ticket or the policy; it is evaluated again when it changes)"
                )
                self.summary.errors.append(message)
                log.error(
                    "evaluate_failed", connector=self.name, ticket=ticket.id, error=str(error)
                )
                continue
            out.handled.add(ticket.id)
            self.summary.evaluated += 1
            engine._hook(
                "ticket_evaluated", connector=self.connector, ticket=ticket, evaluation=evaluation
            )
            events = derive_events(self.name, ticket, evaluation, known_events.get(ticket.id, []))
            recorded = {(e.metric, e.cycle, e.kind) for e in known_events.get(ticket.id, [])}
            for event in events:
                if event.kind == "breached":
                    new_breaches.append((ticket, evaluation, event.metric, event.cycle))
            # A solved or closed ticket is not escalated (no one works it; Zendesk refuses
            # edits of closed ones), not even by a raise queued before it was solved; a breach
            # still standing when it is reopened escalates then.
            is_open = ticket.status not in STOPPED_STATUSES
            left = carried.get(ticket.id)
            raise_to = _still_raised(left, ticket, self.settings) if is_open else None
            triggers = [
                trigger
                for trigger in (escalation_triggers(evaluation, self.settings) if is_open else ())
                if (trigger[0], trigger[1], "escalated") not in recorded
            ]
            if triggers:
                target = escalation_target(ticket.priority, self.settings)
                if target is not None and (
                    raise_to is None or priority_rank(target) > priority_rank(raise_to)
                ):
                    raise_to = target
                for metric, cycle in triggers:
                    events.append(SlaEvent(self.name, ticket.id, metric, cycle, "escalated", now))
            new_events.extend(events)
            previous = tracked.get(ticket.id)
            changes = plan_changes(
                ticket,
                evaluation,
                self.settings,
                raise_priority_to=raise_to,
                previous_policy=None if previous is None else previous.policy,
                also_owned=frozenset() if left is None else left.remove_tags,
            )
            if engine.pm is not None:
                changes = apply_plan_actions(self.connector, ticket, evaluation, changes, engine.pm)
            digest = evaluation_digest(evaluation)
            next_instant = evaluation.next_instant if is_open else None
            if engine.alerts is not None:
                trips.extend(
                    engine.alerts.trips(
                        self.name,
                        ticket,
                        evaluation,
                        now,
                        ticket_url=self.connector.ticket_url(ticket.id),
                    )
                )
                # A level that trips by the clock alone (75%, breach + 2h) needs a re-check then.
                alert_at = engine.alerts.next_instant(self.name, ticket, evaluation, now)
                if is_open and alert_at is not None:
                    next_instant = alert_at if next_instant is None else min(next_instant, alert_at)
            ticket_rows.append(
                {
                    "connector": self.name,
                    "ticket_id": ticket.id,
                    "snapshot_json": json.dumps(ticket.to_json(), sort_keys=True),
                    "policy": evaluation.policy,
                    "is_open": is_open,
                    "next_instant": next_instant,
                    "breached": evaluation.breached,
                    "at_risk": evaluation.at_risk,
                    "updated_at": ticket.updated_at,
                    "evaluated_at": evaluation.evaluated_at,
                    "digest": digest,
                }
            )
            if previous is None or previous.digest != digest:
                evaluation_rows.append(
                    {
                        "connector": self.name,
                        "ticket_id": ticket.id,
                        "evaluated_at": evaluation.evaluated_at,
                        "policy": evaluation.policy,
                        "breached": evaluation.breached,
                        "at_risk": evaluation.at_risk,
                        "result_json": json.dumps(evaluation.to_json(), sort_keys=True),
                    }
                )
            if changes.is_empty and settle:
                settled.append(ticket.id)
            if not changes.is_empty:
                self.summary.changed += 1
                to_write.append(changes)
                if engine.dry_run:
                    engine.planned.append(
                        PlannedWrite(
                            self.name,
                            ticket.id,
                            evaluation.policy,
                            evaluation.breached,
                            evaluation.at_risk,
                            changes,
                        )
                    )
        self.summary.new_breaches += len(new_breaches)
        if engine.progress is not None:
            engine.progress(self.name, len(tickets))
        if engine.dry_run:
            if engine.alerts is not None and trips:
                with self.store.engine.connect() as connection:
                    engine.planned_trips.extend(engine.alerts.unsent(connection, trips))
            return out
        # Durably queue everything before a single write is sent (crash anywhere, lose nothing).
        with self.store.begin() as connection:
            self.store.save_tickets(connection, ticket_rows)
            self.store.add_evaluations(connection, evaluation_rows)
            self.store.add_sla_events(connection, new_events)
            if engine.alerts is not None:
                # Alerts exist exactly when their events do: same transaction.
                engine.alerts.enqueue(connection, trips, now)
            outbox_ids = self.store.enqueue(
                connection, self.name, [changes.to_json() for changes in to_write]
            )
            self.store.settle(connection, self.name, settled)
        for ticket, evaluation, metric, cycle_index in new_breaches:
            engine._hook(
                "sla_breached",
                connector=self.connector,
                ticket=ticket,
                evaluation=evaluation,
                metric=metric,
                cycle=evaluation.metrics[metric].cycles[cycle_index],
            )
        if not self.deferring:
            out.conflicts = self._send(to_write, outbox_ids)
        return out

    def _send(
        self, to_write: Sequence[ChangeSet], outbox_ids: Mapping[str, int]
    ) -> list[ChangeSet]:
        conflicts: list[ChangeSet] = []
        for start in range(0, len(to_write), WRITE_CHUNK):
            chunk = list(to_write[start : start + WRITE_CHUNK])
            # Recorded before sending: a raise applied without its answer reaching us is ours.
            sent = own_writes.record_sent(self.store.engine, self.name, chunk, self.engine.now())
            # Marked in flight: a crash before the outcome is stored must not send it twice.
            marked = [outbox_ids[changes.ticket_id] for changes in chunk]
            mark_sent(
                self.store.engine,
                self.name,
                [(outbox_ids[c.ticket_id], c.ticket_id) for c in chunk],
            )
            try:
                results = self.connector.apply(chunk)
            except Exception as error:  # the whole call failed: everything stays queued
                self.summary.retried += len(chunk)
                self.summary.errors.append(
                    f"{self.name}: writing {len(chunk)} ticket(s) failed: {error} "
                    "(queued; the next run retries them)"
                )
                log.error("write_failed", connector=self.name, tickets=len(chunk), error=str(error))
                reason = redact_text(str(error))
                self.store.finish_outbox(
                    [(outbox_ids[c.ticket_id], "pending", reason) for c in chunk]
                )
                forget_sent(self.store.engine, marked)
                continue
            outcomes = self._outcomes(chunk, results, conflicts, sent)
            self.store.finish_outbox(
                [(outbox_ids[ticket_id], status, error) for ticket_id, status, error in outcomes]
            )
            forget_sent(self.store.engine, marked)
        return conflicts

    def _outcomes(
        self,
        chunk: Sequence[ChangeSet],
        results: Iterable[WriteResult],
        conflicts: list[ChangeSet],
        sent: Mapping[str, int],
    ) -> list[tuple[str, str, str | None]]:
        by_id = {changes.ticket_id: changes for changes in chunk}
        outcomes: list[tuple[str, str, str | None]] = []
        answered: set[str] = set()
        priority_answers: dict[int, own_writes.WriteAnswer] = {}
        for result in results:
            if result.ticket_id not in by_id or result.ticket_id in answered:
                continue
            answered.add(result.ticket_id)
            if result.ticket_id in sent:
                priority_answers[sent[result.ticket_id]] = own_writes.answer_of(result.outcome)
            if result.outcome == "applied":
                self.summary.written += 1
                outcomes.append((result.ticket_id, "done", None))
            elif result.outcome == "rejected":
                self.summary.parked += 1
                message = (
                    f"{self.name}: ticket {result.ticket_id}: the helpdesk rejected the write: "
                    f"{result.error or 'no reason given'} (parked in the outbox; fix the cause, "
                    "then the next change to the ticket plans it again)"
                )
                self.summary.errors.append(message)
                log.error(
                    "write_rejected",
                    connector=self.name,
                    ticket=result.ticket_id,
                    error=result.error,
                )
                outcomes.append((result.ticket_id, "parked", result.error or "rejected"))
            elif result.outcome == "conflict":
                conflicts.append(by_id[result.ticket_id])
                outcomes.append((result.ticket_id, "pending", "conflict: the ticket changed"))
            else:
                self.summary.retried += 1
                outcomes.append((result.ticket_id, "pending", result.error or "retry"))
        for ticket_id in by_id.keys() - answered:
            self.summary.retried += 1
            outcomes.append((ticket_id, "pending", "the connector returned no result"))
        own_writes.record_answers(self.store.engine, priority_answers, self.engine.now())
        return outcomes

    def _skipped(self, item: Skipped) -> None:
        self.summary.skipped += 1
        log.warning(
            "ticket_skipped", connector=self.name, ticket=item.ticket_id, reason=item.reason
        )
        if not item.gone:
            # A record that could not become a ticket was not evaluated: the run reports it
            # (exit 1) so that someone looks; the read went on without it.
            self.summary.failed += 1
            self.summary.errors.append(
                f"{self.name}: ticket {item.ticket_id or '(no id)'}: skipped, could not be "
                f"normalized: {item.reason} (it is read again when it changes; a tracked one "
                "is re-checked on the next run)"
            )
            if item.ticket_id is not None:
                self.failed_ids.add(item.ticket_id)  # not fetched again by this run's re-check

    def _untrack(self, ids: Iterable[str]) -> None:
        self.store.untrack(self.name, list(ids))


__all__ = [
    "Evaluator",
    "LockHeldError",
    "PlannedWrite",
    "RunSummary",
    "SyncEngine",
    "SyncedElsewhere",
    "default_owner",
    "owner_is_dead",
]
