"""``sync_tickets``: the named tickets through ``SyncEngine.sync``; the cursor stays put."""

from __future__ import annotations

from datetime import timedelta

import pytest
from synckit import T0, MemoryConnector, make_engine

from slabridge.sync.engine import LockHeldError
from slabridge.sync.schema import utcnow
from slabridge.sync.single import sync_tickets
from slabridge.sync.store import StateStore


def test_named_tickets_are_synced_and_the_run_does_not_count_as_a_round(
    store: StateStore, memory: MemoryConnector
) -> None:
    for ticket_id in ("1", "2", "3"):
        memory.add(ticket_id)
    engine = make_engine(store, T0 + timedelta(minutes=30))
    since = utcnow() - timedelta(seconds=1)
    ids = ["1", "3"]
    summary = sync_tickets(engine, "mem", memory, ids)
    assert summary.status == "ok" and summary.fetched == 2
    assert {row.ticket_id for row in store.iter_tickets("mem")} == set(ids)
    assert store.get_cursor("mem") is None, "no checkpoint: the scheduled sync's cursor stays"
    # A worker splitting connectors must not skip its round because a webhook ran.
    assert not store.synced_since("mem", since)
    engine.sync("mem", memory)
    assert store.synced_since("mem", since)


def test_a_held_lease_is_raised_for_the_caller_to_retry(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    assert store.acquire_lease("mem", "elsewhere:1", timedelta(minutes=1))
    with pytest.raises(LockHeldError):
        sync_tickets(make_engine(store, T0), "mem", memory, ["1"])
    assert memory.fetched == []
