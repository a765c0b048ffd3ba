"""FakeZendesk answers like the recorded Zendesk: shapes, cursors, jobs, errors, limits."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
import requests
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, normalized, seed

from slabridge.testing import fixtures_dir

DECODED = fixtures_dir() / "zendesk" / "decoded"


def _recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DECODED / name).read_text())
    return data


def _get(fake: FakeZendesk, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(fake.base_url + path, auth=(f"{EMAIL}/token", TOKEN), timeout=5, **kwargs)


def _send(fake: FakeZendesk, method: str, path: str, body: Any, **kw: Any) -> requests.Response:
    return requests.request(
        method, fake.base_url + path, json=body, auth=(f"{EMAIL}/token", TOKEN), timeout=5, **kw
    )


def test_export_pages_have_the_recorded_keys_and_ticket_fields(
    fake: FakeZendesk, clock: Clock
) -> None:
    seed(fake, clock, 2)
    body = _get(fake, "/api/v2/incremental/tickets/cursor.json", params={"start_time": 0}).json()
    recorded = _recorded("TicketsIncrementalTest.test_get_values__03.json")["response"]["json"]
    assert set(body) == set(recorded)
    assert set(body["tickets"][0]) == set(recorded["tickets"][0])
    assert body["before_cursor"] is None and body["before_url"] is None


def test_the_cursor_export_pages_in_generated_timestamp_order_and_keeps_the_cursor_at_the_end(
    fake: FakeZendesk, clock: Clock
) -> None:
    ids = seed(fake, clock, 3)
    fake.agent_edit(ids[0], priority="high")
    clock.advance(minutes=2)
    seen, cursor, pages = [], None, 0
    params: dict[str, Any] = {"start_time": 0, "per_page": 1}
    while True:
        body = _get(fake, "/api/v2/incremental/tickets/cursor.json", params=params).json()
        pages += 1
        seen += [t["id"] for t in body["tickets"]]
        stamps = [t["generated_timestamp"] for t in body["tickets"]]
        assert stamps == sorted(stamps)
        assert body["after_cursor"], "after_cursor is returned on every page"
        cursor = body["after_cursor"]
        if body["end_of_stream"]:
            break
        params = {"cursor": cursor, "per_page": 1}
    assert [str(i) for i in seen] == [ids[1], ids[2], ids[0]] and pages == 3
    again = _get(fake, "/api/v2/incremental/tickets/cursor.json", params={"cursor": cursor}).json()
    assert again["tickets"] == [] and again["end_of_stream"] is True
    assert again["after_cursor"] == cursor


def test_the_export_leaves_out_the_last_minute(fake: FakeZendesk, clock: Clock) -> None:
    fake.load_normalized(normalized("a", clock.now - timedelta(seconds=30)))
    body = _get(fake, "/api/v2/incremental/tickets/cursor.json", params={"start_time": 0}).json()
    assert body["tickets"] == []
    clock.advance(seconds=31)
    body = _get(fake, "/api/v2/incremental/tickets/cursor.json", params={"start_time": 0}).json()
    assert len(body["tickets"]) == 1


def test_the_export_sideloads_users_and_organizations(fake: FakeZendesk, clock: Clock) -> None:
    seed(fake, clock, 1)
    body = _get(
        fake,
        "/api/v2/incremental/tickets/cursor.json",
        params={"start_time": 0, "include": "users,organizations"},
    ).json()
    [org] = body["organizations"]
    assert org["organization_fields"] == {"tier": "gold", "region": "emea"}
    assert {u["role"] for u in body["users"]} == {"end-user", "agent"}


def test_ticket_events_are_time_based_with_comment_events(fake: FakeZendesk, clock: Clock) -> None:
    seed(fake, clock, 2)
    body = _get(
        fake,
        "/api/v2/incremental/ticket_events.json",
        params={"start_time": 0, "include": "comment_events"},
    ).json()
    assert set(body) == {"ticket_events", "next_page", "count", "end_of_stream", "end_time"}
    assert body["end_of_stream"] is True and body["count"] == 2
    assert f"start_time={body['end_time']}" in body["next_page"]
    children = body["ticket_events"][0]["child_events"]
    comment = next(c for c in children if c["event_type"] == "Comment")
    assert {"author_id", "body", "public", "audit_id"} <= set(comment)
    assert {"status": "open", "event_type": "Create"}.items() <= next(
        c for c in children if c.get("status")
    ).items()


def test_audits_page_like_the_recorded_cursor_lists(fake: FakeZendesk, clock: Clock) -> None:
    [ticket_id] = seed(fake, clock, 1)
    for _ in range(3):
        fake.agent_edit(ticket_id, comment={"public": True})
    body = _get(fake, f"/api/v2/tickets/{ticket_id}/audits.json", params={"page[size]": 2}).json()
    recorded = _recorded("TestTicketAudits.test_values__02.json")["response"]["json"]
    assert set(body) == set(recorded) and set(body["meta"]) == set(recorded["meta"])
    assert set(body["audits"][0]) == set(recorded["audits"][0])
    assert body["meta"]["has_more"] is True
    rest = _get(
        fake,
        f"/api/v2/tickets/{ticket_id}/audits.json",
        params={"page[size]": 2, "page[after]": body["meta"]["after_cursor"]},
    ).json()
    assert len(body["audits"]) + len(rest["audits"]) == 4 and rest["meta"]["has_more"] is False


def test_update_many_queues_a_job_that_works_then_completes_as_recorded(
    fake: FakeZendesk, clock: Clock
) -> None:
    ids = seed(fake, clock, 2)
    queued = _send(
        fake,
        "PUT",
        "/api/v2/tickets/update_many.json",
        {"ticket": {"additional_tags": ["x"]}},
        params={"ids": ",".join(ids)},
    ).json()["job_status"]
    assert queued["status"] == "queued" and queued["results"] is None
    assert set(queued) == {"id", "url", "total", "progress", "status", "message", "results"}
    assert fake.tags(ids[0]) == set(), "the job has not run before the poll"
    working = _get(fake, f"/api/v2/job_statuses/{queued['id']}.json").json()["job_status"]
    seen = _recorded(
        "TestTicketCreateUpdateDelete.test_multiple_update_full_objects-update-many__06.json"
    )["response"]["json"]["job_status"]
    assert set(working) == set(seen) and working["status"] == seen["status"] == "working"
    assert working["results"] is None and isinstance(working["progress"], int)
    assert fake.tags(ids[0]) == set(), "a working job has not finished"
    done = _get(fake, f"/api/v2/job_statuses/{queued['id']}.json").json()["job_status"]
    recorded = _recorded(
        "TestTicketCreateUpdateDelete.test_multiple_update_single_object-update-many__04.json"
    )["response"]["json"]["job_status"]
    assert set(done) == set(recorded)
    assert done["status"] == "completed" and done["progress"] == 2
    assert set(done["results"][0]) == set(recorded["results"][0])
    assert all(fake.tags(i) == {"x"} for i in ids)
    assert fake.write_count() == 1, "one update_many request, counted once"


def test_a_job_nobody_polls_completes_on_its_own_as_zendesks_workers_run_it(
    fake: FakeZendesk, clock: Clock
) -> None:
    ids = seed(fake, clock, 2)
    fake.unpolled_job_seconds = 0.2
    queued = _send(
        fake,
        "PUT",
        "/api/v2/tickets/update_many.json",
        {"ticket": {"additional_tags": ["x"]}},
        params={"ids": ",".join(ids)},
    ).json()["job_status"]
    assert _get(fake, f"/api/v2/tickets/{ids[0]}.json").json()["ticket"]["tags"] == []
    time.sleep(0.3)  # the client that queued it is gone; the next request sees the job done
    assert _get(fake, f"/api/v2/tickets/{ids[0]}.json").json()["ticket"]["tags"] == ["x"]
    assert fake.jobs[queued["id"]]["status"] == "completed"
    assert fake.write_count() == 1
    fake.unpolled_job_seconds = None
    _send(
        fake,
        "PUT",
        "/api/v2/tickets/update_many.json",
        {"ticket": {"additional_tags": ["y"]}},
        params={"ids": ids[0]},
    )
    time.sleep(0.3)
    assert fake.run_unpolled_jobs() == 0
    assert "y" not in fake.tags(ids[0]), "without unpolled_job_seconds only polls move a job"


def test_update_many_refuses_more_than_100_ids_with_the_recorded_error(fake: FakeZendesk) -> None:
    ids = ",".join(str(i) for i in range(1, 102))
    response = _send(
        fake,
        "PUT",
        "/api/v2/tickets/update_many.json",
        {"ticket": {"status": "open"}},
        params={"ids": ids},
    )
    recorded = _recorded(
        "TestTicketCreateUpdateDelete.test_raises_multiple_update_raises_toomanyvaluesexception"
        "-update-many__00.json"
    )["response"]
    assert response.status_code == recorded["status"] == 400
    assert response.json() == recorded["json"]


def test_unknown_tickets_and_jobs_answer_the_recorded_404(fake: FakeZendesk) -> None:
    recorded = _recorded(
        "TestTicketCreateUpdateDelete.test_single_update_raises_recordnotfoundexception"
        "-recordnotfound-update__00.json"
    )["response"]
    response = _send(
        fake, "PUT", "/api/v2/tickets/9223372036854775807.json", {"ticket": {"subject": "test"}}
    )
    assert response.status_code == 404 and response.json() == recorded["json"]
    assert _get(fake, "/api/v2/job_statuses/V3-nope.json").json() == recorded["json"]


def test_a_ticket_put_answers_ticket_and_audit_and_warns_about_ticket_id(
    fake: FakeZendesk, clock: Clock
) -> None:
    [ticket_id] = seed(fake, clock, 1)
    response = _send(
        fake,
        "PUT",
        f"/api/v2/tickets/{ticket_id}.json",
        {"ticket": {"id": int(ticket_id), "priority": "urgent"}},
    )
    recorded = _recorded(
        "TestTicketCreateUpdateDelete.test_single_object_update-update-single__01.json"
    )["response"]
    assert set(response.json()) == {"ticket", "audit"}
    assert set(response.json()["audit"]) == set(recorded["json"]["audit"])
    assert 'unpermitted_keys=>["ticket.id"]' in response.headers["x-zendesk-api-warn"]
    assert response.headers["zendesk-rate-limit-tickets-update"].startswith("total=")
    assert response.json()["audit"]["events"] == [
        {
            "type": "Change",
            "field_name": "priority",
            "value": "urgent",
            "previous_value": "normal",
            "id": response.json()["audit"]["events"][0]["id"],
        }
    ]


def test_a_ticket_put_with_tags_replaces_them_all(fake: FakeZendesk, clock: Clock) -> None:
    [ticket_id] = seed(fake, clock, 1, tags=["vip", "billing"])
    _send(fake, "PUT", f"/api/v2/tickets/{ticket_id}.json", {"ticket": {"tags": ["only"]}})
    assert fake.tags(ticket_id) == {"only"}


def test_invalid_values_answer_record_invalid(fake: FakeZendesk, clock: Clock) -> None:
    [ticket_id] = seed(fake, clock, 1)
    body = _send(
        fake, "PUT", f"/api/v2/tickets/{ticket_id}.json", {"ticket": {"priority": "critical"}}
    ).json()
    assert body["error"] == "RecordInvalid"
    assert body["details"]["priority"][0]["error"] == "InvalidValue"


def test_a_stale_updated_stamp_is_a_409(fake: FakeZendesk, clock: Clock) -> None:
    [ticket_id] = seed(fake, clock, 1)
    stamp = _get(fake, f"/api/v2/tickets/{ticket_id}.json").json()["ticket"]["updated_at"]
    fake.agent_edit(ticket_id, priority="low")
    for method, path, body in (
        ("PUT", f"/api/v2/tickets/{ticket_id}.json", {"ticket": {"priority": "high"}}),
        ("PUT", f"/api/v2/tickets/{ticket_id}/tags.json", {"tags": ["a"]}),
    ):
        payload = dict(body)
        target = payload.get("ticket", payload)
        target.update(safe_update=True, updated_stamp=stamp)
        response = _send(fake, method, path, payload)
        assert response.status_code == 409
        assert response.json() == {"error": "DatabaseConflict", "description": "Database collision"}
    assert fake.priority(ticket_id) == "low" and fake.tags(ticket_id) == set()


def test_the_tags_endpoints_set_add_and_remove(fake: FakeZendesk, clock: Clock) -> None:
    [ticket_id] = seed(fake, clock, 1, tags=["vip"])
    path = f"/api/v2/tickets/{ticket_id}/tags.json"
    assert _send(fake, "PUT", path, {"tags": ["a", "b"]}).json() == {"tags": ["vip", "a", "b"]}
    assert _send(fake, "DELETE", path, {"tags": ["a"]}).json() == {"tags": ["vip", "b"]}
    created = _send(fake, "POST", path, {"tags": ["z"]})
    assert created.status_code == 201 and created.json() == {"tags": ["z"]}
    assert _get(fake, path).json() == {"tags": ["z"]}


def test_bad_credentials_get_a_401(fake: FakeZendesk) -> None:
    response = requests.get(
        fake.base_url + "/api/v2/users/me.json", auth=(f"{EMAIL}/token", "wrong"), timeout=5
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Couldn't authenticate you"}
    bearer = requests.get(
        fake.base_url + "/api/v2/users/me.json",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert bearer.status_code == 401


def test_incremental_exports_are_for_admins_only() -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, role="agent") as fake:
        assert isinstance(fake, FakeZendesk)
        response = _get(fake, "/api/v2/incremental/tickets/cursor.json", params={"start_time": 0})
        assert response.status_code == 403 and response.json()["error"] == "Forbidden"
        assert _get(fake, "/api/v2/users/me.json").json()["user"]["role"] == "agent"


def test_every_answer_carries_the_recorded_rate_limit_headers(fake: FakeZendesk) -> None:
    recorded = _recorded("TicketsIncrementalTest.test_get_values__03.json")["response"]["headers"]
    response = _get(fake, "/api/v2/users/me.json")
    names = {
        "x-rate-limit",
        "x-rate-limit-remaining",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    }
    assert names <= {name.lower() for name in recorded}
    for name in names:
        assert response.headers[name].isdigit()
    assert response.headers["x-rate-limit"] == "700"
    second = _get(fake, "/api/v2/users/me.json")
    assert int(second.headers["x-rate-limit-remaining"]) < int(
        response.headers["x-rate-limit-remaining"]
    )


def test_the_export_limit_answers_429_with_retry_after() -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, incremental_per_minute=10) as fake:
        assert isinstance(fake, FakeZendesk)
        statuses = [
            _get(fake, "/api/v2/incremental/tickets/cursor.json", params={"start_time": 0})
            for _ in range(11)
        ]
        assert [r.status_code for r in statuses] == [200] * 10 + [429]
        assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 60
        assert _get(fake, "/api/v2/users/me.json").status_code == 200, "other endpoints unaffected"


def test_the_account_limit_answers_429_too() -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, account_per_minute=3) as fake:
        assert isinstance(fake, FakeZendesk)
        codes = [_get(fake, "/api/v2/users/me.json").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:]


def test_injected_faults_use_zendesk_error_bodies(fake: FakeZendesk) -> None:
    fake.inject("429", times=1, retry_after="7")
    response = _get(fake, "/api/v2/users/me.json")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.json()["error"] == "TooManyRequests"


def test_connector_config_points_at_the_fake_with_its_credentials(fake: FakeZendesk) -> None:
    config = fake.connector_config(per_page=5)
    assert config["base_url"] == fake.base_url and config["token"] == TOKEN
    assert config["email"] == EMAIL and config["per_page"] == 5


@pytest.mark.parametrize("status", ["new", "open", "pending", "on_hold", "solved", "closed"])
def test_load_normalized_keeps_the_status_in_zendesk_terms(
    fake: FakeZendesk, clock: Clock, status: str
) -> None:
    ticket_id = fake.load_normalized(normalized("s", clock.now, status=status, events=[]))
    assert fake.status(ticket_id) == status
    native = _get(fake, f"/api/v2/tickets/{ticket_id}.json").json()["ticket"]["status"]
    assert native == ("hold" if status == "on_hold" else status)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, "InvalidValue"),
        (401, "Couldn't authenticate you"),
        (404, "RecordNotFound"),
        (409, "DatabaseConflict"),
        (422, "RecordInvalid"),
        (503, "ServerError"),
    ],
)
def test_injected_4xx_and_5xx_answer_zendesk_shaped_bodies(
    fake: FakeZendesk, status: int, error: str
) -> None:
    fake.inject("5xx" if status >= 500 else "4xx", status=status, times=1)
    response = _get(fake, "/api/v2/users/me.json")
    assert response.status_code == status and response.json()["error"] == error


def test_agent_edits_and_no_op_writes_are_not_counted_as_writes(
    fake: FakeZendesk, clock: Clock
) -> None:
    [ticket_id] = seed(fake, clock, 1, tags=["vip"])
    fake.agent_edit(ticket_id, priority="high")
    assert fake.write_count() == 0
    _send(fake, "PUT", f"/api/v2/tickets/{ticket_id}/tags.json", {"tags": ["vip"]})
    _send(fake, "PUT", f"/api/v2/tickets/{ticket_id}.json", {"ticket": {"priority": "high"}})
    assert fake.write_count() == 0
    _send(fake, "PUT", f"/api/v2/tickets/{ticket_id}.json", {"ticket": {"priority": "low"}})
    assert fake.write_count() == 1
