"""The state store: cursors, tracked tickets, outbox, evaluations, SLA events, runs and leases.

One code path (SQLAlchemy Core) for SQLite, the default, and PostgreSQL (psycopg 3). Readers such
as the reports use :meth:`StateStore.iter_tickets`, :meth:`StateStore.iter_evaluations` and
:meth:`StateStore.iter_sla_events`; the table layout is in :mod:`slabridge.sync.schema`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from slabridge.errors import InputError
from slabridge.sync import schema
from slabridge.sync.credentials import EncryptedTokenStore
from slabridge.sync.migrations import migrate
from slabridge.sync.schema import utcnow

DEFAULT_STATE = "sqlite:///slabridge.db"
_CHUNK = 500  # ids per IN (...) query: well under SQLite's parameter limit


class StateStoreError(InputError, RuntimeError):
    """The state store cannot be opened or used (exit status 2); the message says what to check."""


@dataclass(frozen=True, slots=True)
class TrackedTicket:
    """A row of ``tickets``: the latest snapshot and verdict of one ticket."""

    connector: str
    ticket_id: str
    snapshot: dict[str, Any]
    policy: str | None
    is_open: bool
    next_instant: datetime | None
    breached: bool
    at_risk: bool
    updated_at: datetime
    evaluated_at: datetime
    digest: str


@dataclass(frozen=True, slots=True)
class EvaluationRecord:
    """A row of ``evaluations``; ``result`` is ``Evaluation.to_json()`` (POLICY.md §4)."""

    id: int
    connector: str
    ticket_id: str
    evaluated_at: datetime
    policy: str | None
    breached: bool
    at_risk: bool
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlaEvent:
    """One event in the life of an SLA cycle (``kind``: applied, paused, resumed, fulfilled,
    at_risk, breached, escalated); ``cycle`` is the index in the metric's ``cycles``."""

    connector: str
    ticket_id: str
    metric: str
    cycle: int
    kind: str
    at: datetime
    seq: int = 0
    recorded_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str, int, str, int]:
        return (self.connector, self.ticket_id, self.metric, self.cycle, self.kind, self.seq)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A planned write: ``changes`` is ``ChangeSet.to_json()``."""

    id: int
    connector: str
    ticket_id: str
    changes: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LatestEvaluation:
    """A ticket's latest stored evaluation in a window, with its snapshot, both as JSON text.

    The texts are left unparsed, so that a caller can name a row it cannot read and go on.
    """

    connector: str
    ticket_id: str
    policy: str | None
    result_json: str
    snapshot_json: str | None  # None: the ticket is no longer tracked


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A row of ``runs``."""

    id: int
    connector: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    summary: dict[str, Any] | None


def normalize_url(url: str, *, base_dir: Path | None = None) -> str:
    """Accept ``postgresql://`` (use psycopg 3) and resolve a relative SQLite path.

    ``sqlite:///slabridge.db`` is relative to ``base_dir`` (the config file's folder).
    """
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and base_dir is not None:
        path = url[len("sqlite:///") :]
        if path and not path.startswith("/") and path != ":memory:":
            return "sqlite:///" + str((base_dir / path).resolve())
    return url


