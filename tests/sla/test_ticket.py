"""The normalized ticket refuses what POLICY.md §2 does not define, at construction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.sla.ticket import (
    Event,
    EventError,
    FieldEvent,
    TagsEvent,
    Ticket,
    TicketError,
    parse_ticket,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "docs" / "examples" / "slabridge.yaml")
TICKET = json.loads((ROOT / "docs" / "examples" / "ticket.json").read_text())
AT = datetime(2025, 3, 10, 8, 5, tzinfo=UTC)


def test_an_event_of_unknown_type_is_refused_naming_the_valid_types() -> None:
    with pytest.raises(EventError, match="event type 'comment' is not one of: status, reply"):
        Event(at=AT, type="comment", author="agent")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "status", "status": "resolved"}, "status 'resolved' is not one of: new"),
        ({"type": "status"}, "status None is not one of"),
        ({"type": "reply", "author": "bot"}, "author 'bot' is not one of: agent, customer"),
        ({"type": "reply"}, "author None is not one of"),
        ({"type": "priority", "priority": "p1"}, "priority 'p1' is not one of: low"),
        ({"type": "reply", "author": "agent", "public": "yes"}, "public 'yes' is not true"),
    ],
)
def test_an_event_with_a_value_outside_the_contract_is_refused(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(EventError, match=message):
        Event(at=AT, **kwargs)  # type: ignore[arg-type]


def test_an_event_without_an_offset_is_refused() -> None:
    with pytest.raises(EventError, match="has no UTC offset"):
        Event(at=datetime(2025, 3, 10, 8, 5), type="priority", priority=None)


def test_a_ticket_with_a_status_or_priority_outside_the_contract_is_refused() -> None:
    with pytest.raises(EventError, match="ticket '7': status 'resolved'"):
        Ticket(id="7", created_at=AT, updated_at=AT, status="resolved")
    with pytest.raises(EventError, match="ticket '7': priority 'p1'"):
        Ticket(id="7", created_at=AT, updated_at=AT, status="open", priority="p1")


def test_valid_events_and_tickets_still_build() -> None:
    reply = Event(at=AT, type="reply", author="agent", public=False)
    unset = Event(at=AT, type="priority", priority=None, has_from=True, from_priority="low")
    ticket = Ticket(id="7", created_at=AT, updated_at=AT, status="open", events=(reply, unset))
    assert ticket.events == (reply, unset)


def test_parsing_an_unknown_event_type_names_the_ticket_and_the_event() -> None:
    data = {**TICKET, "events": [*TICKET["events"][:1], {**TICKET["events"][1], "type": "comment"}]}
    with pytest.raises(TicketError) as caught:
        parse_ticket(data)
    assert str(caught.value) == (
        "ticket '4821': events[1].type: unknown event type 'comment'; "
        "must be one of status, reply, priority, tags, field, assignment"
    )


def test_evaluate_exits_2_on_a_reply_typed_comment(tmp_path: Path) -> None:
    events = [dict(event) for event in TICKET["events"]]
    events[1]["type"] = "comment"  # an agent reply under the wrong type: it answered nothing
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps({**TICKET, "events": events}))
    args = ["evaluate", "--config", CONFIG, "--now", "2025-03-10T12:00:00Z", "--ticket", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "ticket '4821': events[1].type: unknown event type 'comment'" in result.stderr


def test_tags_and_field_events_parse_and_serialize_back_the_same() -> None:
    events = [
        {"at": "2025-03-10T09:00:00Z", "type": "tags", "added": ["waiting_vendor"], "removed": []},
        {"at": "2025-03-10T10:00:00Z", "type": "field", "field": "waiting_on", "value": "vendor"},
        {
            "at": "2025-03-10T11:00:00Z",
            "type": "field",
            "field": "waiting_on",
            "value": None,
            "from": "vendor",
        },
    ]
    ticket = parse_ticket({**TICKET, "events": events})
    tags, field_set, cleared = ticket.events
    assert isinstance(tags, TagsEvent) and tags.added == ("waiting_vendor",)
    assert isinstance(field_set, FieldEvent) and not field_set.has_from
    assert isinstance(cleared, FieldEvent) and (cleared.value, cleared.from_value) == (
        None,
        "vendor",
    )
    assert ticket.to_json()["events"] == events
    assert parse_ticket(ticket.to_json()) == ticket


@pytest.mark.parametrize(
    ("event", "key", "problem"),
    [
        ({"type": "tags", "added": "vip"}, "events[0].added", "expected a list of strings"),
        ({"type": "tags", "removed": [1]}, "events[0].removed", "expected a list of strings"),
        (
            {"type": "tags", "added": ["a"], "removed": ["a"]},
            "events[0].removed",
            "tag 'a' is both added and removed",
        ),
        ({"type": "field", "value": "x"}, "events[0].field", "missing required key"),
        ({"type": "field", "field": "", "value": "x"}, "events[0].field", "expected a field name"),
        (
            {"type": "field", "field": "f"},
            "events[0].value",
            "missing required key (null clears it)",
        ),
    ],
)
def test_a_bad_tags_or_field_event_names_the_ticket_and_the_key(
    event: dict[str, object], key: str, problem: str
) -> None:
    with pytest.raises(TicketError) as caught:
        parse_ticket({**TICKET, "events": [{"at": "2025-03-10T09:00:00Z", **event}]})
    assert (caught.value.key, caught.value.problem) == (key, problem)


def test_tags_and_field_events_are_built_as_their_own_classes() -> None:
    with pytest.raises(EventError, match="build it as TagsEvent"):
        Event(at=AT, type="tags")
    with pytest.raises(EventError, match="build it as FieldEvent"):
        Event(at=AT, type="field")
    with pytest.raises(EventError, match="both added and removed"):
        TagsEvent(at=AT, type="tags", added=("a",), removed=("a",))
    assert FieldEvent(at=AT, type="field", field="f", value=3).value == 3


def test_an_assignment_event_parses_and_serializes_with_its_group_and_agent() -> None:
    data = {
        "id": "9",
        "created_at": "2025-03-10T08:00:00Z",
        "status": "open",
        "events": [
            {"at": "2025-03-10T08:00:00Z", "type": "assignment", "group": "billing", "agent": 17},
            {"at": "2025-03-10T09:00:00+01:00", "type": "assignment", "group": None},
        ],
    }
    ticket = parse_ticket(data)
    first, second = ticket.events
    assert (first.type, first.group, first.agent) == ("assignment", "billing", "17")
    assert (second.group, second.agent) == (None, None)  # a missing key means none, like null
    assert ticket.to_json()["events"] == [
        {"at": "2025-03-10T08:00:00Z", "type": "assignment", "group": "billing", "agent": "17"},
        {"at": "2025-03-10T08:00:00Z", "type": "assignment", "group": None, "agent": None},
    ]
    assert parse_ticket(ticket.to_json()) == ticket  # round trip


def test_an_assignment_with_a_group_that_is_not_text_names_the_key() -> None:
    data = {
        "id": "9",
        "created_at": "2025-03-10T08:00:00Z",
        "status": "open",
        "events": [{"at": "2025-03-10T08:00:00Z", "type": "assignment", "group": ["a", "b"]}],
    }
    with pytest.raises(TicketError, match=r"ticket '9': events\[0\].group: expected a string"):
        parse_ticket(data)
    with pytest.raises(EventError, match="assignment event: agent 5 is not a string"):
        Event(at=AT, type="assignment", group="billing", agent=5)  # type: ignore[arg-type]
