"""Alert rules at work: which cycles trip which level, queued with their events, sent after.

The sync calls :meth:`AlertRules.trips` for each evaluated ticket, then
:meth:`AlertRules.enqueue` inside the transaction that stores the ticket's ``sla_events``; each
alert's idempotency key is ``event id : rule : level`` (the event a level answers: the
cycle's ``breached`` event for breach levels, its ``applied`` event for the levels before), so
one cycle trips one level of one rule once, whatever the number of runs that see it.

Only running cycles of open tickets trip a level: an alert is about something someone can
still act on. Levels that trip by the clock alone (a share, a time left, ``breach + 2h``) are
re-checked in time because :meth:`AlertRules.next_instant` joins the ticket's re-check instant.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import structlog

from slabridge.alerts import outbox
from slabridge.alerts.message import AlertItem, AlertMessage
from slabridge.alerts.settings import AlertsSettings, Level, Rule
from slabridge.facts import TicketFacts, facts_from_ticket
from slabridge.logs import redact_text
from slabridge.sections.scope import scope_predicate
from slabridge.sla.calendar import BusinessCalendar, CalendarSpec, compile_calendar
from slabridge.sla.policy import BUILTIN_CALENDAR, BUILTIN_CALENDAR_SPEC
from slabridge.sla.results import Cycle, Evaluation
from slabridge.sla.ticket import STOPPED_STATUSES, Ticket

if TYPE_CHECKING:
    import sqlalchemy as sa

    from slabridge.alerts.notifiers.base import Notifier

log = structlog.get_logger("slabridge.alerts")

_RUNNING = ("active", "paused", "breached")
_TODO = {
    "first_response": "reply to the customer",
    "next_response": "answer the customer's latest message",
    "resolution": "resolve the ticket",
}


@dataclass(frozen=True, slots=True)
class Trip:
    """One cycle that tripped one level of one rule in this run (an alert to queue or list)."""

    rule: str
    level: int  # 1 = the rule's first level
    channel: str
    digest: bool
    anchor: tuple[str, str, str, int, str]  # connector, ticket, metric, cycle, event kind
    item: AlertItem
    send_at: datetime  # the run's time, or when the quiet-hours calendar opens

    def message(self) -> AlertMessage:
        return AlertMessage(self.channel, self.rule, self.level, _title([self.item]), (self.item,))


class AlertRules:
    """The configured rules with the calendars they need, ready for the sync."""

    def __init__(self, settings: AlertsSettings, calendars: Mapping[str, CalendarSpec]) -> None:
        self.settings = settings
        # Goal rules watch budgets after a round (slabridge.report.budget_alerts), not tickets.
        self.rules = tuple(rule for rule in settings.rules if rule.goal is None)
        self._specs = dict(calendars)
        self._specs.setdefault(BUILTIN_CALENDAR, BUILTIN_CALENDAR_SPEC)
        self._in_scope: list[Callable[[TicketFacts], bool]] = [
            scope_predicate(rule.scope) for rule in self.rules
        ]

    def calendar(self, name: str) -> BusinessCalendar:
        return compile_calendar(self._specs.get(name, BUILTIN_CALENDAR_SPEC))

    # -- which levels trip ------------------------------------------------------------------

    def _cycles(
        self, connector: str, ticket: Ticket, evaluation: Evaluation
    ) -> Iterable[tuple[Rule, str, int, Cycle]]:
        if ticket.status in STOPPED_STATUSES:
            return
        facts = facts_from_ticket(ticket, evaluation.policy, connector)
        for rule, in_scope in zip(self.rules, self._in_scope, strict=True):
            if not in_scope(facts):
                continue
            for metric in rule.metrics:
                result = evaluation.metrics.get(metric)
                if result is None:
                    continue
                for index, cycle in enumerate(result.cycles):
                    if cycle.stopped_at is None and cycle.status in _RUNNING:
                        yield rule, metric, index, cycle

    def trips(
        self,
        connector: str,
        ticket: Ticket,
        evaluation: Evaluation,
        now: datetime,
        *,
        ticket_url: str | None = None,
    ) -> list[Trip]:
        """Every level this evaluation has reached (already-sent ones are dropped on enqueue)."""
        found: list[Trip] = []
        for rule, metric, index, cycle in self._cycles(connector, ticket, evaluation):
            for number, level in enumerate(rule.levels, start=1):
                if not self._tripped(level, cycle, now):
                    continue
                kind = "breached" if level.at.is_breach else "applied"
                item = self._item(connector, ticket, evaluation, metric, index, cycle, level, now)
                item = replace(item, ticket_url=ticket_url)
                found.append(
                    Trip(
                        rule=rule.name,
                        level=number,
                        channel=level.notify,
                        digest=rule.digest,
                        anchor=(connector, ticket.id, metric, index, kind),
                        item=item,
                        send_at=self._send_at(rule, level, now),
                    )
                )
        return found

    def _tripped(self, level: Level, cycle: Cycle, now: datetime) -> bool:
        trigger = level.at
        if trigger.is_breach:
            breached_at = cycle.breached_at or cycle.due_at
            return (
                cycle.status == "breached"
                and breached_at is not None
                and now >= breached_at + timedelta(seconds=trigger.seconds)
            )
        if cycle.status == "breached":
            return False  # past the at-risk stage: breach levels take over
        return cycle.elapsed_seconds >= trigger.threshold(cycle.target_seconds)

    def next_instant(
        self, connector: str, ticket: Ticket, evaluation: Evaluation, now: datetime
    ) -> datetime | None:
        """The earliest instant after ``now`` at which a level trips by the clock alone."""
        moments: list[datetime] = []
        for rule, _, _, cycle in self._cycles(connector, ticket, evaluation):
            for level in rule.levels:
                moment = self._trip_instant(level, cycle, now)
                if moment is not None and moment > now:
                    moments.append(moment)
        return min(moments, default=None)

    def _trip_instant(self, level: Level, cycle: Cycle, now: datetime) -> datetime | None:
        trigger = level.at
        if trigger.is_breach:
            base = cycle.breached_at or cycle.due_at
            return None if base is None else base + timedelta(seconds=trigger.seconds)
        if cycle.status != "active":
            return None  # a paused clock trips nothing until it runs again (a ticket change)
        missing = trigger.threshold(cycle.target_seconds) - cycle.elapsed_seconds
        if missing <= 0:
            return None
        try:
            instant = self.calendar(cycle.calendar).due(now.timestamp(), missing)
        except ValueError:  # the calendar never reaches it (NoBusinessTimeError)
            return None
        return None if math.isinf(instant) else datetime.fromtimestamp(instant, UTC)

    def _send_at(self, rule: Rule, level: Level, now: datetime) -> datetime:
        """Now, or when the quiet-hours calendar next opens (an urgent level never waits)."""
        if rule.quiet_hours is None or level.urgent:
            return now
        opens = self.calendar(rule.quiet_hours.calendar).next_open(now.timestamp())
        if math.isinf(opens):
            return now  # a calendar that never opens must not swallow the alert
        return max(now, datetime.fromtimestamp(opens, UTC))

    # -- what the message says --------------------------------------------------------------

    def _item(
        self,
        connector: str,
        ticket: Ticket,
        evaluation: Evaluation,
        metric: str,
        index: int,
        cycle: Cycle,
        level: Level,
        now: datetime,
    ) -> AlertItem:
        zone = self.calendar(cycle.calendar).zone
        due = cycle.due_at or cycle.breached_at or now
        subject = ticket.extra.get("subject") if isinstance(ticket.extra, Mapping) else None
        todo = _TODO.get(metric, f"stop the {metric} clock")
        when = local_time(due, zone, now)
        if level.at.is_breach:
            late = f"{level.at.label()} reached" if level.at.seconds else "breached"
            action = f"{todo} now: the target was due {when} ({late}); tell the customer"
            event = "breached"
        else:
            action = f"{todo} before {when}"
            event = "at_risk"
        return AlertItem(
            connector=connector,
            ticket_id=ticket.id,
            ticket_url=None,
            subject=None if subject is None else str(subject),
            metric=metric,
            cycle=index,
            event=event,
            due_at=due.astimezone(UTC),
            due_local=due_local(due, zone, cycle.calendar),
            policy=evaluation.policy,
            priority=ticket.priority,
            action=action,
        )

    # -- queue, digest, deliver -------------------------------------------------------------

    def enqueue(self, connection: sa.Connection, trips: Sequence[Trip], now: datetime) -> int:
        """Queue new alerts in the caller's (the events') transaction; return how many."""
        queued = 0
        for trip in trips:
            event_id = outbox.first_event_id(connection, trip.anchor)
            if event_id is None:
                log.warning("alert_without_event", anchor=list(trip.anchor), rule=trip.rule)
                continue
            key = outbox.idempotency_key(event_id, trip.rule, trip.level)
            if outbox.enqueue(
                connection,
                key=key,
                channel=trip.channel,
                payload=json.dumps(trip.message().to_json(), sort_keys=True),
                now=now,
                not_before=trip.send_at,
                status=outbox.COLLECTING if trip.digest else outbox.PENDING,
            ):
                queued += 1
        return queued

    def unsent(self, connection: sa.Connection, trips: Sequence[Trip]) -> list[Trip]:
        """The trips not in the outbox yet (what a dry run lists; it stores nothing)."""
        fresh: list[Trip] = []
        for trip in trips:
            event_id = outbox.first_event_id(connection, trip.anchor)
            key = (
                None
                if event_id is None
                else outbox.idempotency_key(event_id, trip.rule, trip.level)
            )
            if key is None or not outbox.is_queued(connection, key):
                fresh.append(trip)
        return fresh


def messages(trips: Sequence[Trip]) -> list[AlertMessage]:
    """The messages a run's trips make: one per trip, or one per channel+rule+level for digests."""
    result: list[AlertMessage] = []
    groups: dict[tuple[str, str, int], list[AlertItem]] = {}
    for trip in trips:
        if trip.digest:
            groups.setdefault((trip.channel, trip.rule, trip.level), []).append(trip.item)
        else:
            result.append(trip.message())
    for (channel, rule, level), items in groups.items():
        result.append(AlertMessage(channel, rule, level, _title(items), tuple(items)))
    return result


