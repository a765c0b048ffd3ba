"""FakeJira and FakeJiraDataCenter implement the scenario protocol, read back by the connector."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jira_support import DC_TOKEN, TOKEN, Clock
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira
from slabridge_jira.fake_dc import FakeJiraDataCenter

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import Event, Ticket, parse_ticket
from slabridge.testing.fake_protocol import ScenarioFake, missing_scenario_methods

CREATED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SEVERITY_FIELD = "customfield_10777"


@pytest.fixture(params=["cloud", "data_center"])
def site(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    clock = Clock(CREATED + timedelta(days=9))
    fake: FakeJira
    if request.param == "cloud":
        fake = FakeJira(token=TOKEN, clock=clock)
    else:
        fake = FakeJiraDataCenter(pat=DC_TOKEN, clock=clock)
    with fake:
        yield fake


@pytest.fixture
def connect(site: FakeJira) -> Iterator[Callable[..., JiraConnector]]:
    made: list[JiraConnector] = []

    def make(**overrides: Any) -> JiraConnector:
        connector = JiraConnector("jira-scenarios", site.connector_config(**overrides))
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


def at(minutes: float) -> str:
    return (CREATED + timedelta(minutes=minutes)).isoformat()


def canonical(**extra: Any) -> Ticket:
    """Public replies by agent and customer, an internal note, status and priority changes
    (JSM has no internal comments by customers)."""
    data: dict[str, Any] = {
        "id": "c1",
        "created_at": at(0),
        "updated_at": at(300),
        "status": "solved",
        "priority": "urgent",
        "tags": ["vip", "billing"],
        "fields": {SEVERITY_FIELD: "sev-2"},
        "customer": {"name": "Acme", "tier": "gold", "region": "emea"},
        "events": [
            {"at": at(0), "type": "status", "status": "new"},
            {"at": at(30), "type": "reply", "author": "agent", "public": True},
            {"at": at(45), "type": "reply", "author": "agent", "public": False},
            {"at": at(60), "type": "status", "status": "pending"},
            {"at": at(120), "type": "reply", "author": "customer", "public": True},
            {"at": at(121), "type": "status", "status": "open"},
            {"at": at(150), "type": "priority", "priority": "urgent", "from": "normal"},
            {"at": at(200), "type": "reply", "author": "agent", "public": False},
            {"at": at(300), "type": "status", "status": "solved"},
        ],
    }
    data.update(extra)
    return parse_ticket(data)


def simple(minutes: float) -> Ticket:
    return parse_ticket(
        {
            "id": f"s{minutes}",
            "created_at": at(minutes),
            "status": "open",
            "events": [{"at": at(minutes), "type": "status", "status": "open"}],
        }
    )


def essentials(events: tuple[Event, ...]) -> list[tuple[Any, ...]]:
    return [(e.at, e.type, e.status, e.priority, e.author, e.public) for e in events]


def read_all(connector: JiraConnector, cursor: str | None) -> tuple[list[Any], str | None]:
    items = list(connector.read(cursor))
    checkpoints = [item.cursor for item in items if isinstance(item, Checkpoint)]
    return items, checkpoints[-1] if checkpoints else None


def tickets(items: list[Any]) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def test_the_fakes_declare_every_scenario_method(site: FakeJira) -> None:
    assert isinstance(site, ScenarioFake)
    assert missing_scenario_methods(site) == []
    assert site.scenario_limits == frozenset()


def test_a_loaded_ticket_reads_back_event_by_event(
    site: FakeJira, connect: Callable[..., JiraConnector]
) -> None:
    original = canonical()
    ticket_id = site.load_ticket(original)
    [back] = tickets(list(connect().read(None)))
    assert back.id == ticket_id
    assert essentials(back.events) == essentials(original.events)
    assert (back.status, back.priority) == ("solved", "urgent")
    assert (back.created_at, back.updated_at) == (original.created_at, original.updated_at)
    assert set(back.tags) == {"vip", "billing"}
    assert back.fields[SEVERITY_FIELD] == "sev-2"


def test_internal_notes_are_stored_as_jira_holds_them(site: FakeJira) -> None:
    issue = site.issues[site.load_ticket(canonical())]
    kinds = [(c["author"] == issue.reporter, c["public"]) for c in issue.comments]
    assert kinds == [(False, True), (False, False), (True, True), (False, False)]
    assert [item["field"] for h in issue.histories for item in h["items"]] == [
        "status",
        "status",
        "priority",
        "status",
    ]


def test_a_field_or_label_jira_would_refuse_is_named(site: FakeJira) -> None:
    with pytest.raises(ValueError, match=r"fields\['severity'\].*customfield_"):
        site.load_ticket(canonical(fields={"severity": "sev-2"}))
    with pytest.raises(ValueError, match="'two words': a label has no spaces"):
        site.load_ticket(canonical(tags=["two words"]))
    with pytest.raises(ValueError, match=r"fields\['customfield_10999'\]: \{'a': 1\} is not"):
        site.load_ticket(canonical(fields={"customfield_10999": {"a": 1}}))
    note = {"at": at(5), "type": "reply", "author": "customer", "public": False}
    with pytest.raises(ValueError, match=r"events\[1\]: a customer cannot write an internal"):
        site.load_ticket(canonical(events=[{"at": at(0), "type": "status", "status": "new"}, note]))


def test_a_corrupt_record_is_skipped_and_the_read_goes_on(
    site: FakeJira, connect: Callable[..., JiraConnector]
) -> None:
    ids = [site.load_ticket(simple(n * 10)) for n in range(3)]
    site.corrupt_ticket(ids[1])
    connector = connect(page_size=1)
    items, cursor = read_all(connector, None)
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [s.ticket_id for s in skipped] == [ids[1]]
    assert "created" in skipped[0].reason
    assert [t.id for t in tickets(items)] == [ids[0], ids[2]]
    again, _ = read_all(connector, cursor)
    assert tickets(again) == []


def test_changes_in_one_second_are_all_read_across_pages_and_reads(
    site: FakeJira, connect: Callable[..., JiraConnector]
) -> None:
    ids = [site.load_ticket(simple(n * 10)) for n in range(5)]
    boundary = CREATED + timedelta(hours=2, seconds=30.5)
    for ticket_id in ids[:3]:
        site.touch_at(ticket_id, boundary)
    connector = connect(page_size=2)
    items, cursor = read_all(connector, None)
    latest = {t.id: t.updated_at for t in tickets(items)}
    assert sorted(latest) == sorted(ids)
    assert all(latest[i] == boundary for i in ids[:3])
    site.touch_at(ids[3], boundary)  # lands in the second the cursor ends at
    site.touch_at(ids[4], boundary + timedelta(seconds=1))
    again, _ = read_all(connector, cursor)
    assert sorted((t.id, t.updated_at) for t in tickets(again)) == [
        (ids[3], boundary),
        (ids[4], boundary + timedelta(seconds=1)),
    ]


def test_an_edit_after_the_first_page_loses_nothing(
    site: FakeJira, connect: Callable[..., JiraConnector]
) -> None:
    ids = [site.load_ticket(simple(n * 10)) for n in range(5)]
    edited = CREATED + timedelta(hours=3)
    site.after_list_pages(1, lambda: site.touch_at(ids[0], edited))
    connector = connect(page_size=2)
    first, cursor = read_all(connector, None)
    second, _ = read_all(connector, cursor)
    seen = {(t.id, t.updated_at) for t in tickets(first + second)}
    assert {ticket_id for ticket_id, _ in seen} == set(ids)
    assert (ids[0], edited) in seen


def test_a_repeated_page_stops_the_read_with_each_ticket_once(
    site: FakeJira, connect: Callable[..., JiraConnector]
) -> None:
    ids = [site.load_ticket(simple(n * 10)) for n in range(5)]
    site.repeat_next_page()
    items, _ = read_all(connect(page_size=2), None)
    read = [t.id for t in tickets(items)]
    assert read == ids[:2]
    assert site.list_pages_served == 2  # the first page and one repeat of it


def test_a_field_write_keeps_the_loaded_ticket_s_other_fields(
    site: FakeJira, connect: Callable[..., JiraConnector]
) -> None:
    other = "customfield_10778"
    ticket_id = site.load_ticket(canonical(fields={SEVERITY_FIELD: "sev-2", other: "keep"}))
    connector = connect()
    [result] = connector.apply([ChangeSet(ticket_id, fields={SEVERITY_FIELD: "sev-1"})])
    assert result.error is None
    [back] = list(connector.fetch([ticket_id]))
    assert isinstance(back, Ticket)
    assert (back.fields[SEVERITY_FIELD], back.fields[other]) == ("sev-1", "keep")
