"""OAuth 2.0 grants: renewal before expiry and after a 401, rotation saved, nothing logged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from slabridge.connectors.auth import MemoryTokenStore
from slabridge.connectors.http import HttpClient
from slabridge.connectors.oauth import OAuth2, OAuthError
from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse
from slabridge.testing.pytest_plugin import CapturedLogs


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class OAuthFake(FakeAPI):
    def __init__(self, issuer: FakeTokenIssuer) -> None:
        super().__init__()
        self.issuer = issuer
        self.route("POST", "/oauth/tokens", lambda request: issuer.grant(request.json()))
        self.route("GET", "/data", self._data)

    def _data(self, request: FakeRequest) -> FakeResponse:
        if self.issuer.token_of(request) is None:
            return FakeResponse(401, {"error": "invalid_token"})
        return FakeResponse(200, {"ok": True})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[OAuthFake]:
    issuer = FakeTokenIssuer(clock=clock, expires_in=1800, refresh_token="seed-refresh-token")
    with OAuthFake(issuer) as server:
        yield server


def refreshing(fake: OAuthFake, clock: Clock, store: MemoryTokenStore) -> OAuth2:
    return OAuth2(
        f"{fake.base_url}/oauth/tokens",
        grant="refresh_token",
        client_id="slabridge",
        client_secret="fake-client-secret",
        refresh_token="seed-refresh-token",
        store=store,
        clock=clock,
        connector="zd",
    )


def test_client_credentials_gets_a_token_once_and_renews_before_expiry(
    fake: OAuthFake, clock: Clock
) -> None:
    auth = OAuth2(
        f"{fake.base_url}/oauth/tokens",
        grant="client_credentials",
        client_id="slabridge",
        client_secret="fake-client-secret",
        scope="read",
        clock=clock,
    )
    client = HttpClient(fake.base_url, auth=auth)
    client.get_json("/data")
    client.get_json("/data")
    assert fake.issuer.grants == ["client_credentials"]
    clock.now += 1800 - 30  # inside the renewal margin: renewed before the server refuses it
    client.get_json("/data")
    assert fake.issuer.grants == ["client_credentials", "client_credentials"]
    assert len(fake.requests_to("GET", "/data")) == 3  # no 401 was needed


def test_refresh_rotates_and_saves_the_new_refresh_token_first(
    fake: OAuthFake, clock: Clock
) -> None:
    store = MemoryTokenStore()
    client = HttpClient(fake.base_url, auth=refreshing(fake, clock, store))
    client.get_json("/data")
    saved = json.loads(store.token or "{}")
    assert saved["token"] == fake.issuer.current_refresh_token
    assert saved["token"] != "seed-refresh-token"


def test_a_401_mid_run_renews_once(fake: OAuthFake, clock: Clock) -> None:
    store = MemoryTokenStore()
    client = HttpClient(fake.base_url, auth=refreshing(fake, clock, store))
    client.get_json("/data")
    fake.issuer.expire_all()  # revoked or expired early: only the 401 tells
    assert client.get_json("/data") == {"ok": True}
    assert fake.issuer.grants == ["refresh_token", "refresh_token"]


def test_a_restart_uses_the_rotated_token_not_the_spent_seed(fake: OAuthFake, clock: Clock) -> None:
    store = MemoryTokenStore()
    HttpClient(fake.base_url, auth=refreshing(fake, clock, store)).get_json("/data")
    # A new process: same config (the seed is void at the server now), same store.
    restarted = HttpClient(fake.base_url, auth=refreshing(fake, clock, store))
    assert restarted.get_json("/data") == {"ok": True}


def test_a_new_seed_in_the_config_wins_over_the_stored_token(fake: OAuthFake, clock: Clock) -> None:
    store = MemoryTokenStore()
    HttpClient(fake.base_url, auth=refreshing(fake, clock, store)).get_json("/data")
    fake.issuer.refresh_tokens = {"reauthorized-token"}  # the admin authorized again
    auth = OAuth2(
        f"{fake.base_url}/oauth/tokens",
        grant="refresh_token",
        client_id="slabridge",
        client_secret="fake-client-secret",
        refresh_token="reauthorized-token",
        store=store,
        clock=clock,
    )
    assert HttpClient(fake.base_url, auth=auth).get_json("/data") == {"ok": True}


def test_a_refused_refresh_token_is_a_clear_error_without_secrets(
    fake: OAuthFake, clock: Clock
) -> None:
    fake.issuer.refresh_tokens = set()
    client = HttpClient(fake.base_url, auth=refreshing(fake, clock, MemoryTokenStore()))
    with pytest.raises(OAuthError) as caught:
        client.get_json("/data")
    message = str(caught.value)
    assert "refused the refresh token" in message and "invalid_grant" in message
    assert "seed-refresh-token" not in message and "fake-client-secret" not in message


def test_tokens_never_reach_the_logs(
    fake: OAuthFake, clock: Clock, captured_logs: CapturedLogs
) -> None:
    store = MemoryTokenStore()
    client = HttpClient(fake.base_url, auth=refreshing(fake, clock, store))
    client.get_json("/data")
    fake.issuer.expire_all()
    client.get_json("/data")
    issued = [*fake.issuer.access_tokens, fake.issuer.current_refresh_token]
    assert captured_logs.entries  # the calls were logged
    for secret in (*issued, "seed-refresh-token", "fake-client-secret"):
        assert secret and secret not in captured_logs.text
