"""Rate limits: the fake answers with the recorded header names, 429s included; the connector
waits what a 429 advertises through its injected sleep, never really sleeping."""

from __future__ import annotations

import json

import requests
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, seed

from slabridge.sla.ticket import Ticket
from slabridge.testing import fixtures_dir

EXPORT = "/api/v2/incremental/tickets/cursor.json"


def recorded_rate_limit_names() -> set[str]:
    """The rate-limit header names of the 2024 recordings (zenpy's betamax cassettes)."""
    names: set[str] = set()
    for path in sorted((fixtures_dir() / "zendesk" / "decoded").glob("TestTags.*.json")):
        headers = json.loads(path.read_text())["response"]["headers"]
        names |= {name.lower() for name in headers if "rate" in name.lower()}
    return names


def limited_fake(clock: Clock) -> FakeZendesk:
    fake = FakeZendesk(email=EMAIL, token=TOKEN, incremental_per_minute=1)
    fake.clock = clock
    fake.monotonic = lambda: clock.now.timestamp()  # its windows follow the test's clock
    return fake


def test_a_429_carries_the_recorded_rate_limit_headers_and_retry_after(clock: Clock) -> None:
    names = recorded_rate_limit_names()
    assert names == {
        "x-rate-limit",
        "x-rate-limit-remaining",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    }
    with limited_fake(clock) as fake:
        auth = (f"{EMAIL}/token", TOKEN)
        url = fake.base_url + EXPORT
        ok = requests.get(url, params={"start_time": 0}, auth=auth, timeout=5)
        clock.advance(seconds=15)
        limited = requests.get(url, params={"start_time": 0}, auth=auth, timeout=5)
    assert ok.status_code == 200 and limited.status_code == 429
    for response in (ok, limited):
        assert names <= {name.lower() for name in response.headers}
    assert limited.headers["Retry-After"] == "45"  # the rest of the export's minute
    assert limited.json() == {"error": "TooManyRequests", "description": "Rate limit exceeded"}


def test_the_connector_waits_exactly_what_the_429_advertises_and_then_reads_on(
    clock: Clock,
) -> None:
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds=seconds)

    with limited_fake(clock) as fake:
        ids = seed(fake, clock, 2)
        config = ZendeskConfig.model_validate(
            fake.connector_config(
                per_page=1, history="audits", incremental_requests_per_minute=None
            )
        )
        connector = ZendeskConnector("zd", config, sleep=sleep, clock=clock)
        try:
            tickets = [item for item in connector.read(None) if isinstance(item, Ticket)]
        finally:
            connector.close()
        statuses = [c.status for c in fake.calls if "/incremental/" in c.request.path]
    assert sorted(t.id for t in tickets) == sorted(ids)
    # One export page a minute: each page after the first is refused once, with Retry-After 60
    # (no time passed on the test clock), and the connector sleeps exactly that.
    assert statuses.count(429) >= 1 and statuses[-1] == 200
    assert sleeps == [60.0] * statuses.count(429), sleeps


UPDATE_RECORDING = "TestTicketCreateUpdateDelete.test_single_object_update-update-single__01.json"


def test_a_ticket_put_carries_the_recorded_per_ticket_update_limit(clock: Clock) -> None:
    recorded = json.loads((fixtures_dir() / "zendesk" / "decoded" / UPDATE_RECORDING).read_text())
    assert recorded["request"]["method"] == "PUT"
    [expected] = recorded["response"]["headers"]["zendesk-rate-limit-tickets-update"]
    with FakeZendesk(email=EMAIL, token=TOKEN) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        fake.monotonic = lambda: clock.now.timestamp()
        [ticket_id] = seed(fake, clock, 1)
        url = f"{fake.base_url}/api/v2/tickets/{ticket_id}.json"

        def put(priority: str) -> str:
            answer = requests.put(
                url, json={"ticket": {"priority": priority}}, auth=(f"{EMAIL}/token", TOKEN)
            )
            assert answer.status_code == 200
            return answer.headers["zendesk-rate-limit-tickets-update"]

        assert put("high") == expected == "total=20; remaining=19; resets=59"
        clock.advance(seconds=10)
        assert put("low") == "total=20; remaining=18; resets=49"
        clock.advance(seconds=60)  # a new window
        assert put("high") == "total=20; remaining=19; resets=59"
