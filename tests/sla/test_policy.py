"""Policy matching: ordered first match, keys ANDed, lists as any-of, tags, fields, calendars."""

from __future__ import annotations

from typing import Any

from slabridge.config import load_policy_text
from slabridge.sla.ticket import parse_ticket

POLICIES = """
version: 1
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
  new_york: {timezone: America/New_York, hours: {mon-fri: "09:00-17:00"}}
policies:
  - name: enterprise
    match: {tier: enterprise}
    calendar: berlin
    targets: {default: {first_response: 1h}}
  - name: payments
    match: {product: payments, priority: [high, urgent]}
    calendar: {by: customer.region, map: {amer: new_york, emea: berlin}, default: berlin}
    targets: {default: {first_response: 2h}}
  - name: vip
    match: {tags_all: [vip, gold], fields.region: [emea, apac]}
    targets: {default: {first_response: 3h}}
  - name: chat
    match: {tags_any: [chat, phone], source: zendesk, type: incident, channel: [chat, voice]}
    targets: {default: {first_response: 4h}}
  - name: standard
    calendar: berlin
    targets: {default: {first_response: 8h}}
"""


def _ticket(**values: Any) -> Any:
    data = {"id": "1", "created_at": "2025-03-10T09:00:00Z", "status": "open"}
    data.update(values)
    return parse_ticket(data)


def test_the_first_policy_whose_keys_all_hold_applies() -> None:
    policies = load_policy_text(POLICIES)
    enterprise_payments = _ticket(
        customer={"tier": "enterprise"}, product="payments", priority="high"
    )
    assert policies.match(enterprise_payments).name == "enterprise"  # type: ignore[union-attr]
    payments = _ticket(product="payments", priority="urgent")
    assert policies.match(payments).name == "payments"  # type: ignore[union-attr]
    low_payments = _ticket(product="payments", priority="low")
    assert policies.match(low_payments).name == "standard"  # type: ignore[union-attr]


def test_a_missing_priority_matches_as_the_default_priority() -> None:
    policies = load_policy_text(POLICIES + "settings: {default_priority: high}\n")
    assert policies.match(_ticket(product="payments")).name == "payments"  # type: ignore[union-attr]


def test_tags_all_needs_every_tag_and_fields_match_any_listed_value() -> None:
    policies = load_policy_text(POLICIES)
    both = _ticket(tags=["gold", "vip", "x"], fields={"region": "apac"})
    assert policies.match(both).name == "vip"  # type: ignore[union-attr]
    one_tag = _ticket(tags=["vip"], fields={"region": "apac"})
    assert policies.match(one_tag).name == "standard"  # type: ignore[union-attr]
    other_region = _ticket(tags=["gold", "vip"], fields={"region": "amer"})
    assert policies.match(other_region).name == "standard"  # type: ignore[union-attr]


def test_tags_any_source_type_and_channel_are_anded() -> None:
    policies = load_policy_text(POLICIES)
    good = dict(tags=["phone"], source="zendesk", type="incident", channel="voice")
    assert policies.match(_ticket(**good)).name == "chat"  # type: ignore[union-attr]
    assert policies.match(_ticket(**{**good, "channel": "email"})).name == "standard"  # type: ignore[union-attr]
    assert policies.match(_ticket(**{**good, "tags": []})).name == "standard"  # type: ignore[union-attr]


def test_matching_is_exact_and_case_sensitive() -> None:
    policies = load_policy_text(POLICIES)
    assert policies.match(_ticket(customer={"tier": "Enterprise"})).name == "standard"  # type: ignore[union-attr]


def test_no_policy_matches_when_there_is_no_fallback() -> None:
    text = POLICIES.split("  - name: standard")[0]
    assert load_policy_text(text).match(_ticket()) is None


def test_the_calendar_is_chosen_by_a_ticket_attribute_with_a_default() -> None:
    policies = load_policy_text(POLICIES)
    payments = policies.policies[1]
    assert payments.calendar.resolve(_ticket(customer={"region": "amer"})) == "new_york"
    assert payments.calendar.resolve(_ticket(customer={"region": "emea"})) == "berlin"
    assert payments.calendar.resolve(_ticket(customer={"region": "mars"})) == "berlin"
    assert payments.calendar.resolve(_ticket()) == "berlin"


def test_explain_match_names_the_key_each_earlier_policy_failed() -> None:
    policies = load_policy_text(POLICIES)
    steps = policies.explain_match(_ticket(product="payments", priority="low"))
    assert [step.policy.name for step in steps] == [
        "enterprise",
        "payments",
        "vip",
        "chat",
        "standard",
    ]
    assert steps[0].failed is not None and steps[0].failed.key == "tier"
    assert steps[1].failed is not None and steps[1].failed.key == "priority"
    assert steps[1].found == ("low",)
    assert steps[-1].failed is None
