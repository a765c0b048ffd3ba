"""Versioned schema migrations of the state store: ordered functions, a ``schema_version`` table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from slabridge.errors import InputError
from slabridge.sync import schema

Migration = Callable[[sa.Connection], None]


def _v1_initial(connection: sa.Connection) -> None:
    """Every table of the first release."""
    for table in (
        schema.runs,
        schema.cursors,
        schema.tickets,
        schema.evaluations,
        schema.sla_events,
        schema.outbox,
        schema.leases,
    ):
        table.create(connection, checkfirst=True)


def _v2_notification_outbox(connection: sa.Connection) -> None:
    """The alerts' notification outbox (issue #20)."""
    schema.notification_outbox.create(connection, checkfirst=True)


def _v3_auth_tokens(connection: sa.Connection) -> None:
    """Rotated OAuth refresh tokens, encrypted (see ``slabridge.sync.credentials``)."""
    from slabridge.sync.credentials import auth_tokens

    auth_tokens.create(connection, checkfirst=True)


def _v4_priority_writes(connection: sa.Connection) -> None:
    """The priorities slabridge wrote, to mark them ``by: slabridge`` (issue #19)."""
    from slabridge.sync.own_writes import priority_writes

    priority_writes.create(connection, checkfirst=True)


def _v5_outbox_sends(connection: sa.Connection) -> None:
    """Marks of writes being sent, so a crash's in-flight raises are not sent twice (#28)."""
    from slabridge.sync.sends import outbox_sends

    outbox_sends.create(connection, checkfirst=True)


def _v6_targeted_runs(connection: sa.Connection) -> None:
    """Runs that synced named tickets (a webhook), not the changes since the cursor (#26)."""
    from slabridge.sync.schema import targeted_runs

    targeted_runs.create(connection, checkfirst=True)


# Append only: a released migration is never edited, a change is a new function at the end.
MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial,
    _v2_notification_outbox,
    _v3_auth_tokens,
    _v4_priority_writes,
    _v5_outbox_sends,
    _v6_targeted_runs,
)
SCHEMA_VERSION = len(MIGRATIONS)
_LOCK_KEY = 7_242_001  # pg_advisory_xact_lock key of slabridge migrations


class SchemaTooNewError(InputError, RuntimeError):
    """The database was migrated by a newer slabridge than this one (exit status 2)."""


def current_version(connection: sa.Connection) -> int:
    if not sa.inspect(connection).has_table(schema.schema_version.name):
        return 0
    value = connection.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return int(value or 0)


@contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction that holds the database's migration lock (one migrator at a time)."""
    if engine.dialect.name == "sqlite":
        # BEGIN IMMEDIATE takes SQLite's write lock before the version is read.
        options = {"sqlite_begin": "IMMEDIATE"}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        yield connection


def migrate(engine: sa.Engine) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; return the version it was at before.

    All pending migrations run in one transaction (DDL is transactional on SQLite and
    PostgreSQL) under a lock, so concurrent workers never migrate twice and a crash midway
    leaves the previous version intact.
    """
    with _migration_lock(engine) as connection:
        schema.schema_version.create(connection, checkfirst=True)
        before = current_version(connection)
        if before > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"the state store has schema version {before}, this slabridge knows up to "
                f"{SCHEMA_VERSION}: upgrade slabridge"
            )
        for version in range(before + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](connection)
            connection.execute(
                sa.insert(schema.schema_version).values(version=version, applied_at=schema.utcnow())
            )
    return before


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaTooNewError", "current_version", "migrate"]
