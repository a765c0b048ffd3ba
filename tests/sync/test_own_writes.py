"""Marking slabridge's own priority writes ``by: slabridge`` (POLICY.md §3.4, issue #19)."""

from __future__ import annotations

from datetime import datetime, timedelta

from synckit import T0, MemoryConnector, first_response_evaluator, make_engine

from slabridge.connectors.base import ChangeSet
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import BY_SLABRIDGE, Event, Ticket
from slabridge.sync.migrations import MIGRATIONS
from slabridge.sync.own_writes import (
    CLOCK_SKEW,
    PriorityWrite,
    answer_of,
    mark_own_writes,
    record_answers,
    record_sent,
    writes_for,
)
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.store import StateStore
from slabridge.sync.syncer import Evaluator, Syncer

SENT = T0 + timedelta(hours=6)
ESCALATE = WriteBackSettings(escalate_on="breach", escalate_to="one_level_up")


def _ticket(*events: Event, priority: str | None = "urgent", updated: datetime = SENT) -> Ticket:
    return Ticket(
        id="1",
        created_at=T0,
        updated_at=updated,
        status="open",
        priority=priority,
        events=(Event(T0, "status", status="open"), *events),
    )


def _raise(at: datetime, to: str = "urgent", **extra: object) -> Event:
    return Event(at, "priority", priority=to, **extra)  # type: ignore[arg-type]


WRITE = PriorityWrite("urgent", "high", SENT, SENT + timedelta(seconds=2), "applied")


def test_the_change_a_recorded_write_made_is_marked_and_gets_its_from() -> None:
    ticket = _ticket(_raise(SENT + timedelta(seconds=1)))
    [event] = [e for e in mark_own_writes(ticket, [WRITE]).events if e.type == "priority"]
    assert (event.by, event.has_from, event.from_priority) == (BY_SLABRIDGE, True, "high")


def test_a_from_the_helpdesk_gave_is_kept() -> None:
    ticket = _ticket(_raise(SENT, from_priority="normal", has_from=True))
    [event] = [e for e in mark_own_writes(ticket, [WRITE]).events if e.type == "priority"]
    assert (event.by, event.from_priority) == (BY_SLABRIDGE, "normal")


def test_the_window_allows_for_clock_skew_and_nothing_beyond() -> None:
    inside = [SENT - CLOCK_SKEW, SENT + timedelta(seconds=2) + CLOCK_SKEW]
    outside = [SENT - CLOCK_SKEW - timedelta(seconds=1), SENT + CLOCK_SKEW + timedelta(seconds=3)]
    for at in inside:
        assert mark_own_writes(_ticket(_raise(at)), [WRITE]).events[-1].by == BY_SLABRIDGE
    for at in outside:
        assert mark_own_writes(_ticket(_raise(at)), [WRITE]).events[-1].by is None


def test_an_agent_change_to_another_priority_or_a_later_same_raise_counts_as_usual() -> None:
    ticket = _ticket(
        _raise(SENT - timedelta(seconds=30), to="high"),  # an agent's, inside the window
        _raise(SENT + timedelta(seconds=1)),  # slabridge's
        _raise(SENT + timedelta(seconds=90), to="low"),
        _raise(SENT + timedelta(seconds=120)),  # the agent raises to urgent again, inside it
    )
    marked = [e.by for e in mark_own_writes(ticket, [WRITE]).events if e.type == "priority"]
    assert marked == [None, BY_SLABRIDGE, None, None]  # one write marks one change


def test_without_writes_the_ticket_is_returned_as_it_is() -> None:
    ticket = _ticket(_raise(SENT))
    assert mark_own_writes(ticket, []) is ticket
    assert mark_own_writes(ticket, [PriorityWrite("high", "normal", SENT)]) is ticket


def test_without_priority_history_the_applied_writes_become_marked_events() -> None:
    ticket = _ticket(priority="urgent")
    events = mark_own_writes(ticket, [WRITE], has_history=False).events
    assert events[-1] == Event(
        WRITE.answered_at,  # type: ignore[arg-type]
        "priority",
        priority="urgent",
        from_priority="high",
        has_from=True,
        by=BY_SLABRIDGE,
    )
    assert len(events) == len(ticket.events) + 1