def _make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = sa.create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=sa.pool.StaticPool if in_memory else sa.pool.NullPool,
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, issue BEGIN, so that DDL is transactional too.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "")
            connection.exec_driver_sql(f"BEGIN {mode}".strip())

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class StateStore:
    """Access to the state store; create with :func:`open_store` (which migrates the schema)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def begin(self) -> Any:
        """A transaction (context manager yielding a connection) for several writes at once."""
        return self.engine.begin()

    # -- cursors --------------------------------------------------------------------------

    def get_cursor(self, connector: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(schema.cursors.c.cursor).where(schema.cursors.c.connector == connector)
            ).scalar()

    def set_cursor(self, connector: str, cursor: str | None) -> None:
        with self.engine.begin() as connection:
            self._upsert(
                connection,
                schema.cursors,
                {"connector": connector, "cursor": cursor, "updated_at": utcnow()},
                ["connector"],
            )

    # -- tickets --------------------------------------------------------------------------

    def get_tickets(self, connector: str, ticket_ids: Iterable[str]) -> dict[str, TrackedTicket]:
        ids = list(dict.fromkeys(ticket_ids))
        found: dict[str, TrackedTicket] = {}
        t = schema.tickets
        with self.engine.connect() as connection:
            for start in range(0, len(ids), _CHUNK):
                rows = connection.execute(
                    sa.select(t).where(
                        t.c.connector == connector, t.c.ticket_id.in_(ids[start : start + _CHUNK])
                    )
                )
                for row in rows.mappings():
                    found[row["ticket_id"]] = _tracked(row)
        return found

    def save_tickets(self, connection: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Upsert ``tickets`` rows (dicts with every column; ``snapshot_json`` already text)."""
        if rows:
            statement = self._upsert_statement(
                schema.tickets, list(rows[0]), ["connector", "ticket_id"]
            )
            connection.execute(statement, list(rows))

    def due_tickets(
        self,
        connector: str,
        now: datetime,
        *,
        after: tuple[datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[tuple[datetime, str]]:
        """Open tracked tickets whose next interesting instant is at or before ``now``.

        Returns ``(next_instant, ticket_id)`` in that order; ``after`` is the last pair of the
        previous page (keyset paging: a ticket re-evaluated meanwhile never comes back twice).
        """
        t = schema.tickets
        query = sa.select(t.c.next_instant, t.c.ticket_id).where(
            t.c.connector == connector, t.c.is_open.is_(True), t.c.next_instant <= now
        )
        if after is not None:
            instant, ticket_id = after
            query = query.where(
                sa.or_(
                    t.c.next_instant > instant,
                    sa.and_(t.c.next_instant == instant, t.c.ticket_id > ticket_id),
                )
            )
        query = query.order_by(t.c.next_instant, t.c.ticket_id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [(instant, str(ticket_id)) for instant, ticket_id in connection.execute(query)]

    def untrack(self, connector: str, ticket_ids: Sequence[str]) -> None:
        """Stop re-checking tickets the helpdesk no longer has (deleted, archived)."""
        t = schema.tickets
        with self.engine.begin() as connection:
            for start in range(0, len(ticket_ids), _CHUNK):
                connection.execute(
                    sa.update(t)
                    .where(
                        t.c.connector == connector,
                        t.c.ticket_id.in_(list(ticket_ids[start : start + _CHUNK])),
                    )
                    .values(is_open=False, next_instant=None)
                )

    def iter_tickets(self, connector: str | None = None) -> Iterator[TrackedTicket]:
        """Every tracked ticket (of one connector), ordered by connector and id."""
        t = schema.tickets
        query = sa.select(t).order_by(t.c.connector, t.c.ticket_id)
        if connector is not None:
            query = query.where(t.c.connector == connector)
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=1000).execute(query)
            for row in result.mappings():
                yield _tracked(row)

    def iter_snapshots(
        self,
        connector: str | None = None,
        *,
        unevaluated_between: tuple[datetime, datetime] | None = None,
        updated_since: datetime | None = None,
    ) -> Iterator[tuple[str, str, str]]:
        """``(connector, ticket_id, snapshot JSON text)`` of tracked tickets, by connector and id.

        The text is left unparsed, so that a caller can name a snapshot it cannot read and go
        on. With ``unevaluated_between=(start, end)``: only tickets updated at or after
        ``start`` that have no evaluation made in ``[start, end)`` (what a report replays).
        With ``updated_since``: only tickets updated at or after it (the report's review).
        """
        t, e = schema.tickets, schema.evaluations
        query = sa.select(t.c.connector, t.c.ticket_id, t.c.snapshot_json).order_by(
            t.c.connector, t.c.ticket_id
        )
        if connector is not None:
            query = query.where(t.c.connector == connector)
        if unevaluated_between is not None:
            start, end = unevaluated_between
            evaluated = (
                sa.select(e.c.id)
                .where(
                    e.c.connector == t.c.connector,
                    e.c.ticket_id == t.c.ticket_id,
                    e.c.evaluated_at >= start,
                    e.c.evaluated_at < end,
                )
                .exists()
            )
            query = query.where(t.c.updated_at >= start, ~evaluated)
        if updated_since is not None:
            query = query.where(t.c.updated_at >= updated_since)
        with self.engine.connect() as connection:
            rows = connection.execution_options(yield_per=1000).execute(query)
            for name, ticket_id, snapshot_json in rows:
                yield str(name), str(ticket_id), str(snapshot_json)

    def stored_connectors(self) -> list[str]:
        """The connectors that have tickets in the store."""
        t = schema.tickets
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(t.c.connector).distinct().order_by(t.c.connector))
            return [str(name) for (name,) in rows]

    # -- evaluations and events -----------------------------------------------------------

    def add_evaluations(self, connection: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            connection.execute(sa.insert(schema.evaluations), list(rows))

    def iter_evaluations(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        connector: str | None = None,
    ) -> Iterator[EvaluationRecord]:
        """Stored evaluations with ``since <= evaluated_at < until``, oldest first."""
        e = schema.evaluations
        query = _time_window(sa.select(e), e, e.c.evaluated_at, since, until, connector)
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=1000).execute(query)
            for row in result.mappings():
                yield EvaluationRecord(
                    id=row["id"],
                    connector=row["connector"],
                    ticket_id=row["ticket_id"],
                    evaluated_at=row["evaluated_at"],
                    policy=row["policy"],
                    breached=bool(row["breached"]),
                    at_risk=bool(row["at_risk"]),
                    result=json.loads(row["result_json"]),
                )

    def latest_evaluations(
        self, start: datetime, until: datetime, connector: str | None = None
    ) -> Iterator[LatestEvaluation]:
        """Each ticket's latest evaluation with ``start <= evaluated_at < until``, and its snapshot.

        One query picks the latest row per ticket (a window function, on SQLite and PostgreSQL)
        and joins the snapshot, so superseded evaluations are never read and rows stream through.
        """
        e, t = schema.evaluations, schema.tickets
        newest_first = sa.func.row_number().over(
            partition_by=(e.c.connector, e.c.ticket_id),
            order_by=(e.c.evaluated_at.desc(), e.c.id.desc()),
        )
        ranked = sa.select(e.c.id, newest_first.label("newness")).where(
            e.c.evaluated_at >= start, e.c.evaluated_at < until
        )
        if connector is not None:
            ranked = ranked.where(e.c.connector == connector)
        latest = ranked.subquery()
        query = (
            sa.select(e.c.connector, e.c.ticket_id, e.c.policy, e.c.result_json, t.c.snapshot_json)
            .join(latest, sa.and_(latest.c.id == e.c.id, latest.c.newness == 1))
            .outerjoin(t, sa.and_(t.c.connector == e.c.connector, t.c.ticket_id == e.c.ticket_id))
        )
        with self.engine.connect() as connection:
            rows = connection.execution_options(yield_per=2000).execute(query)
            for name, ticket_id, policy, result_json, snapshot_json in rows:
                yield LatestEvaluation(name, ticket_id, policy, result_json, snapshot_json)

    def event_keys(self, connector: str, ticket_ids: Iterable[str]) -> dict[str, list[SlaEvent]]:
        """The recorded SLA events of the given tickets, by ticket id."""
        ids = list(dict.fromkeys(ticket_ids))
        s = schema.sla_events
        found: dict[str, list[SlaEvent]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(ids), _CHUNK):
                rows = connection.execute(
                    sa.select(s).where(
                        s.c.connector == connector, s.c.ticket_id.in_(ids[start : start + _CHUNK])
                    )
                )
                for row in rows.mappings():
                    found.setdefault(row["ticket_id"], []).append(_event(row))
        return found

    def add_sla_events(self, connection: sa.Connection, events: Sequence[SlaEvent]) -> None:
        """Insert events; one already recorded (same key) is left as it is."""
        if not events:
            return
        now = utcnow()
        rows = [
            {
                "connector": event.connector,
                "ticket_id": event.ticket_id,
                "metric": event.metric,
                "cycle": event.cycle,
                "kind": event.kind,
                "seq": event.seq,
                "at": event.at,
                "recorded_at": event.recorded_at or now,
            }
            for event in events
        ]
        connection.execute(self._insert_ignore(schema.sla_events), rows)

    def iter_sla_events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        connector: str | None = None,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[SlaEvent]:
        """Recorded SLA events with ``since <= at < until``, in time order."""
        s = schema.sla_events
        query = _time_window(sa.select(s), s, s.c.at, since, until, connector)
        if kinds is not None:
            query = query.where(s.c.kind.in_(list(kinds)))
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=1000).execute(query)
            for row in result.mappings():
                yield _event(row)

    # -- outbox ---------------------------------------------------------------------------

    def enqueue(
        self, connection: sa.Connection, connector: str, changes: Sequence[dict[str, Any]]
    ) -> dict[str, int]:
        """Queue change sets (``ChangeSet.to_json()``); return the outbox id per ticket id.

        An older pending entry of the same ticket is superseded: the new plan was made from a
        fresher read and carries everything still needed.
        """
        o = schema.outbox
        now = utcnow()
        ids: dict[str, int] = {}
        ticket_ids = [str(change["ticket_id"]) for change in changes]
        for start in range(0, len(ticket_ids), _CHUNK):
            connection.execute(
                sa.update(o)
                .where(
                    o.c.connector == connector,
                    o.c.status == "pending",
                    o.c.ticket_id.in_(ticket_ids[start : start + _CHUNK]),
                )
                .values(status="done", last_error="superseded by a newer plan", updated_at=now)
            )
        if not changes:
            return ids
        rows = [
            {
                "connector": connector,
                "ticket_id": str(change["ticket_id"]),
                "changes_json": json.dumps(change, sort_keys=True),
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for change in changes
        ]
        result = connection.execute(
            sa.insert(o).returning(o.c.id, o.c.ticket_id, sort_by_parameter_order=True), rows
        )
        for entry_id, ticket_id in result:
            ids[str(ticket_id)] = int(entry_id)
        return ids

    def settle(self, connection: sa.Connection, connector: str, ticket_ids: Sequence[str]) -> None:
        """Close the pending entries of tickets that need no write any more."""
        o = schema.outbox
        for start in range(0, len(ticket_ids), _CHUNK):
            connection.execute(
                sa.update(o)
                .where(
                    o.c.connector == connector,
                    o.c.status == "pending",
                    o.c.ticket_id.in_(list(ticket_ids[start : start + _CHUNK])),
                )
                .values(status="done", last_error=None, updated_at=utcnow())
            )

    def close_pending(self, outcomes: Sequence[tuple[int, str, str | None]]) -> None:
        """Set the status of entries that are still pending: ``(outbox id, status, reason)``."""
        o = schema.outbox
        with self.engine.begin() as connection:
            for entry_id, status, error in outcomes:
                connection.execute(
                    sa.update(o)
                    .where(o.c.id == entry_id, o.c.status == "pending")
                    .values(status=status, last_error=error, updated_at=utcnow())
                )

    def pending_outbox(
        self, connector: str, *, after_id: int = 0, limit: int | None = None
    ) -> list[OutboxEntry]:
        """Pending entries of ``connector`` with an id above ``after_id``, oldest first."""
        return self._outbox(connector, "pending", after_id=after_id, limit=limit)

    def parked_outbox(self, connector: str | None = None) -> list[OutboxEntry]:
        return self._outbox(connector, "parked")

    def max_outbox_id(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.max(schema.outbox.c.id))).scalar() or 0)

    def _outbox(
        self, connector: str | None, status: str, *, after_id: int = 0, limit: int | None = None
    ) -> list[OutboxEntry]:
        o = schema.outbox
        query = sa.select(o).where(o.c.status == status, o.c.id > after_id).order_by(o.c.id)
        if limit is not None:
            query = query.limit(limit)
        if connector is not None:
            query = query.where(o.c.connector == connector)
        with self.engine.connect() as connection:
            return [_outbox(row) for row in connection.execute(query).mappings()]

    def finish_outbox(self, outcomes: Sequence[tuple[int, str, str | None]]) -> None:
        """Record outcomes ``(outbox id, status, error)``; status pending counts an attempt."""
        if not outcomes:
            return
        o = schema.outbox
        now = utcnow()
        statement = (
            sa.update(o)
            .where(o.c.id == sa.bindparam("entry_id"))
            .values(
                status=sa.bindparam("new_status"),
                attempts=o.c.attempts + 1,
                last_error=sa.bindparam("error"),
                updated_at=now,
            )
        )
        rows = [
            {"entry_id": entry_id, "new_status": status, "error": error}
            for entry_id, status, error in outcomes
        ]
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def outbox_counts(self) -> dict[tuple[str, str], int]:
        """``{(connector, status): count}`` of outbox entries that are pending or parked."""
        o = schema.outbox
        query = (
            sa.select(o.c.connector, o.c.status, sa.func.count())
            .where(o.c.status.in_(("pending", "parked")))
            .group_by(o.c.connector, o.c.status)
        )
        with self.engine.connect() as connection:
            return {(row[0], row[1]): int(row[2]) for row in connection.execute(query)}

    def requeue_parked(self, connector: str | None = None) -> int:
        """Make parked entries pending again, with their attempts reset; return how many.

        Only an entry that is still its ticket's latest is requeued: a later write to the same
        ticket has already superseded it, and sending the old one would undo the newer plan.
        """
        o = schema.outbox
        newer = sa.alias(o)
        superseded = sa.exists().where(
            newer.c.connector == o.c.connector,
            newer.c.ticket_id == o.c.ticket_id,
            newer.c.id > o.c.id,
        )
        statement = (
            sa.update(o)
            .where(o.c.status == "parked", ~superseded)
            .values(status="pending", attempts=0, updated_at=utcnow())
        )
        if connector is not None:
            statement = statement.where(o.c.connector == connector)
        with self.engine.begin() as connection:
            return int(connection.execute(statement).rowcount or 0)

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, connector: str, started_at: datetime | None = None) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.insert(schema.runs)
                .values(connector=connector, started_at=started_at or utcnow(), status="running")
                .returning(schema.runs.c.id)
            )
            return int(result.scalar_one())

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(schema.runs)
                .where(schema.runs.c.id == run_id)
                .values(finished_at=utcnow(), status=status, summary_json=json.dumps(summary))
            )

    def mark_targeted_run(self, run_id: int, reason: str) -> None:
        """Record that run ``run_id`` synced named tickets only (``reason``: e.g. webhook)."""
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(schema.targeted_runs).values(run_id=run_id, reason=reason)
            )

    def synced_since(self, connector: str, since: datetime, *, except_owner_run: int = 0) -> bool:
        """True when a run of ``connector`` started at or after ``since`` and has finished.

        A run that synced named tickets only (a webhook, ``slabridge.sync.single``) does not count.
        """
        r, targeted_runs = schema.runs, schema.targeted_runs
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(r.c.id)
                .where(
                    r.c.connector == connector,
                    r.c.started_at >= since,
                    r.c.finished_at.is_not(None),
                    r.c.id != except_owner_run,
                    r.c.id.not_in(sa.select(targeted_runs.c.run_id)),
                )
                .limit(1)
            ).first()
        return found is not None

    def last_runs(self, connector: str, limit: int = 1) -> list[RunRecord]:
        """The ``limit`` latest runs of ``connector``, newest first."""
        r = schema.runs
        query = sa.select(r).where(r.c.connector == connector).order_by(r.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_run(row) for row in connection.execute(query).mappings()]

    def last_run_with_status(self, connector: str, status: str) -> RunRecord | None:
        r = schema.runs
        query = (
            sa.select(r)
            .where(r.c.connector == connector, r.c.status == status)
            .order_by(r.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _run(row) if row is not None else None

    def iter_runs(self, connector: str | None = None) -> Iterator[RunRecord]:
        r = schema.runs
        query = sa.select(r).order_by(r.c.id)
        if connector is not None:
            query = query.where(r.c.connector == connector)
        with self.engine.connect() as connection:
            for row in connection.execute(query).mappings():
                yield _run(row)

    def open_ticket_counts(self) -> list[tuple[str, str | None, str, int]]:
        """``(connector, policy, state, count)`` of open tracked tickets; state is ``breached``,
        ``at_risk`` or ``ok``."""
        t = schema.tickets
        state = sa.case((t.c.breached, "breached"), (t.c.at_risk, "at_risk"), else_="ok")
        query = (
            sa.select(t.c.connector, t.c.policy, state.label("state"), sa.func.count())
            .where(t.c.is_open)
            .group_by(t.c.connector, t.c.policy, state)
            .order_by(t.c.connector, t.c.policy, state)
        )
        with self.engine.connect() as connection:
            return [(row[0], row[1], row[2], int(row[3])) for row in connection.execute(query)]

    # -- leases ---------------------------------------------------------------------------

    def acquire_lease(self, connector: str, owner: str, ttl: timedelta) -> bool:
        """Claim the connector for ``owner`` until ``now + ttl``; False if someone else holds it.

        The claim is one conditional UPDATE (or an INSERT guarded by the primary key), atomic on
        SQLite and PostgreSQL alike; on PostgreSQL the row is first locked with
        ``FOR UPDATE SKIP LOCKED`` so a worker never waits behind another's claim.
        """
        now = utcnow()
        lease = schema.leases
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    locked = connection.execute(
                        sa.select(lease.c.connector)
                        .where(lease.c.connector == connector)
                        .with_for_update(skip_locked=True)
                    ).first()
                    exists = connection.execute(
                        sa.select(sa.func.count()).where(lease.c.connector == connector)
                    ).scalar()
                    if exists and locked is None:
                        return False  # another worker is claiming it right now
                updated = connection.execute(
                    sa.update(lease)
                    .where(
                        lease.c.connector == connector,
                        sa.or_(lease.c.expires_at <= now, lease.c.owner == owner),
                    )
                    .values(owner=owner, expires_at=now + ttl)
                )
                if updated.rowcount == 1:
                    return True
                held = connection.execute(
                    sa.select(lease.c.owner).where(lease.c.connector == connector)
                ).first()
                if held is not None:
                    return False
                connection.execute(
                    sa.insert(lease).values(connector=connector, owner=owner, expires_at=now + ttl)
                )
                return True
        except sa.exc.IntegrityError:
            return False  # inserted by a concurrent worker a moment ago

    def take_over_lease(self, connector: str, dead_owner: str, owner: str, ttl: timedelta) -> bool:
        """Claim a lease from an owner known to be dead (atomic: only if it still holds it)."""
        lease = schema.leases
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(lease)
                .where(lease.c.connector == connector, lease.c.owner == dead_owner)
                .values(owner=owner, expires_at=utcnow() + ttl)
            )
            return result.rowcount == 1

    def lease_holder(self, connector: str) -> tuple[str, datetime] | None:
        lease = schema.leases
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(lease.c.owner, lease.c.expires_at).where(lease.c.connector == connector)
            ).first()
        return None if row is None else (str(row[0]), row[1])

    def renew_lease(self, connector: str, owner: str, ttl: timedelta) -> bool:
        lease = schema.leases
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(lease)
                .where(lease.c.connector == connector, lease.c.owner == owner)
                .values(expires_at=utcnow() + ttl)
            )
            return result.rowcount == 1

    def release_lease(self, connector: str, owner: str) -> None:
        lease = schema.leases
        with self.engine.begin() as connection:
            connection.execute(
                sa.delete(lease).where(lease.c.connector == connector, lease.c.owner == owner)
            )

    # -- helpers --------------------------------------------------------------------------

    # -- credentials ----------------------------------------------------------------------

    def token_store(self, connector: str, key: str, where: str) -> EncryptedTokenStore:
        """``connector``'s rotating refresh token, kept here encrypted with the Fernet ``key``."""
        return EncryptedTokenStore(self.engine, connector, key, where=where)

    def _insert_ignore(self, table: sa.Table) -> Any:
        insert: Any = (
            postgresql.insert(table) if self.dialect == "postgresql" else sqlite.insert(table)
        )
        return insert.on_conflict_do_nothing()

    def _upsert_statement(self, table: sa.Table, columns: list[str], keys: list[str]) -> Any:
        insert: Any = (
            postgresql.insert(table) if self.dialect == "postgresql" else sqlite.insert(table)
        )
        return insert.on_conflict_do_update(
            index_elements=keys,
            set_={name: insert.excluded[name] for name in columns if name not in keys},
        )

    def _upsert(
        self, connection: sa.Connection, table: sa.Table, values: dict[str, Any], keys: list[str]
    ) -> None:
        connection.execute(self._upsert_statement(table, list(values), keys), values)


