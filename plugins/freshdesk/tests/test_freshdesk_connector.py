"""The Freshdesk connector against the fake: paging and the page cap, events, lookups, writes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freshdesk_testkit import Clock
from slabridge_freshdesk.connector import FreshdeskReadError
from slabridge_freshdesk.cursor import ReadCursor
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import Ticket, parse_ticket


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tickets_of(items: list[Any]) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def seed_at(fake: FakeFreshdesk, clock: Clock, minutes: list[int]) -> list[str]:
    base = clock()
    return [
        str(
            fake.add_ticket(
                created_at=stamp(base - timedelta(days=1)),
                updated_at=stamp(base + timedelta(minutes=m)),
            )
        )
        for m in minutes
    ]


# -- reading ------------------------------------------------------------------------------


def test_full_read_asks_for_updated_since_the_configured_start_ordered_with_stats(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.add_ticket()
    items = list(make_connector(start="2021-03-01T00:00:00Z").read(None))
    assert len(tickets_of(items)) == 1
    (request,) = fake.requests_to("GET", r"^/api/v2/tickets$")
    assert {k: v[0] for k, v in request.query.items()} == {
        "updated_since": "2021-03-01T00:00:00Z",
        "order_by": "updated_at",
        "order_type": "asc",
        "per_page": "100",
        "include": "stats",
    }


def test_a_ticket_older_than_30_days_is_read_because_updated_since_is_always_sent(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    old = clock() - timedelta(days=400)
    ticket_id = fake.add_ticket(created_at=stamp(old), updated_at=stamp(old))
    assert [t.id for t in tickets_of(list(make_connector().read(None)))] == [str(ticket_id)]


@pytest.mark.parametrize("page_cap", [300, 3], ids=["api-cap-3", "own-cap-3"])
def test_keyset_paging_yields_each_ticket_once_and_never_reaches_the_page_cap(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock, page_cap: int
) -> None:
    fake.max_pages = 3
    # Three tickets share the instant at a seam, so a re-ask lists one of them again.
    ids = seed_at(fake, clock, [0, 1, 2, 3, 4, 5, 5, 5, 6, 7, 8])
    items = list(make_connector(per_page=2, page_cap=page_cap).read(None))
    counts = Counter(t.id for t in tickets_of(items))
    assert counts == Counter(ids), "a ticket was missed or yielded twice across a re-ask"
    assert [c for c in fake.calls if c.status == 400] == []
    asks = [r.arg("updated_since") for r in fake.requests_to("GET", r"^/api/v2/tickets$")]
    assert asks[0] == "2000-01-01T00:00:00Z"
    assert asks[1:] == sorted(asks[1:]), "each page asks again from the last updated_at seen"
    assert isinstance(items[-1], Checkpoint)


def test_page_cap_full_of_one_instant_fails_clearly_instead_of_looping(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    fake.max_pages = 2
    seed_at(fake, clock, [5] * 6)
    with pytest.raises(FreshdeskReadError, match="share updated_at"):
        list(make_connector(per_page=2).read(None))


def test_the_cursor_keeps_the_ids_at_its_instant_and_admits_new_ones_there(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    first = seed_at(fake, clock, [1, 2, 2])
    connector = make_connector(per_page=2)
    items = list(connector.read(None))
    cursor = json.loads(items[-1].cursor)
    boundary = stamp(clock() + timedelta(minutes=2))
    assert cursor == {"v": 1, "at": boundary, "seen": {first[1]: boundary, first[2]: boundary}}
    late = seed_at(fake, clock, [2])  # same second as the boundary, created after the read
    again = tickets_of(list(connector.read(items[-1].cursor)))
    assert [t.id for t in again] == late


def test_a_cursor_in_the_format_before_22_resumes_without_loss_or_repeat(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    first = seed_at(fake, clock, [1, 2, 2])
    # What a read of the first three wrote before the connector used the kit's cursor.
    boundary = stamp(clock() + timedelta(minutes=2))
    old = f'{{"updated_at":"{boundary}","ids":["{first[1]}","{first[2]}"]}}'
    assert ReadCursor.load(old).ids == {first[1], first[2]}
    later = seed_at(fake, clock, [2, 3])  # one at the boundary second, one after it
    items = list(make_connector(per_page=2).read(old))
    assert [t.id for t in tickets_of(items)] == later
    resumed = json.loads(items[-1].cursor)
    assert resumed["v"] == 1 and resumed["at"] == stamp(clock() + timedelta(minutes=3))
    assert tickets_of(list(make_connector().read(items[-1].cursor))) == []


def test_an_unparsable_cursor_is_a_clear_error(make_connector: Any) -> None:
    with pytest.raises(ValueError, match="not a Freshdesk cursor"):
        list(make_connector().read("page=7"))


def test_a_malformed_ticket_is_skipped_and_the_read_goes_on(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    good = seed_at(fake, clock, [1])
    fake.load_payload(
        {"id": 99, "created_at": "yesterday", "updated_at": stamp(clock() + timedelta(minutes=2))}
    )
    later = seed_at(fake, clock, [3])
    items = list(make_connector().read(None))
    assert [t.id for t in tickets_of(items)] == [*good, *later]
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [(s.ticket_id, "created_at" in s.reason) for s in skipped] == [("99", True)]


def test_a_ticket_deleted_while_its_conversations_are_read_is_gone_not_malformed(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ids = seed_at(fake, clock, [1, 2])
    fake.inject("4xx", status=404, times=1, path=rf"^/api/v2/tickets/{ids[0]}/conversations")
    items = list(make_connector(conversations="always").read(None))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [(s.ticket_id, s.gone) for s in skipped] == [(ids[0], True)]
    assert [t.id for t in tickets_of(items)] == [ids[1]]


def test_fetch_skips_deleted_and_spam_tickets(fake: FakeFreshdesk, make_connector: Any) -> None:
    kept, gone, spam = fake.add_ticket(), fake.add_ticket(), fake.add_ticket(spam=True)
    fake.delete(gone)
    items = list(make_connector().fetch([str(kept), str(gone), str(spam), "not-a-number"]))
    assert [(type(i).__name__, getattr(i, "id", getattr(i, "ticket_id", None))) for i in items] == [
        ("Ticket", str(kept)),
        ("Skipped", str(gone)),
        ("Skipped", str(spam)),
        ("Skipped", "not-a-number"),
    ]


# -- events: stats or conversations -------------------------------------------------------


def test_conversations_are_fetched_only_for_tickets_whose_customer_wrote_after_a_reply(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    t0 = clock() - timedelta(hours=5)
    silent = fake.add_ticket(created_at=stamp(t0))
    answered = fake.add_ticket(created_at=stamp(t0))
    fake.add_conversation(answered, t0 + timedelta(hours=1), incoming=False)
    busy = fake.add_ticket(created_at=stamp(t0))
    fake.add_conversation(busy, t0 + timedelta(hours=1), incoming=False)
    fake.add_conversation(busy, t0 + timedelta(hours=2), incoming=True)
    fake.add_conversation(busy, t0 + timedelta(hours=3), incoming=True)
    fake.add_conversation(busy, t0 + timedelta(hours=4), incoming=False, private=True)
    tickets = {t.id: t for t in tickets_of(list(make_connector().read(None)))}
    asked = [r.path for r in fake.requests_to("GET", r"/conversations$")]
    assert asked == [f"/api/v2/tickets/{busy}/conversations"]
    assert [(e.author, e.public) for e in tickets[str(busy)].events if e.type == "reply"] == [
        ("agent", True),
        ("customer", True),
        ("customer", True),  # stats alone would have shown only the latest of these two
        ("agent", False),
    ]
    assert [(e.author, e.at.hour) for e in tickets[str(answered)].events if e.type == "reply"] == [
        ("agent", (t0 + timedelta(hours=1)).hour)
    ]
    assert [e for e in tickets[str(silent)].events if e.type == "reply"] == []


@pytest.mark.parametrize(("mode", "expected"), [("always", 2), ("never", 0)])
def test_conversation_fetching_can_be_forced_or_turned_off(
    fake: FakeFreshdesk, make_connector: Any, mode: str, expected: int
) -> None:
    fake.add_ticket()
    fake.add_ticket()
    list(make_connector(conversations=mode).read(None))
    assert len(fake.requests_to("GET", r"/conversations$")) == expected


def test_companies_groups_and_products_are_looked_up_once_per_read(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    company = fake.add_company("Acme GmbH", account_tier="enterprise", domains=["acme.example"])
    group, product = fake.add_group("emea"), fake.add_product("payments")
    for _ in range(3):
        fake.add_ticket(company_id=company, group_id=group, product_id=product)
    tickets = tickets_of(list(make_connector().read(None)))
    assert {
        (t.lookup("customer.tier"), t.lookup("customer.region"), t.product) for t in tickets
    } == {("enterprise", "emea", "payments")}
    assert {t.lookup("customer.name") for t in tickets} == {"Acme GmbH"}
    assert len(fake.requests_to("GET", rf"^/api/v2/companies/{company}$")) == 1
    assert len(fake.requests_to("GET", r"^/api/v2/groups$")) == 1
    assert len(fake.requests_to("GET", r"^/api/v2/products$")) == 1


def test_the_status_journal_keeps_pending_periods_stats_forget(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ticket_id = fake.add_ticket()
    created = clock()
    journaled = make_connector(status_journal=":memory:")
    plain = make_connector()

    def read(connector: Any) -> list[tuple[int, str | None]]:
        (ticket,) = tickets_of(list(connector.read(None)))
        return [
            (int((e.at - created).total_seconds() // 60), e.status)
            for e in ticket.events
            if e.type == "status"
        ]

    clock.advance(600)
    fake.agent_edit(ticket_id, status="pending")  # pending at +10 min
    read(journaled)
    clock.advance(600)
    fake.agent_edit(ticket_id, status="open")  # an agent ends it, no customer reply, at +20
    read(journaled)
    clock.advance(600)
    fake.agent_edit(ticket_id, status="pending")  # pending again at +30
    assert read(journaled) == [(0, "open"), (10, "pending"), (20, "open"), (30, "pending")]
    assert read(plain) == [(0, "open"), (30, "pending")], "stats keep only the latest period"


def test_round_trip_through_the_fake_keeps_what_freshdesk_can_represent(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    day = datetime(2026, 1, 5, tzinfo=UTC)

    def h(hours: float) -> str:
        return stamp(day + timedelta(hours=hours))

    customer: dict[str, Any] = {
        "id": None,
        "name": "Acme GmbH",
        "tier": "enterprise",
        "region": "emea",
    }
    original: dict[str, Any] = {
        "id": "T-1",
        "source": "freshdesk",
        "created_at": h(9),
        "updated_at": h(14),
        "status": "solved",
        "priority": "high",
        "type": "incident",
        "channel": "email",
        "product": "payments",
        "tags": ["vip"],
        "fields": {"cf_plan": "gold"},
        "customer": customer,
        "events": [
            {"at": h(9), "type": "status", "status": "open"},
            {"at": h(10), "type": "reply", "author": "agent", "public": True},
            {"at": h(10), "type": "status", "status": "pending"},
            {"at": h(12), "type": "reply", "author": "customer", "public": True},
            {"at": h(12), "type": "status", "status": "open"},
            {"at": h(12.5), "type": "reply", "author": "agent", "public": False},
            {"at": h(13), "type": "reply", "author": "agent", "public": True},
            {"at": h(14), "type": "status", "status": "solved"},
        ],
    }
    native_id = fake.load_normalized(parse_ticket(original))
    (ticket,) = tickets_of(list(make_connector().read(None)))
    back = ticket.to_json()
    # What differs by design: the helpdesk's own ids, and the mapped names added to fields.
    assert back["id"] == native_id
    assert back["customer"].pop("id") is not None
    assert back["fields"] == {"cf_plan": "gold", "tier": "enterprise", "region": "emea"}
    expected = {**original, "id": native_id, "fields": back["fields"]}
    expected["customer"] = {k: v for k, v in customer.items() if k != "id"}
    # The fake's own group and agent: without an assignment history, one event at creation.
    owners = [e for e in back["events"] if e["type"] == "assignment"]
    assert [e["at"] for e in owners] == [h(9)]
    back["events"] = [e for e in back["events"] if e["type"] != "assignment"]

    def in_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(events, key=lambda e: (e["at"], e["type"]))

    back["events"], expected["events"] = in_order(back["events"]), in_order(expected["events"])
    assert back == expected


# -- writing ------------------------------------------------------------------------------


def test_write_back_changes_owned_tags_and_keeps_every_other_tag(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    ticket_id = str(fake.add_ticket(tags=["vip", "billing", "sla_at_risk"]))
    change = ChangeSet(
        ticket_id, add_tags=frozenset({"sla_breached"}), remove_tags=frozenset({"sla_at_risk"})
    )
    results = make_connector().apply([change])
    assert [r.outcome for r in results] == ["applied"]
    (put,) = fake.requests_to("PUT", rf"^/api/v2/tickets/{ticket_id}$")
    assert put.json() == {"tags": ["vip", "billing", "sla_breached"]}
    assert fake.tags(ticket_id) == {"vip", "billing", "sla_breached"}


def test_nothing_is_written_when_the_ticket_already_is_as_wanted(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    ticket_id = str(fake.add_ticket(tags=["vip", "sla_breached"], priority=4))
    change = ChangeSet(
        ticket_id,
        add_tags=frozenset({"sla_breached"}),
        remove_tags=frozenset({"sla_at_risk"}),
        priority="urgent",
    )
    assert [r.outcome for r in make_connector().apply([change])] == ["applied"]
    assert fake.requests_to("PUT", r".*") == []
    assert fake.write_count() == 0


def test_an_agent_change_since_the_plan_is_a_conflict_and_is_not_clobbered(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ticket_id = str(fake.add_ticket(tags=["vip"]))
    connector = make_connector()
    (ticket,) = connector.fetch([ticket_id])
    assert isinstance(ticket, Ticket)
    clock.advance(5)
    fake.agent_edit(ticket_id, tags=["vip", "agent_added"])
    change = ChangeSet(
        ticket_id, add_tags=frozenset({"sla_breached"}), expected_updated_at=ticket.updated_at
    )
    (result,) = connector.apply([change])
    assert result.outcome == "conflict" and result.error
    assert fake.requests_to("PUT", r".*") == []
    assert fake.tags(ticket_id) == {"vip", "agent_added"}
    # Re-read, re-plan: with the fresh updated_at the same change goes through.
    (fresh,) = connector.fetch([ticket_id])
    assert isinstance(fresh, Ticket)
    change = ChangeSet(
        ticket_id, add_tags=frozenset({"sla_breached"}), expected_updated_at=fresh.updated_at
    )
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    assert fake.tags(ticket_id) == {"vip", "agent_added", "sla_breached"}


def test_priority_and_custom_fields_are_written_then_left_alone(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.add_ticket_field("cf_sla_due_at")
    fake.add_ticket_field("cf_sla_breached", "custom_checkbox")
    ticket_id = str(fake.add_ticket(priority=2, custom_fields={"cf_sla_breached": False}))
    change = ChangeSet(
        ticket_id,
        priority="urgent",
        fields={"cf_sla_due_at": "2026-01-05T13:00:00Z", "cf_sla_breached": True},
    )
    connector = make_connector()
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    (put,) = fake.requests_to("PUT", r".*")
    assert put.json() == {
        "priority": 4,
        "custom_fields": {"cf_sla_due_at": "2026-01-05T13:00:00Z", "cf_sla_breached": True},
    }
    assert (fake.priority(ticket_id), fake.field(ticket_id, "cf_sla_breached")) == ("urgent", True)
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    assert fake.write_count() == 1


def test_a_validation_error_is_rejected_with_freshdesks_own_message(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    ticket_id = str(fake.add_ticket())
    (result,) = make_connector().apply([ChangeSet(ticket_id, fields={"cf_missing": "x"})])
    assert result.outcome == "rejected"
    assert result.error == (
        "HTTP 400: cf_missing: Unexpected/invalid field in request (invalid_field)"
    )


def test_writes_to_a_deleted_ticket_are_rejected_and_throttling_asks_for_a_retry(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    gone, busy = str(fake.add_ticket()), str(fake.add_ticket())
    fake.delete(gone)
    fake.inject("429", method="PUT", retry_after="1")
    results = make_connector(max_attempts=2).apply(
        [ChangeSet(gone, add_tags=frozenset({"x"})), ChangeSet(busy, add_tags=frozenset({"x"}))]
    )
    assert [(r.outcome, r.error is not None) for r in results] == [
        ("rejected", True),
        ("retry", True),
    ]


# -- rate limits --------------------------------------------------------------------------


def test_running_out_of_quota_waits_for_retry_after_then_succeeds(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    fake.rate_limit = 5  # a list call with include=stats costs 3 credits
    ids = seed_at(fake, clock, [1, 2, 3])
    tickets = tickets_of(list(make_connector(per_page=2).read(None)))
    assert [t.id for t in tickets] == ids
    assert [c.status for c in fake.calls] == [200, 429, 200]
    assert sum(clock.sleeps) >= 60, "the client did not wait out the quota window"


def test_remaining_quota_zero_pauses_about_a_minute_before_the_next_call(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    fake.rate_limit = 3  # the first list call (3 credits) leaves X-RateLimit-Remaining: 0
    seed_at(fake, clock, [1, 2, 3])
    tickets = tickets_of(list(make_connector(per_page=2).read(None)))
    assert len(tickets) == 3
    assert clock.sleeps and 55 <= clock.sleeps[0] <= 60, clock.sleeps
    # The pause ends a hair short of the fake's window, so at most one short 429 follows.
    assert [c.status for c in fake.calls].count(429) <= 1


# -- check --------------------------------------------------------------------------------


def test_check_names_mapped_fields_that_do_not_exist(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.add_ticket_field("cf_region")
    connector = make_connector(
        mapping={
            "tier": {"from": "custom_fields.cf_tier"},
            "region": {"from": "custom_fields.cf_region"},
            "product": {"from": "company.custom_fields.product_line"},
        }
    )
    messages = [p.message for p in connector.check()]
    assert messages == [
        "mapping refers to ticket field 'cf_tier', which does not exist",
        "mapping refers to company field 'product_line', which does not exist",
    ]


def test_a_malformed_page_or_lookup_body_is_asked_again(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    company = fake.add_company("Acme", account_tier="pro")
    ids = seed_at(fake, clock, [1, 2])
    fake.agent_edit(ids[0], company_id=company)
    page_fault = fake.inject("malformed", times=1, path=r"^/api/v2/tickets$")
    lookup_fault = fake.inject("malformed", times=1, path=r"^/api/v2/companies/")
    tickets = tickets_of(list(make_connector().read(None)))
    assert sorted(t.id for t in tickets) == sorted(ids)
    assert (page_fault.hits, lookup_fault.hits) == (1, 1)
    assert {t.lookup("customer.tier") for t in tickets} == {"pro", None}
