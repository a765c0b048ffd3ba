"""The fake Freshdesk answers like Freshdesk v2 where slabridge depends on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from freshdesk_testkit import API_KEY, Clock
from slabridge_freshdesk.fake import FakeFreshdesk

# Copied by hand from ../shared/reference/helpdesk-apis.md §2.1 (not from the fake's constant).
DOCUMENTED_PAGE_CAP_BODY = {
    "description": "Validation failed",
    "errors": [
        {
            "field": "page",
            "message": "You cannot access tickets beyond the 300th page. "
            "Please provide a smaller page number.",
            "code": "invalid_value",
        }
    ],
}


def get(fake: FakeFreshdesk, path: str, key: str = API_KEY, **params: Any) -> requests.Response:
    return requests.get(f"{fake.base_url}{path}", params=params, auth=(key, "X"), timeout=5)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_bad_or_missing_credentials_get_freshdesks_401_body(fake: FakeFreshdesk) -> None:
    wrong = get(fake, "/api/v2/tickets", key="wrong")
    missing = requests.get(f"{fake.base_url}/api/v2/tickets", timeout=5)
    for response in (wrong, missing):
        assert response.status_code == 401
        assert response.json() == {
            "code": "invalid_credentials",
            "message": "You have to be logged in to perform this action.",
        }


def test_list_pages_are_bare_arrays_linked_by_a_next_header(fake: FakeFreshdesk) -> None:
    for _ in range(3):
        fake.add_ticket()
    first = get(fake, "/api/v2/tickets", updated_since="2000-01-01T00:00:00Z", per_page=2)
    assert isinstance(first.json(), list) and len(first.json()) == 2
    assert first.links["next"]["url"].endswith("page=2")
    last = requests.get(first.links["next"]["url"], auth=(API_KEY, "X"), timeout=5)
    assert len(last.json()) == 1 and "Link" not in last.headers


def test_page_beyond_the_cap_gets_the_documented_400_body(fake: FakeFreshdesk) -> None:
    response = get(fake, "/api/v2/tickets", updated_since="2000-01-01T00:00:00Z", page=301)
    assert response.status_code == 400
    assert response.json() == DOCUMENTED_PAGE_CAP_BODY
    fake.max_pages = 3
    response = get(fake, "/api/v2/tickets", updated_since="2000-01-01T00:00:00Z", page=4)
    assert response.json() == DOCUMENTED_PAGE_CAP_BODY  # a lowered cap answers the same


def test_without_updated_since_only_the_last_30_days_are_listed(
    fake: FakeFreshdesk, clock: Clock
) -> None:
    old = stamp(clock() - timedelta(days=31))
    fake.add_ticket(created_at=old, updated_at=stamp(clock()))
    recent = fake.add_ticket()
    assert [t["id"] for t in get(fake, "/api/v2/tickets").json()] == [recent]


def test_include_stats_embeds_stats_and_costs_two_more_credits(fake: FakeFreshdesk) -> None:
    fake.add_ticket()
    plain = get(fake, "/api/v2/tickets", updated_since="2000-01-01T00:00:00Z")
    with_stats = get(
        fake, "/api/v2/tickets", updated_since="2000-01-01T00:00:00Z", include="stats,requester"
    )
    assert "stats" not in plain.json()[0] and "description" not in plain.json()[0]
    assert set(with_stats.json()[0]["stats"]) == {
        "agent_responded_at",
        "requester_responded_at",
        "first_responded_at",
        "status_updated_at",
        "reopened_at",
        "resolved_at",
        "closed_at",
        "pending_since",
    }
    assert plain.headers["X-RateLimit-Used-CurrentRequest"] == "1"
    assert with_stats.headers["X-RateLimit-Used-CurrentRequest"] == "5"
    assert with_stats.headers["X-RateLimit-Total"] == "5000"
    assert with_stats.headers["X-RateLimit-Remaining"] == str(5000 - 1 - 5)


def test_over_quota_answers_429_with_retry_after_until_the_minute_passes(
    fake: FakeFreshdesk, clock: Clock
) -> None:
    fake.rate_limit = 2
    assert get(fake, "/api/v2/agents/me").status_code == 200
    assert get(fake, "/api/v2/agents/me").status_code == 200
    clock.advance(15)
    refused = get(fake, "/api/v2/agents/me")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "45")
    clock.advance(45)
    assert get(fake, "/api/v2/agents/me").status_code == 200


def test_invalid_parameters_and_updates_get_validation_failed_bodies(fake: FakeFreshdesk) -> None:
    ticket_id = fake.add_ticket()
    too_many = get(fake, "/api/v2/tickets", per_page=101)
    assert too_many.json() == {
        "description": "Validation failed",
        "errors": [
            {
                "field": "per_page",
                "message": "It should be a Positive Integer less than or equal to 100",
                "code": "invalid_value",
            }
        ],
    }
    response = requests.put(
        f"{fake.base_url}/api/v2/tickets/{ticket_id}",
        json={"priority": 9, "colour": "red"},
        auth=(API_KEY, "X"),
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["description"] == "Validation failed"
    invalid_field = "Unexpected/invalid field in request"
    one_of = "It should be one of these values: '1,2,3,4'"
    assert response.json()["errors"] == [
        {"field": "colour", "message": invalid_field, "code": "invalid_field"},
        {"field": "priority", "message": one_of, "code": "invalid_value"},
    ]
    assert fake.write_count() == 0


def test_a_put_replaces_the_tag_list_and_moves_updated_at(
    fake: FakeFreshdesk, clock: Clock
) -> None:
    ticket_id = fake.add_ticket(tags=["a", "b"])
    before = fake.ticket(ticket_id)["updated_at"]
    clock.advance(30)
    response = requests.put(
        f"{fake.base_url}/api/v2/tickets/{ticket_id}",
        json={"tags": ["c"]},
        auth=(API_KEY, "X"),
        timeout=5,
    )
    assert response.json()["tags"] == ["c"] and fake.tags(ticket_id) == {"c"}
    assert response.json()["updated_at"] > before
    assert fake.write_count() == 1


def test_conversations_page_and_keep_stats_in_step(fake: FakeFreshdesk, clock: Clock) -> None:
    ticket_id = fake.add_ticket()
    start = clock()
    fake.add_conversation(ticket_id, start + timedelta(minutes=5), incoming=False)
    fake.add_conversation(ticket_id, start + timedelta(minutes=9), incoming=True)
    fake.add_conversation(ticket_id, start + timedelta(minutes=7), incoming=False, private=True)
    first = get(fake, f"/api/v2/tickets/{ticket_id}/conversations", per_page=2)
    rest = requests.get(first.links["next"]["url"], auth=(API_KEY, "X"), timeout=5)
    flags = [(c["incoming"], c["private"]) for c in first.json() + rest.json()]
    assert flags == [(False, False), (False, True), (True, False)]
    stats = get(fake, f"/api/v2/tickets/{ticket_id}", include="stats").json()["stats"]
    assert stats["first_responded_at"] == stamp(start + timedelta(minutes=5))
    assert stats["requester_responded_at"] == stamp(start + timedelta(minutes=9))


def test_a_sample_payload_is_served_back_as_stored(fake: FakeFreshdesk, samples: Path) -> None:
    payload = json.loads((samples / "ticket_1.json").read_text())
    conversations = json.loads((samples / "conversations.json").read_text())
    ticket_id = fake.load_payload(payload, conversations)
    served = get(fake, f"/api/v2/tickets/{ticket_id}", include="stats").json()
    assert served["stats"] == payload["stats"]
    assert {k: served[k] for k in ("subject", "tags", "created_at", "custom_fields")} == {
        k: payload[k] for k in ("subject", "tags", "created_at", "custom_fields")
    }
    listed = get(fake, f"/api/v2/tickets/{ticket_id}/conversations").json()
    assert [c["id"] for c in listed] == [1, 2]


def test_agent_edit_changes_status_with_its_stats_and_bumps_updated_at(
    fake: FakeFreshdesk, clock: Clock
) -> None:
    ticket_id = fake.add_ticket()
    clock.advance(60)
    fake.agent_edit(ticket_id, status="pending", priority="high", cf_team="blue")
    stored, stats = fake.ticket(ticket_id), fake.stats[ticket_id]
    assert (stored["status"], fake.priority(ticket_id), fake.field(ticket_id, "cf_team")) == (
        3,
        "high",
        "blue",
    )
    assert stats["pending_since"] == stats["status_updated_at"] == stored["updated_at"]
    assert stored["updated_at"] == stamp(clock())


def test_declared_ticket_fields_accept_writes_and_others_are_refused(clock: Clock) -> None:
    with FakeFreshdesk(API_KEY, clock=clock, ticket_fields=["cf_sla_due_at"]) as fake:
        ticket_id = fake.add_ticket()
        url = f"{fake.base_url}/api/v2/tickets/{ticket_id}"
        good = requests.put(
            url, json={"custom_fields": {"cf_sla_due_at": "x"}}, auth=(API_KEY, "X"), timeout=5
        )
        bad = requests.put(
            url, json={"custom_fields": {"cf_other": "x"}}, auth=(API_KEY, "X"), timeout=5
        )
        assert good.status_code == 200 and fake.field(ticket_id, "cf_sla_due_at") == "x"
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["field"] == "cf_other"
