"""Send marks (issue #28): a write is marked before it is sent, and after a crash mid-send the
next run lets it land before re-reading the ticket."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta

import pytest
from synckit import T0, MemoryConnector, make_engine

from slabridge.connectors.base import ChangeSet, Skipped, WriteResult
from slabridge.sla.ticket import Ticket
from slabridge.sync import sends
from slabridge.sync.sends import forget_sent, last_sent, let_writes_settle, mark_sent
from slabridge.sync.store import StateStore


class Recording(MemoryConnector):
    """Records, in order, its fetches, its applies (with the marks seen) and the sync's sleeps."""

    def __init__(self, store: StateStore) -> None:
        super().__init__()
        self.store = store
        self.log: list[str] = []

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        self.log.append("fetch")
        yield from super().fetch(ticket_ids)

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        ids = [entry.id for entry in self.store.pending_outbox("mem")]
        self.log.append("apply, marked" if last_sent(self.store.engine, ids) else "apply")
        return super().apply(changes)


def test_a_write_is_marked_as_sent_before_apply_and_unmarked_once_its_outcome_is_recorded(
    store: StateStore,
) -> None:
    connector = Recording(store)
    connector.add("1")
    summary = make_engine(store, T0 + timedelta(hours=2)).sync("mem", connector)
    assert summary.written == 1
    assert connector.log == ["apply, marked"]
    with store.engine.connect() as connection:
        assert connection.execute(sends.outbox_sends.select()).all() == []


def test_after_a_crash_mid_send_the_next_run_waits_for_the_write_to_land_then_re_reads(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = Recording(store)
    connector.add("1")
    connector.fail_apply = KeyboardInterrupt()  # the process dies while sending
    with pytest.raises(KeyboardInterrupt):
        make_engine(store, T0 + timedelta(hours=2)).sync("mem", connector)
    connector.fail_apply = None
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        connector.log.append("wait")

    monkeypatch.setattr(sends.time, "sleep", sleep)
    engine = make_engine(store, T0 + timedelta(hours=2), settle=timedelta(seconds=30))
    engine.sync("mem", connector)

    assert connector.log[1:3] == ["wait", "fetch"]  # the re-read comes after the wait
    assert len(waits) == 1 and 29 < waits[0] <= 30
    assert store.pending_outbox("mem") == []
    assert "sla_breached" in connector.tickets["1"].tags


def test_no_wait_without_a_mark_once_the_mark_is_old_or_after_its_outcome_is_recorded(
    store: StateStore,
) -> None:
    def never(seconds: float) -> None:
        raise AssertionError(f"slept {seconds}s")

    assert let_writes_settle(store.engine, [1, 2], sleep=never) == 0.0
    mark_sent(store.engine, "mem", [(1, "a")])
    assert let_writes_settle(store.engine, [1], settle=timedelta(0), sleep=never) == 0.0
    assert let_writes_settle(store.engine, [2], sleep=never) == 0.0  # another entry's mark
    forget_sent(store.engine, [1])
    assert last_sent(store.engine, [1]) is None


def test_the_wait_never_exceeds_the_settle_time_even_when_the_clock_stepped_back(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sends.schema, "utcnow", lambda: T0 + timedelta(hours=1))
    mark_sent(store.engine, "mem", [(1, "a")])
    monkeypatch.setattr(sends.schema, "utcnow", lambda: T0)  # an hour earlier
    waits: list[float] = []
    assert let_writes_settle(store.engine, [1], sleep=waits.append) == 3.0
    assert waits == [3.0]


def test_marks_round_trip_on_postgresql_too(pg_store: StateStore) -> None:
    before = sends.schema.utcnow()
    mark_sent(pg_store.engine, "mem", [(1, "a"), (2, "b")])
    mark_sent(pg_store.engine, "mem", [(2, "b")])  # re-sent: one mark, the newer time
    sent = last_sent(pg_store.engine, [1, 2])
    assert sent is not None and sent >= before and sent.tzinfo is not None
    forget_sent(pg_store.engine, [1, 2])
    assert last_sent(pg_store.engine, [1, 2]) is None
