"""Jira auth modes against the fake: classic and scoped API tokens, the gateway, OAuth 3LO."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jira_support import TOKEN, Clock
from pydantic import ValidationError
from slabridge_jira.config import JiraConfig
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira

from slabridge.sla.ticket import Ticket
from slabridge.sync.credentials import generate_key
from slabridge.sync.store import StateStore, open_store
from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.pytest_plugin import CapturedLogs

KEY = generate_key()
SCOPED = "jira-scoped-token-77aa"


class Seconds:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield opened
    opened.close()


def gateway_config(fake: FakeJira, **overrides: Any) -> dict[str, Any]:
    """The entry of a connector that goes through the (fake) gateway: no base_url, a cloud id."""
    entry = fake.connector_config(cloud_id=fake.cloud_id, gateway_url=fake.base_url, **overrides)
    entry.pop("base_url")
    return entry


def oauth_entry(fake: FakeJira, **extra: Any) -> dict[str, Any]:
    top = {key: value for key, value in extra.items() if key in JiraConfig.model_fields}
    block = {key: value for key, value in extra.items() if key not in top}
    oauth = {
        "grant": "refresh_token",
        "client_id": "slabridge",
        "client_secret": "fake-client-secret",
        "refresh_token": "atl-refresh-seed",
        "token_key": KEY,
        "token_url": f"{fake.base_url}/oauth/token",
        **block,
    }
    entry = gateway_config(fake, oauth=oauth, **top)
    entry.pop("email"), entry.pop("token")
    return entry


def issues(connector: JiraConnector) -> list[str]:
    return [item.id for item in connector.read(None) if isinstance(item, Ticket)]


# -- config --------------------------------------------------------------------------------


def test_cloud_id_puts_every_call_on_the_gateway() -> None:
    config = JiraConfig.model_validate(
        {
            "type": "jira",
            "cloud_id": "11223344-a1b2-c3d4-e5f6-123456789abc",
            "email": "a@b.c",
            "token": "t",
            "projects": ["HELP"],
        }
    )
    assert config.url == ("https://api.atlassian.com/ex/jira/11223344-a1b2-c3d4-e5f6-123456789abc")


def test_oauth_needs_a_cloud_id_and_no_api_token() -> None:
    base = {"type": "jira", "site": "acme.atlassian.net", "projects": ["HELP"]}
    oauth = {"grant": "client_credentials", "client_id": "c", "client_secret": "s"}
    with pytest.raises(ValidationError, match="oauth needs `cloud_id`"):
        JiraConfig.model_validate({**base, "oauth": oauth})
    with pytest.raises(ValidationError, match="not both"):
        JiraConfig.model_validate(
            {**base, "cloud_id": "11223344", "oauth": oauth, "email": "a@b.c", "token": "t"}
        )


# -- scoped API tokens and service accounts ------------------------------------------------


def test_a_scoped_token_syncs_through_the_gateway(fake: FakeJira) -> None:
    fake.enable_gateway()
    fake.scoped_tokens.add(SCOPED)
    issue_id = fake.create_issue()
    connector = JiraConnector("j", gateway_config(fake, token=SCOPED))
    assert connector.check() == []
    assert issues(connector) == [issue_id]
    assert all(call.request.path.startswith(f"/ex/jira/{fake.cloud_id}/") for call in fake.calls)
    connector.close()


def test_check_tells_a_scoped_token_user_to_use_the_gateway_not_a_classic_token(
    fake: FakeJira,
) -> None:
    fake.enable_gateway()
    fake.scoped_tokens.add(SCOPED)
    on_site = JiraConnector("j", fake.connector_config(token=SCOPED))  # the site URL: refused
    (problem,) = on_site.check()
    assert problem.hint is not None
    assert "cloud_id" in problem.hint and "create an API token" not in problem.hint
    on_site.close()
    wrong = JiraConnector("j", gateway_config(fake, token="revoked-scoped-token"))
    (problem,) = wrong.check()
    assert problem.hint is not None and "scoped API token" in problem.hint
    assert "classic" not in problem.hint and "create an API token" not in problem.hint
    wrong.close()


# -- OAuth 2.0 (3LO) -------------------------------------------------------------------------


def test_oauth_3lo_reads_renews_mid_sync_and_rotates(
    fake: FakeJira, seconds: Seconds, store: StateStore
) -> None:
    issuer = fake.enable_oauth(
        FakeTokenIssuer(
            prefix="atl",
            clock=seconds,
            refresh_token="atl-refresh-seed",
            expires_in=3600,
            scopes=["read:jira-work", "write:jira-work"],
        )
    )
    ids = sorted(fake.create_issue() for _ in range(5))
    connector = JiraConnector("j", oauth_entry(fake, page_size=2), oauth_clock=seconds)
    connector.attach_state_store(store)
    items = connector.read(None)
    first = next(items)
    issuer.expire_all()  # expired in the middle of the read
    read = [first, *items]
    assert sorted(item.id for item in read if isinstance(item, Ticket)) == ids
    assert issuer.grants == ["refresh_token", "refresh_token"]
    connector.close()
    # A restart: the seed in the config is spent, the rotated token comes from the store.
    again = JiraConnector("j", oauth_entry(fake), oauth_clock=seconds)
    again.attach_state_store(store)
    assert again.check() == []
    again.close()
    without_store = JiraConnector("j", oauth_entry(fake), oauth_clock=seconds)
    (problem,) = without_store.check()
    assert "refused the refresh token" in problem.message
    without_store.close()


def test_a_service_account_uses_client_credentials(fake: FakeJira, seconds: Seconds) -> None:
    issuer = fake.enable_oauth(FakeTokenIssuer(prefix="atl", clock=seconds, refresh_token=None))
    issue_id = fake.create_issue()
    entry = oauth_entry(fake, grant="client_credentials", refresh_token=None, token_key=None)
    connector = JiraConnector("j", entry, oauth_clock=seconds)
    assert issues(connector) == [issue_id]
    assert issuer.grants == ["client_credentials"]
    connector.close()


def test_oauth_tokens_stay_out_of_the_logs(
    fake: FakeJira, seconds: Seconds, store: StateStore, captured_logs: CapturedLogs
) -> None:
    issuer = fake.enable_oauth(
        FakeTokenIssuer(prefix="atl", clock=seconds, refresh_token="atl-refresh-seed")
    )
    fake.create_issue()
    connector = JiraConnector("j", oauth_entry(fake), oauth_clock=seconds)
    connector.attach_state_store(store)
    issues(connector)
    seconds.now += 7200
    issues(connector)
    connector.close()
    assert captured_logs.text.count("oauth_token_obtained") == 2
    for secret in (*issuer.access_tokens, issuer.current_refresh_token, "atl-refresh-seed"):
        assert secret and secret not in captured_logs.text


def test_the_classic_token_still_works_on_the_site(fake: FakeJira) -> None:
    fake.enable_gateway()
    connector = JiraConnector("j", fake.connector_config(token=TOKEN))
    assert connector.check() == []
    connector.close()


def test_the_fake_refuses_an_unknown_cloud_id(fake: FakeJira, clock: Clock) -> None:
    fake.enable_gateway()
    entry = gateway_config(fake)
    entry["cloud_id"] = "99999999-0000-0000-0000-000000000000"
    connector = JiraConnector("j", entry)
    (problem,) = connector.check()
    assert "404" in problem.message
    connector.close()
