"""Credits at risk: the credit step a customer is on, the next one, and the misses to reach it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from slabridge.report.credits import CreditResult
from slabridge.report.models import CreditRule, CreditSettings, CreditStep, short_percent


@dataclass(frozen=True, slots=True)
class CreditRisk:
    """How close a customer is to the next, larger credit of its schedule."""

    customer: str
    customer_name: str | None
    tier: str | None
    rule: str
    current_step: CreditStep | None
    current_credit: Fraction
    next_step: CreditStep
    next_credit: Fraction  # after the rule's cap
    misses_to_next: int

    @property
    def who(self) -> str:
        return f"{self.customer_name} ({self.customer})" if self.customer_name else self.customer

    def sentence(self) -> str:
        """``one more enterprise breach takes Acme GmbH (zendesk:361) below 95%: credit 10%``."""
        count = "one" if self.misses_to_next == 1 else str(self.misses_to_next)
        kind = f"{self.tier} " if self.tier else ""
        noun = "breach" if self.misses_to_next == 1 else "breaches"
        verb = "takes" if self.misses_to_next == 1 else "take"
        return (
            f"{count} more {kind}{noun} {verb} {self.who} below "
            f"{short_percent(self.next_step.below)}: credit {short_percent(self.next_credit)}"
        )


def misses_to_cross(achieved: int, decided: int, below: Fraction) -> int | None:
    """The fewest further misses that take achieved ÷ decided strictly below `below`.

    After k misses compliance is achieved ÷ (decided + k), below `below` once
    k > achieved ÷ below − decided: k = ⌊achieved ÷ below − decided⌋ + 1 (at least 1).
    None when `below` is 0%: no compliance is below it.
    """
    if below <= 0:
        return None
    return max(math.floor(Fraction(achieved) / below - decided) + 1, 1)


def credit_risk(result: CreditResult, rule: CreditRule) -> CreditRisk | None:
    """The next step a customer can fall to and the misses it takes; None on the last step."""
    compliance = result.compliance
    ahead = [
        step
        for step in rule.schedule
        if step.below > 0 and (compliance is None or compliance >= step.below)
    ]
    if not ahead:
        return None
    step = max(ahead, key=lambda candidate: candidate.below)
    misses = misses_to_cross(result.achieved_cycles, result.decided_cycles, step.below)
    if misses is None:  # pragma: no cover - steps below 0% are filtered out above
        return None
    credit = step.credit if rule.cap is None else min(step.credit, rule.cap)
    if credit <= result.credit:
        return None  # capped already: crossing the step would not raise the credit
    return CreditRisk(
        customer=result.customer,
        customer_name=result.customer_name,
        tier=result.tier,
        rule=result.rule,
        current_step=result.step,
        current_credit=result.credit,
        next_step=step,
        next_credit=credit,
        misses_to_next=misses,
    )


def _rule(settings: CreditSettings, label: str) -> CreditRule | None:
    kind, _, key = label.partition(".")
    table = settings.tiers if kind == "tiers" else settings.customers
    return table.get(key)


def credits_at_risk(
    credits: Sequence[CreditResult], settings: CreditSettings | None
) -> list[CreditRisk]:
    """The risk of every credit line whose schedule has a further step, fewest misses first."""
    if settings is None:
        return []
    risks = []
    for result in credits:
        rule = _rule(settings, result.rule)
        risk = None if rule is None else credit_risk(result, rule)
        if risk is not None:
            risks.append(risk)
    return sorted(risks, key=lambda risk: (risk.misses_to_next, risk.customer))


__all__ = ["CreditRisk", "credit_risk", "credits_at_risk", "misses_to_cross"]
