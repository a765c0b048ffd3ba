"""The connector contract's shared pieces: config secrets, change sets, injected sleep."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr, ValidationError

from slabridge.connectors.base import ChangeSet, ConnectorConfig
from slabridge.connectors.mapping import ConnectorMapping
from slabridge.testing.example import ExampleConfig, ExampleConnector


class TwoSecretsConfig(ConnectorConfig):
    url: str
    token: SecretStr
    password: SecretStr | None = None


def test_config_lists_its_secret_values_for_redaction() -> None:
    config = TwoSecretsConfig.model_validate(
        {"type": "x", "url": "https://x.test", "token": "tok-123", "password": "pw-456"}
    )
    assert config.secrets() == ["tok-123", "pw-456"]
    assert "tok-123" not in repr(config) and "tok-123" not in str(config)


def test_config_rejects_unknown_keys_and_parses_the_mapping_block() -> None:
    with pytest.raises(ValidationError):
        TwoSecretsConfig.model_validate({"type": "x", "url": "u", "token": "t", "tokn": "t"})
    config = TwoSecretsConfig.model_validate(
        {"type": "x", "url": "u", "token": "t", "mapping": {"tier": {"from": "org.tier"}}}
    )
    assert isinstance(config.mapping, ConnectorMapping)
    assert config.mapping.source_paths() == {"tier": "org.tier"}


def test_connector_sleeps_for_real_unless_a_sleep_is_injected() -> None:
    config = ExampleConfig.model_validate(
        {"type": "example", "base_url": "https://x.test", "token": "t"}
    )
    assert ExampleConnector("a", config).sleep is time.sleep
    waits: list[float] = []
    connector = ExampleConnector("a", config, sleep=waits.append)
    connector.http._sleep(2.0)
    assert waits == [2.0]


def test_change_set_emptiness_and_json() -> None:
    assert ChangeSet("1").is_empty
    change = ChangeSet("1", add_tags=frozenset({"b", "a"}), fields={"360": "x"})
    assert not change.is_empty
    assert change.to_json()["add_tags"] == ["a", "b"]
