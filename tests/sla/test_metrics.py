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
