"""Send marks: which queued writes may have reached the helpdesk before a run died (issue #28).

Before a chunk of outbox entries goes to ``connector.apply``, the sync records, in one
transaction, that those entries are being sent. A run killed between sending and recording the
outcome leaves the mark behind. A write that left before the kill can land after the next run
has started (a request still in flight, a bulk job or a search index that catches up later): a
re-read made at once would not show it, and the re-plan would send the priority raise a second
time. So the next run first lets such recent writes settle, and only then re-reads and re-plans.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from slabridge.sync import schema

# How long a write that left before a crash may take to show in the helpdesk's reads. A re-read
# after that sees it if it landed; one that still does not show it was never applied.
SETTLE = timedelta(seconds=3)

outbox_sends = sa.Table(
    "outbox_sends",
    schema.metadata,
    sa.Column("outbox_id", sa.Integer, primary_key=True),
    sa.Column("connector", sa.String(200), nullable=False),
    sa.Column("ticket_id", sa.String(200), nullable=False),
    sa.Column("sent_at", schema.UTCDateTime, nullable=False),  # wall clock, not --now
)


def mark_sent(engine: sa.Engine, connector: str, entries: Iterable[tuple[int, str]]) -> None:
    """Record that the outbox entries ``(id, ticket id)`` are about to be sent (durably)."""
    now = schema.utcnow()
    rows = [
        {"outbox_id": entry_id, "connector": connector, "ticket_id": ticket_id, "sent_at": now}
        for entry_id, ticket_id in entries
    ]
    if not rows:
        return
    table = outbox_sends
    with engine.begin() as connection:
        ids = [row["outbox_id"] for row in rows]
        connection.execute(sa.delete(table).where(table.c.outbox_id.in_(ids)))
        connection.execute(sa.insert(table), rows)


def forget_sent(engine: sa.Engine, outbox_ids: Sequence[int]) -> None:
    """Drop the marks of entries whose outcome is recorded (a leftover mark is harmless)."""
    if not outbox_ids:
        return
    with engine.begin() as connection:
        for start in range(0, len(outbox_ids), 500):
            chunk = list(outbox_ids[start : start + 500])
            connection.execute(sa.delete(outbox_sends).where(outbox_sends.c.outbox_id.in_(chunk)))


def last_sent(engine: sa.Engine, outbox_ids: Sequence[int]) -> datetime | None:
    """When the most recent of these entries was sent without its outcome being recorded."""
    if not outbox_ids:
        return None
    sent: list[datetime] = []
    with engine.connect() as connection:
        for start in range(0, len(outbox_ids), 500):
            chunk = list(outbox_ids[start : start + 500])
            query = sa.select(outbox_sends.c.sent_at).where(outbox_sends.c.outbox_id.in_(chunk))
            sent.extend(connection.execute(query).scalars())
    return max(sent, default=None)


def let_writes_settle(
    engine: sa.Engine,
    outbox_ids: Sequence[int],
    *,
    settle: timedelta = SETTLE,
    sleep: Callable[[float], None] | None = None,
) -> float:
    """Wait until writes sent for these pending entries had ``settle`` to land; return the wait."""
    sent = last_sent(engine, outbox_ids)
    if sent is None:
        return 0.0
    remaining = (sent + settle - schema.utcnow()).total_seconds()
    if remaining <= 0:
        return 0.0
    remaining = min(remaining, settle.total_seconds())  # a clock step back cannot stall a run
    (sleep or time.sleep)(remaining)
    return remaining


__all__ = ["SETTLE", "forget_sent", "last_sent", "let_writes_settle", "mark_sent", "outbox_sends"]
