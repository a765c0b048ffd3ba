"""``POST /webhooks/<connector>`` over loopback: each helpdesk's proof, limits, and the write."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servekit import KINDS, SECRETS, Served, serving, signed

from slabridge.serve.signatures import jira, zendesk


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("serve")) as running:
        yield running


def wait_for_worker(served: Served) -> None:
    assert served.server.queue.wait_idle(60), served.counts()


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_webhook_is_answered_202_and_its_ticket_written_back_within_seconds(
    served: Served, kind: str
) -> None:
    fake, ticket = served.fakes[kind], served.ids[kind][1]
    owned = {tag for tag in fake.tags(ticket) if tag.startswith("sla_")}
    assert owned, "the first sync tags every ticket"
    fake.agent_edit(ticket, tags=sorted(fake.tags(ticket) - owned))
    started = time.monotonic()
    answer = served.notify(kind, ticket)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"ticket": ticket, "queue": "queued"}
    wait_for_worker(served)
    assert owned <= fake.tags(ticket), "the worker read the ticket and wrote its tags back"
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrongly_signed_webhook_is_refused_401_and_queues_nothing(
    served: Served, kind: str
) -> None:
    body, headers = signed(kind, served.ids[kind][0])
    if kind == "zendesk":
        stamp = headers[zendesk.TIMESTAMP]
        headers[zendesk.SIGNATURE] = zendesk.sign("not-the-secret", stamp, body)
    elif kind == "jira":
        headers[jira.SIGNATURE] = jira.sign("not-the-secret", body)
    else:
        headers["X-Slabridge-Webhook-Secret"] = "not-the-secret"
    before = served.counts()["accepted"]
    assert served.post(kind, body, headers).status_code == 401
    # The body was signed for another ticket: a tampered body fails as well.
    if kind != "freshdesk":
        good_body, good_headers = signed(kind, served.ids[kind][0])
        tampered = good_body.replace(b'"' + served.ids[kind][0].encode(), b'"' + b"999")
        assert served.post(kind, tampered, good_headers).status_code == 401
    assert served.counts()["accepted"] == before


@pytest.mark.parametrize("kind", KINDS)
def test_an_unsigned_webhook_is_refused_401(served: Served, kind: str) -> None:
    body, _ = signed(kind, served.ids[kind][0])
    answer = served.post(kind, body, {"Content-Type": "application/json"})
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized"}


@pytest.mark.parametrize("kind", ["zendesk", "jira"])
def test_a_webhook_replayed_after_the_window_is_refused_401(served: Served, kind: str) -> None:
    """Captured long ago: its signed time is outside the 5-minute replay window."""
    for minutes in (6, -6):  # a clock far ahead is no better
        body, headers = signed(
            kind, served.ids[kind][2], now=datetime.now(UTC) - timedelta(minutes=minutes)
        )
        answer = served.post(kind, body, headers)
        assert answer.status_code == 401
    # The same request re-signed now is fine.
    body, headers = signed(kind, served.ids[kind][2])
    assert served.post(kind, body, headers).status_code == 202
    wait_for_worker(served)


@pytest.mark.parametrize("kind", KINDS)
def test_a_copy_replayed_inside_the_window_only_rereads_and_writes_nothing_again(
    served: Served, kind: str
) -> None:
    """Freshdesk cannot sign at all; a copy inside the window asks only for a re-read."""
    wait_for_worker(served)
    fake, ticket = served.fakes[kind], served.ids[kind][3]
    writes = fake.write_count()
    body, headers = signed(kind, ticket)
    for _ in range(3):
        assert served.post(kind, body, headers).status_code == 202
        wait_for_worker(served)
    assert fake.write_count() == writes


def test_freshdesk_may_log_in_with_basic_auth_instead_of_the_header(tmp_path: Path) -> None:
    section = {
        "board": {"token": "${BOARD_TOKEN}"},
        "webhooks": {"freshdesk": {"username": "freshdesk", "password": "${FD_HOOK_SECRET}"}},
        "sync_every": "1h",
    }
    with serving(tmp_path, ("freshdesk",), serve=section, first_sync=False) as running:
        body, _ = signed("freshdesk", running.ids["freshdesk"][0])
        url = f"{running.url}/webhooks/freshdesk"
        good = running.session.post(url, data=body, auth=("freshdesk", SECRETS["FD_HOOK_SECRET"]))
        assert good.status_code == 202
        bad = running.session.post(url, data=body, auth=("freshdesk", "wrong"))
        assert bad.status_code == 401
        assert running.session.post(url, data=body).status_code == 401


def test_an_oversized_body_is_refused_413_before_it_is_read(served: Served) -> None:
    limit = served.server.state.settings.max_body_bytes
    big = b"{" + b" " * limit + b"}"
    _, headers = signed("zendesk", served.ids["zendesk"][0])
    assert served.post("zendesk", big, headers).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds on the stream too
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    streamed = served.session.post(
        f"{served.url}/webhooks/zendesk", data=chunks(), headers=headers, timeout=30
    )
    assert streamed.status_code == 413


def test_a_body_naming_no_ticket_is_a_400_and_an_unknown_connector_a_404(served: Served) -> None:
    _, headers = signed("jira", "1")
    body = json.dumps({"timestamp": int(time.time() * 1000), "webhookEvent": "x"}).encode()
    headers[jira.SIGNATURE] = jira.sign("jira-signing-secret-0123456789", body)
    answer = served.post("jira", body, headers)
    assert answer.status_code == 400
    assert "issue.id" in answer.json()["error"]
    assert served.post("nowhere", b"{}", {}).status_code == 404


def test_health_is_open_and_the_queue_counts_need_the_board_login(served: Served) -> None:
    assert served.session.get(f"{served.url}/healthz").json() == {"status": "ok"}
    assert served.session.get(f"{served.url}/status").status_code == 401
    assert set(served.counts()) >= {"accepted", "deduplicated", "processed", "pending"}
