"""One run of one connector: drain the outbox, read changed tickets, re-check due ones.

Each batch of tickets goes through three steps, in this order: decide (evaluate and plan,
``slabridge.sync.decide``), persist (one transaction, ``slabridge.sync.persist``), send (the
outbox's writes to the helpdesk, below). A crash between any two loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import structlog

from slabridge.connectors.base import ChangeSet, Checkpoint, Connector, Skipped, WriteResult
from slabridge.logs import redact_text
from slabridge.plugins import SlabridgePluginManager, apply_plan_actions
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket
from slabridge.sync import own_writes
from slabridge.sync.carry import pending_changes
from slabridge.sync.decide import Carried, DecideContext, Decision, StoredFacts, decide
from slabridge.sync.frozen import HookArguments
from slabridge.sync.persist import persist
from slabridge.sync.plan import WriteBackSettings, changeset_from_json
from slabridge.sync.sends import forget_sent, let_writes_settle, mark_sent
from slabridge.sync.summary import PlannedWrite, RunSummary

if TYPE_CHECKING:
    from slabridge.sync.syncer import Syncer

log = structlog.get_logger("slabridge.sync")

WRITE_CHUNK = 100  # change sets per apply() call; connectors split further as their API needs
FETCH_CHUNK = 100  # ids per fetch() call
MAX_CONFLICT_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class ObservedHooks:
    """Which per-ticket hooks some plugin implements (their read-only arguments cost a copy)."""

    ticket_evaluated: bool = False
    plan_actions: bool = False
    sla_breached: bool = False

    @classmethod
    def of(cls, manager: SlabridgePluginManager | None) -> ObservedHooks:
        if manager is None:
            return cls()
        hook = manager.hook
        return cls(
            ticket_evaluated=bool(hook.ticket_evaluated.get_hookimpls()),
            plan_actions=bool(hook.plan_actions.get_hookimpls()),
            sla_breached=bool(hook.sla_breached.get_hookimpls()),
        )


@dataclass(slots=True)
class _Processed:
    conflicts: list[ChangeSet] = field(default_factory=list)
    handled: set[str] = field(default_factory=set)


class ConnectorRun:
    """One run of one connector: its stages, and the state they share."""

    def __init__(
        self, syncer: Syncer, name: str, connector: Connector, summary: RunSummary
    ) -> None:
        self.syncer = syncer
        self.store = syncer.store
        self.name = name
        self.connector = connector
        self.summary = summary
        self.settings = syncer.settings.get(name, WriteBackSettings()).for_capabilities(
            connector.capabilities
        )
        # Only a dry run needs to remember which tickets it handled (see _recheck_due); a
        # real run remembers only the ones that failed, so they are not tried twice per run.
        self.dry_run_handled: set[str] = set()
        self.failed_ids: set[str] = set()
        self.hooks = ObservedHooks.of(syncer.pm)
        # The read-only hook arguments of this batch's tickets (see _hook_arguments).
        self._arguments: dict[str, HookArguments] = {}
        # While a paged read is in progress, writes are queued, not sent: a write changes the
        # ticket's updated_at, and helpdesks that page by offset over updated_at (Freshdesk,
        # Jira) would then move it behind the pages still to come and skip others.
        self.deferring = False

    def execute(self) -> None:
        self._drain_outbox()
        if not self.syncer.stop_requested():
            self._read_changed()
        if not self.syncer.stop_requested():
            self._recheck_due()
        if self.syncer.stop_requested():
            self.summary.status = "interrupted"

    # -- stages ---------------------------------------------------------------------------

    def _drain_outbox(self) -> None:
        """Retry writes left pending by an earlier run: re-read, re-plan, send the difference."""
        pending = self.store.pending_outbox(self.name)
        if not pending:
            return
        if not self.syncer.dry_run:
            # A run that died while sending: let its writes land before re-reading, or a raise
            # that is still on its way would look unapplied and be sent again.
            waited = let_writes_settle(
                self.store.engine, [entry.id for entry in pending], settle=self.syncer.settle
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
        if not self.syncer.dry_run and outcomes:
            self._finish_pending(outcomes)

    def _finish_pending(self, outcomes: list[tuple[int, str, str | None]]) -> None:
        self.store.close_pending(outcomes)

    def _read_changed(self) -> None:
        floor = 0 if self.syncer.dry_run else self.store.max_outbox_id()
        self.deferring = True
        try:
            self._read_pages()
        finally:
            self.deferring = False
        if not self.syncer.dry_run and not self.syncer.stop_requested():
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
            self.store.renew_lease(self.name, self.syncer.owner, self.syncer.lease_ttl)

    def _read_pages(self) -> None:
        cursor = None if self.syncer.full else self.store.get_cursor(self.name)
        batch: list[Ticket] = []
        for item in self.connector.read(cursor):
            if isinstance(item, Ticket):
                self.summary.fetched += 1
                batch.append(item)
                if len(batch) >= self.syncer.batch_size:
                    self._process_all(batch)
                    batch = []
            elif isinstance(item, Skipped):
                self._skipped(item)
            elif isinstance(item, Checkpoint):
                self._process_all(batch)
                batch = []
                if not self.syncer.dry_run:
                    self.store.set_cursor(self.name, item.cursor)
                    self.store.renew_lease(self.name, self.syncer.owner, self.syncer.lease_ttl)
                if self.syncer.stop_requested():
                    return
        # Tickets after the last checkpoint are queued but the cursor stays: read again next time.
        self._process_all(batch)

    def _recheck_due(self) -> None:
        """Re-evaluate tracked open tickets whose next interesting instant has passed.

        Keyset paging over (next_instant, ticket_id) visits each due ticket once in constant
        memory: a re-evaluated ticket moves past ``now`` and one that fails stays behind the
        key. A dry run stores nothing, so it remembers what the read stage already planned.
        """
        now = self.syncer.now()
        after: tuple[datetime, str] | None = None
        while not self.syncer.stop_requested():
            page = self.store.due_tickets(self.name, now, after=after, limit=FETCH_CHUNK * 10)
            if not page:
                return
            after = page[-1]
            due = [
                ticket_id
                for _, ticket_id in page
                if ticket_id not in self.dry_run_handled and ticket_id not in self.failed_ids
            ]
            self.summary.due_rechecked += len(due)
            _, gone = self._fetch_and_process(due, {}, settle=False)
            if not self.syncer.dry_run:
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
            if not self.syncer.dry_run:
                self.store.renew_lease(self.name, self.syncer.owner, self.syncer.lease_ttl)
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
        """Decide, persist, then send: the order that makes a crash anywhere lose nothing."""
        out = _Processed()
        if not tickets:
            return out
        now = self.syncer.now()
        self._arguments = {}
        decisions = self._decide_all(tickets, carried, now)
        out.handled.update(decision.ticket.id for decision in decisions)
        self.summary.new_breaches += sum(len(decision.breaches) for decision in decisions)
        if self.syncer.progress is not None:
            self.syncer.progress(self.name, len(tickets))
        if self.syncer.dry_run:
            self._show_dry_run(decisions)
            return out
        settled = [d.ticket.id for d in decisions if settle and d.changes.is_empty]
        outbox_ids = persist(
            self.store,
            self.name,
            decisions,
            settled=settled,
            alerts=self.syncer.alerts,
            now=now,
        )
        self._announce_breaches(decisions)
        if not self.deferring:
            to_write = [d.changes for d in decisions if not d.changes.is_empty]
            out.conflicts = self._send(to_write, outbox_ids)
        return out

    # -- decide ---------------------------------------------------------------------------

    def _decide_all(
        self, tickets: Sequence[Ticket], carried: Mapping[str, Carried], now: datetime
    ) -> list[Decision]:
        """Evaluate each ticket and decide what it calls for; one that cannot be is counted."""
        ids = [ticket.id for ticket in tickets]
        tracked = self.store.get_tickets(self.name, ids)
        known_events = self.store.event_keys(self.name, ids)
        # slabridge's own priority writes are marked before evaluating (POLICY.md §3.4).
        written = own_writes.writes_for(self.store.engine, self.name, ids)
        has_history = self.connector.capabilities.priority_history
        context = DecideContext(
            self.name,
            self.connector,
            self.settings,
            now,
            alerts=self.syncer.alerts,
            revise_plan=self._revise_plan if self.hooks.plan_actions else None,
        )
        decisions: list[Decision] = []
        for read in tickets:
            ticket = own_writes.mark_own_writes(
                read, written.get(read.id, ()), has_history=has_history
            )
            if self.syncer.dry_run:
                self.dry_run_handled.add(ticket.id)
            evaluation = self._evaluate(ticket, now)
            if evaluation is None:
                continue
            if self.hooks.ticket_evaluated:
                arguments = self._hook_arguments(ticket, evaluation)
                self.syncer._hook(
                    "ticket_evaluated",
                    connector=self.connector,
                    ticket=arguments.ticket,
                    evaluation=arguments.evaluation,
                )
            facts = StoredFacts(
                known_events.get(ticket.id, ()), tracked.get(ticket.id), carried.get(ticket.id)
            )
            decision = decide(context, ticket, evaluation, facts)
            if not decision.changes.is_empty:
                self.summary.changed += 1
            decisions.append(decision)
        return decisions

    def _evaluate(self, ticket: Ticket, now: datetime) -> Evaluation | None:
        """The engine's verdict on ``ticket``; None (counted, reported) when it cannot be made."""
        try:
            evaluation = self.syncer.evaluate(ticket, now)
        except Exception as error:
            self.summary.failed += 1
            self.failed_ids.add(ticket.id)
            message = (
                f"{self.name}: ticket {ticket.id}: cannot evaluate: {error} "
                "(fix the ticket or the policy; it is evaluated again when it changes)"
            )
            self.summary.errors.append(message)
            log.error("evaluate_failed", connector=self.name, ticket=ticket.id, error=str(error))
            return None
        self.summary.evaluated += 1
        return evaluation

    def _hook_arguments(self, ticket: Ticket, evaluation: Evaluation) -> HookArguments:
        """The read-only copies every hook of this ticket shares (built once per batch)."""
        arguments = self._arguments.get(ticket.id)
        if arguments is None or not arguments.copies(evaluation):  # a ticket read twice
            arguments = self._arguments[ticket.id] = HookArguments(ticket, evaluation)
        return arguments

    def _revise_plan(self, ticket: Ticket, evaluation: Evaluation, changes: ChangeSet) -> ChangeSet:
        """The plugins' ``plan_actions`` on ``changes``, given read-only ticket and evaluation."""
        assert self.syncer.pm is not None  # only offered when a plugin implements the hook
        arguments = self._hook_arguments(ticket, evaluation)
        return apply_plan_actions(
            self.connector, arguments.ticket, arguments.evaluation, changes, self.syncer.pm
        )

    def _show_dry_run(self, decisions: Sequence[Decision]) -> None:
        """Remember what a dry run would write and alert; it stores and sends nothing."""
        syncer = self.syncer
        for decision in decisions:
            if not decision.changes.is_empty:
                evaluation = decision.evaluation
                syncer.planned.append(
                    PlannedWrite(
                        self.name,
                        decision.ticket.id,
                        evaluation.policy,
                        evaluation.breached,
                        evaluation.at_risk,
                        decision.changes,
                    )
                )
        trips = [trip for decision in decisions for trip in decision.trips]
        if syncer.alerts is not None and trips:
            with self.store.engine.connect() as connection:
                syncer.dry_run_trips.extend(syncer.alerts.unsent(connection, trips))

    # -- after persist --------------------------------------------------------------------

    def _announce_breaches(self, decisions: Sequence[Decision]) -> None:
        """Call ``sla_breached`` for each new breach (after the commit: best-effort)."""
        if not self.hooks.sla_breached:
            return
        for decision in decisions:
            for metric, index in decision.breaches:
                arguments = self._hook_arguments(decision.ticket, decision.evaluation)
                self.syncer._hook(
                    "sla_breached",
                    connector=self.connector,
                    ticket=arguments.ticket,
                    evaluation=arguments.evaluation,
                    metric=metric,
                    cycle=arguments.cycle(metric, index),
                )

    # -- send -----------------------------------------------------------------------------

    def _send(
        self, to_write: Sequence[ChangeSet], outbox_ids: Mapping[str, int]
    ) -> list[ChangeSet]:
        conflicts: list[ChangeSet] = []
        for start in range(0, len(to_write), WRITE_CHUNK):
            chunk = list(to_write[start : start + WRITE_CHUNK])
            # Recorded before sending: a raise applied without its answer reaching us is ours.
            sent = own_writes.record_sent(self.store.engine, self.name, chunk, self.syncer.now())
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
        own_writes.record_answers(self.store.engine, priority_answers, self.syncer.now())
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


__all__ = ["FETCH_CHUNK", "MAX_CONFLICT_ROUNDS", "WRITE_CHUNK", "ConnectorRun", "ObservedHooks"]
