"""The notification outbox: alerts stored with their events, sent after commit, never twice.

A row is written in the same transaction as the ``sla_events`` it derives from, so a crash
after commit leaves it ``pending`` for the next run. Its idempotency key (event, rule, level)
is unique: enqueueing the same alert again is a no-op. Delivery retries with exponential
backoff and parks the row with a reason after ``max_attempts`` failures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from slabridge.alerts.message import DeliveryError
from slabridge.sync import schema

table = schema.notification_outbox

PENDING = "pending"
SENT = "sent"
PARKED = "parked"
COLLECTING = "collecting"  # one item of a digest still being gathered by its run
DIGESTED = "digested"  # an item sent as part of a digest row (kept for its idempotency key)


@dataclass(frozen=True)
class Notification:
    """One pending alert as read back from the outbox."""

    id: int
    idempotency_key: str
    channel: str
    payload: str
    attempts: int


def idempotency_key(event_id: int, rule: str, level: int) -> str:
    """The key that makes one event, rule and escalation level one message."""
    return f"{event_id}:{rule}:{level}"


def enqueue(
    connection: sa.Connection,
    *,
    key: str,
    channel: str,
    payload: str,
    now: datetime,
    not_before: datetime | None = None,
    status: str = PENDING,
) -> bool:
    """Store one alert in the caller's transaction; return False if its key is already there.

    ``not_before`` holds it (quiet hours); ``status`` :data:`COLLECTING` keeps it out of
    delivery until the run's digest takes it in (see ``slabridge.alerts.rules``).
    """
    exists = connection.execute(sa.select(table.c.id).where(table.c.idempotency_key == key)).first()
    if exists is not None:
        return False
    connection.execute(
        sa.insert(table).values(
            idempotency_key=key,
            channel=channel,
            payload=payload,
            status=status,
            attempts=0,
            next_attempt_at=not_before or now,
            created_at=now,
        )
    )
    return True


def is_queued(connection: sa.Connection, key: str) -> bool:
    """Whether an alert with this idempotency key is in the outbox (in any status)."""
    return (
        connection.execute(sa.select(table.c.id).where(table.c.idempotency_key == key)).first()
        is not None
    )


def first_event_id(connection: sa.Connection, anchor: tuple[str, str, str, int, str]) -> int | None:
    """The id of the first stored SLA event ``(connector, ticket, metric, cycle, kind)``."""
    s = schema.sla_events
    connector, ticket_id, metric, cycle, kind = anchor
    value = connection.execute(
        sa.select(sa.func.min(s.c.id)).where(
            s.c.connector == connector,
            s.c.ticket_id == ticket_id,
            s.c.metric == metric,
            s.c.cycle == cycle,
            s.c.kind == kind,
        )
    ).scalar()
    return None if value is None else int(value)


@dataclass(frozen=True)
class Collected:
    """A digest item a run left :data:`COLLECTING`: its row, key, send time and payload."""

    id: int
    key: str
    channel: str
    send_at: datetime
    payload: str


def collected(connection: sa.Connection) -> list[Collected]:
    """Every row still :data:`COLLECTING`, oldest first."""
    rows = connection.execute(
        sa.select(table).where(table.c.status == COLLECTING).order_by(table.c.id)
    ).all()
    return [
        Collected(row.id, row.idempotency_key, row.channel, row.next_attempt_at, row.payload)
        for row in rows
    ]


def set_status(connection: sa.Connection, row_ids: list[int], status: str) -> None:
    """Move rows to ``status`` (a digest's items to :data:`DIGESTED`, a lone item to pending)."""
    connection.execute(sa.update(table).where(table.c.id.in_(row_ids)).values(status=status))


def due(connection: sa.Connection, now: datetime, limit: int = 100) -> list[Notification]:
    """Pending alerts whose next attempt is due, oldest first."""
    rows = connection.execute(
        sa.select(table)
        .where(table.c.status == PENDING, table.c.next_attempt_at <= now)
        .order_by(table.c.id)
        .limit(limit)
    ).all()
    return [
        Notification(row.id, row.idempotency_key, row.channel, row.payload, row.attempts)
        for row in rows
    ]


def backoff(attempts: int, base: timedelta = timedelta(seconds=30)) -> timedelta:
    """Delay before the next try after ``attempts`` failures: doubling, capped at one hour."""
    delay: timedelta = base * (2 ** max(attempts - 1, 0))
    return min(delay, timedelta(hours=1))


CLAIM = timedelta(minutes=5)


def _claim(engine: sa.Engine, row_id: int, now: datetime, until: datetime) -> bool:
    """Take a due row for one send (compare-and-set on its next attempt)."""
    with engine.begin() as connection:
        taken = connection.execute(
            sa.update(table)
            .where(table.c.id == row_id, table.c.status == PENDING, table.c.next_attempt_at <= now)
            .values(next_attempt_at=until)
        )
    return bool(taken.rowcount)


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    parked: int = 0


def deliver_due(
    engine: sa.Engine,
    send: Callable[[Notification], None],
    *,
    now: datetime,
    max_attempts: int = 5,
    claim_for: timedelta = CLAIM,
) -> DeliveryReport:
    """Send every due alert; each outcome is committed on its own so a crash loses at most one.

    Before its send, a row is claimed (its next attempt moved ``claim_for`` ahead, if it is
    still due): two workers sharing the store never send one alert at once, and a worker killed
    mid-send leaves its alert to be sent again once the claim runs out.

    Args:
        engine: The state store.
        send: Delivers one notification or raises :class:`DeliveryError`.
        now: The time of this pass (backoff is counted from it).
        max_attempts: Failures after which an alert is parked with its last reason.
        claim_for: How long a claimed alert is left to its worker.
    """
    with engine.connect() as connection:
        pending = due(connection, now)
    sent = retried = parked = 0
    for note in pending:
        if not _claim(engine, note.id, now, now + claim_for):
            continue  # another worker sharing the store took it since it was read
        try:
            send(note)
        except DeliveryError as error:
            attempts = note.attempts + 1
            values: dict[str, object] = {"attempts": attempts, "last_error": str(error)}
            if attempts >= max_attempts:
                values["status"] = PARKED
                parked += 1
            else:
                values["next_attempt_at"] = now + backoff(attempts)
                retried += 1
        else:
            values = {"status": SENT, "sent_at": now, "attempts": note.attempts + 1}
            sent += 1
        with engine.begin() as connection:
            connection.execute(sa.update(table).where(table.c.id == note.id).values(**values))
    return DeliveryReport(sent=sent, retried=retried, parked=parked)


__all__ = [
    "CLAIM",
    "COLLECTING",
    "DIGESTED",
    "PARKED",
    "PENDING",
    "SENT",
    "Collected",
    "DeliveryError",
    "DeliveryReport",
    "Notification",
    "backoff",
    "collected",
    "deliver_due",
    "due",
    "enqueue",
    "first_event_id",
    "idempotency_key",
    "is_queued",
    "set_status",
]