def _time_window(
    query: Any,
    table: sa.Table,
    moment: sa.Column[Any],
    since: datetime | None,
    until: datetime | None,
    connector: str | None,
) -> Any:
    """Rows with ``since <= moment < until`` (bounds optional), of one connector, in time order."""
    query = query.order_by(moment, table.c.id)
    if since is not None:
        query = query.where(moment >= since)
    if until is not None:
        query = query.where(moment < until)
    if connector is not None:
        query = query.where(table.c.connector == connector)
    return query


def store_exists(url: str = DEFAULT_STATE, *, base_dir: Path | None = None) -> bool:
    """Whether a state store is there to open: a server database is assumed to be, a SQLite
    file must exist (so a look does not create one, as :func:`open_store` would)."""
    parsed = sa.engine.make_url(normalize_url(url, base_dir=base_dir))
    if not parsed.drivername.startswith("sqlite"):
        return True
    database = parsed.database
    return bool(database) and database != ":memory:" and Path(str(database)).is_file()


def open_store(url: str = DEFAULT_STATE, *, base_dir: Path | None = None) -> StateStore:
    """Open (creating and migrating as needed) the state store at ``url``."""
    url = normalize_url(url, base_dir=base_dir)
    if not url.startswith(("sqlite", "postgresql+psycopg")):
        raise StateStoreError(
            f"state: unsupported database URL scheme {url.split(':', 1)[0]!r} "
            "(use sqlite:///path.db or postgresql://user@host/db)"
        )
    try:
        engine = _make_engine(url)
        migrate(engine)
    except sa.exc.SQLAlchemyError as error:
        original = getattr(error, "orig", None)
        detail = str(original) if original is not None else str(error)
        where = sa.engine.make_url(url).render_as_string(hide_password=True)
        raise StateStoreError(f"state: cannot open {where}: {detail.strip()}") from None
    return StateStore(engine)


