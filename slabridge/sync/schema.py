"""The state store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use aware UTC datetimes")
        utc = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC so that text comparisons order by time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

# One row per sync of one connector; summary_json holds the counters of the summary log line.
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connector", sa.String(200), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("status", sa.String(20), nullable=False),  # running | ok | failed | interrupted
    sa.Column("summary_json", sa.Text),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("cursor", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Every ticket the sync has seen, with its latest verdict and the next instant to look again.
tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("ticket_id", sa.String(200), primary_key=True),
    sa.Column("snapshot_json", sa.Text, nullable=False),  # Ticket.to_json() as read
    sa.Column("policy", sa.String(200)),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("next_instant", UTCDateTime, index=True),
    sa.Column("breached", sa.Boolean, nullable=False),
    sa.Column("at_risk", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),  # the ticket's own updated_at
    sa.Column("evaluated_at", UTCDateTime, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),  # of the last stored evaluation
    sa.Index("ix_tickets_due", "connector", "is_open", "next_instant"),
)

# One row per evaluation whose outcome changed (not one per sync), Evaluation.to_json().
evaluations = sa.Table(
    "evaluations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connector", sa.String(200), nullable=False),
    sa.Column("ticket_id", sa.String(200), nullable=False),
    sa.Column("evaluated_at", UTCDateTime, nullable=False, index=True),
    sa.Column("policy", sa.String(200)),
    sa.Column("breached", sa.Boolean, nullable=False),
    sa.Column("at_risk", sa.Boolean, nullable=False),
    sa.Column("result_json", sa.Text, nullable=False),
    sa.Index("ix_evaluations_ticket", "connector", "ticket_id", "evaluated_at"),
)

# The life of every SLA cycle; ``seq`` numbers repeated kinds (several pauses of one cycle).
sla_events = sa.Table(
    "sla_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connector", sa.String(200), nullable=False),
    sa.Column("ticket_id", sa.String(200), nullable=False),
    sa.Column("metric", sa.String(50), nullable=False),
    sa.Column("cycle", sa.Integer, nullable=False),
    # applied | paused | resumed | fulfilled | at_risk | breached | escalated
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False, default=0),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint(
        "connector", "ticket_id", "metric", "cycle", "kind", "seq", name="uq_sla_events"
    ),
)

# Planned writes, stored before they are sent (crash anywhere, lose nothing).
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connector", sa.String(200), nullable=False),
    sa.Column("ticket_id", sa.String(200), nullable=False),
    sa.Column("changes_json", sa.Text, nullable=False),  # ChangeSet.to_json()
    sa.Column("status", sa.String(20), nullable=False),  # pending | done | parked
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_outbox_status", "connector", "status"),
)

# Alerts derived from sla_events, stored in the events' transaction and sent after it (issue #20).
notification_outbox = sa.Table(
    "notification_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # event id + rule + level: one message per event and escalation level, never two
    sa.Column("idempotency_key", sa.String(400), nullable=False, unique=True),
    sa.Column("channel", sa.String(200), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    # pending | sent | parked
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

# Runs that synced named tickets only (a webhook, slabridge.sync.single): migration v6.
targeted_runs = sa.Table(
    "targeted_runs",
    metadata,
    sa.Column("run_id", sa.Integer, primary_key=True),
    sa.Column("reason", sa.String(40), nullable=False),  # webhook
)

__all__ = [
    "UTCDateTime",
    "cursors",
    "evaluations",
    "leases",
    "metadata",
    "notification_outbox",
    "outbox",
    "runs",
    "schema_version",
    "sla_events",
    "targeted_runs",
    "tickets",
    "utcnow",
]