def test_without_history_a_different_priority_now_is_an_agent_change_at_updated_at() -> None:
    later = SENT + timedelta(hours=1)
    ticket = _ticket(priority="normal", updated=later)
    added = mark_own_writes(ticket, [WRITE], has_history=False).events[-2:]
    assert [(e.at, e.priority, e.from_priority, e.by) for e in added] == [
        (WRITE.answered_at, "urgent", "high", BY_SLABRIDGE),
        (later, "normal", "urgent", None),
    ]


def test_without_history_an_unanswered_write_the_ticket_does_not_show_is_left_out() -> None:
    failed = PriorityWrite("urgent", "high", SENT, SENT, "unknown")
    ticket = _ticket(priority="high")
    assert mark_own_writes(ticket, [failed], has_history=False) is ticket
    shown = _ticket(priority="urgent")  # the answer was lost, but the write went through
    assert mark_own_writes(shown, [failed], has_history=False).events[-1].by == BY_SLABRIDGE


def test_writes_are_recorded_before_sending_and_refused_ones_are_not_candidates(
    store: StateStore,
) -> None:
    changes = [
        ChangeSet("1", priority="urgent", raised_from="high"),
        ChangeSet("2", add_tags=frozenset({"x"})),  # no priority: not recorded
        ChangeSet("3", priority="high", raised_from="normal"),
    ]
    ids = record_sent(store.engine, "mem", changes, SENT)
    assert set(ids) == {"1", "3"}
    assert writes_for(store.engine, "mem", ["1", "2", "3"]) == {
        "1": [PriorityWrite("urgent", "high", SENT)],
        "3": [PriorityWrite("high", "normal", SENT)],
    }
    answered = SENT + timedelta(seconds=3)
    record_answers(
        store.engine, {ids["1"]: answer_of("applied"), ids["3"]: answer_of("rejected")}, answered
    )
    assert writes_for(store.engine, "mem", ["1", "3"]) == {
        "1": [PriorityWrite("urgent", "high", SENT, answered, "applied")]
    }
    assert writes_for(store.engine, "other", ["1"]) == {}
    assert [answer_of(o) for o in ("conflict", "retry")] == ["refused", "unknown"]
    assert "_v4_priority_writes" in [migration.__name__ for migration in MIGRATIONS]


def _capturing(seen: list[Ticket]) -> Evaluator:
    def evaluate(ticket: Ticket, now: datetime) -> Evaluation:
        seen.append(ticket)
        return first_response_evaluator(ticket, now)

    return evaluate


def test_the_sync_marks_its_own_escalation_before_evaluating(
    store: StateStore, memory: MemoryConnector
) -> None:
    now = T0 + timedelta(hours=2)
    memory.clock = lambda: now  # the helpdesk stamps the change with (about) our clock
    memory.add("1", priority="normal")
    make_engine(store, now, ESCALATE).sync("mem", memory)
    assert memory.tickets["1"].priority == "high"
    seen: list[Ticket] = []
    Syncer(store, _capturing(seen), {"mem": ESCALATE}, now=now).sync("mem", memory)
    [change] = [e for e in seen[-1].events if e.type == "priority"]
    assert (change.priority, change.from_priority, change.by) == ("high", "normal", BY_SLABRIDGE)
    [tracked] = list(store.iter_tickets())
    assert tracked.snapshot["events"][-1]["by"] == "slabridge"  # what reports read back


def test_a_raise_applied_without_its_answer_reaching_the_sync_is_still_its_own(
    store: StateStore, memory: MemoryConnector
) -> None:
    now = T0 + timedelta(hours=2)
    memory.clock = lambda: now
    memory.add("1", priority="normal")
    apply = memory.apply

    def applied_then_lost(changes: list[ChangeSet]) -> object:
        apply(changes)
        raise TimeoutError("read timed out")

    memory.apply = applied_then_lost  # type: ignore[assignment,method-assign]
    make_engine(store, now, ESCALATE).sync("mem", memory)
    memory.apply = apply  # type: ignore[method-assign]
    assert memory.tickets["1"].priority == "high"
    seen: list[Ticket] = []
    Syncer(store, _capturing(seen), {"mem": ESCALATE}, now=now).sync("mem", memory)
    assert [e.by for e in seen[0].events if e.type == "priority"] == [BY_SLABRIDGE]
