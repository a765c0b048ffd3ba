"""The standard tests of meaning: canonical situations driven through the connector's fake.

The mechanical tests in :mod:`slabridge.testing.suite` seed plain tickets. These load known
tickets into the fake through the :class:`~slabridge.testing.fake_protocol.ScenarioFake`
methods and check what the connector makes of them: every event of a canonical ticket read back
as it was (an internal note is not a public reply, a customer's reply is not an agent's), custom
fields merged on write, a corrupt record skipped with the read going on, nothing lost in the
cursor's boundary second or when a ticket changes during the read, and a repeated page ending
the read with each ticket once.

:class:`SemanticConnectorTests` is a base of ``StandardConnectorTests``, so every suite subclass
runs these tests. A fake that lacks protocol methods fails them with a message naming the
methods; a harness with ``scenario_opt_out = "why"`` xfails them with that reason instead.

Times are compared to the second: the canonical tickets use whole seconds, and a service that
stores milliseconds or an API that drops them both read back the same instant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest

from slabridge.connectors.base import ChangeSet, Checkpoint, Connector, ReadItem
from slabridge.connectors.http import HttpError
from slabridge.sla.ticket import CONDITION_EVENT_TYPES, Event, Ticket
from slabridge.testing.fake_protocol import (
    LIMIT_CUSTOMER_REPLIES,
    LIMIT_INTERNAL_REPLIES,
    LIMIT_PRIORITY_HISTORY,
    LIMIT_STATUS_HISTORY,
    ScenarioFake,
    missing_scenario_methods,
)
from slabridge.testing.read_items import last_cursor, skipped_of, tickets_of

if TYPE_CHECKING:
    from slabridge.testing.suite import ConnectorHarness

# Tag every scenario ticket carries, besides its own.
SCENARIO_TAG = "slabridge_scenario"
# Ids the suite suggests to load_ticket (a fake numbering its own records may ignore them).
_FIRST_SUGGESTED_ID = 7001


def scenario_fake_of(harness: ConnectorHarness) -> ScenarioFake:
    """The harness's fake as a :class:`ScenarioFake`; fail (or xfail, when opted out) if not.

    Raises:
        pytest.fail.Exception: the fake lacks protocol members (named in the message).
        pytest.xfail.Exception: the harness sets ``scenario_opt_out``.
    """
    if harness.scenario_opt_out:
        pytest.xfail(f"scenario tests opted out by the harness: {harness.scenario_opt_out}")
    missing = missing_scenario_methods(harness.fake)
    if missing:
        pytest.fail(
            f"{type(harness.fake).__name__} does not implement the scenario protocol "
            f"(slabridge.testing.fake_protocol.ScenarioFake): missing {', '.join(missing)}. "
            "Implement them (docs/plugins/testing.md) or set scenario_opt_out = '<why>' on "
            f"{type(harness).__name__}"
        )
    return cast(ScenarioFake, harness.fake)


# -- the canonical ticket -----------------------------------------------------------------


def canonical_events(start: datetime) -> tuple[Event, ...]:
    """Replies public and internal, by the customer and the agent, status and priority changes."""

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    return (
        Event(at=at(1), type="reply", author="customer", public=True),
        Event(at=at(2), type="status", status="open"),
        Event(at=at(3), type="reply", author="agent", public=False),
        Event(at=at(4), type="priority", priority="high", from_priority="normal", has_from=True),
        Event(at=at(5), type="reply", author="agent", public=True),
        Event(at=at(6), type="reply", author="customer", public=True),
        Event(at=at(7), type="status", status="pending"),
    )


def holdable_events(
    events: Sequence[Event], limits: frozenset[str], connector: Connector
) -> tuple[Event, ...]:
    """The events a service with ``limits`` (and the connector's capabilities) can hold."""

    def holdable(event: Event) -> bool:
        if event.type == "priority":
            return LIMIT_PRIORITY_HISTORY not in limits and connector.capabilities.priority_history
        if event.type == "status":
            return LIMIT_STATUS_HISTORY not in limits
        if not event.public and LIMIT_INTERNAL_REPLIES in limits:
            return False
        return not (event.author == "customer" and LIMIT_CUSTOMER_REPLIES in limits)

    return tuple(event for event in events if holdable(event))


def canonical_ticket(
    ticket_id: str,
    start: datetime,
    fields: dict[str, Any],
    limits: frozenset[str],
    connector: Connector,
) -> Ticket:
    """The canonical ticket, created at ``start``, its history cut to what the service holds."""
    events = holdable_events(canonical_events(start), limits, connector)
    return Ticket(
        id=ticket_id,
        source=connector.type_name,
        created_at=start,
        updated_at=start + timedelta(minutes=7),
        status="pending",
        priority="high",
        tags=(SCENARIO_TAG, "vip"),
        fields=dict(fields),
        events=events,
    )


def plain_ticket(ticket_id: str, at: datetime, connector: Connector) -> Ticket:
    """An open ticket without history, created and updated at ``at``."""
    return Ticket(
        id=ticket_id,
        source=connector.type_name,
        created_at=at,
        updated_at=at,
        status="open",
        priority="normal",
        tags=(SCENARIO_TAG,),
    )


def load_plain_tickets(
    fake: ScenarioFake, count: int, start: datetime, connector: Connector
) -> list[str]:
    """Load ``count`` plain tickets one minute apart from ``start``; return their ids."""
    return [
        fake.load_ticket(
            plain_ticket(
                str(_FIRST_SUGGESTED_ID + 100 + index),
                start + timedelta(minutes=index + 1),
                connector,
            )
        )
        for index in range(count)
    ]


# -- comparing what was loaded with what was read back ------------------------------------


def to_the_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def describe_event(event: Event) -> str:
    """An event in words, for failure messages: ``internal reply by agent at 2026-...``."""
    when = to_the_second(event.at).isoformat()
    if event.type == "reply":
        kind = "public" if event.public else "internal"
        return f"{kind} reply by {event.author} at {when}"
    if event.type == "status":
        return f"status change to {event.status} at {when}"
    if event.type in CONDITION_EVENT_TYPES:
        return f"{event.type} change at {when}"
    replaced = f" from {event.from_priority}" if event.has_from else ""
    return f"priority change to {event.priority}{replaced} at {when}"


def event_difference(number: int, expected: Event, actual: Event) -> str | None:
    """What is wrong with event ``number`` (1-based) as read back; None when it is right."""
    where = f"event {number} ({describe_event(expected)})"
    if to_the_second(expected.at) != to_the_second(actual.at) or expected.type != actual.type:
        return f"{where} read back as {describe_event(actual)}"
    if expected.type == "reply":
        problems = []
        if expected.public and not actual.public:
            problems.append("public reply read back as an internal note")
        if not expected.public and actual.public:
            problems.append("internal note read back as a public reply")
        if expected.author != actual.author:
            problems.append(
                f"reply by the {expected.author} read back as written by the {actual.author}"
            )
        return f"{'; '.join(problems)}: {where}" if problems else None
    if expected.type == "status" and expected.status != actual.status:
        return f"status change read back as to {actual.status!r}: {where}"
    if expected.type == "priority":
        if expected.priority != actual.priority:
            return f"priority change read back as to {actual.priority!r}: {where}"
        if (expected.has_from, expected.from_priority) != (actual.has_from, actual.from_priority):
            said = repr(actual.from_priority) if actual.has_from else "nothing"
            return f"priority change read back as replacing {said}: {where}"
    return None


def events_difference(expected: Sequence[Event], actual: Sequence[Event]) -> list[str]:
    """Every way ``actual`` differs from ``expected``, event by event."""
    if len(expected) != len(actual):
        wanted = [describe_event(event) for event in expected]
        got = [describe_event(event) for event in actual]
        missing = [text for text in wanted if text not in got]
        unexpected = [text for text in got if text not in wanted]
        return [
            f"{len(expected)} events loaded, {len(actual)} read back; "
            f"missing: {missing or 'none'}; unexpected: {unexpected or 'none'}"
        ]
    found = (
        event_difference(number, wanted, got)
        for number, (wanted, got) in enumerate(zip(expected, actual, strict=True), start=1)
    )
    return [problem for problem in found if problem is not None]


def comparable_events(
    events: Sequence[Event], created_at: datetime, limits: frozenset[str]
) -> list[Event]:
    """The read-back events that carry meaning for the comparison.

    A ``new`` status at ``created_at`` says what POLICY.md §2 already implies (before its first
    status event a ticket was new), so a connector may emit it or not. Where the service keeps
    no status (or priority) history, the events a connector infers for it are not compared.
    ``tags`` and ``field`` events (the history a service keeps of them, or not) are not
    compared either: the ticket's tags and fields are.
    Assignment events are not compared: the canonical scenarios set no group or agent.
    """
    kept = []
    for event in events:
        if event.type == "status" and (
            LIMIT_STATUS_HISTORY in limits
            or (event.status == "new" and to_the_second(event.at) == to_the_second(created_at))
        ):
            continue
        if event.type == "priority" and LIMIT_PRIORITY_HISTORY in limits:
            continue
        if event.type in CONDITION_EVENT_TYPES or event.type == "assignment":
            # tag/field history: the tags and fields are compared as they are now; the
            # canonical scenarios load no owner, though a fake may still hold one
            continue
        kept.append(event)
    return kept


def ticket_difference(
    expected: Ticket, actual: Ticket, limits: frozenset[str] = frozenset()
) -> list[str]:
    """Every way the read-back ticket differs from the loaded one (times to the second)."""
    problems = []
    for name in ("created_at", "updated_at"):
        wanted, got = getattr(expected, name), getattr(actual, name)
        if to_the_second(wanted) != to_the_second(got):
            problems.append(f"{name} read back as {got.isoformat()}, loaded {wanted.isoformat()}")
    for name in ("status", "priority"):
        wanted, got = getattr(expected, name), getattr(actual, name)
        if wanted != got:
            problems.append(f"{name} read back as {got!r}, loaded {wanted!r}")
    if set(expected.tags) != set(actual.tags):
        problems.append(f"tags read back as {sorted(actual.tags)}, loaded {sorted(expected.tags)}")
    for key, value in expected.fields.items():
        if actual.fields.get(key) != value:
            problems.append(
                f"custom field {key!r} read back as {actual.fields.get(key)!r}, loaded {value!r}"
            )
    return problems + events_difference(
        comparable_events(expected.events, expected.created_at, limits),
        comparable_events(actual.events, actual.created_at, limits),
    )


def _read_all(connector: Connector, cursor: str | None) -> list[ReadItem]:
    return list(connector.read(cursor))


def _read_without_raising(connector: Connector, cursor: str | None, when: str) -> list[ReadItem]:
    try:
        return _read_all(connector, cursor)
    except Exception as exc:  # any failure of the read is what this test reports
        pytest.fail(f"{when}, read() raised {type(exc).__name__}: {exc}")


def _the_ticket(items: Sequence[ReadItem | Ticket], ticket_id: str, how: str) -> Ticket:
    found = [ticket for ticket in tickets_of(items) if ticket.id == ticket_id]
    assert len(found) == 1, (
        f"{how} yielded the loaded ticket {ticket_id!r} {len(found)} times, not once"
    )
    return found[0]


def _limits(harness: ConnectorHarness) -> frozenset[str]:
    return frozenset(scenario_fake_of(harness).scenario_limits)


class SemanticConnectorTests:
    """The scenario tests; mixed into ``StandardConnectorTests`` (see the module docstring)."""

    def _load_canonical(self, harness: ConnectorHarness) -> tuple[Ticket, Connector]:
        fake = scenario_fake_of(harness)
        connector = harness.connect()
        start = harness.scenario_start()
        suggested = canonical_ticket(
            str(_FIRST_SUGGESTED_ID),
            start,
            harness.scenario_fields(connector),
            frozenset(fake.scenario_limits),
            connector,
        )
        ticket_id = fake.load_ticket(suggested)
        return replace(suggested, id=ticket_id), connector

    def test_a_canonical_ticket_reads_back_event_by_event(self, harness: ConnectorHarness) -> None:
        loaded, connector = self._load_canonical(harness)
        read_back = _the_ticket(_read_all(connector, None), loaded.id, "a full read")
        problems = ticket_difference(loaded, read_back, _limits(harness))
        assert not problems, f"read() of canonical ticket {loaded.id!r}: " + "; ".join(problems)

    def test_fetch_returns_a_canonical_ticket_event_by_event(
        self, harness: ConnectorHarness
    ) -> None:
        loaded, connector = self._load_canonical(harness)
        fetched = _the_ticket(list(connector.fetch([loaded.id])), loaded.id, "fetch()")
        problems = ticket_difference(loaded, fetched, _limits(harness))
        assert not problems, f"fetch() of canonical ticket {loaded.id!r}: " + "; ".join(problems)

    def test_apply_merges_custom_fields_instead_of_replacing_them(
        self, harness: ConnectorHarness
    ) -> None:
        loaded, connector = self._load_canonical(harness)
        if not connector.capabilities.fields:
            pytest.skip("the connector declares it cannot write custom fields")
        written, kept = list(loaded.fields)[:2]
        change = ChangeSet(loaded.id, fields={written: "APAC"})
        results = connector.apply([change])
        assert [(r.ticket_id, r.outcome) for r in results] == [(loaded.id, "applied")], (
            f"writing custom field {written!r} was not applied: {results}"
        )
        fields = _the_ticket(list(connector.fetch([loaded.id])), loaded.id, "fetch()").fields
        assert fields.get(written) == "APAC", (
            f"custom field {written!r} not written: read back {fields.get(written)!r}, "
            "wanted 'APAC'"
        )
        assert fields.get(kept) == loaded.fields[kept], (
            f"custom fields replaced instead of merged: writing only {written!r} changed "
            f"{kept!r} from {loaded.fields[kept]!r} to {fields.get(kept)!r}"
        )

    def test_a_corrupt_record_is_skipped_and_the_cursor_moves_past_it(
        self, harness: ConnectorHarness
    ) -> None:
        fake = scenario_fake_of(harness)
        connector = harness.connect()
        ids = load_plain_tickets(fake, 3, harness.scenario_start(), connector)
        fake.corrupt_ticket(ids[1])
        items = _read_without_raising(connector, None, f"with record {ids[1]!r} corrupt")
        skipped = skipped_of(items)
        assert skipped, f"the corrupt record {ids[1]!r} was not yielded as Skipped"
        for item in skipped:
            assert item.ticket_id in (ids[1], None), (
                f"a healthy record was skipped: {item.ticket_id!r} ({item.reason})"
            )
            assert item.reason.strip(), f"Skipped({item.ticket_id!r}) gives no reason"
        read = {ticket.id for ticket in tickets_of(items)}
        lost = [ticket_id for ticket_id in (ids[0], ids[2]) if ticket_id not in read]
        assert not lost, f"the read did not go on past the corrupt record {ids[1]!r}: lost {lost}"
        assert ids[1] not in read, f"the corrupt record {ids[1]!r} was yielded as a ticket"
        again = _read_without_raising(
            connector, last_cursor(items), f"reading again from the cursor past {ids[1]!r}"
        )
        hit = [item for item in skipped_of(again) if item.ticket_id in (ids[1], None)]
        assert not hit, (
            f"the cursor did not move past the corrupt record {ids[1]!r}: the next read "
            f"hit it again ({hit[0].reason})"
        )

    def test_every_change_in_the_cursors_boundary_second_is_read_next_time(
        self, harness: ConnectorHarness
    ) -> None:
        fake = scenario_fake_of(harness)
        connector = harness.connect()
        ids = load_plain_tickets(fake, 3, harness.scenario_start(), connector)
        first = _read_all(connector, None)
        latest = max(tickets_of(first), key=lambda ticket: ticket.updated_at)
        boundary = to_the_second(latest.updated_at)
        changed = [ticket_id for ticket_id in ids if ticket_id != latest.id][:2]
        for ticket_id in changed:
            fake.touch_at(ticket_id, boundary)
        again = tickets_of(_read_all(connector, last_cursor(first)))
        seen = {ticket.id for ticket in again if to_the_second(ticket.updated_at) == boundary}
        missed = [ticket_id for ticket_id in changed if ticket_id not in seen]
        assert not missed, (
            f"changes in the cursor's boundary second ({boundary.isoformat()}, when "
            f"{latest.id!r} was last updated) were not read on the next read: {missed}. "
            "Ask for records updated at or after that second (not one second later) and drop "
            "only the versions already delivered (InclusiveCursor does)"
        )

    def test_a_ticket_edited_mid_read_loses_no_ticket(self, harness: ConnectorHarness) -> None:
        fake = scenario_fake_of(harness)
        connector = harness.connect()
        start = harness.scenario_start()
        ids = load_plain_tickets(fake, harness.page_size * 2 + 1, start, connector)
        moved = ids[0]  # on page 1; the edit moves it to the end of the list
        fake.after_list_pages(1, _touch(fake, moved, start + timedelta(minutes=90)))
        first = _read_all(connector, None)
        second = _read_all(connector, last_cursor(first))
        read = {ticket.id for ticket in tickets_of([*first, *second])}
        lost = [ticket_id for ticket_id in ids if ticket_id not in read]
        assert not lost, (
            f"tickets lost when ticket {moved!r} changed after page 1 of the read: {lost} "
            "(neither this read nor the next from its cursor yielded them). Page numbers or "
            "offsets shift when a ticket moves to the end; page by the last updated_at seen"
        )
        edited = [
            ticket
            for ticket in tickets_of([*first, *second])
            if ticket.id == moved and to_the_second(ticket.updated_at) > start + timedelta(hours=1)
        ]
        assert edited, f"the edit to ticket {moved!r} made during the read was never read"

    def test_a_repeated_page_stops_the_read_with_each_ticket_once(
        self, harness: ConnectorHarness
    ) -> None:
        fake = scenario_fake_of(harness)
        connector = harness.connect()
        count = harness.page_size * 3 + 1
        load_plain_tickets(fake, count, harness.scenario_start(), connector)
        limit = count + 10
        # A breaker: after `limit` requests every answer is a 418, so a looping read fails fast.
        harness.fake.inject("4xx", status=418, skip=limit)
        fake.repeat_next_page()
        try:
            items = _read_all(connector, None)
        except HttpError as exc:
            if exc.status == 418:
                pytest.fail(
                    f"read() kept requesting pages after the API repeated a page ({limit} "
                    "requests): stop when a page link, token or page content repeats"
                )
            raise
        ids = [ticket.id for ticket in tickets_of(items)]
        repeated = sorted({ticket_id for ticket_id in ids if ids.count(ticket_id) > 1})
        assert not repeated, f"a repeated page yielded tickets twice in one read: {repeated}"
        assert ids, "read() yielded nothing before the repeated page"
        assert isinstance(items[-1], Checkpoint), "read() must end with a Checkpoint"


def _touch(fake: ScenarioFake, ticket_id: str, moment: datetime) -> Callable[[], None]:
    return lambda: fake.touch_at(ticket_id, moment)


__all__ = [
    "SCENARIO_TAG",
    "SemanticConnectorTests",
    "canonical_events",
    "canonical_ticket",
    "describe_event",
    "event_difference",
    "events_difference",
    "holdable_events",
    "plain_ticket",
    "scenario_fake_of",
    "ticket_difference",
]
