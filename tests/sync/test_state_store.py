"""The state store on SQLite: URLs, migrations, cursors, outbox, events, due tickets, leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from slabridge.sync import schema
from slabridge.sync.migrations import SCHEMA_VERSION, current_version
from slabridge.sync.store import (
    SlaEvent,
    StateStore,
    StateStoreError,
    normalize_url,
    open_store,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_urls_use_psycopg_and_relative_sqlite_paths_sit_beside_the_config(tmp_path: Path) -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///state.db", base_dir=tmp_path) == (
        f"sqlite:///{tmp_path / 'state.db'}"
    )
    assert normalize_url("sqlite:////abs/state.db", base_dir=tmp_path) == "sqlite:////abs/state.db"


def test_an_unsupported_url_is_a_clear_error() -> None:
    with pytest.raises(StateStoreError, match="unsupported database URL scheme 'mysql'"):
        open_store("mysql://root@localhost/x")


def test_a_database_password_never_appears_in_an_error(tmp_path: Path) -> None:
    with pytest.raises(StateStoreError) as caught:
        open_store("postgresql://user:hunter22secret@127.0.0.1:1/db")
    assert "hunter22secret" not in str(caught.value)


def test_the_schema_is_versioned_and_reopening_migrates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    open_store(url).close()
    store = open_store(url)
    with store.engine.connect() as connection:
        assert current_version(connection) == SCHEMA_VERSION
        rows = connection.execute(sa.select(schema.schema_version)).all()
    assert len(rows) == SCHEMA_VERSION
    store.close()


def test_cursors_round_trip(store: StateStore) -> None:
    assert store.get_cursor("zd") is None
    store.set_cursor("zd", '{"after": 1}')
    store.set_cursor("zd", '{"after": 2}')
    assert store.get_cursor("zd") == '{"after": 2}'


def test_a_newer_plan_supersedes_a_pending_write_of_the_same_ticket(store: StateStore) -> None:
    with store.begin() as connection:
        first = store.enqueue(connection, "zd", [{"ticket_id": "1", "add_tags": ["a"]}])
    with store.begin() as connection:
        second = store.enqueue(connection, "zd", [{"ticket_id": "1", "add_tags": ["b"]}])
    pending = store.pending_outbox("zd")
    assert [entry.id for entry in pending] == [second["1"]]
    assert first["1"] != second["1"]
    store.finish_outbox([(second["1"], "parked", "422 no such field")])
    assert [(e.ticket_id, e.attempts, e.last_error) for e in store.parked_outbox()] == [
        ("1", 1, "422 no such field")
    ]


def test_sla_events_are_recorded_once_and_read_back_by_time(store: StateStore) -> None:
    event = SlaEvent("zd", "1", "first_response", 0, "breached", T0)
    with store.begin() as connection:
        store.add_sla_events(connection, [event, event])
    with store.begin() as connection:
        store.add_sla_events(connection, [event])
    found = list(store.iter_sla_events(since=T0, until=T0 + timedelta(seconds=1)))
    assert [e.key for e in found] == [event.key]
    assert found[0].at == T0
    assert list(store.iter_sla_events(since=T0 + timedelta(seconds=1))) == []


def _due_row(ticket_id: str, is_open: bool, instant: datetime | None) -> dict[str, object]:
    return {
        "connector": "zd",
        "ticket_id": ticket_id,
        "snapshot_json": "{}",
        "policy": "p",
        "is_open": is_open,
        "next_instant": instant,
        "breached": False,
        "at_risk": False,
        "updated_at": T0,
        "evaluated_at": T0,
        "digest": "x",
    }


def test_due_tickets_page_by_key_through_ties(store: StateStore) -> None:
    earlier = T0 - timedelta(minutes=5)
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [_due_row(i, True, T0 if i != "c" else earlier) for i in ("a", "b", "c", "d")],
        )
    pages: list[list[tuple[datetime, str]]] = []
    after = None
    while page := store.due_tickets("zd", T0, after=after, limit=2):
        pages.append(page)
        after = page[-1]
    assert pages == [[(earlier, "c"), (T0, "a")], [(T0, "b"), (T0, "d")]]


def test_due_tickets_are_the_open_ones_whose_instant_passed(store: StateStore) -> None:
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [
                _due_row("late", True, T0 - timedelta(minutes=1)),
                _due_row("later", True, T0 + timedelta(minutes=1)),
                _due_row("closed", False, T0 - timedelta(hours=1)),
                _due_row("idle", True, None),
            ],
        )
    assert store.due_tickets("zd", T0) == [(T0 - timedelta(minutes=1), "late")]
    store.untrack("zd", ["late"])
    assert store.due_tickets("zd", T0) == []
    assert {t.ticket_id for t in store.iter_tickets("zd")} == {"late", "later", "closed", "idle"}


def test_leases_are_exclusive_renewable_and_expire(store: StateStore) -> None:
    assert store.acquire_lease("zd", "a", timedelta(minutes=1))
    assert not store.acquire_lease("zd", "b", timedelta(minutes=1))
    assert store.renew_lease("zd", "a", timedelta(minutes=1))
    assert not store.renew_lease("zd", "b", timedelta(minutes=1))
    holder = store.lease_holder("zd")
    assert holder is not None and holder[0] == "a"
    store.release_lease("zd", "a")
    assert store.acquire_lease("zd", "b", timedelta(seconds=-1))
    assert store.acquire_lease("zd", "c", timedelta(minutes=1))  # b's lease had expired
