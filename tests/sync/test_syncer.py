"""The syncer against an in-memory connector: write-back, idempotence, time, outbox, locks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from synckit import SETTINGS, T0, MemoryConnector, first_response_evaluator, make_engine

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.hookspecs import hookimpl
from slabridge.plugins import create_plugin_manager
from slabridge.sla.ticket import Customer, Event, Ticket
from slabridge.sync.decide import Carried, still_raised
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.store import StateStore
from slabridge.sync.syncer import LockHeldError, Syncer


def test_first_sync_tags_breached_and_at_risk_tickets_and_keeps_other_tags(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1", tags=("vip", "sla_policy_old"))
    memory.add("2", created_at=T0 + timedelta(minutes=70), updated_at=T0 + timedelta(minutes=70))
    memory.add("3", created_at=T0 + timedelta(minutes=100), updated_at=T0 + timedelta(minutes=100))
    now = T0 + timedelta(minutes=120)  # 1: breached, 2: 50 min used of 60 (at risk), 3: fine

    summary = make_engine(store, now).sync("mem", memory)

    assert summary.status == "ok"
    assert (summary.fetched, summary.evaluated, summary.written) == (3, 3, 3)
    # `sla_policy_old` names no configured policy and no policy the ticket had: not ours.
    wanted = {"vip", "sla_policy_old", "sla_breached", "sla_policy_standard"}
    assert set(memory.tickets["1"].tags) == wanted
    assert set(memory.tickets["2"].tags) == {"sla_at_risk", "sla_policy_standard"}
    assert set(memory.tickets["3"].tags) == {"sla_policy_standard"}
    assert summary.new_breaches == 1


def test_a_second_sync_right_after_the_first_writes_nothing(
    store: StateStore, memory: MemoryConnector
) -> None:
    for number in range(7):
        memory.add(str(number), created_at=T0 + timedelta(minutes=10 * number))
    now = T0 + timedelta(minutes=90)
    make_engine(store, now).sync("mem", memory)
    writes = memory.writes
    assert writes == 7

    # Our own writes bumped updated_at, so the next read sees every ticket again: no new writes.
    again = make_engine(store, now).sync("mem", memory)
    assert again.fetched == 7
    assert memory.writes == writes
    third = make_engine(store, now).sync("mem", memory)
    assert (third.fetched, third.written, memory.writes) == (0, 0, writes)


def test_an_untouched_ticket_gets_its_breach_tag_once_its_due_time_passes(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("quiet")
    memory.add("other")
    make_engine(store, T0 + timedelta(minutes=10)).sync("mem", memory)
    make_engine(store, T0 + timedelta(minutes=10)).sync("mem", memory)  # reads back own tags
    assert "sla_breached" not in memory.tickets["quiet"].tags
    memory.fetched.clear()
    memory.reply("other", T0 + timedelta(minutes=11))  # "other" is answered in time
    make_engine(store, T0 + timedelta(minutes=12)).sync("mem", memory)
    make_engine(store, T0 + timedelta(minutes=12)).sync("mem", memory)
    memory.fetched.clear()

    summary = make_engine(store, T0 + timedelta(minutes=61)).sync("mem", memory)

    assert summary.fetched == 0  # nothing changed in the helpdesk...
    assert memory.fetched == ["quiet"]  # ...the due ticket alone was fetched by id
    assert "sla_breached" in memory.tickets["quiet"].tags
    assert "sla_breached" not in memory.tickets["other"].tags


def test_the_at_risk_tag_gives_way_to_the_breach_tag(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    make_engine(store, T0 + timedelta(minutes=50)).sync("mem", memory)
    assert "sla_at_risk" in memory.tickets["1"].tags
    make_engine(store, T0 + timedelta(minutes=61)).sync("mem", memory)
    assert "sla_at_risk" not in memory.tickets["1"].tags
    assert "sla_breached" in memory.tickets["1"].tags


def test_a_policy_change_replaces_the_old_policy_tag(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1", tags=("keep",))
    make_engine(store, T0).sync("mem", memory)
    memory.agent_edit("1", customer=Customer(tier="enterprise"))
    make_engine(store, T0).sync("mem", memory)
    assert set(memory.tickets["1"].tags) == {"keep", "sla_policy_enterprise"}


def test_the_tag_of_a_policy_removed_from_the_config_is_taken_off(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1", tags=("keep",))
    make_engine(store, T0).sync("mem", memory)
    assert set(memory.tickets["1"].tags) == {"keep", "sla_policy_standard"}
    # `standard` is renamed `enterprise` in the config: its tag is still the ticket's old one.
    renamed = replace(SETTINGS, policy_names=frozenset({"enterprise"}))
    memory.agent_edit("1", customer=Customer(tier="enterprise"))
    make_engine(store, T0, settings=renamed).sync("mem", memory)
    assert set(memory.tickets["1"].tags) == {"keep", "sla_policy_enterprise"}


@pytest.mark.parametrize("fault", ["conflict", "failed_write"])
def test_a_removed_policys_tag_still_goes_when_its_write_is_retried(
    store: StateStore, memory: MemoryConnector, fault: str
) -> None:
    memory.add("1", tags=("keep",))
    make_engine(store, T0).sync("mem", memory)
    renamed = replace(SETTINGS, policy_names=frozenset({"enterprise"}))
    memory.agent_edit("1", customer=Customer(tier="enterprise"))
    if fault == "conflict":
        memory.conflict_once.add("1")  # the re-plan reads the ticket again
    else:
        memory.fail_apply = RuntimeError("connection reset")  # the outbox keeps the write
    make_engine(store, T0, settings=renamed).sync("mem", memory)
    memory.fail_apply = None
    # The store already says `enterprise`; the superseded plan's removal is carried over.
    make_engine(store, T0 + timedelta(minutes=1), settings=renamed).sync("mem", memory)
    assert set(memory.tickets["1"].tags) == {"keep", "sla_policy_enterprise"}


def test_dry_run_plans_but_writes_nothing_anywhere(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    engine = make_engine(store, T0 + timedelta(hours=2), dry_run=True)
    summary = engine.sync("mem", memory)
    assert summary.changed == 1
    assert [p.ticket_id for p in engine.planned] == ["1"]
    assert engine.planned[0].changes.add_tags == {"sla_breached", "sla_policy_standard"}
    assert memory.writes == 0
    assert store.get_cursor("mem") is None
    assert list(store.iter_tickets()) == []
    assert list(store.iter_runs()) == []


def test_a_rejected_write_is_parked_with_its_reason_and_the_run_reports_failure(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    memory.add("2")
    memory.reject.add("1")
    summary = make_engine(store, T0).sync("mem", memory)
    assert summary.status == "failed"
    assert summary.parked == 1
    assert any("ticket 1" in error and "422 invalid tag" in error for error in summary.errors)
    parked = store.parked_outbox("mem")
    assert [(entry.ticket_id, entry.last_error) for entry in parked] == [("1", "422 invalid tag")]
    assert "sla_policy_standard" in memory.tickets["2"].tags


def test_a_transient_write_failure_stays_queued_and_is_retried_next_run(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    memory.retry.add("1")
    make_engine(store, T0).sync("mem", memory)
    assert [entry.ticket_id for entry in store.pending_outbox("mem")] == ["1"]
    memory.retry.clear()
    summary = make_engine(store, T0).sync("mem", memory)
    assert summary.written == 1
    assert store.pending_outbox("mem") == []
    assert "sla_policy_standard" in memory.tickets["1"].tags


def test_a_conflict_with_an_agent_edit_is_re_read_re_planned_and_written(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1", tags=("agent",))
    memory.conflict_once.add("1")
    summary = make_engine(store, T0).sync("mem", memory)
    assert summary.conflicts == 1
    assert summary.written == 1
    assert set(memory.tickets["1"].tags) == {"agent", "sla_policy_standard"}
    assert store.pending_outbox("mem") == []


def test_writes_queued_before_a_crash_are_sent_by_the_next_run(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    memory.fail_apply = KeyboardInterrupt()  # the process dies while sending
    with pytest.raises(KeyboardInterrupt):
        make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)
    assert [entry.ticket_id for entry in store.pending_outbox("mem")] == ["1"]
    assert [run.status for run in store.iter_runs()] == ["interrupted"]
    memory.fail_apply = None
    make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)
    assert {"sla_breached", "sla_policy_standard"} <= set(memory.tickets["1"].tags)
    assert store.pending_outbox("mem") == []


def test_escalation_raises_priority_once_per_breach_and_does_not_fight_an_agent(
    store: StateStore, memory: MemoryConnector
) -> None:
    settings = WriteBackSettings(
        breached_tag="sla_breached", escalate_on="breach", escalate_to="one_level_up"
    )
    memory.add("1", priority="normal")
    make_engine(store, T0 + timedelta(minutes=30), settings).sync("mem", memory)
    assert memory.tickets["1"].priority == "normal"
    make_engine(store, T0 + timedelta(hours=2), settings).sync("mem", memory)
    assert memory.tickets["1"].priority == "high"
    memory.agent_edit("1", priority="normal")  # the agent disagrees
    make_engine(store, T0 + timedelta(hours=3), settings).sync("mem", memory)
    make_engine(store, T0 + timedelta(hours=4), settings).sync("mem", memory)
    assert memory.tickets["1"].priority == "normal"
    kinds = [event.kind for event in store.iter_sla_events(kinds=["escalated"])]
    assert kinds == ["escalated"]


def test_fields_carry_the_due_time_and_the_breach_flag(
    store: StateStore, memory: MemoryConnector
) -> None:
    settings = WriteBackSettings(due_at_field="900", breached_field="901")
    memory.add("1")
    make_engine(store, T0, settings).sync("mem", memory)
    assert memory.tickets["1"].fields == {"900": "2026-03-02T10:00:00Z", "901": False}
    writes = memory.writes
    make_engine(store, T0, settings).sync("mem", memory)
    assert memory.writes == writes
    make_engine(store, T0 + timedelta(hours=2), settings).sync("mem", memory)
    assert memory.tickets["1"].fields["901"] is True


def test_a_second_sync_of_the_same_connector_is_refused_while_one_holds_the_lease(
    store: StateStore, memory: MemoryConnector
) -> None:
    assert store.acquire_lease("mem", "other-host:1", timedelta(minutes=5))
    with pytest.raises(LockHeldError, match="another slabridge sync is running"):
        make_engine(store, T0).sync("mem", memory)
    assert memory.calls == 0


def test_a_dead_workers_lease_expires(store: StateStore, memory: MemoryConnector) -> None:
    assert store.acquire_lease("mem", "dead-host:1", timedelta(seconds=-1))
    memory.add("1")
    assert make_engine(store, T0).sync("mem", memory).status == "ok"


def test_sla_events_and_evaluations_are_recorded_once_per_change(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    memory.add("2")
    memory.reply("2", T0 + timedelta(minutes=5))
    for minutes in (50, 55, 70, 80):
        make_engine(store, T0 + timedelta(minutes=minutes)).sync("mem", memory)
    kinds = sorted((e.ticket_id, e.kind) for e in store.iter_sla_events())
    assert kinds == [
        ("1", "applied"),
        ("1", "at_risk"),
        ("1", "breached"),
        ("2", "applied"),
        ("2", "fulfilled"),
    ]
    breach = next(e for e in store.iter_sla_events(kinds=["breached"]))
    assert breach.at == T0 + timedelta(hours=1)
    # Ticket 1: at risk at 50, unchanged at 55, breached at 70, unchanged at 80; ticket 2: once.
    per_ticket = [e.ticket_id for e in store.iter_evaluations()]
    assert sorted(per_ticket) == ["1", "1", "2"]


def test_hooks_see_each_evaluation_and_each_new_breach_once(
    store: StateStore, memory: MemoryConnector
) -> None:
    seen: dict[str, list[Any]] = {"evaluated": [], "breached": [], "started": [], "finished": []}

    class Recorder:
        @hookimpl
        def ticket_evaluated(self, ticket: Any) -> None:
            seen["evaluated"].append(ticket.id)

        @hookimpl
        def sla_breached(self, ticket: Any, metric: str) -> None:
            seen["breached"].append((ticket.id, metric))

        @hookimpl
        def sync_started(self, dry_run: bool) -> None:
            seen["started"].append(dry_run)

        @hookimpl
        def sync_finished(self, summary: dict[str, Any]) -> None:
            seen["finished"].append(summary["status"])

        @hookimpl
        def plan_actions(self, changes: ChangeSet) -> ChangeSet:
            return ChangeSet(changes.ticket_id, add_tags=changes.add_tags | {"from_plugin"})

    manager = create_plugin_manager()
    manager.register(Recorder())
    memory.add("1")
    for _ in range(2):
        make_engine(store, T0 + timedelta(hours=2), plugin_manager=manager).sync("mem", memory)
    assert seen["breached"] == [("1", "first_response")]
    assert seen["evaluated"] == ["1", "1"]
    assert seen["started"] == [False, False]
    assert seen["finished"] == ["ok", "ok"]
    assert "from_plugin" in memory.tickets["1"].tags


def test_a_deleted_tracked_ticket_is_no_longer_rechecked(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    make_engine(store, T0).sync("mem", memory)
    del memory.tickets["1"]
    make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)
    memory.fetched.clear()
    make_engine(store, T0 + timedelta(hours=3)).sync("mem", memory)
    assert memory.fetched == []


def test_full_sync_rereads_everything_from_the_beginning(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("1")
    make_engine(store, T0).sync("mem", memory)
    assert make_engine(store, T0).sync("mem", memory).fetched == 1  # our own write
    assert make_engine(store, T0).sync("mem", memory).fetched == 0
    assert make_engine(store, T0, full=True).sync("mem", memory).fetched == 1


def test_settings_fall_back_to_writing_nothing_for_an_unknown_connector(
    store: StateStore,
) -> None:
    other = MemoryConnector("other")
    other.add("1")
    engine = make_engine(store, T0)
    assert engine.sync("other", other).written == 0
    assert SETTINGS.owns_tag("sla_policy_enterprise")
    assert not SETTINGS.owns_tag("sla_policy_x")


def test_a_malformed_ticket_on_fetch_stays_tracked_and_is_tried_again(
    store: StateStore, memory: MemoryConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a ticket that is gone is untracked; one the API returns malformed is tried again."""
    memory.add("1")
    make_engine(store, T0).sync("mem", memory)
    make_engine(store, T0).sync("mem", memory)  # reads back our own write; nothing is due yet
    fetch = memory.fetch

    def malformed(ticket_ids: Any) -> Any:
        for item in fetch(ticket_ids):
            yield Skipped(item.ticket_id if isinstance(item, Skipped) else item.id, "bad fields")

    monkeypatch.setattr(memory, "fetch", malformed)
    summary = make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)
    assert (summary.due_rechecked, summary.skipped) == (1, 1)
    # Not evaluated: the run says so and fails (exit 1), naming the ticket and the reason.
    assert (summary.failed, summary.status) == (1, "failed")
    assert summary.errors == [
        "mem: ticket 1: skipped, could not be normalized: bad fields (it is read again "
        "when it changes; a tracked one is re-checked on the next run)"
    ]
    monkeypatch.setattr(memory, "fetch", fetch)
    memory.fetched.clear()
    make_engine(store, T0 + timedelta(hours=3)).sync("mem", memory)
    assert memory.fetched == ["1"], "still tracked: re-checked once the API answers properly"


