"""The Freshdesk config model: where the account is, the key kept secret, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from slabridge_freshdesk import FreshdeskConnector
from slabridge_freshdesk.config import FreshdeskConfig

from slabridge.plugins import connector_types, create_plugin_manager, load_plugins


def test_domain_becomes_the_https_api_root() -> None:
    for domain in ("acme", "acme.freshdesk.com"):
        config = FreshdeskConfig.model_validate({"domain": domain, "api_key": "k"})
        assert config.api_root == "https://acme.freshdesk.com/api/v2"


def test_base_url_overrides_the_domain_and_plain_http_is_only_for_loopback() -> None:
    config = FreshdeskConfig.model_validate({"base_url": "http://127.0.0.1:8080/", "api_key": "k"})
    assert config.api_root == "http://127.0.0.1:8080/api/v2"
    with pytest.raises(ValidationError, match="use https://"):
        FreshdeskConfig.model_validate({"base_url": "http://acme.example", "api_key": "k"})


def test_an_entry_without_domain_or_base_url_says_what_to_add() -> None:
    with pytest.raises(ValidationError, match="give 'domain'"):
        FreshdeskConfig.model_validate({"api_key": "k"})
    with pytest.raises(ValidationError, match=r"e\.g\. 'acme'"):
        FreshdeskConfig.model_validate({"domain": "https://acme.freshdesk.com", "api_key": "k"})


def test_the_api_key_never_prints() -> None:
    config = FreshdeskConfig.model_validate({"domain": "acme", "api_key": "super-secret-key"})
    assert "super-secret-key" not in repr(config) and "super-secret-key" not in str(config)
    assert config.api_key.get_secret_value() == "super-secret-key"


def test_start_defaults_to_2000_and_needs_an_offset() -> None:
    config = FreshdeskConfig.model_validate({"domain": "acme", "api_key": "k"})
    assert config.start == datetime(2000, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError, match="UTC offset"):
        FreshdeskConfig.model_validate(
            {"domain": "acme", "api_key": "k", "start": "2024-01-01T00:00:00"}
        )


def test_unknown_keys_and_out_of_range_pages_are_errors() -> None:
    with pytest.raises(ValidationError, match="domian"):
        FreshdeskConfig.model_validate({"domian": "acme", "domain": "acme", "api_key": "k"})
    with pytest.raises(ValidationError, match="per_page"):
        FreshdeskConfig.model_validate({"domain": "acme", "api_key": "k", "per_page": 101})


def test_the_plugin_registers_the_freshdesk_connector_through_its_entry_point() -> None:
    manager = load_plugins(create_plugin_manager(), environ={"SLABRIDGE_LOAD_PLUGINS": "freshdesk"})
    assert manager.load_failures == []
    assert connector_types(manager)["freshdesk"] is FreshdeskConnector


def test_a_field_key_that_is_not_a_custom_field_api_name_is_a_config_error_at_load() -> None:
    from slabridge.config import ConfigError, load_config_text

    types = connector_types(load_plugins(create_plugin_manager()))
    text = (
        "connectors:\n  fd: {type: freshdesk, domain: acme, api_key: '${FD_KEY}'}\n"
        "actions:\n  fields:\n    fd: {due_at: FIELD, breached: cf_sla_breached}\n"
    )
    env = {"FD_KEY": "k"}
    good = text.replace("FIELD", "cf_sla_due_at")
    loaded = load_config_text(good, connector_types=types, environ=env)
    assert loaded.actions.fields["fd"]["due_at"] == "cf_sla_due_at"
    with pytest.raises(ConfigError) as caught:
        load_config_text(text.replace("FIELD", "sla_due_at"), connector_types=types, environ=env)
    assert [str(issue) for issue in caught.value.issues] == [
        "actions.fields.fd.due_at: not a field freshdesk can write: Freshdesk custom ticket "
        "fields are written by their API name, e.g. cf_sla_due_at"
    ]


def test_a_tag_freshdesk_would_refuse_is_a_config_error_at_load_policy_tags_included() -> None:
    from slabridge.config import ConfigError, load_config_text

    types = connector_types(load_plugins(create_plugin_manager()))
    long_policy = "enterprise_premium_support_plan"  # sla_ + 31 characters = 35
    text = (
        "connectors:\n  fd: {type: freshdesk, domain: acme, api_key: '${FD_KEY}'}\n"
        f"policies:\n  - {{name: gold, targets: {{default: {{first_response: 1h}}}}}}\n"
        f"  - {{name: {long_policy}, targets: {{default: {{first_response: 1h}}}}}}\n"
        "actions:\n  tags: {breached: BREACHED, at_risk: 'sla,at_risk', policy: 'sla_{policy}'}\n"
    )
    env = {"FD_KEY": "k"}
    with pytest.raises(ConfigError) as caught:
        load_config_text(text.replace("BREACHED", "x" * 33), connector_types=types, environ=env)
    assert [str(issue) for issue in caught.value.issues] == [
        f"actions.tags.breached: tag {'x' * 33!r} cannot be written by connector 'fd' "
        "(freshdesk): Freshdesk tags hold at most 32 characters (this one has 33)",
        "actions.tags.at_risk: tag 'sla,at_risk' cannot be written by connector 'fd' "
        "(freshdesk): Freshdesk tags cannot contain a comma",
        f"actions.tags.policy: the tag of policy {long_policy!r} ('sla_{long_policy}') cannot be "
        "written by connector 'fd' (freshdesk): Freshdesk tags hold at most 32 characters "
        "(this one has 35)",
    ]
    fits = text.replace("BREACHED", "x" * 32).replace("sla,at_risk", "sla_at_risk")
    fits = fits.replace(long_policy, "enterprise")
    assert load_config_text(fits, connector_types=types, environ=env).actions.tags.breached


def test_a_ticket_links_to_the_agent_interface() -> None:
    from slabridge_freshdesk.connector import FreshdeskConnector

    config = FreshdeskConfig.model_validate({"type": "freshdesk", "domain": "acme", "api_key": "k"})
    connector = FreshdeskConnector("f", config)
    assert connector.ticket_url("77") == "https://acme.freshdesk.com/a/tickets/77"
    connector.close()
