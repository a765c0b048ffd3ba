"""The `customers:` section and customer keys: validation with key paths, and who is whom."""

from __future__ import annotations

import pytest

from slabridge.config import ConfigError, load_config_text
from slabridge.customers import (
    CustomerDirectory,
    customer_key,
    email_domain,
    resolve_rule_keys,
    validate_customers,
)

BASE = """\
version: 1
calendars:
  clock: {timezone: UTC, hours: 24x7}
policies:
  - {name: standard, calendar: clock, targets: {default: {first_response: 1h}}}
connectors:
  zendesk: {type: zendesk}
  jira: {type: jira}
"""


def issues(section: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(BASE + section, skip_connectors=True)
    return [str(issue) for issue in caught.value.issues]


def directory(raw: object, connectors: tuple[str, ...] | None = None) -> CustomerDirectory:
    found, problems = validate_customers(raw, connectors)
    assert problems == []
    return found


def test_a_customer_key_is_the_connector_and_the_id_or_else_the_name() -> None:
    assert customer_key("freshdesk", "5", "Acme GmbH") == "freshdesk:5"
    assert customer_key("jira", None, "Soylent SARL") == "jira:Soylent SARL"
    assert customer_key("zendesk", None, None) is None


def test_the_config_loads_a_customers_section() -> None:
    text = BASE + 'customers:\n  acme: {name: Acme, ids: {zendesk: [361, "362"], jira: "10002"}}\n'
    config = load_config_text(text, skip_connectors=True)
    acme = config.customers.customers["acme"]
    # YAML numbers are ids as text, and a single id needs no list.
    assert dict(acme.ids) == {"zendesk": ("361", "362"), "jira": ("10002",)}
    assert acme.members() == ("zendesk:361", "zendesk:362", "jira:10002")


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "customers:\n  acme: {ids: {zendesk: [true]}}\n",
            ['customers.acme.ids.zendesk[0]: expected an id (text or a number), e.g. "361"'],
        ),
        (
            "customers:\n  acme: {ids: {zendsk: ['1']}}\n",
            [
                "customers.acme.ids.zendsk: no connector 'zendsk' in connectors: "
                "(defined: jira, zendesk)"
            ],
        ),
        (
            "customers:\n  acme: {ids: {zendesk: []}}\n",
            ['customers.acme.ids.zendesk: expected a non-empty list of ids, e.g. ["361"]'],
        ),
        (
            "customers:\n  acme: {ids: [361]}\n",
            ['customers.acme.ids: expected a mapping of connector to ids, e.g. {zendesk: ["361"]}'],
        ),
        (
            "customers:\n  acme: {domains: ['@acme.example']}\n",
            [
                "customers.acme.domains[0]: expected an e-mail domain like acme.example "
                "(without the @)"
            ],
        ),
        (
            "customers:\n  acme: {name: Acme}\n",
            ["customers.acme: give ids: (per connector) and/or domains: to say who this is"],
        ),
        (
            "customers:\n  acme: {ids: {zendesk: ['1']}, domain: [acme.example]}\n",
            ["customers.acme.domain: unknown key (use name, ids, domains)"],
        ),
        (
            "customers:\n  'zendesk:1': {ids: {zendesk: ['1']}}\n",
            [
                "customers.zendesk:1: a customer key must be non-empty and without ':' "
                "(connector:id is the key of a customer that is not joined)"
            ],
        ),
        (
            "customers: [acme]\n",
            ["customers: expected a mapping of customer keys, e.g. acme:"],
        ),
    ],
)
def test_bad_customer_entries_name_the_key_path_and_what_is_valid(
    section: str, expected: list[str]
) -> None:
    assert issues(section) == expected


