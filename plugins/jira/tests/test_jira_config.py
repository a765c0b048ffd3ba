"""The ``type: jira`` config entry: site, credentials, scope and mapping validation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from slabridge_jira.config import JiraConfig

# The entry from POLICY.md §5.
ENTRY: dict[str, Any] = {
    "type": "jira",
    "site": "https://acme.atlassian.net",
    "email": "ops@acme.example",
    "token": "secret-jira-token",
    "projects": ["HELP"],
}


def _errors(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        JiraConfig.model_validate({**ENTRY, **changes})
    return str(caught.value)


def test_the_policy_example_entry_is_valid_with_safe_defaults() -> None:
    config = JiraConfig.model_validate(ENTRY)
    assert config.url == "https://acme.atlassian.net"
    assert (config.lookback_minutes, config.page_size, config.changelog) == (5, 100, "bulk")
    assert config.mapping.product is not None and config.mapping.product.from_ == "components"


def test_the_token_never_prints() -> None:
    config = JiraConfig.model_validate(ENTRY)
    assert "secret-jira-token" not in repr(config) and "secret-jira-token" not in str(config)


def test_a_bare_site_name_gets_https() -> None:
    assert JiraConfig.model_validate({**ENTRY, "site": "acme.atlassian.net"}).url == (
        "https://acme.atlassian.net"
    )


def test_plain_http_is_refused_except_on_loopback() -> None:
    assert "site" in _errors(site="http://acme.atlassian.net")
    assert "base_url" in _errors(base_url="http://proxy.example")
    local = JiraConfig.model_validate({**ENTRY, "base_url": "http://127.0.0.1:8080/"})
    assert local.url == "http://127.0.0.1:8080"


def test_a_site_or_base_url_is_required() -> None:
    entry = {k: v for k, v in ENTRY.items() if k != "site"}
    with pytest.raises(ValidationError, match="site"):
        JiraConfig.model_validate(entry)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"projects": []}, "projects"),
        ({"projects": ["HELP DESK"]}, "not a Jira project key"),
        ({"lookback_minutes": 0}, "lookback_minutes"),
        ({"changelog": "expand"}, "changelog"),
        ({"mapping": {"statuses": {"Waiting": "paused"}}}, "valid: new, open"),
        ({"mapping": {"status_categories": {"done": "finished"}}}, "status_categories"),
        ({"mapping": {"tier": {"field": "customfield_1"}}}, "from"),
        ({"mapping": {"customer": "assignee"}}, "customer"),
        ({"projets": ["HELP"]}, "projets"),
        ({"jql": "priority = High ORDER  BY key"}, "leave out ORDER BY"),
    ],
)
def test_bad_entries_name_the_offending_key(changes: dict[str, Any], names: str) -> None:
    assert names in _errors(**changes)
