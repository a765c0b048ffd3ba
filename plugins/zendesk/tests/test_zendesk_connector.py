"""ZendeskConnector against FakeZendesk: reading, history call counts, write-back, check."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, normalized, seed

from slabridge.connectors.base import ChangeSet, Checkpoint, Skipped
from slabridge.sla.ticket import FieldEvent, TagsEvent, Ticket, parse_ticket
from slabridge.testing.fakeapi import FakeRequest

Connect = Callable[..., ZendeskConnector]
EXPORT = r"/incremental/tickets/cursor"
EVENTS = r"/incremental/ticket_events"
AUDITS = r"/tickets/\d+/audits"


def _tickets(items: list[Any]) -> list[Ticket]:
    return [item for item in items if isinstance(item, Ticket)]


def _calls(fake: FakeZendesk, method: str, pattern: str) -> list[FakeRequest]:
    return fake.requests_to(method, pattern)


# -- config -------------------------------------------------------------------------------


def test_config_needs_one_account_address_and_one_kind_of_credentials() -> None:
    with pytest.raises(ValidationError, match="exactly one of 'subdomain'"):
        ZendeskConfig.model_validate({"type": "zendesk", "email": "a@b.c", "token": "t"})
    with pytest.raises(ValidationError, match="needs both 'email' and 'token'"):
        ZendeskConfig.model_validate({"type": "zendesk", "subdomain": "acme", "email": "a@b.c"})
    with pytest.raises(ValidationError, match="exactly one of 'oauth'"):
        ZendeskConfig.model_validate(
            {
                "type": "zendesk",
                "subdomain": "acme",
                "email": "a@b.c",
                "token": "t",
                "oauth_token": "o",
            }
        )
    with pytest.raises(ValidationError, match="use https://"):
        ZendeskConfig.model_validate(
            {"type": "zendesk", "base_url": "http://acme.example", "oauth_token": "o"}
        )
    config = ZendeskConfig.model_validate(
        {"type": "zendesk", "subdomain": "acme", "email": "a@b.c", "token": "sekrit"}
    )
    assert config.url == "https://acme.zendesk.com"
    assert config.incremental_requests_per_minute == 10
    assert "sekrit" not in repr(config)


def test_unknown_config_keys_are_errors() -> None:
    with pytest.raises(ValidationError, match="histroy"):
        ZendeskConfig.model_validate(
            {"type": "zendesk", "subdomain": "acme", "oauth_token": "o", "histroy": "audits"}
        )


# -- read ---------------------------------------------------------------------------------


def test_read_resumes_from_the_after_cursor_returned_at_end_of_stream(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 3)
    connector = connect()
    first = list(connector.read(None))
    assert len(_tickets(first)) == 3
    cursor = json.loads(first[-1].cursor)
    assert cursor["after_cursor"], "after_cursor is kept even though the stream ended"
    before = len(_calls(fake, "GET", EXPORT))
    again = list(connector.read(first[-1].cursor))
    assert _tickets(again) == []
    requests = _calls(fake, "GET", EXPORT)[before:]
    assert len(requests) == 1
    assert requests[0].arg("cursor") == cursor["after_cursor"]
    assert requests[0].arg("start_time") is None


def test_read_sideloads_organizations_and_users_for_tier_region_and_product(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 1, product="payments")
    items = list(connect().read(None))
    [ticket] = _tickets(items)
    assert ticket.customer is not None
    assert (ticket.customer.name, ticket.customer.tier, ticket.customer.region) == (
        "Acme",
        "gold",
        "emea",
    )
    assert ticket.product == "payments"
    [export] = _calls(fake, "GET", EXPORT)
    assert export.arg("include") == "users,organizations"
    assert not _calls(fake, "GET", r"/organizations/\d+"), "organizations come sideloaded"


def test_changes_of_the_last_minute_wait_for_the_next_read(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    connector = connect()
    cursor = list(connector.read(None))[-1].cursor
    fake.agent_edit(ticket_id, priority="high")
    clock.advance(seconds=30)
    assert _tickets(list(connector.read(cursor))) == []
    clock.advance(seconds=40)
    [changed] = _tickets(list(connector.read(cursor)))
    assert changed.priority == "high"


def test_a_start_time_inside_the_exclusion_window_makes_no_call(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    connector = connect()
    cursor = json.dumps({"after_cursor": None, "start_time": int(clock.now.timestamp()) - 10})
    items = list(connector.read(cursor))
    assert items == [
        Checkpoint(
            json.dumps(
                {
                    "after_cursor": None,
                    "since": int(clock.now.timestamp()) - 10,
                    "start_time": int(clock.now.timestamp()) - 10,
                },
                sort_keys=True,
            )
        )
    ]
    assert connector.api_calls() == 0


def test_a_garbled_cursor_is_a_clear_error(connect: Connect) -> None:
    with pytest.raises(ValueError, match="not one this connector wrote"):
        list(connect().read("MTY5NTA1MjY2My4wfHwyOHw="))


def test_the_configured_start_date_bounds_a_full_read(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    old = seed(fake, clock, 2)
    boundary = clock.now
    new = seed(fake, clock, 2)
    ids = {t.id for t in _tickets(list(connect(start=boundary.isoformat()).read(None)))}
    assert ids == set(new) and not ids & set(old)


def test_a_ticket_changed_during_a_read_is_yielded_again_but_never_the_same_version_twice(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 3)
    reader = connect(per_page=1).read(None)
    first = next(reader)
    assert isinstance(first, Ticket) and first.id == ids[0]
    fake.agent_edit(ids[0], priority="urgent")
    clock.advance(minutes=2)
    rest = _tickets(list(reader))
    versions = [(t.id, t.updated_at) for t in [first, *rest]]
    assert len(versions) == len(set(versions))
    assert [t.id for t in rest] == [ids[1], ids[2], ids[0]]
    assert rest[-1].priority == "urgent"
    # The second copy's history is whole (its audits), not just what the stream had left.
    assert [(e.type, e.status or e.priority) for e in rest[-1].events] == [
        ("status", "open"),
        ("priority", "urgent"),
    ]


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "evicted"])
def test_the_second_copy_of_a_streamed_ticket_has_its_whole_history(
    fake: FakeZendesk, clock: Clock, connect: Connect, cached: bool
) -> None:
    """Its earlier stream events went with the first copy: cache plus stream, or its audits."""
    ids = seed(fake, clock, 4)
    fake.events_per_page = 2  # the stream is still open when the second copy comes
    connector = connect(per_page=1)
    if not cached:
        connector.known_limit = 1  # the first copy's history is gone by the time it comes again
    reader = connector.read(None)
    first = next(reader)
    assert isinstance(first, Ticket) and first.id == ids[0]
    fake.agent_edit(ids[0], priority="urgent")
    clock.advance(minutes=2)
    rest = _tickets(list(reader))
    assert [t.id for t in rest] == [*ids[1:], ids[0]]
    again = rest[-1]
    assert [(e.type, e.status or e.priority) for e in again.events] == [
        ("status", "open"),
        ("priority", "urgent"),
    ]
    audits = [c for c in fake.calls if c.request.path.endswith("/audits.json")]
    assert [c.request.path for c in audits] == (
        [] if cached else [f"/api/v2/tickets/{ids[0]}/audits.json"]
    ), "only the evicted second copy needs its audits; first copies come from the stream"


def test_duplicates_within_a_page_keep_the_newest_copy() -> None:
    seen: dict[int, int] = {7: 100}
    page = [
        {"id": 5, "generated_timestamp": 10, "v": "old"},
        {"id": 5, "generated_timestamp": 11, "v": "new"},
        {"id": 7, "generated_timestamp": 100, "v": "already yielded"},
    ]
    kept = ZendeskConnector._dedupe(page, seen)
    assert [t["v"] for t in kept] == ["new"]
    assert seen == {7: 100, 5: 11}


def test_the_ids_kept_against_repeated_copies_are_the_newest_second_and_bounded(
    connect: Connect,
) -> None:
    connector = connect()
    connector.seen_limit = 3
    seen: dict[int, int] = {}
    page = [{"id": n, "generated_timestamp": 9 if n > 1 else 5} for n in range(1, 6)]
    assert len(connector._dedupe(page, seen)) == 5
    connector._forget_seen(seen, 9)
    assert seen == {3: 9, 4: 9, 5: 9}, "older seconds go, then all but the last yielded"
    page = [{"id": 3, "generated_timestamp": 9}, {"id": 6, "generated_timestamp": 9}]
    assert [t["id"] for t in connector._dedupe(page, seen)] == [6], "the repeat is dropped"
    connector._forget_seen(seen, 9)
    assert seen == {4: 9, 5: 9, 6: 9}


def test_copies_repeated_across_pages_of_one_second_are_yielded_once(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    # A bulk change puts every ticket on one export second; the API repeats each page's last
    # ticket on the next page (as the time-based export does).
    ids = [fake.load_normalized(normalized(f"n{n}", clock.now)) for n in range(12)]
    clock.advance(minutes=2)
    fake.repeat_boundary_copy = True
    connector = connect(per_page=3)
    connector.seen_limit = 2
    held: list[int] = []
    original = connector._forget_seen

    def forget(seen: dict[int, int], newest: int) -> None:
        original(seen, newest)
        held.append(len(seen))

    connector._forget_seen = forget  # type: ignore[method-assign]
    path = "/api/v2/incremental/tickets/cursor.json"
    first = connector.export_http.get(path, params={"start_time": 0, "per_page": 3}).json()
    second = connector.export_http.get(path, params={"cursor": first["after_cursor"]}).json()
    assert second["tickets"][0]["id"] == first["tickets"][-1]["id"], "the fake repeats a copy"
    read = [t.id for t in _tickets(list(connector.read(None)))]
    assert sorted(read) == sorted(ids) and len(read) == len(ids)
    assert held and max(held) <= 2


def test_a_malformed_ticket_is_skipped_and_the_read_goes_on(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 2)
    fake.add_raw_ticket(
        {
            "id": 4242,
            "status": "mystery",
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
            "tags": [],
        },
        generated_at=clock.now - timedelta(minutes=3),
    )
    items = list(connect().read(None))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert skipped == [
        Skipped("4242", "status 'mystery' has no mapping (add it under mapping.statuses)")
    ]
    assert {t.id for t in _tickets(items)} == set(ids)
    assert isinstance(items[-1], Checkpoint)


@pytest.mark.parametrize(
    "wrong",
    [
        {"type": ["incident"]},
        {"tags": "vip"},
    ],
)
def test_a_wrong_typed_ticket_is_skipped_and_the_read_goes_on(
    fake: FakeZendesk, clock: Clock, connect: Connect, wrong: dict[str, object]
) -> None:
    ids = seed(fake, clock, 2)
    fake.add_raw_ticket(
        {
            "id": 4343,
            "status": "open",
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
            "tags": [],
            **wrong,
        },
        generated_at=clock.now - timedelta(minutes=3),
    )
    items = list(connect().read(None))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [(item.ticket_id, item.gone) for item in skipped] == [("4343", False)]
    assert {t.id for t in _tickets(items)} == set(ids)
    assert isinstance(items[-1], Checkpoint)


# -- history: audits vs the ticket-events stream -------------------------------------------


def _history_calls(fake: FakeZendesk, before: int) -> dict[str, int]:
    calls = fake.calls[before:]
    return {
        "export": sum(1 for c in calls if "/incremental/tickets/cursor" in c.request.path),
        "ticket_events": sum(1 for c in calls if "/incremental/ticket_events" in c.request.path),
        "audits": sum(1 for c in calls if c.request.path.endswith("/audits.json")),
        "total": len(calls),
    }


def test_a_full_read_builds_every_history_from_one_ticket_events_page(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 12)
    connector = connect(per_page=5)
    tickets = _tickets(list(connector.read(None)))
    assert len(tickets) == 12 and all(t.events for t in tickets)
    assert _history_calls(fake, 0) == {"export": 3, "ticket_events": 1, "audits": 0, "total": 4}
    assert connector.api_calls() == 4


def test_an_incremental_read_fetches_audits_only_for_tickets_older_than_its_window(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 6)
    cursor = list(connect().read(None))[-1].cursor
    for ticket_id in ids[:4]:
        fake.agent_edit(ticket_id, comment={"public": True, "author": "agent"})
    created = seed(fake, clock, 2)
    before = len(fake.calls)
    # A new connector (a new ``slabridge sync`` process) has no cached histories.
    tickets = _tickets(list(connect().read(cursor)))
    assert {t.id for t in tickets} == set(ids[:4]) | set(created)
    # 4 changed old tickets -> 4 audit calls; the 2 new ones share 1 ticket-events page.
    assert _history_calls(fake, before) == {
        "export": 1,
        "ticket_events": 1,
        "audits": 4,
        "total": 6,
    }
    assert all(any(e.type == "reply" for e in t.events) for t in tickets if t.id in ids)


def test_history_audits_mode_reads_one_audit_list_per_ticket(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 5)
    tickets = _tickets(list(connect(history="audits").read(None)))
    assert len(tickets) == 5
    assert _history_calls(fake, 0) == {"export": 1, "ticket_events": 0, "audits": 5, "total": 6}


def test_both_history_sources_give_the_same_events(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(
        fake,
        clock,
        3,
        events=[
            {"at": "2026-01-05T09:00:00Z", "type": "status", "status": "open"},
        ],
    )
    ticket = normalized(
        "x",
        clock.now - timedelta(hours=3),
        events=[
            {"at": (clock.now - timedelta(hours=3)).isoformat(), "type": "status", "status": "new"},
            {
                "at": (clock.now - timedelta(hours=2)).isoformat(),
                "type": "reply",
                "author": "agent",
            },
            {
                "at": (clock.now - timedelta(hours=2)).isoformat(),
                "type": "status",
                "status": "pending",
            },
            {
                "at": (clock.now - timedelta(hours=1)).isoformat(),
                "type": "reply",
                "author": "customer",
            },
            {
                "at": (clock.now - timedelta(hours=1)).isoformat(),
                "type": "reply",
                "author": "agent",
                "public": False,
            },
            {
                "at": (clock.now - timedelta(hours=1)).isoformat(),
                "type": "status",
                "status": "open",
            },
        ],
        updated_at=(clock.now - timedelta(hours=1)).isoformat(),
    )
    fake.load_normalized(ticket)
    by_stream = {t.id: t.events for t in _tickets(list(connect().read(None)))}
    by_audits = {t.id: t.events for t in _tickets(list(connect(history="audits").read(None)))}
    assert by_stream == by_audits and len(by_stream) == 4


def test_a_ticket_events_page_stuck_in_one_second_falls_back_to_audits(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    """Time-based pages restart at their last second; a page that cannot leave that second
    would repeat forever, so the tickets still waiting read their audits instead."""
    ids = seed(fake, clock, 3)
    connector = connect()
    cursor = list(connector.read(None))[-1].cursor
    since = json.loads(cursor)["since"]
    for ticket_id in ids:  # three edits in one second, more than a (shrunk) page holds
        clock.now = datetime.fromtimestamp(since + 1, UTC)
        fake.agent_edit(ticket_id, comment={"public": True, "author": "customer"})
    created = fake.load_normalized(normalized("new", clock.now + timedelta(seconds=5)))
    clock.advance(minutes=3)
    fake.events_per_page = 2
    before = len(fake.calls)
    tickets = _tickets(list(connector.read(cursor)))
    assert {t.id for t in tickets} == {*ids, created}
    assert _history_calls(fake, before) == {
        "export": 1,
        "ticket_events": 2,
        "audits": 4,
        "total": 7,
    }
    replies = {t.id: [e.author for e in t.events if e.type == "reply"] for t in tickets}
    assert all(replies[i] == ["customer"] for i in ids)


def test_unknown_comment_authors_are_looked_up_once_per_page(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    helper = fake.add_user("Second agent", role="agent")
    with fake.lock:
        fake.audits[int(ticket_id)].append(
            {
                "id": 1,
                "ticket_id": int(ticket_id),
                "created_at": "2026-01-05T09:00:30Z",
                "author_id": helper,
                "metadata": {},
                "via": {"channel": "web"},
                "events": [{"id": 2, "type": "Comment", "author_id": helper, "public": True}],
            }
        )
    [ticket] = _tickets(list(connect(history="audits").read(None)))
    lookups = _calls(fake, "GET", r"/users/show_many")
    assert len(lookups) == 1 and lookups[0].arg("ids") == str(helper)
    assert [e.author for e in ticket.events if e.type == "reply"] == ["agent"]


# -- round trip ---------------------------------------------------------------------------


def test_a_normalized_ticket_survives_the_trip_through_the_fake(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    """normalized -> fake -> read() -> normalized is the same ticket, except for what Zendesk
    assigns or adds: the id (a Zendesk number), ``customer.id`` (the organization's id), and
    ``fields`` gaining the product custom field and the mapped names (tier/region/product)."""
    original = parse_ticket(
        {
            "id": "4821",
            "created_at": "2025-03-07T16:30:00Z",
            "updated_at": "2025-03-10T11:30:00Z",
            "status": "on_hold",
            "priority": "urgent",
            "type": "incident",
            "channel": "email",
            "product": "payments",
            "tags": ["vip", "billing"],
            "fields": {"360009999": True},
            "customer": {
                "id": "org-9",
                "name": "Acme GmbH",
                "tier": "enterprise",
                "region": "emea",
            },
            "events": [
                {"at": "2025-03-07T16:30:00Z", "type": "status", "status": "new"},
                {"at": "2025-03-10T08:05:00Z", "type": "reply", "author": "agent", "public": True},
                {"at": "2025-03-10T08:06:00Z", "type": "reply", "author": "agent", "public": False},
                {"at": "2025-03-10T09:00:00Z", "type": "status", "status": "pending"},
                {
                    "at": "2025-03-10T11:00:00Z",
                    "type": "reply",
                    "author": "customer",
                    "public": True,
                },
                {"at": "2025-03-10T11:00:00Z", "type": "status", "status": "open"},
                {"at": "2025-03-10T11:20:00Z", "type": "status", "status": "on_hold"},
                {
                    "at": "2025-03-10T11:30:00Z",
                    "type": "priority",
                    "priority": "urgent",
                    "from": "high",
                },
            ],
        }
    )
    zendesk_id = fake.load_normalized(original)
    [back] = _tickets(list(connect().read(None)))
    assert back.id == zendesk_id
    assert back.customer is not None and original.customer is not None
    assert (back.customer.name, back.customer.tier, back.customer.region) == (
        "Acme GmbH",
        "enterprise",
        "emea",
    )
    assert back.fields == {
        "360009999": True,
        str(fake.PRODUCT_FIELD_ID): "payments",
        "tier": "enterprise",
        "region": "emea",
        "product": "payments",
    }
    for key in (
        "created_at",
        "updated_at",
        "status",
        "priority",
        "type",
        "channel",
        "product",
        "tags",
    ):
        assert getattr(back, key) == getattr(original, key), key
    # The history, plus what the creating audit says of the tags and the custom field.
    created = original.created_at
    assert back.events == (
        original.events[0],
        TagsEvent(created, "tags", added=("vip", "billing")),
        *(e for e in back.events[2:4] if e.type == "field" and e.at == created),
        *original.events[1:],
    )
    assert {e.field for e in back.events if isinstance(e, FieldEvent)} == {
        "360009999",
        str(fake.PRODUCT_FIELD_ID),
    }


# -- pacing -------------------------------------------------------------------------------


def test_incremental_calls_are_paced_at_the_configured_rate_and_others_are_not(
    fake: FakeZendesk, clock: Clock, connect: Connect, sleeps: list[float]
) -> None:
    seed(fake, clock, 4)
    connector = connect(per_page=1, incremental_requests_per_minute=10, history="audits")
    tickets = _tickets(list(connector.read(None)))
    assert len(tickets) == 4
    export_waits = [round(wait) for wait in sleeps if wait > 3]
    # Four export pages at 10/min: one slot every six seconds. The recorded sleeps do not pass
    # time, so each wait reaches to its slot from the same instant: 6, 12, 18 seconds.
    assert len(_calls(fake, "GET", EXPORT)) == 4
    assert export_waits == [6, 12, 18], sleeps
    assert len(_calls(fake, "GET", AUDITS)) == 4, "audit calls were made between the pages"


def test_the_export_limit_429_is_waited_out_with_retry_after(
    clock: Clock, sleeps: list[float]
) -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, incremental_per_minute=1) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        seed(fake, clock, 2)
        config = ZendeskConfig.model_validate(fake.connector_config(per_page=1, history="audits"))
        connector = ZendeskConnector("zd", config, sleep=sleeps.append, clock=clock)
        with pytest.raises(Exception, match="429"):
            list(connector.read(None))
        limited = [c for c in fake.calls if c.status == 429]
        assert limited and all("/incremental/" in c.request.path for c in limited)
        assert any(wait >= 30 for wait in sleeps), "Retry-After was not honoured"


# -- write-back ---------------------------------------------------------------------------


def _write_requests(fake: FakeZendesk, before: int = 0) -> list[FakeRequest]:
    return [c.request for c in fake.calls[before:] if c.request.method != "GET"]


def test_owned_tags_go_out_in_update_many_groups_and_other_tags_survive(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 5, tags=["vip", "billing", "sla_at_risk"])
    connector = connect()
    breach = ChangeSet
    changes = [
        breach(i, add_tags=frozenset({"sla_breached"}), remove_tags=frozenset({"sla_at_risk"}))
        for i in ids[:3]
    ] + [breach(i, add_tags=frozenset({"sla_policy_gold"})) for i in ids[3:]]
    results = connector.apply(changes)
    assert [r.outcome for r in results] == ["applied"] * 5
    puts = _calls(fake, "PUT", r"/update_many")
    assert sorted(r.arg("ids") or "" for r in puts) == sorted(
        [",".join(ids[:3]), ",".join(ids[3:])]
    )
    bodies = sorted((r.json() for r in puts), key=json.dumps)
    assert bodies == [
        {"ticket": {"additional_tags": ["sla_breached"], "remove_tags": ["sla_at_risk"]}},
        {"ticket": {"additional_tags": ["sla_policy_gold"]}},
    ]
    # Two jobs, each polled while "working" (as recorded) and once more when completed.
    assert len(_calls(fake, "GET", r"/job_statuses/")) == 4
    for i in ids[:3]:
        assert fake.tags(i) == {"vip", "billing", "sla_breached"}
    for i in ids[3:]:
        assert fake.tags(i) == {"vip", "billing", "sla_at_risk", "sla_policy_gold"}
    for request in _write_requests(fake):
        assert "tags" not in (request.json() or {}).get("ticket", {}), "a full tag list was sent"


def test_update_many_takes_at_most_100_ids_a_call(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = [fake.load_normalized(normalized(str(n), clock.now)) for n in range(230)]
    results = connect().apply([ChangeSet(i, add_tags=frozenset({"sla_breached"})) for i in ids])
    assert {r.outcome for r in results} == {"applied"}
    sizes = [len((r.arg("ids") or "").split(",")) for r in _calls(fake, "PUT", r"/update_many")]
    assert sizes == [100, 100, 30]
    assert all("sla_breached" in fake.tags(i) for i in ids)


def test_a_failed_job_result_marks_only_that_change_set(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 3)
    fake.fail_job_update(ids[1], "TicketUpdateFailed", "Lock wait timeout")
    fake.fail_job_update(ids[2], "RecordInvalid", "Tags: too long")
    results = connect().apply([ChangeSet(i, add_tags=frozenset({"sla_breached"})) for i in ids])
    assert [(r.ticket_id, r.outcome) for r in results] == [
        (ids[0], "applied"),
        (ids[1], "retry"),
        (ids[2], "rejected"),
    ]
    assert (
        results[1].error is not None and "TicketUpdateFailed: Lock wait timeout" in results[1].error
    )
    assert results[2].error is not None and "RecordInvalid" in results[2].error
    assert "sla_breached" in fake.tags(ids[0]) and "sla_breached" not in fake.tags(ids[1])


def test_a_job_that_never_finishes_is_retried_later(
    fake: FakeZendesk, clock: Clock, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(fake, clock, 2)
    monkeypatch.setattr(fake, "_run_job_item", lambda *a: pytest.fail("job ran"))
    with fake.lock:
        original = fake._job

    def stuck(request: FakeRequest, job_id: str) -> Any:
        fake.jobs[job_id]["status"] = "queued"  # the fake answers "working" again
        return original(request, job_id)

    monkeypatch.setattr(fake, "_job", stuck)
    fake._routes = [r for r in fake._routes if "job_statuses" not in r.regex.pattern]
    fake.route("GET", r"/api/v2/job_statuses/(?P<job_id>[A-Za-z0-9-]+)(?:\.json)?", stuck)
    results = connect(job_poll_attempts=3).apply(
        [ChangeSet(i, add_tags=frozenset({"x"})) for i in ids]
    )
    assert [r.outcome for r in results] == ["retry", "retry"]
    assert results[0].error is not None and "still working after 3 polls" in results[0].error


def test_priority_and_fields_are_written_with_safe_update_and_the_read_stamp(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1, fields={"360008888": False, "360009999": None})
    connector = connect()
    [ticket] = _tickets(list(connector.read(None)))
    due = "2026-01-06T09:00:00Z"
    change = ChangeSet(
        ticket_id,
        priority="high",
        fields={"360008888": True, "360009999": due},
        expected_updated_at=ticket.updated_at,
    )
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    [put] = _calls(fake, "PUT", rf"/tickets/{ticket_id}\.json")
    assert put.json() == {
        "ticket": {
            "priority": "high",
            "custom_fields": [{"id": 360008888, "value": True}, {"id": 360009999, "value": due}],
            "safe_update": True,
            "updated_stamp": ticket.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }
    assert fake.priority(ticket_id) == "high"
    assert (fake.field(ticket_id, 360008888), fake.field(ticket_id, 360009999)) == (True, due)
    writes = fake.write_count()
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    assert fake.write_count() == writes, "re-applying the same change wrote again"


def test_a_409_is_re_read_re_planned_and_retried_once(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    connector = connect()
    [ticket] = _tickets(list(connector.read(None)))
    fake.race_agent_edits(ticket_id)
    change = ChangeSet(ticket_id, priority="urgent", expected_updated_at=ticket.updated_at)
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    statuses = [
        (c.request.method, c.status)
        for c in fake.calls
        if f"/tickets/{ticket_id}.json" in c.request.path
    ]
    assert statuses == [("PUT", 409), ("GET", 200), ("PUT", 200)]
    assert fake.priority(ticket_id) == "urgent"


def test_a_second_409_is_reported_as_a_conflict(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    connector = connect()
    [ticket] = _tickets(list(connector.read(None)))
    fake.race_agent_edits(ticket_id, times=2)
    change = ChangeSet(
        ticket_id,
        priority="urgent",
        add_tags=frozenset({"sla_breached"}),
        expected_updated_at=ticket.updated_at,
    )
    [result] = connector.apply([change])
    assert result.outcome == "conflict" and result.error is not None and "409" in result.error
    assert fake.priority(ticket_id) == "normal"
    assert "sla_breached" not in fake.tags(ticket_id), "tags of a conflicting change were written"


def test_after_a_409_a_priority_an_agent_set_is_not_overridden(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    connector = connect()
    [ticket] = _tickets(list(connector.read(None)))
    fake.agent_edit(ticket_id, priority="low")
    change = ChangeSet(ticket_id, priority="urgent", expected_updated_at=ticket.updated_at)
    [result] = connector.apply([change])
    assert result.outcome == "conflict"
    assert fake.priority(ticket_id) == "low"


def test_after_a_409_a_change_already_made_counts_as_applied(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    connector = connect()
    [ticket] = _tickets(list(connector.read(None)))
    fake.agent_edit(ticket_id, priority="urgent")
    change = ChangeSet(ticket_id, priority="urgent", expected_updated_at=ticket.updated_at)
    assert [r.outcome for r in connector.apply([change])] == ["applied"]
    puts = _calls(fake, "PUT", rf"/tickets/{ticket_id}\.json")
    assert len(puts) == 1, "no second PUT when the re-read shows the change is done"


def test_bad_change_sets_are_rejected_without_a_call(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    connector = connect()
    results = connector.apply(
        [
            ChangeSet("ABC-1", add_tags=frozenset({"x"})),
            ChangeSet(ticket_id, fields={"due_at": "2026-01-01"}),
            ChangeSet(ticket_id, priority="critical"),
        ]
    )
    assert [r.outcome for r in results] == ["rejected"] * 3
    assert "numeric Zendesk ticket field ids" in (results[1].error or "")
    assert connector.api_calls() == 0


def test_a_closed_ticket_rejects_the_write(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 2, status="closed", events=[])
    connector = connect()
    results = connector.apply(
        [
            ChangeSet(ids[0], priority="high"),
            ChangeSet(ids[1], add_tags=frozenset({"a"})),
            ChangeSet(ids[1], add_tags=frozenset({"a"})),
        ]
    )
    assert [r.outcome for r in results] == ["rejected"] * 3
    assert "ClosedPreventsUpdate" in (results[0].error or "")


def test_a_single_tag_change_uses_the_tags_endpoint(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1, tags=["vip", "sla_at_risk"])
    connector = connect()
    connector.apply([ChangeSet(ticket_id, add_tags=frozenset({"sla_breached"}))])
    connector.apply([ChangeSet(ticket_id, remove_tags=frozenset({"sla_at_risk"}))])
    writes = _write_requests(fake)
    assert [(r.method, r.json()) for r in writes] == [
        ("PUT", {"tags": ["sla_breached"]}),
        ("DELETE", {"tags": ["sla_at_risk"]}),
    ]
    assert fake.tags(ticket_id) == {"vip", "sla_breached"}


# -- check / auth -------------------------------------------------------------------------


def test_check_says_the_token_needs_an_admin(clock: Clock) -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, role="agent") as fake:
        assert isinstance(fake, FakeZendesk)
        connector = ZendeskConnector(
            "zd", ZendeskConfig.model_validate(fake.connector_config()), clock=clock
        )
        [problem] = connector.check()
        assert "needs an Admin" in problem.message and EMAIL in problem.message


def test_check_reports_a_mapped_custom_field_that_does_not_exist(connect: Connect) -> None:
    connector = connect(mapping={"region": {"from": "custom_field", "id": 360123}})
    [problem] = connector.check()
    assert "mapping.region reads ticket field 360123" in problem.message


def test_check_reports_a_mapped_organization_field_that_does_not_exist(connect: Connect) -> None:
    connector = connect(
        mapping={
            "tier": {"from": "organization.field", "key": "plan"},
            "region": {"from": "organization.field", "key": "region"},
        }
    )
    [problem] = connector.check()
    assert "mapping.tier reads organization field 'plan'" in problem.message


def test_oauth_bearer_tokens_are_accepted_and_bad_ones_reported(clock: Clock) -> None:
    with FakeZendesk(oauth_token="oauth-abc-123") as fake:
        assert isinstance(fake, FakeZendesk)
        good = ZendeskConnector("zd", ZendeskConfig.model_validate(fake.connector_config()))
        assert good.check() == []
        assert fake.calls[-1].request.headers["Authorization"] == "Bearer oauth-abc-123"
        bad = ZendeskConnector(
            "zd", ZendeskConfig.model_validate(fake.connector_config(oauth_token="nope"))
        )
        [problem] = bad.check()
        assert "rejected the OAuth token" in problem.message


def test_fetch_reads_tickets_in_batches_of_100(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = [fake.load_normalized(normalized(str(n), clock.now)) for n in range(120)]
    items = list(connect().fetch([*ids, "999999"]))
    assert len(_tickets(items)) == 120
    assert [i for i in items if isinstance(i, Skipped)] == [
        Skipped("999999", "not found (deleted or archived)", gone=True)
    ]
    assert len(_calls(fake, "GET", r"/tickets/show_many")) == 2


def test_a_failing_update_many_gives_its_change_sets_back_as_retry(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 2)
    fault = fake.inject("5xx", status=503, path=r"update_many")
    results = connect().apply([ChangeSet(i, add_tags=frozenset({"sla_breached"})) for i in ids])
    assert [r.outcome for r in results] == ["retry", "retry"]
    assert fault.hits == 6 and all("503" in (r.error or "") for r in results)
    assert all(fake.tags(i) == set() for i in ids)


def test_a_429_on_a_ticket_put_is_waited_out(
    fake: FakeZendesk, clock: Clock, connect: Connect, sleeps: list[float]
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    fake.inject("429", times=1, retry_after="3", method="PUT")
    [result] = connect().apply([ChangeSet(ticket_id, priority="high")])
    assert result.outcome == "applied" and fake.priority(ticket_id) == "high"
    assert any(wait >= 3 for wait in sleeps)


def test_a_ticket_deleted_between_export_and_audits_is_skipped(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 2)
    fake.inject("4xx", status=404, path=rf"/tickets/{ids[0]}/audits")
    items = list(connect(history="audits").read(None))
    assert Skipped(ids[0], "deleted", gone=True) in items
    assert [t.id for t in _tickets(items)] == [ids[1]]


# -- bounded memory -----------------------------------------------------------------------


def test_the_last_seen_state_cache_never_holds_more_than_its_size(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 12, tags=["vip"])
    connector = connect(per_page=3)
    connector.known_limit = 5
    sizes = [len(connector._known) for _ in connector.read(None)]
    assert len(_tickets(list(connector.read(None)))) == 12
    assert max(sizes) == 5 and len(connector._known) == 5
    # The newest five are kept; the oldest were dropped first.
    assert list(connector._known) == ids[-5:]
    results = connector.apply([ChangeSet(i, add_tags=frozenset({"sla_at_risk"})) for i in ids])
    assert [r.outcome for r in results] == ["applied"] * 12
    assert len(connector._known) == 5
    for i in ids:  # tickets no longer cached are written from the change set as given
        assert fake.tags(i) == {"vip", "sla_at_risk"}


def test_the_user_cache_is_bounded_between_pages_and_every_ticket_still_has_its_people(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    """Requesters and comment authors past the cache size are dropped between pages only."""
    for index in range(8):
        at = clock.now
        customer = {"id": f"org-{index}", "name": f"Org {index}", "tier": f"t{index}"}
        reply = {"at": (at + timedelta(seconds=30)).isoformat(), "type": "reply"}
        ticket = normalized(
            f"n{index}",
            at,
            customer=customer,
            events=[
                {"at": at.isoformat(), "type": "status", "status": "open"},
                {**reply, "author": "customer"},
                {**reply, "author": "agent", "at": (at + timedelta(seconds=40)).isoformat()},
            ],
        )
        ticket_id = int(fake.load_normalized(ticket))
        # A colleague of the requester chimes in: an end user only the user cache can tell.
        colleague = fake.add_user(f"Colleague {index}")
        stamp = (at + timedelta(seconds=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
        fake._add_audit(ticket_id, stamp, colleague, [fake._comment_event(colleague, "+1", True)])
        fake.audits[ticket_id].sort(key=lambda audit: str(audit["created_at"]))
        clock.advance(minutes=1)
    clock.advance(minutes=2)
    unbounded = _tickets(list(connect(per_page=2).read(None)))

    connector = connect(per_page=2)
    connector.user_limit = 1
    sizes: list[int] = []
    bounded: list[Ticket] = []
    for item in connector.read(None):
        sizes.append(len(connector._users))
        if isinstance(item, Ticket):
            bounded.append(item)
    assert bounded == unbounded
    assert {t.customer.tier for t in bounded if t.customer} == {f"t{i}" for i in range(8)}
    assert all(
        [e.author for e in t.events if e.type == "reply"] == ["customer", "customer", "agent"]
        for t in bounded
    )
    # A page of two tickets brings their requesters, the agent and two colleagues: never more
    # than the cache size plus one page's people.
    assert max(sizes) <= 1 + 5


def test_a_cached_ticket_re_applied_sends_nothing(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 3)
    connector = connect()
    connector.known_limit = 2
    list(connector.read(None))
    change = [ChangeSet(i, add_tags=frozenset({"sla_breached"})) for i in ids[-2:]]
    connector.apply(change)
    writes = len(_write_requests(fake))
    assert [r.outcome for r in connector.apply(change)] == ["applied", "applied"]
    assert len(_write_requests(fake)) == writes, "a repeat of a done change was sent again"


def test_after_a_409_a_ticket_no_longer_cached_is_a_conflict_not_an_override(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 3)
    connector = connect()
    connector.known_limit = 1
    tickets = _tickets(list(connector.read(None)))
    first = tickets[0]
    assert first.id not in connector._known
    fake.agent_edit(first.id, priority="low")
    change = ChangeSet(first.id, priority="urgent", expected_updated_at=first.updated_at)
    [result] = connector.apply([change])
    # Without the ticket's earlier priority the connector cannot tell the agent's change from
    # its own: the sync re-reads and re-plans instead.
    assert result.outcome == "conflict"
    assert fake.priority(ids[0]) == "low"


def test_a_long_read_keeps_only_boundary_event_ids_and_no_events_of_yielded_tickets(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 10)
    fake.events_per_page = 2
    connector = connect(per_page=2)
    held: list[int] = []
    original = connector._advance

    def advance(stream: Any, until: int) -> None:
        original(stream, until)
        held.append(len(stream.seen))
        held.append(sum(len(events) for events in stream.by_ticket.values()))

    connector._advance = advance  # type: ignore[method-assign]
    assert len(_tickets(list(connector.read(None)))) == 10
    assert held and max(held) <= 4, "the ticket-events stream kept state per ticket read"


# -- reading back our own writes ----------------------------------------------------------


def _events(tickets: list[Ticket]) -> dict[str, list[Any]]:
    return {t.id: list(t.events) for t in tickets}


def test_reading_back_our_own_tag_writes_makes_no_audits_calls(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 6)
    for ticket_id in ids:
        fake.agent_edit(ticket_id, comment={"public": True, "author": "agent"})
    clock.advance(minutes=2)
    connector = connect(per_page=4)
    items = list(connector.read(None))
    first = _events(_tickets(items))
    connector.apply([ChangeSet(i, add_tags=frozenset({"sla_policy_gold"})) for i in ids])
    clock.advance(minutes=2)
    before = len(fake.calls)
    again = _tickets(list(connector.read(items[-1].cursor)))
    assert sorted(t.id for t in again) == sorted(ids)
    assert _history_calls(fake, before)["audits"] == 0
    # The history gained only the tag write itself (a tags event, for pause/stop conditions).
    for ticket in again:
        new = [e for e in ticket.events if e not in first[ticket.id]]
        assert [(e.type, getattr(e, "added", ())) for e in new] == [("tags", ("sla_policy_gold",))]
    assert _without_tag_events(again) == first
    assert all("sla_policy_gold" in t.tags for t in again)
    # A new process without the cache pays one audits call per ticket, with the same result.
    before = len(fake.calls)
    fresh = _tickets(list(connect(per_page=4).read(items[-1].cursor)))
    assert _history_calls(fake, before)["audits"] == 6
    assert _events(fresh) == _events(again)


def _without_tag_events(tickets: list[Ticket]) -> dict[str, list[Any]]:
    return {t.id: [e for e in t.events if not isinstance(e, TagsEvent)] for t in tickets}


def test_a_cached_history_gets_the_changes_made_since_from_the_stream(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 3)
    connector = connect()
    cursor = list(connector.read(None))[-1].cursor
    clock.advance(minutes=1)
    fake.agent_edit(ids[0], comment={"public": True, "author": "agent"})
    fake.agent_edit(ids[1], priority="urgent")
    clock.advance(minutes=1)
    fake.agent_edit(ids[0], status="pending")
    clock.advance(minutes=2)
    before = len(fake.calls)
    cached = {t.id: t for t in _tickets(list(connector.read(cursor)))}
    assert _history_calls(fake, before)["audits"] == 0
    fresh = {t.id: t for t in _tickets(list(connect().read(cursor)))}
    assert set(cached) == set(fresh) == {ids[0], ids[1]}
    for ticket_id in cached:  # the same history as the audits give
        assert _events([cached[ticket_id]]) == _events([fresh[ticket_id]])
    assert [e.type for e in cached[ids[0]].events] == ["status", "reply", "status"]
    assert [e.type for e in cached[ids[1]].events] == ["status", "priority"]


def test_a_ticket_whose_history_left_the_bounded_cache_gets_its_audits(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 4)
    connector = connect()
    connector.known_limit = 2
    cursor = list(connector.read(None))[-1].cursor
    for ticket_id in ids:
        fake.agent_edit(ticket_id, add_tags=["seen"])
    clock.advance(minutes=2)
    before = len(fake.calls)
    assert len(_tickets(list(connector.read(cursor)))) == 4
    assert _history_calls(fake, before)["audits"] == 2


def test_cached_histories_older_than_an_hour_before_the_window_are_not_caught_up(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    ids = seed(fake, clock, 2)
    connector = connect()
    cursor = list(connector.read(None))[-1].cursor
    # As if the histories were last brought up to date two hours before this read's window.
    connector._through -= 7200
    for known in connector._known.values():
        known.through -= 7200
    fake.agent_edit(ids[0], comment={"public": True, "author": "agent"})
    clock.advance(minutes=2)
    before = len(fake.calls)
    [ticket] = _tickets(list(connector.read(cursor)))
    assert _history_calls(fake, before)["audits"] == 1
    assert [e.type for e in ticket.events] == ["status", "reply"]


def test_a_priority_change_on_the_fake_reads_back_with_what_it_replaced(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    before = fake.priority(ticket_id)
    fake.agent_edit(ticket_id, priority="urgent")
    clock.advance(minutes=2)
    [ticket] = _tickets(list(connect().read(None)))
    [change] = [e for e in ticket.events if e.type == "priority"]
    assert (change.priority, change.has_from, change.from_priority) == ("urgent", True, before)


def test_a_ticket_links_to_the_agent_interface() -> None:
    config = ZendeskConfig.model_validate(
        {"type": "zendesk", "subdomain": "acme", "email": "a@b.c", "token": "sekrit"}
    )
    connector = ZendeskConnector("z", config)
    assert connector.ticket_url("4821") == "https://acme.zendesk.com/agent/tickets/4821"
    connector.close()