def test_an_id_or_domain_claimed_by_two_customers_is_an_error() -> None:
    section = (
        "customers:\n"
        "  acme: {ids: {zendesk: ['361']}, domains: [acme.example]}\n"
        "  acme-eu: {ids: {zendesk: ['400', 361]}, domains: [Acme.Example]}\n"
    )
    assert issues(section) == [
        "customers.acme-eu.ids.zendesk[1]: zendesk id '361' is already claimed by "
        "customers.acme (a customer can belong to one entry only)",
        "customers.acme-eu.domains[0]: domain 'acme.example' is already claimed by customers.acme",
    ]


def test_a_credit_rule_for_a_joined_account_must_name_the_joined_key() -> None:
    section = (
        "customers:\n  acme: {ids: {zendesk: ['361']}}\n"
        "credits:\n  customers:\n    'zendesk:361': {schedule: [{below: 99%, credit: 5%}]}\n"
    )
    assert issues(section) == [
        "credits.customers.zendesk:361: this account is joined into customers.acme: "
        "name the rule acme"
    ]


def test_without_connectors_any_ids_key_is_accepted() -> None:
    # A report over a tickets file keys customers by the tickets' source.
    found = directory({"acme": {"ids": {"zendesk": ["1"]}}}, None)
    assert found.identify("zendesk", "1", None) == "acme"


def test_explicit_ids_win_over_domains_and_a_longer_domain_over_a_shorter() -> None:
    found = directory(
        {
            "acme": {"ids": {"zendesk": ["361"]}, "domains": ["acme.example"]},
            "acme-eu": {"domains": ["eu.acme.example"]},
            "globex": {"domains": ["globex.example"]},
        }
    )
    assert found.identify("zendesk", "361", "Acme", "bob@globex.example") == "acme"
    assert found.identify("zendesk", "7", "Acme", "ann@acme.example") == "acme"
    assert found.identify("zendesk", "7", "Acme", "ann@mail.acme.example") == "acme"
    assert found.identify("zendesk", "7", "Acme", "ann@EU.acme.example") == "acme-eu"
    # "notacme.example" is not below "acme.example"; no e-mail, no domain join.
    assert found.identify("jira", "7", None, "x@notacme.example") == "jira:7"
    assert found.identify("jira", "7", None, None) == "jira:7"
    assert found.identify("jira", None, None, ["ann@acme.example"]) is None
    assert found.name_of("acme-eu") == "acme-eu"  # no name: the key


def test_email_domain_reads_only_addresses() -> None:
    assert email_domain("ann@Acme.Example.") == "acme.example"
    assert email_domain("no address") is None
    assert email_domain(42) is None


def test_bare_rule_keys_resolve_only_when_they_name_one_customer() -> None:
    seen = {
        "freshdesk:5": {"5", "Acme GmbH"},
        "jira:5": {"5", "Soylent SARL"},
        "zendesk:361": {"361", "Acme GmbH"},
    }
    names = {"freshdesk:5": "Acme GmbH", "jira:5": "Soylent SARL", "zendesk:361": "Acme GmbH"}
    found = resolve_rule_keys(["jira:5", "361", "5", "Acme GmbH", "nobody"], seen, names)
    assert found.rules == {"jira:5": "jira:5", "zendesk:361": "361"}
    assert found.warnings == [
        "credits.customers.361: a bare customer id or name is deprecated; "
        "name the customer by its key: zendesk:361 (Acme GmbH)"
    ]
    assert found.problems == [
        (
            "credits.customers.5",
            "names 2 customers in different helpdesks: freshdesk:5 (Acme GmbH), "
            "jira:5 (Soylent SARL); use one of these keys, or join them under customers:",
        ),
        (
            "credits.customers.Acme GmbH",
            "names 2 customers in different helpdesks: freshdesk:5 (Acme GmbH), "
            "zendesk:361 (Acme GmbH); use one of these keys, or join them under customers:",
        ),
    ]


def test_an_exact_key_wins_over_a_bare_alias_of_the_same_customer() -> None:
    found = resolve_rule_keys(["5", "jira:5"], {"jira:5": {"5"}})
    assert found.rules == {"jira:5": "jira:5"}