def _tracked(row: Any) -> TrackedTicket:
    return TrackedTicket(
        connector=row["connector"],
        ticket_id=row["ticket_id"],
        snapshot=json.loads(row["snapshot_json"]),
        policy=row["policy"],
        is_open=bool(row["is_open"]),
        next_instant=row["next_instant"],
        breached=bool(row["breached"]),
        at_risk=bool(row["at_risk"]),
        updated_at=row["updated_at"],
        evaluated_at=row["evaluated_at"],
        digest=row["digest"],
    )


def _event(row: Any) -> SlaEvent:
    return SlaEvent(
        connector=row["connector"],
        ticket_id=row["ticket_id"],
        metric=row["metric"],
        cycle=int(row["cycle"]),
        kind=row["kind"],
        at=row["at"],
        seq=int(row["seq"]),
        recorded_at=row["recorded_at"],
    )


def _run(row: Any) -> RunRecord:
    return RunRecord(
        id=row["id"],
        connector=row["connector"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        summary=json.loads(row["summary_json"]) if row["summary_json"] else None,
    )


def _outbox(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=int(row["id"]),
        connector=row["connector"],
        ticket_id=row["ticket_id"],
        changes=json.loads(row["changes_json"]),
        status=row["status"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


__all__ = [
    "DEFAULT_STATE",
    "EvaluationRecord",
    "LatestEvaluation",
    "OutboxEntry",
    "RunRecord",
    "SlaEvent",
    "StateStore",
    "StateStoreError",
    "TrackedTicket",
    "normalize_url",
    "open_store",
    "store_exists",
]
