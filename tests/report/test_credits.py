"""Service credits: the step that applies at exact boundaries, caps, and which rule wins."""

from __future__ import annotations

from fractions import Fraction

import pytest

from slabridge.report.credits import credit_for, credits_owed
from slabridge.report.models import CreditSettings, validate_credits

SCHEDULE = [
    {"below": "99%", "credit": "5%"},
    {"below": "95%", "credit": "10%"},
    {"below": "90%", "credit": "25%"},
]


def settings(cap: str | None = None) -> CreditSettings:
    rule: dict[str, object] = {"schedule": SCHEDULE}
    if cap:
        rule["cap"] = cap
    credits, problems = validate_credits(
        {
            "tiers": {"enterprise": rule},
            "customers": {
                "org-9": {
                    "schedule": [{"below": "99.9%", "credit": "50%"}],
                    "metrics": ["first_response"],
                }
            },
        }
    )
    assert problems == []
    return credits


@pytest.mark.parametrize(
    ("compliance", "credit"),
    [
        (Fraction(1), Fraction(0)),
        (Fraction(99, 100), Fraction(0)),  # exactly 99%: not below 99%
        (Fraction(9899, 10000), Fraction(5, 100)),
        (Fraction(95, 100), Fraction(5, 100)),  # exactly 95%: not below 95%, so the 5% step
        (Fraction(9499, 10000), Fraction(10, 100)),
        (Fraction(90, 100), Fraction(10, 100)),  # exactly 90%: the 10% step
        (Fraction(8999, 10000), Fraction(25, 100)),
        (Fraction(0), Fraction(25, 100)),
    ],
)
def test_below_means_strictly_below(compliance: Fraction, credit: Fraction) -> None:
    rule = settings().tiers["enterprise"]
    assert credit_for(rule, compliance)[1] == credit


def test_an_exact_fraction_just_under_a_boundary_is_below_it() -> None:
    # 189 of 200 cycles = 94.5%; 949 of 1000 = 94.9%; 1899 of 2000 = 94.95%: all below 95%.
    rule = settings().tiers["enterprise"]
    for achieved, decided in ((189, 200), (949, 1000), (1899, 2000)):
        assert credit_for(rule, Fraction(achieved, decided))[1] == Fraction(1, 10)
    # 19 of 20 cycles is exactly 95%.
    assert credit_for(rule, Fraction(19, 20))[1] == Fraction(1, 20)


def test_the_cap_limits_the_credit_and_is_reported() -> None:
    rule = settings(cap="20%").tiers["enterprise"]
    step, credit, capped = credit_for(rule, Fraction(1, 2))
    assert step is not None and step.credit == Fraction(1, 4)
    assert (credit, capped) == (Fraction(1, 5), True)
    assert credit_for(rule, Fraction(93, 100))[1:] == (Fraction(1, 10), False)


def test_credits_are_computed_per_customer_with_the_rule_that_produced_them() -> None:
    per_customer = {
        # org-1: 19 of 20 achieved across metrics = 95% -> 5%.
        "org-1": {"first_response": [10, 10], "resolution": [9, 10]},
        # org-9 has its own rule counting first responses only: 999/1000 = 99.9% -> no credit.
        "org-9": {"first_response": [999, 1000], "resolution": [0, 10]},
        # org-5 is in no covered tier.
        "org-5": {"first_response": [0, 10]},
    }
    tiers = {"org-1": "enterprise", "org-9": "enterprise", "org-5": "free"}
    results = credits_owed(per_customer, tiers, {"org-1": "Acme"}, settings())
    assert [r.customer for r in results] == ["org-1", "org-9"]
    acme, own = results
    assert (acme.achieved_cycles, acme.decided_cycles) == (19, 20)
    assert acme.credit == Fraction(1, 20)
    assert acme.reason == "tiers.enterprise: below 99% → 5%"
    assert (own.rule, own.metrics) == ("customers.org-9", ("first_response",))
    assert own.compliance == Fraction(999, 1000)
    assert own.credit == 0
    assert own.reason == "customers.org-9: compliance meets every threshold, no credit"


def test_a_customer_without_decided_cycles_owes_nothing() -> None:
    results = credits_owed({}, {"org-1": "enterprise"}, {}, settings())
    (result,) = results
    assert result.compliance is None and result.credit == 0
    assert "no decided cycles" in result.reason
