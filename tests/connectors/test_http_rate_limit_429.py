"""A 429's Retry-After is the whole wait: the quota headers it carries add no pacing on top."""

from __future__ import annotations

from slabridge.connectors.http import HttpClient
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse


class ExhaustedFake(FakeAPI):
    """Answers /ok; every answer says the quota is spent, as Jira's and Zendesk's 429s do."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", "/ok", lambda request: FakeResponse(200, {"ok": True}))

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        # Only the first answer (the 429; it is logged before its headers are made) says so.
        return {"X-RateLimit-Remaining": "0"} if len(self.calls) <= 1 else {}


def test_a_429_with_retry_after_and_no_quota_left_waits_only_the_retry_after() -> None:
    sleeps: list[float] = []
    with ExhaustedFake() as fake:
        fake.inject("429", times=1, retry_after="3")
        client = HttpClient(fake.base_url, sleep=sleeps.append)
        assert client.get("/ok").json() == {"ok": True}
    assert sleeps == [3.0]


def test_a_429_without_retry_after_still_paces_on_the_quota_it_reports() -> None:
    sleeps: list[float] = []

    class NoRetryAfter(ExhaustedFake):
        def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, None]:
            if not self.calls:  # the first request
                return FakeResponse(429, {"error": "slow down"}), None
            return FakeResponse(200, {"ok": True}), None

        def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
            first = len(self.calls) <= 1
            return {"X-RateLimit-Remaining": "0", "ratelimit-reset": "20"} if first else {}

    with NoRetryAfter() as fake:
        client = HttpClient(fake.base_url, sleep=sleeps.append, backoff_base=0.01)
        assert client.get("/ok").json() == {"ok": True}
    # the jittered backoff, then the pacing to the reset the headers announced
    assert len(sleeps) == 2 and sleeps[0] <= 0.01 and 19.0 <= sleeps[1] <= 20.0