def test_a_ticket_skipped_by_the_read_is_not_fetched_again_by_the_due_recheck(
    store: StateStore, memory: MemoryConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory.add("1")
    make_engine(store, T0).sync("mem", memory)
    memory.agent_edit("1", status="open")  # changed, and due by the time of the next run
    fetched: list[str] = []

    def read(cursor: str | None) -> Any:
        yield Skipped("1", "bad fields")
        yield Checkpoint(cursor or "")

    def fetch(ticket_ids: Any) -> Any:
        fetched.extend(ticket_ids)
        for ticket_id in ticket_ids:
            yield Skipped(ticket_id, "bad fields")

    monkeypatch.setattr(memory, "read", read)
    monkeypatch.setattr(memory, "fetch", fetch)
    summary = make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)
    assert (summary.failed, summary.skipped, summary.due_rechecked) == (1, 1, 0)
    assert fetched == [] and len(summary.errors) == 1


def test_due_tickets_are_rechecked_once_each_across_pages_even_when_one_fails(
    store: StateStore, memory: MemoryConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyset paging: every due ticket once, a failing one neither loops nor blocks the rest."""
    monkeypatch.setattr("slabridge.sync.connector_run.FETCH_CHUNK", 2)  # pages of 20 due tickets
    ids = [f"{number:02}" for number in range(45)]
    for ticket_id in ids:
        memory.add(ticket_id)
    make_engine(store, T0).sync("mem", memory)
    make_engine(store, T0).sync("mem", memory)  # reads back our own writes; nothing due yet
    memory.fetched.clear()

    def evaluator(ticket: Any, now: Any) -> Any:
        if ticket.id == "07":
            raise ValueError("broken policy for this ticket")
        return first_response_evaluator(ticket, now)

    engine = Syncer(store, evaluator, {"mem": SETTINGS}, now=T0 + timedelta(hours=2))
    summary = engine.sync("mem", memory)

    assert sorted(memory.fetched) == ids  # each due ticket fetched exactly once
    assert (summary.due_rechecked, summary.evaluated, summary.failed) == (45, 44, 1)
    assert all("sla_breached" in memory.tickets[t].tags for t in ids if t != "07")
    memory.fetched.clear()
    make_engine(store, T0 + timedelta(hours=3)).sync("mem", memory)
    assert memory.fetched == ["07"], "the failed one stays due and is tried again next run"


def test_a_due_ticket_handled_by_the_read_is_not_fetched_again(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("changed")
    memory.add("quiet")
    make_engine(store, T0).sync("mem", memory)
    make_engine(store, T0).sync("mem", memory)
    memory.agent_edit("changed", channel="email")
    memory.fetched.clear()

    summary = make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)

    assert summary.fetched == 1  # "changed" came with the read...
    assert memory.fetched == ["quiet"]  # ...so only "quiet" was fetched by id
    assert summary.due_rechecked == 1
    assert all("sla_breached" in memory.tickets[t].tags for t in ("changed", "quiet"))


def test_a_dry_run_plans_each_due_ticket_once_across_pages(
    store: StateStore, memory: MemoryConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slabridge.sync.connector_run.FETCH_CHUNK", 2)
    for number in range(25):
        memory.add(str(number))
    make_engine(store, T0).sync("mem", memory)
    make_engine(store, T0).sync("mem", memory)
    memory.agent_edit("3", channel="email")  # read and due: must be planned once, not twice

    engine = make_engine(store, T0 + timedelta(hours=2), dry_run=True)
    engine.sync("mem", memory)

    planned = [plan.ticket_id for plan in engine.planned]
    assert sorted(planned) == sorted(str(number) for number in range(25))
    assert memory.writes == 25  # only the first real sync wrote


def test_a_ticket_that_fails_in_the_read_is_not_tried_again_by_the_recheck(
    store: StateStore, memory: MemoryConnector
) -> None:
    memory.add("broken")
    make_engine(store, T0).sync("mem", memory)
    make_engine(store, T0).sync("mem", memory)
    memory.agent_edit("broken", channel="email")  # changed and due: read, then would be due
    memory.fetched.clear()

    def evaluator(ticket: Any, now: Any) -> Any:
        raise ValueError("broken policy")

    summary = Syncer(store, evaluator, {"mem": SETTINGS}, now=T0 + timedelta(hours=2)).sync(
        "mem", memory
    )
    assert (summary.fetched, summary.failed, len(summary.errors)) == (1, 1, 1)
    assert memory.fetched == []


def test_a_queued_raise_survives_other_edits_and_yields_to_a_priority_change() -> None:
    planned = T0 + timedelta(minutes=5)
    ticket = Ticket(id="1", created_at=T0, updated_at=planned, status="open", priority="normal")
    raise_ = Carried("normal", "high", planned)
    assert still_raised(raise_, ticket, SETTINGS) == "high"
    # An agent's reply (any edit but the priority) since the plan: the raise still stands.
    later = planned + timedelta(minutes=1)
    replied = replace(ticket, events=(Event(later, "reply", author="agent"),))
    assert still_raised(raise_, replied, SETTINGS) == "high"
    # A priority change since the plan, even back to where it was: the agent wins.
    undone = replace(ticket, events=(Event(later, "priority", priority="normal"),))
    assert still_raised(raise_, undone, SETTINGS) is None
    assert still_raised(raise_, replace(ticket, priority="low"), SETTINGS) is None
    # An outbox entry written before `raised_from` existed: only the history can tell.
    legacy = Carried(None, "high", planned)
    assert still_raised(legacy, replace(ticket, priority="low"), SETTINGS) == "high"
    assert still_raised(legacy, undone, SETTINGS) is None
    assert still_raised(Carried(None, None, planned, frozenset({"x"})), ticket, SETTINGS) is None


def test_a_solved_ticket_is_not_escalated_until_it_is_reopened(
    store: StateStore, memory: MemoryConnector
) -> None:
    escalating = replace(SETTINGS, escalate_on="breach", escalate_to="one_level_up")
    # Solved at T0+90m without an answer: first response breached at T0+1h.
    memory.add("1", status="solved", priority="normal", updated_at=T0 + timedelta(minutes=90))
    make_engine(store, T0 + timedelta(hours=2), settings=escalating).sync("mem", memory)
    assert memory.tickets["1"].priority == "normal"
    assert "sla_breached" in memory.tickets["1"].tags
    memory.agent_edit("1", status="open")
    make_engine(store, T0 + timedelta(hours=3), settings=escalating).sync("mem", memory)
    assert memory.tickets["1"].priority == "high"


def test_a_raise_queued_before_the_ticket_was_solved_is_not_written(
    store: StateStore, memory: MemoryConnector
) -> None:
    escalating = replace(SETTINGS, escalate_on="breach", escalate_to="one_level_up")
    memory.add("1", priority="normal")
    memory.fail_apply = RuntimeError("connection reset")  # the raise stays in the outbox
    make_engine(store, T0 + timedelta(hours=2), settings=escalating).sync("mem", memory)
    memory.fail_apply = None
    memory.clock = lambda: T0 + timedelta(hours=2, minutes=30)
    memory.agent_edit("1", status="solved")  # solved unanswered: still breached
    make_engine(store, T0 + timedelta(hours=3), settings=escalating).sync("mem", memory)
    assert memory.tickets["1"].priority == "normal"
    assert "sla_breached" in memory.tickets["1"].tags
