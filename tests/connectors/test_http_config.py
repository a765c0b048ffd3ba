"""The kit's HTTP connector config: one rule each for base_url, start, timeout and attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from slabridge.connectors.http_config import MAX_ATTEMPTS, HttpConnectorConfig


class OAuthBlock(BaseModel):
    client_secret: SecretStr

    def secrets(self) -> list[str]:
        return [self.client_secret.get_secret_value()]


class ExampleConfig(HttpConnectorConfig):
    type: Literal["example"] = "example"
    token: SecretStr | None = None
    oauth: OAuthBlock | None = None


def _error(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        ExampleConfig.model_validate(values)
    return str(caught.value)


def test_the_defaults_are_those_of_the_http_client() -> None:
    config = ExampleConfig()
    assert (config.base_url, config.start, config.timeout) == (None, None, 30.0)
    assert (config.max_attempts, config.requests_per_minute) == (6, None)


def test_base_url_loses_its_trailing_slashes_and_must_be_https_or_loopback() -> None:
    assert ExampleConfig(base_url="https://api.example/v2//").base_url == "https://api.example/v2"
    assert ExampleConfig(base_url="http://127.0.0.1:8080/").base_url == "http://127.0.0.1:8080"
    assert "refusing http URL" in _error(base_url="http://api.example")


def test_start_needs_an_offset_and_is_kept_in_utc() -> None:
    config = ExampleConfig.model_validate({"start": "2025-01-01T01:00:00+01:00"})
    assert config.start == datetime(2025, 1, 1, tzinfo=UTC)
    assert config.start is not None and config.start.utcoffset() is not None
    assert "start needs a UTC offset" in _error(start="2025-01-01T00:00:00")


@pytest.mark.parametrize("attempts", [1, MAX_ATTEMPTS])
def test_max_attempts_accepts_its_range(attempts: int) -> None:
    assert ExampleConfig(max_attempts=attempts).max_attempts == attempts


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": MAX_ATTEMPTS + 1}, "max_attempts"),
        ({"timeout": 0}, "timeout"),
        ({"requests_per_minute": 0}, "requests_per_minute"),
    ],
)
def test_out_of_range_pacing_names_its_key(values: dict[str, Any], key: str) -> None:
    assert key in _error(**values)


def test_secrets_include_those_of_a_nested_block() -> None:
    config = ExampleConfig.model_validate(
        {"token": "top-secret-1", "oauth": {"client_secret": "nested-secret-2"}}
    )
    assert sorted(config.secrets()) == ["nested-secret-2", "top-secret-1"]
