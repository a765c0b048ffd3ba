"""Zendesk, Freshdesk and Jira follow the kit's rules for the HTTP keys they share (#22).

Each case drifted before the configs shared a base: a ``start`` without offset was taken as UTC
by Jira and refused by the others, a trailing slash in ``base_url`` was kept by Freshdesk, and
``max_attempts: 50`` was unknown to Zendesk, accepted by Freshdesk and refused by Jira.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from slabridge.config import ConfigError, load_config_data
from slabridge.connectors.http_config import MAX_ATTEMPTS, HttpConnectorConfig
from slabridge.demo.sample_config import environment_variables, sample_config
from slabridge.plugins import connector_types
from slabridge.yaml_loader import SlabridgeLoader

KINDS = ("zendesk", "freshdesk", "jira")


def _sample(kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    text = sample_config({kind: (connector_types()[kind], None)}, year=2026)
    environ = {name: "Fz9-sample-secret-value" for name in environment_variables(text)}
    return yaml.load(text, Loader=SlabridgeLoader), environ


def _load(kind: str, **entry: Any) -> Any:
    document, environ = _sample(kind)
    document["connectors"][kind].update(entry)
    return load_config_data(document, connector_types=connector_types(), environ=environ)


def _error(kind: str, **entry: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(kind, **entry)
    return str(caught.value)


def _entry(kind: str, **entry: Any) -> Any:
    return _load(kind, **entry).connectors[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_every_builtin_config_is_an_http_connector_config(kind: str) -> None:
    assert issubclass(connector_types()[kind].config_model, HttpConnectorConfig)


@pytest.mark.parametrize("kind", KINDS)
def test_a_start_without_offset_is_refused_naming_its_key(kind: str) -> None:
    message = _error(kind, start="2025-01-01T00:00:00")
    assert f"connectors.{kind}.start: start needs a UTC offset" in message


@pytest.mark.parametrize("kind", KINDS)
def test_a_start_with_an_offset_is_kept_in_utc(kind: str) -> None:
    config = _entry(kind, start="2025-01-01T02:00:00+02:00")
    assert config.start == datetime(2025, 1, 1, tzinfo=UTC)
    assert config.start.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_trailing_slash_in_base_url_is_dropped(kind: str) -> None:
    entry: dict[str, Any] = {"base_url": "https://proxy.example/helpdesk/"}
    if kind == "zendesk":
        entry["subdomain"] = None  # base_url instead of the subdomain
    assert _entry(kind, **entry).base_url == "https://proxy.example/helpdesk"


@pytest.mark.parametrize("kind", KINDS)
def test_plain_http_base_url_is_refused_naming_its_key(kind: str) -> None:
    message = _error(kind, base_url="http://proxy.example")
    assert f"connectors.{kind}.base_url: refusing http URL" in message


@pytest.mark.parametrize("kind", KINDS)
def test_max_attempts_has_one_range(kind: str) -> None:
    assert _entry(kind, max_attempts=MAX_ATTEMPTS).max_attempts == MAX_ATTEMPTS
    assert f"connectors.{kind}.max_attempts" in _error(kind, max_attempts=50)
    assert f"connectors.{kind}.max_attempts" in _error(kind, max_attempts=0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", ["timeout", "requests_per_minute"])
def test_pacing_must_be_positive(kind: str, key: str) -> None:
    assert f"connectors.{kind}.{key}" in _error(kind, **{key: 0})


@pytest.mark.parametrize("kind", KINDS)
def test_the_connector_tries_max_attempts_times(kind: str) -> None:
    entry: dict[str, Any] = {"max_attempts": 3}
    connector = connector_types()[kind]("x", _entry(kind, **entry))
    try:
        assert connector.http.max_attempts == 3  # type: ignore[attr-defined]
    finally:
        connector.close()
