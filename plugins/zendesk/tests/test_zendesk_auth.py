"""Zendesk OAuth: expiring tokens renewed, refresh tokens rotated and kept, scopes, API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from slabridge_zendesk.auth import api_token_notice
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import Clock, seed

from slabridge.commands.check import check_instance
from slabridge.sla.ticket import Ticket
from slabridge.sync.credentials import auth_tokens, generate_key
from slabridge.sync.store import StateStore, open_store
from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.pytest_plugin import CapturedLogs

KEY = generate_key()


class Seconds:
    """The OAuth clock (seconds since the epoch) shared by the fake issuer and the client."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def issuer(fake: FakeZendesk, seconds: Seconds) -> FakeTokenIssuer:
    return fake.enable_oauth(
        FakeTokenIssuer(prefix="zd", clock=seconds, refresh_token="zd-refresh-seed")
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield opened
    opened.close()


def oauth_config(fake: FakeZendesk, grant: str = "refresh_token", **extra: Any) -> ZendeskConfig:
    block: dict[str, Any] = {
        "grant": grant,
        "client_id": "slabridge",
        "client_secret": "fake-client-secret",
    }
    if grant == "refresh_token":
        block.update(refresh_token="zd-refresh-seed", token_key=KEY)
    top = {key: value for key, value in extra.items() if key in ZendeskConfig.model_fields}
    block.update({key: value for key, value in extra.items() if key not in top})
    entry = fake.connector_config(oauth=block, **top)
    entry.pop("email"), entry.pop("token")
    return ZendeskConfig.model_validate(entry)


def connector(
    config: ZendeskConfig, clock: Clock, seconds: Seconds, store: StateStore | None = None
) -> ZendeskConnector:
    made = ZendeskConnector("zd", config, sleep=lambda _s: None, clock=clock, oauth_clock=seconds)
    if store is not None:
        made.attach_state_store(store)
    return made


def tickets(items: Iterator[Any]) -> list[str]:
    return [item.id for item in items if isinstance(item, Ticket)]


# -- config --------------------------------------------------------------------------------


def test_the_refresh_grant_needs_a_key_to_encrypt_the_rotated_token(fake: FakeZendesk) -> None:
    with pytest.raises(ValidationError, match="needs 'token_key'"):
        oauth_config(fake, token_key=None)
    with pytest.raises(ValidationError, match="not a Fernet key"):
        oauth_config(fake, token_key="not-a-key")


def test_oauth_secrets_are_registered_for_redaction(fake: FakeZendesk) -> None:
    secrets = oauth_config(fake).secrets()
    assert {"fake-client-secret", "zd-refresh-seed", KEY} <= set(secrets)


# -- grants --------------------------------------------------------------------------------


def test_client_credentials_read_everything(
    fake: FakeZendesk, clock: Clock, seconds: Seconds, issuer: FakeTokenIssuer
) -> None:
    ids = seed(fake, clock, 3)
    zd = connector(oauth_config(fake, "client_credentials", scope="read write"), clock, seconds)
    assert zd.check() == []
    assert len(tickets(zd.read(None))) == len(ids)
    assert issuer.grants == ["client_credentials"]


def test_a_token_that_expires_mid_read_is_renewed_once_and_the_read_completes(
    fake: FakeZendesk, clock: Clock, seconds: Seconds, issuer: FakeTokenIssuer, store: StateStore
) -> None:
    ids = seed(fake, clock, 5)
    zd = connector(oauth_config(fake, per_page=2), clock, seconds, store)
    items = zd.read(None)
    first = next(items)
    issuer.expire_all()  # revoked or expired early: only the 401 says so
    rest = [first, *items]
    assert sorted(tickets(iter(rest))) == sorted(ids)
    assert issuer.grants == ["refresh_token", "refresh_token"]
    assert [c.status for c in fake.calls].count(401) == 1


def test_tokens_are_renewed_before_they_expire(
    fake: FakeZendesk, clock: Clock, seconds: Seconds, issuer: FakeTokenIssuer, store: StateStore
) -> None:
    seed(fake, clock, 4)
    zd = connector(oauth_config(fake, per_page=2), clock, seconds, store)
    items = zd.read(None)
    next(items)
    seconds.now += 1800  # the 30-minute token has run out between two pages
    list(items)
    assert issuer.grants == ["refresh_token", "refresh_token"]
    assert 401 not in [c.status for c in fake.calls]


def test_a_restart_reads_the_rotated_refresh_token_from_the_store(
    fake: FakeZendesk, clock: Clock, seconds: Seconds, issuer: FakeTokenIssuer, store: StateStore
) -> None:
    ids = seed(fake, clock, 2)
    config = oauth_config(fake)
    first = connector(config, clock, seconds, store)
    assert first.check() == []
    first.close()
    assert issuer.current_refresh_token not in (None, "zd-refresh-seed")
    with store.engine.connect() as connection:
        (row,) = connection.execute(auth_tokens.select()).all()
    assert issuer.current_refresh_token not in row.ciphertext
    # A new process with the same config: the seed is void at Zendesk, the stored one is not.
    second = connector(config, clock, seconds, store)
    assert sorted(tickets(second.read(None))) == sorted(ids)
    second.close()
    # Without the store the seed is all there is, and Zendesk refuses it.
    third = connector(config, clock, seconds)
    problems = third.check()
    assert len(problems) == 1 and "refused the refresh token" in problems[0].message


def test_check_saves_the_token_it_rotated(
    fake: FakeZendesk, clock: Clock, seconds: Seconds, issuer: FakeTokenIssuer, store: StateStore
) -> None:
    config = oauth_config(fake)
    report = check_instance("zd", config, ZendeskConnector, lambda: store)
    assert report.problems == []
    later = connector(config, clock, seconds, store)
    assert later.check() == []


def test_no_token_reaches_the_logs(
    fake: FakeZendesk,
    clock: Clock,
    seconds: Seconds,
    issuer: FakeTokenIssuer,
    store: StateStore,
    captured_logs: CapturedLogs,
) -> None:
    seed(fake, clock, 3)
    zd = connector(oauth_config(fake, per_page=1), clock, seconds, store)
    items = zd.read(None)
    next(items)
    issuer.expire_all()
    list(items)
    assert "oauth_token_obtained" in captured_logs.text
    for secret in (*issuer.access_tokens, issuer.current_refresh_token, "zd-refresh-seed", KEY):
        assert secret and secret not in captured_logs.text


# -- scopes --------------------------------------------------------------------------------


def test_check_names_the_missing_read_scope_of_a_tickets_read_token(
    fake: FakeZendesk, clock: Clock, seconds: Seconds
) -> None:
    fake.enable_oauth(FakeTokenIssuer(prefix="zd", clock=seconds, scopes=["tickets:read"]))
    zd = connector(oauth_config(fake, "client_credentials"), clock, seconds)
    messages = [problem.message for problem in zd.check()]
    assert any("lacks the 'read' scope" in m and "ticket audits" in m for m in messages)
    assert any("lacks the 'write' scope" in m for m in messages)


def test_the_fake_answers_403_to_audits_and_ticket_fields_without_read(
    fake: FakeZendesk, clock: Clock, seconds: Seconds
) -> None:
    fake.enable_oauth(FakeTokenIssuer(prefix="zd", clock=seconds, scopes=["tickets:read"]))
    (ticket_id,) = seed(fake, clock, 1)
    zd = connector(oauth_config(fake, "client_credentials"), clock, seconds)
    assert zd.http.get(f"/api/v2/tickets/{ticket_id}.json").status_code == 200
    for path in (f"/api/v2/tickets/{ticket_id}/audits.json", "/api/v2/ticket_fields.json"):
        with pytest.raises(Exception, match="HTTP 403"):
            zd.http.get(path)


def test_a_static_oauth_token_with_all_scopes_passes_check(
    fake: FakeZendesk, clock: Clock, seconds: Seconds
) -> None:
    fake.oauth_token = "static-bearer-123"
    zd = connector(
        ZendeskConfig.model_validate(
            {
                **fake.connector_config(),
                "email": None,
                "token": None,
                "oauth_token": "static-bearer-123",
            }
        ),
        clock,
        seconds,
    )
    assert zd.check() == []


# -- API tokens ----------------------------------------------------------------------------


def test_api_tokens_still_work_with_a_deprecation_warning(
    fake: FakeZendesk, clock: Clock, seconds: Seconds, captured_logs: CapturedLogs
) -> None:
    zd = connector(ZendeskConfig.model_validate(fake.connector_config()), clock, seconds)
    assert zd.check() == []
    (warning,) = [e for e in captured_logs.entries if e["event"] == "zendesk_api_token_deprecated"]
    assert "2027-04-30" in warning["advice"] and "oauth" in warning["advice"]


def test_the_notice_after_the_cut_off_says_they_are_off() -> None:
    assert "stop working on 2027-04-30 (1 days" in api_token_notice(
        datetime(2027, 4, 29, tzinfo=UTC).date()
    )
    assert "switched API tokens off" in api_token_notice(datetime(2027, 5, 1, tzinfo=UTC).date())
