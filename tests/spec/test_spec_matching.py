"""POLICY.md §1 policy matching (ordered, first match), targets by priority, calendar choice."""

from __future__ import annotations

from typing import Any

import pytest
from spec_helpers import Evaluator, policy_file, priority, ticket, utc


def named(name: str, match: dict[str, Any] | None, target: str = "1h") -> dict[str, Any]:
    policy: dict[str, Any] = {
        "name": name,
        "calendar": "always",
        "targets": {"default": {"first_response": target}},
    }
    if match is not None:
        policy["match"] = match
    return policy


# Ordered; deliberately without a fallback, so "nothing matches" is visible as policy null.
MATCHERS = policy_file(
    policies=[
        named("tags_all", {"tags_all": ["a", "b"]}),
        named("tags_any", {"tags_any": ["x", "y"]}),
        named("field", {"fields.region": "emea"}),
        named("source", {"source": "jira"}),
        named("type", {"type": "problem"}),
        named("channel", {"channel": "chat"}),
        named("tier", {"tier": "gold"}),
        named("product_priority", {"product": "payments", "priority": ["high", "urgent"]}),
    ]
)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({}, None),
        ({"tags": ["a", "b", "z"]}, "tags_all"),
        ({"tags": ["a", "z"]}, None),  # tags_all needs both a and b
        ({"tags": ["y"]}, "tags_any"),
        ({"tags": ["a", "x"]}, "tags_any"),  # not all of a, b; but one of x, y
        ({"fields": {"region": "emea"}}, "field"),
        ({"fields": {"region": "amer"}}, None),
        ({"source": "jira"}, "source"),
        ({"type": "problem"}, "type"),
        ({"channel": "chat"}, "channel"),
        ({"customer": {"id": "c", "tier": "gold"}}, "tier"),
        ({"product": "payments", "priority": "high"}, "product_priority"),
        ({"product": "payments", "priority": "urgent"}, "product_priority"),
        ({"product": "payments", "priority": "low"}, None),  # keys are ANDed
        ({"product": "billing", "priority": "urgent"}, None),
        # Several hold: the FIRST in file order applies.
        ({"tags": ["a", "b", "x"], "source": "jira", "channel": "chat"}, "tags_all"),
        ({"source": "jira", "type": "problem"}, "source"),
        ({"channel": "chat", "product": "payments", "priority": "high"}, "channel"),
    ],
)
def test_the_first_policy_whose_match_holds_applies(
    sla: Evaluator, attributes: dict[str, Any], expected: str | None
) -> None:
    data = ticket("10:00", **attributes)
    out = sla.one(MATCHERS, data, "10:30")
    assert out["policy"] == expected
    if expected is None:
        assert not out.get("metrics")


def test_a_policy_without_match_is_a_fallback_for_every_ticket(sla: Evaluator) -> None:
    policy = policy_file(
        policies=[named("only_jira", {"source": "jira"}), named("fallback", None, "2h")]
    )
    out = sla.one(policy, ticket("10:00", source="freshdesk"), "10:30")
    assert out["policy"] == "fallback"
    assert out["metrics"]["first_response"]["target_seconds"] == 7200


def test_a_ticket_raised_into_a_priority_list_matches_that_policy(sla: Evaluator) -> None:
    # Raised from normal to urgent before now, so payments + [high, urgent] holds.
    policy = policy_file(
        policies=[
            named("hot_payments", {"product": "payments", "priority": ["high", "urgent"]}, "15m"),
            named("fallback", None, "8h"),
        ]
    )
    data = ticket("10:00", priority("10:10", "urgent"), product="payments", priority="urgent")
    out = sla.one(policy, data, "10:30")
    assert out["policy"] == "hot_payments"


TIERED = {
    "urgent": {"first_response": "15m"},
    "high": {"first_response": "1h"},
    "default": {"first_response": "4h"},
}


