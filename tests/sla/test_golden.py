"""Golden cases: only the given keys are compared; instants compare as instants."""

from __future__ import annotations

import pytest

from slabridge.sla.golden import GoldenError, compare, parse_case

OUTPUT = {
    "policy": "p",
    "breached": True,
    "at_risk": False,
    "metrics": {
        "first_response": {
            "status": "breached",
            "due_at": "2026-12-07T11:00:00Z",
            "breached_at": "2026-12-07T11:00:00Z",
            "stopped_at": None,
            "cycles": [{"status": "achieved"}, {"status": "breached", "stopped_at": None}],
        }
    },
}
TICKET = {"id": "1", "created_at": "2026-12-07T09:00:00Z", "status": "open"}


def _expect(expect: object) -> dict[str, object]:
    case = parse_case({"now": "2026-12-07T12:00:00Z", "ticket": TICKET, "expect": expect}, "f", "f")
    return dict(case.expect)


def test_only_given_keys_are_compared_and_offsets_do_not_matter() -> None:
    expect = _expect(
        {"metrics": {"first_response": {"due_at": "2026-12-07T12:00:00+01:00", "stopped_at": None}}}
    )
    assert compare(expect, OUTPUT) == []


def test_a_cycle_count_and_a_cycle_value_are_named() -> None:
    three = _expect({"metrics": {"first_response": {"cycles": [{}, {}, {}]}}})
    assert [str(m) for m in compare(three, OUTPUT)] == [
        "metrics.first_response.cycles: expected 3 cycles, got 2"
    ]
    second = _expect({"metrics": {"first_response": {"cycles": [{}, {"status": "active"}]}}})
    assert [str(m) for m in compare(second, OUTPUT)] == [
        "metrics.first_response.cycles[1].status: expected active, got breached"
    ]


def test_an_expected_metric_the_policy_does_not_measure() -> None:
    expect = _expect({"metrics": {"resolution": {"status": "active"}}})
    assert [str(m) for m in compare(expect, OUTPUT)] == [
        "metrics.resolution: expected a target, got no target (absent)"
    ]


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ({"breached": "yes"}, "expect.breached: expected true or false, got 'yes'"),
        ({"metrics": {"first_reply": {}}}, "expect.metrics.first_reply: unknown key"),
        ({"metrics": {"resolution": {"due_at": "monday"}}}, "expected an ISO 8601 instant"),
        ({"metrics": {"resolution": {"elapsed_seconds": "1h"}}}, "expected a number of seconds"),
        ({}, "expect: expected a mapping with any of: policy, breached, at_risk, metrics"),
    ],
)
def test_bad_expectations_name_the_key_path(expect: object, message: str) -> None:
    with pytest.raises(GoldenError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _expect(expect)
