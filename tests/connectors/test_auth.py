"""Auth strategies in the HTTP client: static and Basic headers, one renewal after a 401."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from slabridge.connectors.auth import AuthStrategy, BasicAuth, BearerToken, StaticHeaders
from slabridge.connectors.http import HttpClient, HttpError
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse


class HeaderFake(FakeAPI):
    """Echoes the Authorization header; answers 401 unless it is one of ``accepted``."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: set[str] = set()
        self.route("GET", "/whoami", self._whoami)
        self.route("GET", "/retry", self._retry)

    def _whoami(self, request: FakeRequest) -> FakeResponse:
        header = request.headers.get("Authorization", "")
        if self.accepted and header not in self.accepted:
            return FakeResponse(401, {"error": f"bad token {header}"})
        return FakeResponse(200, {"authorization": header})

    def _retry(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(429, {"error": "slow down"}, {"X-RateLimit-Retry-After": "30"})


@pytest.fixture
def fake() -> Iterator[HeaderFake]:
    with HeaderFake() as server:
        yield server


class Rotating(AuthStrategy):
    """A strategy whose token is replaced on renew()."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.renewed = 0

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[0]}"}

    def renew(self) -> bool:
        self.renewed += 1
        if len(self.tokens) > 1:
            self.tokens.pop(0)
            return True
        return False

    def secrets(self) -> list[str]:
        return list(self.tokens)


def test_static_and_bearer_headers_are_sent(fake: HeaderFake) -> None:
    client = HttpClient(fake.base_url, auth=BearerToken("pat-123456"))
    assert client.get_json("/whoami") == {"authorization": "Bearer pat-123456"}
    custom = HttpClient(fake.base_url, auth=StaticHeaders({"Authorization": "Token abcd1234"}))
    assert custom.get_json("/whoami") == {"authorization": "Token abcd1234"}


def test_basic_auth_encodes_user_and_password(fake: HeaderFake) -> None:
    client = HttpClient(fake.base_url, auth=BasicAuth("me@example.com/token", "pw-secret"))
    expected = base64.b64encode(b"me@example.com/token:pw-secret").decode()
    assert client.get_json("/whoami") == {"authorization": f"Basic {expected}"}
    assert "pw-secret" in BasicAuth("u", "pw-secret").secrets()


def test_a_401_renews_once_and_sends_the_request_again(fake: HeaderFake) -> None:
    fake.accepted = {"Bearer new-token-1"}
    strategy = Rotating(["old-token-0", "new-token-1"])
    client = HttpClient(fake.base_url, auth=strategy)
    assert client.get_json("/whoami") == {"authorization": "Bearer new-token-1"}
    assert strategy.renewed == 1
    assert len(fake.requests_to("GET", "/whoami")) == 2


def test_a_second_401_is_an_error_without_looping_and_without_the_token(
    fake: HeaderFake,
) -> None:
    fake.accepted = {"Bearer never-given"}
    strategy = Rotating(["old-token-0", "new-token-1"])
    client = HttpClient(fake.base_url, auth=strategy)
    with pytest.raises(HttpError) as caught:
        client.get_json("/whoami")
    assert caught.value.status == 401
    assert strategy.renewed == 1
    assert len(fake.requests_to("GET", "/whoami")) == 2
    assert "new-token-1" not in str(caught.value)


def test_x_ratelimit_retry_after_is_waited_in_full(fake: HeaderFake) -> None:
    sleeps: list[float] = []
    client = HttpClient(fake.base_url, sleep=sleeps.append, max_attempts=2)
    with pytest.raises(HttpError):
        client.get("/retry")
    assert sleeps == [30.0]
