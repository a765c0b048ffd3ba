"""``serve:``: every key validated, errors named by key path, no value ever quoted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from slabridge.config import ConfigError, load_config_text
from slabridge.redaction import redact_text, secrets_kept_apart
from slabridge.serve.settings import (
    DEFAULT_SECRET_HEADER,
    parse_serve_settings,
    read_serve_settings,
)

TYPES = {"zd": "zendesk", "jr": "jira", "fd": "freshdesk"}
SECRET = "s3cret-webhook-Value-42"


@pytest.fixture(autouse=True)
def registry_left_as_it_was() -> Iterator[None]:
    with secrets_kept_apart():
        yield


def problems(raw: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_serve_settings(raw, TYPES)
    return [str(issue) for issue in caught.value.issues]


def test_each_helpdesk_gets_its_scheme_from_its_connector_type() -> None:
    settings = parse_serve_settings(
        {
            "board": {"token": SECRET},
            "webhooks": {
                "zd": {"secret": SECRET},
                "jr": {"secret": SECRET},
                "fd": {"secret": SECRET},
            },
            "sync_every": "2m",
            "replay_window": "10m",
            "max_body_bytes": 4096,
        },
        TYPES,
    )
    assert {name: auth.scheme for name, auth in settings.webhooks.items()} == {
        "zd": "zendesk",
        "jr": "jira",
        "fd": "shared_secret",
    }
    assert settings.webhooks["fd"].header == DEFAULT_SECRET_HEADER
    assert (settings.sync_every_seconds, settings.replay_window_seconds) == (120, 600)
    assert settings.max_body_bytes == 4096
    # Registered: from now on no log line or error can print them.
    assert SECRET not in redact_text(f"token {SECRET}")


def test_the_board_is_never_open_without_a_login() -> None:
    assert problems({"webhooks": {}}) == [
        "serve.board: set token (or username and password), e.g. token: "
        "${SLABRIDGE_BOARD_TOKEN}: the board shows ticket data and is never open without a login"
    ]
    assert problems({"board": {"username": "lead"}})[0] == (
        "serve.board: give both username and password (basic auth), or neither"
    )


def test_wrong_keys_are_named_by_path_and_values_never_quoted() -> None:
    found = problems(
        {
            "board": {"token": SECRET, "colour": "red"},
            "webhooks": {
                "zd": {},
                "nowhere": {"secret": SECRET},
                "fd": {"username": "freshdesk"},
                "jr": {"secret": SECRET, "scheme": "carrier-pigeon"},
            },
            "sync_every": 5,
            "max_body_bytes": -1,
        }
    )
    assert found == [
        "serve.webhooks.zd.secret: required: the zendesk webhook's signing secret",
        "serve.webhooks.nowhere: no connector of that name in connectors: (configured: zd, jr, fd)",
        "serve.webhooks.fd: give both username and password (basic auth), or neither",
        "serve.webhooks.fd: set secret (sent in the header) or username and password",
        "serve.webhooks.jr.scheme: expected one of: zendesk, jira, shared_secret",
        "serve.board.colour: unknown key (known: token, username, password, team_field)",
        "serve.max_body_bytes: expected a whole number above 0",
        "serve.sync_every: 5 is not a duration (add a unit, try 5s)",
    ]
    assert not any(SECRET in problem for problem in found)


def test_only_serve_needs_its_secrets_in_the_environment(tmp_path: Path) -> None:
    text = (
        "policies: [{name: p, targets: {default: {first_response: 1h}}}]\n"
        "serve:\n  board: {token: '${BOARD_TOKEN_UNSET}'}\n"
    )
    load_config_text(text, environ={})  # sync, check and report load it without the variable
    path = tmp_path / "slabridge.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_serve_settings(path, {}, environ={})
    assert (
        str(caught.value) == "serve.board.token: environment variable BOARD_TOKEN_UNSET is not set"
    )
    settings = read_serve_settings(path, {}, environ={"BOARD_TOKEN_UNSET": SECRET})
    assert settings.board.token is not None
    assert settings.board.token.get_secret_value() == SECRET


def test_a_config_without_serve_says_what_serve_needs(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text("policies: []\n")
    with pytest.raises(ConfigError, match=r"^serve: missing: slabridge serve needs"):
        read_serve_settings(path, {})
