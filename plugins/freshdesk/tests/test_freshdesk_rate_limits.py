"""Rate limits: the fake's 429 carries the same X-RateLimit-* headers as any answer plus
Retry-After; the connector sleeps what it advertises through the injected sleep (no real wait)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from freshdesk_testkit import API_KEY, Clock
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.sla.ticket import Ticket
from slabridge.testing.fakeapi import FakeRequest, FakeResponse, Fault

NAMES = {"x-ratelimit-total", "x-ratelimit-remaining", "x-ratelimit-used-currentrequest"}


def test_a_429_has_the_rate_limit_headers_of_every_answer_and_the_rest_of_the_minute(
    fake: FakeFreshdesk, clock: Clock
) -> None:
    fake.rate_limit = 4  # a list call with include=stats costs 3 credits
    url = fake.base_url + "/api/v2/tickets"
    auth = (API_KEY, "X")
    ok = requests.get(url, params={"include": "stats"}, auth=auth, timeout=5)
    clock.advance(20)
    limited = requests.get(url, params={"include": "stats"}, auth=auth, timeout=5)
    assert (ok.status_code, limited.status_code) == (200, 429)
    for response in (ok, limited):
        assert {name.lower() for name in response.headers} >= NAMES
    assert ok.headers["X-RateLimit-Used-CurrentRequest"] == "3"
    assert ok.headers["X-RateLimit-Remaining"] == "1"
    assert limited.headers["Retry-After"] == "40"
    assert limited.json() == {"message": "You have exceeded the limit of requests per minute"}
    clock.advance(40)
    again = requests.get(url, params={"include": "stats"}, auth=auth, timeout=5)
    assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "1"


def test_the_connector_sleeps_exactly_the_advertised_retry_after_then_reads_on(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    fake.rate_limit = 5
    for minute in range(3):
        fake.add_ticket(updated_at=(clock() + timedelta(minutes=minute)).strftime("%FT%TZ"))
    advertised: list[float] = []
    dispatch = fake.dispatch

    def recording(request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        response, fault = dispatch(request)
        if response.status == 429:
            advertised.append(float(response.headers["Retry-After"]))
        return response, fault

    fake.dispatch = recording  # type: ignore[method-assign]
    tickets = [t for t in make_connector(per_page=2).read(None) if isinstance(t, Ticket)]
    assert len(tickets) == 3
    assert advertised, "the fake never refused a call"
    retry_waits = [wait for wait in clock.sleeps if wait in advertised]
    assert retry_waits == advertised, (clock.sleeps, advertised)
