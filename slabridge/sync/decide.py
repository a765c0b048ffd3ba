"""The sync's decide step: what one evaluated ticket calls for (events, escalation, write-back).

Nothing here reads or writes the state store or the helpdesk: the run hands in what the store
knows about the ticket and gets back a :class:`Decision`, which the persist step stores and
the send step delivers (``slabridge.sync.connector_run``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from slabridge.connectors.base import ChangeSet, Connector
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket
from slabridge.sync.events import derive_events, evaluation_digest
from slabridge.sync.plan import (
    WriteBackSettings,
    effective_priority,
    escalation_target,
    escalation_triggers,
    plan_changes,
    priority_rank,
)
from slabridge.sync.store import SlaEvent, TrackedTicket

if TYPE_CHECKING:
    from slabridge.alerts.rules import AlertRules, Trip

# A plugin's say on the planned write-back (the plan_actions hook), or None without plugins.
RevisePlan = Callable[[Ticket, Evaluation, ChangeSet], ChangeSet]


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
        """What ``changes`` carries into a re-plan; None when it raised nothing, removed nothing."""
        if not changes.priority and not changes.remove_tags:
            return None
        return cls(
            changes.raised_from,
            changes.priority,
            changes.expected_updated_at,
            changes.remove_tags,
        )


@dataclass(frozen=True, slots=True)
class DecideContext:
    """What every decision of one batch shares: the connector, its settings, the instant."""

    connector_name: str
    connector: Connector
    settings: WriteBackSettings
    now: datetime
    alerts: AlertRules | None = None
    revise_plan: RevisePlan | None = None


@dataclass(frozen=True, slots=True)
class StoredFacts:
    """What the state store knows about one ticket before this decision."""

    events: Sequence[SlaEvent] = ()  # its recorded SLA events
    previous: TrackedTicket | None = None  # its row in ``tickets`` (None: not tracked yet)
    carried: Carried | None = None  # what a superseded plan of it still meant to do


@dataclass(frozen=True, slots=True)
class Decision:
    """What one evaluated ticket calls for; the persist and send steps carry it out."""

    ticket: Ticket
    evaluation: Evaluation
    is_open: bool
    events: list[SlaEvent]  # new SLA events, escalations included
    breaches: list[tuple[str, int]]  # (metric, cycle) breached for the first time
    changes: ChangeSet  # the write-back, after the plugins' plan_actions
    digest: str  # what the evaluation says (see slabridge.sync.events.evaluation_digest)
    record_evaluation: bool  # the verdict changed since the stored one: add it to the history
    next_instant: datetime | None  # when the ticket needs a re-check by the clock alone
    trips: list[Trip] = field(default_factory=list)  # alert levels reached (alerts.rules)


def still_raised(
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


def escalation(
    context: DecideContext,
    ticket: Ticket,
    evaluation: Evaluation,
    facts: StoredFacts,
) -> tuple[str | None, list[SlaEvent]]:
    """The priority to raise ``ticket`` to (or None) and the ``escalated`` events to record.

    A solved or closed ticket is not escalated (no one works it; Zendesk refuses edits of closed
    ones), not even by a raise queued before it was solved; a breach still standing when it is
    reopened escalates then. A cycle escalates once: its recorded ``escalated`` event says so.
    """
    if ticket.status in STOPPED_STATUSES:
        return None, []
    settings = context.settings
    raise_to = still_raised(facts.carried, ticket, settings)
    recorded = {(event.metric, event.cycle, event.kind) for event in facts.events}
    triggers = [
        (metric, cycle)
        for metric, cycle in escalation_triggers(evaluation, settings)
        if (metric, cycle, "escalated") not in recorded
    ]
    if not triggers:
        return raise_to, []
    target = escalation_target(ticket.priority, settings)
    if target is not None and (raise_to is None or priority_rank(target) > priority_rank(raise_to)):
        raise_to = target
    escalated = [
        SlaEvent(context.connector_name, ticket.id, metric, cycle, "escalated", context.now)
        for metric, cycle in triggers
    ]
    return raise_to, escalated


def alerting(
    context: DecideContext, ticket: Ticket, evaluation: Evaluation, is_open: bool
) -> tuple[datetime | None, list[Trip]]:
    """When the ticket needs its next re-check, and the alert levels it reached now."""
    next_instant = evaluation.next_instant if is_open else None
    alerts = context.alerts
    if alerts is None:
        return next_instant, []
    name, now = context.connector_name, context.now
    url = context.connector.ticket_url(ticket.id)
    trips = alerts.trips(name, ticket, evaluation, now, ticket_url=url)
    # A level that trips by the clock alone (75%, breach + 2h) needs a re-check then.
    alert_at = alerts.next_instant(name, ticket, evaluation, now)
    if is_open and alert_at is not None:
        next_instant = alert_at if next_instant is None else min(next_instant, alert_at)
    return next_instant, list(trips)


def decide(
    context: DecideContext, ticket: Ticket, evaluation: Evaluation, facts: StoredFacts
) -> Decision:
    """What ``evaluation`` of ``ticket`` calls for, given what the store knows of it."""
    events = derive_events(context.connector_name, ticket, evaluation, facts.events)
    breaches = [(event.metric, event.cycle) for event in events if event.kind == "breached"]
    raise_to, escalated = escalation(context, ticket, evaluation, facts)
    previous = facts.previous
    changes = plan_changes(
        ticket,
        evaluation,
        context.settings,
        raise_priority_to=raise_to,
        previous_policy=None if previous is None else previous.policy,
        also_owned=frozenset() if facts.carried is None else facts.carried.remove_tags,
    )
    if context.revise_plan is not None:
        changes = context.revise_plan(ticket, evaluation, changes)
    is_open = ticket.status not in STOPPED_STATUSES
    digest = evaluation_digest(evaluation)
    next_instant, trips = alerting(context, ticket, evaluation, is_open)
    return Decision(
        ticket=ticket,
        evaluation=evaluation,
        is_open=is_open,
        events=events + escalated,
        breaches=breaches,
        changes=changes,
        digest=digest,
        record_evaluation=previous is None or previous.digest != digest,
        next_instant=next_instant,
        trips=trips,
    )


__all__ = [
    "Carried",
    "DecideContext",
    "Decision",
    "RevisePlan",
    "StoredFacts",
    "alerting",
    "decide",
    "escalation",
    "still_raised",
]