def collect_digests(engine: sa.Engine, now: datetime) -> int:
    """Turn a run's collected digest items into one message per channel+rule+level+send time.

    Runs after the run's last transaction; items a killed run left collecting are taken by the
    next one, so nothing is lost. Returns the number of messages made.
    """
    made = 0
    with engine.begin() as connection:
        groups: dict[tuple[str, str, int, datetime], list[tuple[int, str, AlertMessage]]] = {}
        for row in outbox.collected(connection):
            message = AlertMessage.from_json(json.loads(row.payload))
            group = (row.channel, message.rule, message.level, row.send_at)
            groups.setdefault(group, []).append((row.id, row.key, message))
        for (channel, rule, level, send_at), members in groups.items():
            ids = [member_id for member_id, _, _ in members]
            if len(members) == 1:
                outbox.set_status(connection, ids, outbox.PENDING)
                made += 1
                continue
            items = tuple(item for _, _, message in members for item in message.items)
            keys = ",".join(sorted(key for _, key, _ in members))
            digest = AlertMessage(channel, rule, level, _title(items), items)
            outbox.enqueue(
                connection,
                key=f"digest:{hashlib.sha256(keys.encode()).hexdigest()}",
                channel=channel,
                payload=json.dumps(digest.to_json(), sort_keys=True),
                now=now,
                not_before=send_at,
            )
            outbox.set_status(connection, ids, outbox.DIGESTED)
            made += 1
    return made


