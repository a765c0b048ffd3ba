"""Issue 28, lose nothing: a raise whose write keeps failing survives a re-plan by the read."""

from __future__ import annotations

from datetime import timedelta

from synckit import T0, MemoryConnector, make_engine

from slabridge.sync.carry import pending_changes
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.store import StateStore

ESCALATING = WriteBackSettings(
    breached_tag="sla_breached", escalate_on="breach", escalate_to="one_level_up"
)


def test_a_raise_answered_retry_is_kept_when_an_agent_edit_makes_the_read_re_plan_the_ticket(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1", priority="normal")
    memory.retry = {"1"}  # the helpdesk answers 503 to every write of the ticket for a while
    now = T0 + timedelta(hours=2)
    make_engine(store, now, ESCALATING).sync("mem", memory)
    # An agent's edit takes our tag off: the outbox retry re-plans (and fails again), then the
    # read sees the edit and plans the tag again, superseding the pending raise.
    memory.agent_edit("1", tags=("customer",))
    make_engine(store, now, ESCALATING).sync("mem", memory)
    [entry] = store.pending_outbox("mem")
    assert entry.changes["priority"] == "high", "the re-plan dropped the raise"

    memory.retry = set()
    make_engine(store, now, ESCALATING).sync("mem", memory)
    assert memory.tickets["1"].priority == "high"
    assert set(memory.tickets["1"].tags) == {"customer", "sla_breached"}
    assert [change.priority for change in memory.applied] == ["high"]


def test_pending_changes_gives_the_newest_pending_entry_per_ticket(store: StateStore) -> None:
    with store.begin() as connection:
        store.enqueue(connection, "mem", [{"ticket_id": "1", "priority": "high"}])
    with store.begin() as connection:
        store.enqueue(connection, "mem", [{"ticket_id": "2", "add_tags": ["x"]}])
    assert pending_changes(store.engine, "mem", ["1", "2", "3"]) == {
        "1": {"ticket_id": "1", "priority": "high"},
        "2": {"ticket_id": "2", "add_tags": ["x"]},
    }
    assert pending_changes(store.engine, "other", ["1"]) == {}
