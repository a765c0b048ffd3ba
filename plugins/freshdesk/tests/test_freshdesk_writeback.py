"""The minimal PUT body for a change set, and how failed writes are reported."""

from __future__ import annotations

import json

from slabridge_freshdesk.config import FreshdeskMapping
from slabridge_freshdesk.writeback import error_summary, failure_result, same, update_body

from slabridge.connectors.base import ChangeSet
from slabridge.connectors.http import HttpError, RetryableHttpError

MAPPING = FreshdeskMapping()


def test_tags_keep_their_order_and_every_tag_slabridge_does_not_own() -> None:
    current = {"tags": ["zeta", "sla_at_risk", "alpha"]}
    change = ChangeSet(
        "1", add_tags=frozenset({"sla_breached", "zeta"}), remove_tags=frozenset({"sla_at_risk"})
    )
    assert update_body(current, change, MAPPING) == {"tags": ["zeta", "alpha", "sla_breached"]}


def test_removing_a_tag_the_ticket_does_not_carry_sends_nothing() -> None:
    change = ChangeSet("1", remove_tags=frozenset({"sla_at_risk"}))
    assert update_body({"tags": ["vip"]}, change, MAPPING) == {}


def test_priority_goes_out_as_freshdesks_number_only_when_it_differs() -> None:
    assert update_body({"priority": 2}, ChangeSet("1", priority="urgent"), MAPPING) == {
        "priority": 4
    }
    assert update_body({"priority": 4}, ChangeSet("1", priority="urgent"), MAPPING) == {}


def test_custom_fields_go_under_custom_fields_and_equal_values_are_skipped() -> None:
    current = {"custom_fields": {"cf_breached": True, "cf_due": "2026-01-05T13:00:00Z"}}
    change = ChangeSet(
        "1", fields={"cf_breached": "true", "cf_due": "2026-01-05T14:00:00Z", "cf_new": 3}
    )
    assert update_body(current, change, MAPPING) == {
        "custom_fields": {"cf_due": "2026-01-05T14:00:00Z", "cf_new": 3}
    }


def test_field_values_compare_as_text_but_keep_their_case() -> None:
    assert same(True, "true") and same(3, "3") and same("x", "x")
    assert not same("Gold", "gold") and not same(None, "") and not same(False, None)


def test_freshdesk_validation_errors_become_one_readable_line() -> None:
    body = {
        "description": "Validation failed",
        "errors": [
            {"field": "priority", "message": "It should be one of these values: '1,2,3,4'",
             "code": "invalid_value"},
            {"field": "cf_x", "message": "Unexpected/invalid field in request",
             "code": "invalid_field"},
        ],
    }  # fmt: skip
    exc = HttpError("PUT", "/api/v2/tickets/1", 400, json.dumps(body), retryable=False)
    assert error_summary(exc) == (
        "HTTP 400: priority: It should be one of these values: '1,2,3,4' (invalid_value); "
        "cf_x: Unexpected/invalid field in request (invalid_field)"
    )
    result = failure_result("1", exc)
    assert (result.outcome, result.error) == ("rejected", error_summary(exc))


def test_failures_map_onto_outcomes() -> None:
    throttled = RetryableHttpError("PUT", "/api/v2/tickets/1", 429, "slow down", 30.0)
    gone = HttpError("PUT", "/api/v2/tickets/1", 404, "", retryable=False)
    clash = HttpError("PUT", "/api/v2/tickets/1", 409, '{"message": "conflict"}', retryable=False)
    assert [failure_result("1", e).outcome for e in (throttled, gone, clash)] == [
        "retry",
        "rejected",
        "conflict",
    ]