def deliver(
    engine: sa.Engine,
    channels: Mapping[str, Notifier],
    *,
    now: datetime,
    max_attempts: int = 5,
) -> outbox.DeliveryReport:
    """Send every due alert through its channel (after the events' commit)."""

    def send(note: outbox.Notification) -> None:
        channel = channels.get(note.channel)
        if channel is None:
            raise outbox.DeliveryError(
                f"channel {note.channel!r} is not configured under alerts.channels"
            )
        message = AlertMessage.from_json(json.loads(note.payload))
        try:
            channel.send(message)
        except outbox.DeliveryError:
            raise
        except Exception as error:  # a notifier bug must not stop the pass; kept as a retry
            raise outbox.DeliveryError(
                redact_text(f"channel {note.channel!r}: {type(error).__name__}: {error}")
            ) from None

    return outbox.deliver_due(engine, send, now=now, max_attempts=max_attempts)


def _title(items: Sequence[AlertItem]) -> str:
    breached = all(item.event == "breached" for item in items)
    what = "SLA breached" if breached else "SLA at risk"
    if len(items) == 1:
        item = items[0]
        return f"{what}: {item.connector} #{item.ticket_id} ({item.metric.replace('_', ' ')})"
    tickets = len({(item.connector, item.ticket_id) for item in items})
    return f"{what}: {tickets} ticket{'s' if tickets != 1 else ''}"


def due_local(moment: datetime, zone: ZoneInfo, calendar: str) -> str:
    """``Tue 8 Dec 2026 17:00 CET (berlin)``: a due time in its calendar's local time."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()} ({calendar})"


def local_time(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """``17:00 CET`` on the day of ``now`` (local), else ``Tue 8 Dec 17:00 CET``."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M} {local.tzname()}"
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"


__all__ = [
    "AlertRules",
    "Trip",
    "collect_digests",
    "deliver",
    "due_local",
    "local_time",
    "messages",
]
