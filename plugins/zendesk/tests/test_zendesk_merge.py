"""Merged tickets: the notes Zendesk adds on a merge are no agent replies (issue #21)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slabridge_zendesk.config import ZendeskMapping
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from slabridge_zendesk.mapping import events_from_audits, is_merge_notice
from zendesk_helpers import Clock, normalized, seed

from slabridge.config import load_policy_text
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import Ticket

Connect = Callable[..., ZendeskConnector]

POLICIES = load_policy_text(
    """
version: 1
calendars:
  always: {timezone: UTC, hours: 24x7}
policies:
  - name: Default
    calendar: always
    targets:
      default: {first_response: 4h, resolution: 30d}
"""
)


def _merged_pair(fake: FakeZendesk, clock: Clock, **merge: Any) -> tuple[str, str]:
    """Two tickets from the customer; an agent merges the newer into the older one."""
    target = fake.load_normalized(normalized("t", clock.now))
    clock.advance(minutes=5)
    source = fake.load_normalized(normalized("s", clock.now))
    clock.advance(minutes=5)
    fake.merge_tickets([source], target, **merge)
    clock.advance(minutes=5)
    return source, target


def _read(connector: ZendeskConnector) -> dict[str, Ticket]:
    return {item.id: item for item in connector.read(None) if isinstance(item, Ticket)}


def _replies(ticket: Ticket) -> list[Any]:
    return [event for event in ticket.events if event.type == "reply"]


def test_the_fake_writes_public_merge_notes_by_the_merging_agent(
    fake: FakeZendesk, clock: Clock
) -> None:
    source, target = _merged_pair(fake, clock)
    source_note = fake.audits[int(source)][-1]
    target_note = fake.audits[int(target)][-1]
    for audit in (source_note, target_note):
        assert audit["via"]["source"]["rel"] == "merge"
        [comment] = [e for e in audit["events"] if e["type"] == "Comment"]
        assert comment["public"] is True and comment["author_id"] == fake.AGENT_ID
    assert "merged into request #" + target in source_note["events"][-1]["body"]
    assert fake.status(source) == "closed"
    assert target_note["via"]["source"]["from"]["ticket_ids"] == [int(source)]


@pytest.mark.parametrize("history", ["events", "audits"])
def test_a_merge_note_does_not_stop_either_tickets_first_response(
    fake: FakeZendesk, clock: Clock, connect: Connect, history: str
) -> None:
    source, target = _merged_pair(fake, clock)
    tickets = _read(connect(history=history))
    assert _replies(tickets[source]) == [] and _replies(tickets[target]) == []
    # The target is still waiting for its first answer; the merge did not answer it.
    result = evaluate(tickets[target], POLICIES, clock.now)
    [cycle] = result.metrics["first_response"].cycles
    assert cycle.status == "active" and cycle.stopped_at is None


def test_a_real_reply_after_the_merge_still_counts(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    _, target = _merged_pair(fake, clock)
    fake.agent_edit(target, comment={"public": True, "author": "agent"})
    clock.advance(minutes=2)
    [reply] = _replies(_read(connect())[target])
    assert reply.author == "agent" and reply.public


def test_a_merge_through_the_api_with_its_own_text_is_told_by_its_via(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    source, target = _merged_pair(
        fake, clock, source_comment="Duplicate, see the other one", target_comment="Dup"
    )
    tickets = _read(connect())
    assert _replies(tickets[source]) == [] and _replies(tickets[target]) == []


def test_a_cached_history_keeps_merge_notes_out_when_it_is_extended(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    target, source, _ = seed(fake, clock, 3)
    cursor = list(connect().read(None))[-1].cursor
    fake.merge_tickets([source], target)
    clock.advance(minutes=3)
    # A new process: the merged tickets are older than its window, so their audits are read
    # (the notes told by the audit's via) and the histories cached for the next read.
    connector = connect()
    items = list(connector.read(cursor))
    assert any(f"/tickets/{target}/audits" in call.request.path for call in fake.calls)
    fake.agent_edit(target, priority="urgent")
    clock.advance(minutes=3)
    before = len(fake.calls)
    [again] = [t for t in connector.read(items[-1].cursor) if isinstance(t, Ticket)]
    assert not any("/audits" in call.request.path for call in fake.calls[before:])
    assert again.id == target and _replies(again) == []
    assert [e.type for e in again.events][-1] == "priority"


def _audit(via: Any, body: str, public: bool = True) -> dict[str, Any]:
    comment = {"type": "Comment", "author_id": 7, "public": public, "body": body}
    return {"id": 2, "created_at": "2026-01-05T10:00:00Z", "via": via, "events": [comment]}


WEB = {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}}


@pytest.mark.parametrize(
    ("via", "body", "merge"),
    [
        ({"channel": "web", "source": {"from": {}, "to": {}, "rel": "merge"}}, "Dup", True),
        ({"channel": 19, "source": {}}, "Dup", True),  # via id 19 = merge
        ({"channel": "merge"}, "Dup", True),
        (WEB, 'Request #12 "Printer" was closed and merged into this request.', True),
        (WEB, "Requests #12, #13 were closed and merged into this request.", True),
        (WEB, 'This request was closed and merged into request #40 "Printer".', True),
        (WEB, "We merged the two printers' logs, see attached.", False),
        (WEB, "Thanks! Request #12 was closed and merged into this request.", False),
        (None, "Hello", False),
    ],
)
def test_merge_notices_are_told_by_via_or_by_zendesks_default_text(
    via: Any, body: str, merge: bool
) -> None:
    audit = _audit(via, body)
    assert is_merge_notice(audit, audit["events"][0]) is merge
    ticket = {"id": 1, "requester_id": 5}
    users = {7: {"id": 7, "role": "agent"}}
    events = events_from_audits([audit], ticket, users, ZendeskMapping())
    assert [e["type"] for e in events] == ([] if merge else ["reply"])
