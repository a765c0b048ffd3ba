"""Timelines and cycle windows on epoch floats (the building blocks of evaluate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slabridge.sla.metrics import (
    build_timeline,
    first_response_window,
    next_response_windows,
    resolution_windows,
    running_segments,
    warn_threshold,
)
from slabridge.sla.ticket import parse_ticket

T0 = datetime.fromisoformat("2025-03-10T09:00:00+00:00").timestamp()


def _at(minutes: int) -> str:
    return datetime.fromtimestamp(T0 + minutes * 60).astimezone().isoformat()


def _ticket(events: list[dict[str, Any]], **values: Any) -> Any:
    data: dict[str, Any] = {"id": "1", "created_at": _at(0), "status": "open", "events": events}
    data.update(values)
    return parse_ticket(data)


def _status(minutes: int, status: str) -> dict[str, Any]:
    return {"at": _at(minutes), "type": "status", "status": status}


def _reply(minutes: int, author: str, public: bool = True) -> dict[str, Any]:
    return {"at": _at(minutes), "type": "reply", "author": author, "public": public}


def _m(*minutes: int) -> tuple[float, ...]:
    return tuple(T0 + m * 60 for m in minutes)


def test_several_status_changes_at_one_instant_keep_the_last() -> None:
    events = [_status(10, "pending"), _status(10, "open"), _status(20, "solved")]
    timeline = build_timeline(_ticket(events, status="solved"), T0 + 3600)
    assert timeline.times == _m(0, 10, 20)
    assert timeline.statuses == ("new", "open", "solved")
    undone_ticket = _ticket([_status(10, "open"), _status(10, "new")], status="new")
    undone = build_timeline(undone_ticket, T0 + 3600)
    assert undone.times == _m(0) and undone.statuses == ("new",)


def test_events_before_created_at_count_at_created_at() -> None:
    timeline = build_timeline(_ticket([_status(-5, "open")]), T0 + 3600)
    assert timeline.times == _m(0) and timeline.statuses == ("open",)


def test_the_priority_at_now_comes_from_the_last_priority_event_before_it() -> None:
    events = [{"at": _at(30), "type": "priority", "priority": "urgent"}]
    ticket = _ticket(events, priority="high")
    assert build_timeline(ticket, T0 + 20 * 60).priority == "high"
    assert build_timeline(ticket, T0 + 40 * 60).priority == "urgent"


def test_a_customer_reply_on_a_solved_ticket_waits_for_the_reopen() -> None:
    events = [
        _reply(5, "agent"),
        _status(10, "solved"),
        _reply(20, "customer"),
        _status(30, "open"),
        _reply(45, "agent"),
    ]
    timeline = build_timeline(_ticket(events), T0 + 3600)
    assert next_response_windows(timeline) == [(T0 + 30 * 60, T0 + 45 * 60)]


def test_solving_ends_a_wait_and_the_next_customer_reply_starts_a_new_one() -> None:
    events = [
        _reply(5, "agent"),
        _reply(10, "customer"),
        _status(20, "solved"),
        _reply(30, "customer"),
        _status(30, "open"),
    ]
    timeline = build_timeline(_ticket(events), T0 + 3600)
    assert next_response_windows(timeline) == [(T0 + 600, T0 + 1200), (T0 + 1800, None)]
    assert first_response_window(timeline) == (T0, T0 + 300)


def test_a_customer_reply_listed_after_a_solve_at_its_instant_comes_while_solved() -> None:
    # Decisions 7 and 9: solved at 20, then (same instant, listed after) a customer reply; the
    # ticket is never reopened, so no wait starts.
    events = [_reply(5, "agent"), _status(20, "solved"), _reply(20, "customer")]
    timeline = build_timeline(_ticket(events, status="solved"), T0 + 3 * 3600)
    assert timeline.ties is None
    assert next_response_windows(timeline) == []


def test_a_customer_reply_listed_before_a_solve_at_its_instant_starts_a_wait_it_stops() -> None:
    events = [_reply(5, "agent"), _reply(20, "customer"), _status(20, "solved")]
    timeline = build_timeline(_ticket(events, status="solved"), T0 + 3 * 3600)
    assert timeline.ties == {T0 + 1200: 1}
    assert next_response_windows(timeline) == [(T0 + 1200, T0 + 1200)]


def test_a_customer_reply_that_reopens_a_solved_ticket_starts_its_wait_at_once() -> None:
    # The usual pattern: the reply, then the reopen it causes, at one instant; or the other way.
    for reply_first in (True, False):
        reopen = [_reply(20, "customer"), _status(20, "open")]
        events = [
            _reply(5, "agent"),
            _status(10, "solved"),
            *(reopen if reply_first else reopen[::-1]),
            _reply(45, "agent"),
        ]
        timeline = build_timeline(_ticket(events), T0 + 3600)
        assert next_response_windows(timeline) == [(T0 + 1200, T0 + 2700)], reply_first


def test_status_changes_at_one_instant_take_effect_where_the_ticket_was_solved_or_reopened() -> (
    None
):
    # solved, reply, closed at 20: the reply comes while solved (closing it changes nothing).
    events = [_reply(5, "agent"), _status(20, "solved"), _reply(20, "customer")]
    closed = build_timeline(_ticket([*events, _status(20, "closed")], status="closed"), T0 + 3600)
    assert next_response_windows(closed) == []
    # reply, solved, closed at 20: the reply comes before the solve, so its wait is answered.
    first = [_reply(5, "agent"), _reply(20, "customer"), _status(20, "solved")]
    solved = build_timeline(_ticket([*first, _status(20, "closed")], status="closed"), T0 + 3600)
    assert next_response_windows(solved) == [(T0 + 1200, T0 + 1200)]
    # Solved again after the reply changes nothing: the reply still comes after the solve.
    again = build_timeline(_ticket([*events, _status(20, "solved")], status="solved"), T0 + 3600)
    assert next_response_windows(again) == []


def test_the_change_placed_at_updated_at_comes_after_the_replies_at_that_instant() -> None:
    events = [_reply(5, "agent"), _status(10, "open"), _reply(20, "customer")]
    ticket = _ticket(events, status="solved", updated_at=_at(20))
    timeline = build_timeline(ticket, T0 + 3600)
    assert timeline.times == _m(0, 10, 20)
    assert next_response_windows(timeline) == [(T0 + 1200, T0 + 1200)]


def test_a_reply_listed_before_the_solve_at_created_at_comes_before_it() -> None:
    events = [_reply(0, "agent"), _reply(0, "customer"), _status(0, "solved")]
    timeline = build_timeline(_ticket(events, status="solved"), T0 + 3600)
    assert timeline.statuses == ("solved",)
    assert next_response_windows(timeline) == [(T0, T0)]
    solved_first = [_status(0, "solved"), _reply(0, "agent"), _reply(0, "customer")]
    timeline = build_timeline(_ticket(solved_first, status="solved"), T0 + 3600)
    assert next_response_windows(timeline) == []


def test_resolution_windows_resume_and_new_cycle() -> None:
    events = [_status(0, "open"), _status(10, "solved"), _status(30, "open"), _status(50, "closed")]
    timeline = build_timeline(_ticket(events, status="closed"), T0 + 3600)
    assert resolution_windows(timeline, new_cycle=False) == [(T0, T0 + 3000, True)]
    assert resolution_windows(timeline, new_cycle=True) == [
        (T0, T0 + 600, False),
        (T0 + 1800, T0 + 3000, False),
    ]
    holes = frozenset({"pending", "solved", "closed"})
    assert running_segments(timeline, T0, T0 + 3000, holes) == [
        (T0, T0 + 600),
        (T0 + 1800, T0 + 3000),
    ]


def test_warn_threshold_takes_the_earlier_of_the_two_rules() -> None:
    assert warn_threshold(3600, 0.75, None) == 2700
    assert warn_threshold(3600, None, 600) == 3000
    assert warn_threshold(3600, 0.75, 1800) == 1800
    assert warn_threshold(3600, None, 7200) == 0
    assert warn_threshold(3600, None, None) is None
