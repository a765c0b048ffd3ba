"""Credits at risk: the next step and the misses that reach it, worked out by hand."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from slabridge.report.at_risk import CreditRisk, credits_at_risk, misses_to_cross
from slabridge.report.credits import credits_owed
from slabridge.report.models import CreditSettings, validate_credits

ENTERPRISE: dict[str, Any] = {
    "tiers": {
        "enterprise": {
            "schedule": [
                {"below": "99%", "credit": "5%"},
                {"below": "95%", "credit": "10%"},
                {"below": "90%", "credit": "25%"},
            ],
            "cap": "20%",
        }
    }
}


def settings(raw: Mapping[str, Any]) -> CreditSettings:
    found, problems = validate_credits(raw)
    assert not problems
    return found


def risks(
    counts: dict[str, tuple[int, int]], raw: Mapping[str, Any] = ENTERPRISE
) -> dict[str, CreditRisk]:
    chosen = settings(raw)
    per_customer = {key: {"first_response": [a, d]} for key, (a, d) in counts.items()}
    tiers = dict.fromkeys(counts, "enterprise")
    names = {"zendesk:361": "Acme GmbH"}
    owed = credits_owed(per_customer, tiers, names, chosen)
    return {risk.customer: risk for risk in credits_at_risk(owed, chosen)}


def test_exactly_at_a_threshold_one_more_breach_crosses_it() -> None:
    found = risks({"zendesk:361": (19, 20)})["zendesk:361"]
    # 19/20 = 95% is not below 95%: on the 99% step (5%). One more miss: 19/21 = 90.47% < 95%.
    assert found.current_step is not None and found.current_step.below == Fraction(99, 100)
    assert (found.current_credit, found.next_step.below) == (Fraction(5, 100), Fraction(95, 100))
    # k = floor(19 / 0.95 - 20) + 1 = floor(0) + 1 = 1.
    assert (found.misses_to_next, found.next_credit) == (1, Fraction(10, 100))
    assert found.sentence() == (
        "one more enterprise breach takes Acme GmbH (zendesk:361) below 95%: credit 10%"
    )


def test_a_perfect_customer_needs_two_misses_to_drop_below_99_percent() -> None:
    found = risks({"zendesk:7": (100, 100)})["zendesk:7"]
    # k = floor(100 / 0.99 - 100) + 1 = floor(1.0101) + 1 = 2: 100/101 = 99.0099% is not
    # below 99%, 100/102 = 98.04% is.
    assert found.current_step is None and found.misses_to_next == 2
    assert found.sentence() == "2 more enterprise breaches take zendesk:7 below 99%: credit 5%"


def test_the_next_step_is_shown_after_the_cap() -> None:
    found = risks({"zendesk:8": (92, 100)})["zendesk:8"]
    # 92% is below 95% (10%); next is below 90% → 25%, capped at 20%.
    # k = floor(92 / 0.9 - 100) + 1 = floor(2.22) + 1 = 3: 92/102 = 90.19%, 92/103 = 89.32%.
    assert (found.misses_to_next, found.next_credit) == (3, Fraction(20, 100))


def test_the_last_step_and_a_capped_step_are_not_at_risk() -> None:
    # 85/100 is below 90% already: no further step.
    assert risks({"zendesk:9": (85, 100)}) == {}
    capped = {
        "tiers": {
            "enterprise": {
                "schedule": [{"below": "95%", "credit": "10%"}, {"below": "90%", "credit": "25%"}],
                "cap": "10%",
            }
        }
    }
    # 92% earns 10%, the cap; the 90% step would also pay 10%: nothing more is at risk.
    assert risks({"zendesk:9": (92, 100)}, capped) == {}


def test_a_customer_without_decided_cycles_drops_with_its_first_miss() -> None:
    # 0 of 0: no compliance yet; one miss makes 0/1 = 0% < 99%: k = floor(0 - 0) + 1 = 1.
    found = risks({"zendesk:10": (0, 0)})["zendesk:10"]
    assert (found.next_step.below, found.misses_to_next) == (Fraction(99, 100), 1)


def test_misses_to_cross_by_hand() -> None:
    # 9/10 = 90% vs below 90%: floor(9 / 0.9 - 10) + 1 = 1 (9/11 = 81.8%).
    assert misses_to_cross(9, 10, Fraction(9, 10)) == 1
    # 50/50 vs below 50%: floor(100 - 50) + 1 = 51 (50/100 = 50% is not below, 50/101 is).
    assert misses_to_cross(50, 50, Fraction(1, 2)) == 51
    assert misses_to_cross(5, 5, Fraction(0)) is None


def test_risks_are_ordered_by_how_close_they_are() -> None:
    found = list(risks({"zendesk:7": (100, 100), "zendesk:361": (19, 20)}))
    assert found == ["zendesk:361", "zendesk:7"]