@pytest.mark.parametrize(
    ("ticket_priority", "seconds"),
    [("urgent", 900), ("high", 3600), ("normal", 14400), ("low", 14400)],
)
def test_targets_are_chosen_by_priority_with_default_for_the_rest(
    sla: Evaluator, ticket_priority: str, seconds: int
) -> None:
    out = sla.one(policy_file(TIERED), ticket("10:00", priority=ticket_priority), "10:05")
    assert out["metrics"]["first_response"]["target_seconds"] == seconds


def test_a_ticket_without_priority_uses_the_default_priority_setting(sla: Evaluator) -> None:
    policy = policy_file(TIERED, settings={"default_priority": "high"})
    out = sla.one(policy, ticket("10:00", priority=None), "10:05")
    assert out["metrics"]["first_response"]["target_seconds"] == 3600  # the `high` target


def test_a_ticket_without_priority_and_default_normal_gets_the_normal_target(
    sla: Evaluator,
) -> None:
    targets = {"normal": {"first_response": "2h"}, "default": {"first_response": "8h"}}
    out = sla.one(policy_file(targets), ticket("10:00", priority=None), "10:05")
    assert out["metrics"]["first_response"]["target_seconds"] == 7200


def test_a_metric_calendar_overrides_the_policy_calendar(sla: Evaluator) -> None:
    targets = {
        "default": {"first_response": "2h", "resolution": {"within": "2h", "calendar": "office"}}
    }
    # Created Mon 16:00. first_response on 24x7: due 18:00. resolution on 09-17: 16-17 + Tue
    # 09-10 -> due Tue 10:00.
    out = sla.one(policy_file(targets), ticket("16:00"), "16:30")
    first, resolution = out["metrics"]["first_response"], out["metrics"]["resolution"]
    assert first["calendar"] == "always"
    assert first["due_at"] == utc("18:00")
    assert resolution["calendar"] == "office"
    assert resolution["due_at"] == utc("2025-03-04 10:00")


CALENDARS = {
    "ny": {"timezone": "America/New_York", "hours": {"mon-fri": "09:00-18:00"}},
    "ber": {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}},
}
BY_REGION = {"by": "customer.region", "map": {"amer": "ny", "emea": "ber"}, "default": "office"}


@pytest.mark.parametrize(
    ("region", "calendar", "due"),
    [
        # Created Mon 12:00Z, target 1h.
        ("amer", "ny", "15:00"),  # 12:00Z = 07:00 EST, opens 09:00 EST = 14:00Z -> 15:00Z
        ("emea", "ber", "13:00"),  # 12:00Z = 13:00 CET, open -> 13:00Z
        ("apac", "office", "13:00"),  # not in map -> default (UTC 09-17), open -> 13:00Z
        (None, "office", "13:00"),  # no region -> default
    ],
)
def test_a_policy_calendar_may_be_chosen_by_a_ticket_attribute(
    sla: Evaluator, region: str | None, calendar: str, due: str
) -> None:
    policy = policy_file(
        {"default": {"first_response": "1h"}}, calendar=BY_REGION, calendars=CALENDARS
    )
    data = ticket("12:00", customer={"id": "org", "tier": "pro", "region": region})
    metric = sla.one(policy, data, "12:30")["metrics"]["first_response"]
    assert metric["calendar"] == calendar
    assert metric["due_at"] == utc(due)


def test_a_calendar_may_be_chosen_by_a_custom_field(sla: Evaluator) -> None:
    by_field = {"by": "fields.region", "map": {"amer": "ny"}, "default": "office"}
    policy = policy_file(
        {"default": {"first_response": "1h"}}, calendar=by_field, calendars=CALENDARS
    )
    data = ticket("12:00", fields={"region": "amer"})
    metric = sla.one(policy, data, "12:30")["metrics"]["first_response"]
    assert metric["calendar"] == "ny"
    assert metric["due_at"] == utc("15:00")
