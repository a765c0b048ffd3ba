"""Service credits: which rule applies to a customer, its compliance, and the credit owed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from slabridge.report.models import CreditRule, CreditSettings, CreditStep, short_percent
from slabridge.report.stats import share


@dataclass(frozen=True, slots=True)
class CreditResult:
    """The credit one customer is owed for a period, and why."""

    customer: str
    customer_name: str | None
    tier: str | None
    rule: str
    metrics: tuple[str, ...]
    achieved_cycles: int
    decided_cycles: int
    step: CreditStep | None
    credit: Fraction
    capped: bool

    @property
    def compliance(self) -> Fraction | None:
        return share(self.achieved_cycles, self.decided_cycles)

    @property
    def reason(self) -> str:
        """A sentence naming the rule and the step that produced the credit."""
        if self.decided_cycles == 0:
            return f"{self.rule}: no decided cycles in the period, no credit"
        if self.step is None:
            return f"{self.rule}: compliance meets every threshold, no credit"
        below, credit = short_percent(self.step.below), short_percent(self.step.credit)
        text = f"{self.rule}: below {below} → {credit}"
        if self.capped:
            text += f", capped at {short_percent(self.credit)}"
        return text


def credit_for(rule: CreditRule, compliance: Fraction) -> tuple[CreditStep | None, Fraction, bool]:
    """The step that applies (the lowest threshold compliance is strictly below), credit, capped.

    "below: 95%" means compliance < 95%: exactly 95% does not earn that step's credit.
    """
    applicable = [step for step in rule.schedule if compliance < step.below]
    if not applicable:
        return None, Fraction(0), False
    step = min(applicable, key=lambda candidate: candidate.below)
    if rule.cap is not None and step.credit > rule.cap:
        return step, rule.cap, True
    return step, step.credit, False


def credits_owed(
    per_customer: Mapping[str, Mapping[str, Sequence[int]]],
    tiers: Mapping[str, str | None],
    names: Mapping[str, str],
    settings: CreditSettings,
    rule_keys: Mapping[str, str] | None = None,
) -> list[CreditResult]:
    """Credits for every customer a rule covers; `per_customer[c][metric]` = [achieved, decided].

    Customers are keyed `connector:id` (or by a joined `customers:` key); `rule_keys` maps a
    customer key to the `credits.customers` entry naming it, when that is not the key itself.
    """
    results: list[CreditResult] = []
    for customer in sorted(set(per_customer) | set(tiers)):
        tier = tiers.get(customer)
        found = settings.for_customer(customer, tier, (rule_keys or {}).get(customer))
        if found is None:
            continue
        label, rule = found
        counted = rule.counted_metrics
        by_metric = per_customer.get(customer, {})
        achieved = sum(by_metric[m][0] for m in counted if m in by_metric)
        decided = sum(by_metric[m][1] for m in counted if m in by_metric)
        compliance = share(achieved, decided)
        step, credit, capped = (None, Fraction(0), False)
        if compliance is not None:
            step, credit, capped = credit_for(rule, compliance)
        results.append(
            CreditResult(
                customer=customer,
                customer_name=names.get(customer),
                tier=tier,
                rule=label,
                metrics=counted,
                achieved_cycles=achieved,
                decided_cycles=decided,
                step=step,
                credit=credit,
                capped=capped,
            )
        )
    return results


__all__ = ["CreditResult", "credit_for", "credits_owed"]
