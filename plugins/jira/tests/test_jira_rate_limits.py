"""Rate limits: the fake's 429 carries Jira's headers, and the connector waits exactly the
advertised Retry-After through its injected sleep (no real wait, no minute on top)."""

from __future__ import annotations

from collections.abc import Callable

import requests
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira

from slabridge.connectors.base import ChangeSet
from slabridge.sla.ticket import Ticket

Make = Callable[..., JiraConnector]


def test_a_429_on_a_read_is_waited_out_for_exactly_its_retry_after(
    fake: FakeJira, make_connector: Make, sleeps: list[float]
) -> None:
    keys = [fake.create_issue() for _ in range(2)]
    fault = fake.inject("429", times=1, retry_after="3", path=r"/search/jql")
    tickets = [t for t in make_connector().read(None) if isinstance(t, Ticket)]
    assert sorted(t.id for t in tickets) == sorted(keys) and fault.hits == 1
    # Jira's 429 says X-RateLimit-Remaining: 0 for a per-second burst limit: pacing on it as
    # well would add a whole minute to the 3 seconds Jira asked for.
    assert sleeps == [3.0]


def test_a_429_on_a_write_is_waited_out_for_exactly_its_retry_after(
    fake: FakeJira, make_connector: Make, sleeps: list[float]
) -> None:
    issue = fake.create_issue()
    fake.inject("429", times=1, retry_after="7", method="PUT")
    (result,) = make_connector().apply([ChangeSet(issue, add_tags=frozenset({"a"}))])
    assert result.outcome == "applied"
    assert sleeps == [7.0]


def test_every_answer_carries_the_burst_headers_and_a_429_adds_retry_after_and_the_reason(
    fake: FakeJira,
) -> None:
    auth = ("sync@example.com", fake.token)
    url = fake.base_url + "/rest/api/3/myself"
    ok = requests.get(url, auth=auth, timeout=5)
    fake.inject("429", times=1, retry_after="2")
    limited = requests.get(url, auth=auth, timeout=5)
    assert (ok.status_code, limited.status_code) == (200, 429)
    assert ok.headers["X-RateLimit-Limit"] == limited.headers["X-RateLimit-Limit"] == "350"
    assert ok.headers["X-RateLimit-Remaining"] == "349"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["Retry-After"] == "2"
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
    assert len(limited.headers["X-RateLimit-Reset"]) == len("2026-01-05T09:01Z")
