"""The one redaction place: known secrets in every form, URLs masked by shape, no garbling."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest

from slabridge.config import ConfigError, load_config_text
from slabridge.plugins import connector_types
from slabridge.redaction import (
    forget_secrets,
    mask_urls,
    redact_text,
    register_secrets,
    secrets_kept_apart,
    worth_redacting,
)

TOKEN = "Ab9/Secret+Tok=en~42"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    with secrets_kept_apart():
        forget_secrets()
        yield


@pytest.mark.parametrize(
    "form", [TOKEN, quote(TOKEN, safe=""), quote(TOKEN), quote_plus(TOKEN), TOKEN.lower()]
)
def test_a_registered_secret_is_replaced_in_every_form(form: str) -> None:
    register_secrets([TOKEN])
    assert redact_text(f"before {form} after") == "before *** after"


def test_a_long_part_of_a_secret_is_replaced_on_its_own() -> None:
    # A host label made from part of a token ("abc.longsecretpart" -> host longsecretpart.x.y).
    register_secrets(["abc.LongSecretPart99"])
    assert redact_text("host 'longsecretpart99.example.com'") == "host '***.example.com'"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("at http://admin:pw-77x@host:9: GET", "at http://***@host:9: GET"),
        ("postgresql://slab:hunter2@db/x failed", "postgresql://***@db/x failed"),
        ("see https://h/p?token=abc&page=2.", "see https://h/p?token=***&page=2."),
        ("https://h/?API_KEY=k1&Signature=s2&x=1", "https://h/?API_KEY=***&Signature=***&x=1"),
        ("https://h/cb#access_token=zz9", "https://h/cb#access_token=***"),
        ("plain https://h/path?page=3", "plain https://h/path?page=3"),
    ],
)
def test_urls_lose_their_userinfo_and_secret_parameters(text: str, masked: str) -> None:
    assert mask_urls(text) == masked
    assert redact_text(text) == masked


@pytest.mark.parametrize("value", ["one", "acme", "0.75", "8443", "secret", "true"])
def test_a_word_or_a_number_is_not_worth_redacting(value: str) -> None:
    assert not worth_redacting(value)
    register_secrets([value])
    assert redact_text(f"give exactly one of {value!r}") == f"give exactly one of {value!r}"


@pytest.mark.parametrize("value", ["ab12", "hunter2", "longenough"])
def test_a_token_like_value_is_worth_redacting(value: str) -> None:
    assert worth_redacting(value)


def test_a_secret_that_is_a_common_word_does_not_garble_a_config_error() -> None:
    # Issue #23: `email: one` turned "give exactly one of" into "give exactly *** of".
    text = """
connectors:
  zd:
    type: zendesk
    email: one
    token: one
"""
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, connector_types=connector_types())
    message = str(raised.value)
    assert "give exactly one of 'subdomain'" in message
    assert "***" not in message


def test_a_config_error_hides_a_host_name_made_from_an_environment_secret() -> None:
    text = """
connectors:
  zd:
    type: zendesk
    base_url: http://${HOST_TOKEN}.example.com
    oauth_token: ${ZD_TOKEN}
"""
    environ = {"HOST_TOKEN": "Hx7SecretLabel", "ZD_TOKEN": "zd-oauth-value-1"}
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, connector_types=connector_types(), environ=environ)
    message = str(raised.value)
    assert "connectors.zd.base_url: refusing http URL for host '***.example.com'" in message
    assert "hx7secretlabel" not in message.lower()
    # ...and the value stays registered, for any later log line.
    assert redact_text("x Hx7SecretLabel zd-oauth-value-1") == "x *** ***"


def test_loading_registers_secret_fields_and_the_database_password() -> None:
    text = """
state: postgresql://slab:Pg-pass-123@db.internal/slabridge
connectors:
  zd:
    type: zendesk
    subdomain: acme
    oauth_token: literal-token-in-file
"""
    load_config_text(text, connector_types=connector_types())
    assert redact_text("Pg-pass-123 literal-token-in-file acme") == "*** *** acme"


def test_environment_values_outside_connectors_and_state_are_not_registered() -> None:
    text = "settings:\n  warn_at: ${WARN}\npolicies:\n  - name: p\n    targets: {default: {}}\n"
    load_config_text(text, environ={"WARN": "0.80000000"})
    assert redact_text("warn at 0.80000000") == "warn at 0.80000000"
