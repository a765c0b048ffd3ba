"""Which tickets a goal or an alert rule covers: the scope, and the test it compiles to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, model_validator

from slabridge.customers import REQUESTER_EMAIL_FIELD, CustomerDirectory
from slabridge.facts import TicketFacts
from slabridge.sections.validation import StrictModel
from slabridge.sla.policy import MATCH_KEYS

# Keys a goal's scope may use: the policy match keys, plus `customer` (a customer id).
SCOPE_KEYS: tuple[str, ...] = (*MATCH_KEYS, "customer")


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("expected a string or a non-empty list of strings")


# A match value: one string, or a list meaning "any of" (as in policy `match:`).
StrOrList = Annotated[tuple[str, ...], BeforeValidator(_strings)]


def _as_list(value: tuple[str, ...] | None) -> tuple[str, ...]:
    return () if value is None else value


class Scope(StrictModel):
    """Which cycles a goal counts: the policy match keys, ANDed; a list means any of."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    tier: StrOrList | None = None
    product: StrOrList | None = None
    priority: StrOrList | None = None
    source: StrOrList | None = None
    type: StrOrList | None = None
    channel: StrOrList | None = None
    tags_any: StrOrList | None = None
    tags_all: StrOrList | None = None
    customer: StrOrList | None = None

    @model_validator(mode="after")
    def _only_field_keys(self) -> Scope:
        for key, value in (self.model_extra or {}).items():
            if not key.startswith("fields.") or key == "fields.":
                raise ValueError(
                    f"unknown scope key {key!r} (use {', '.join(SCOPE_KEYS)} or fields.NAME)"
                )
            try:
                _strings(value)
            except ValueError:
                raise ValueError(
                    f"{key}: expected a string or a non-empty list of strings"
                ) from None
        return self

    def conditions(self) -> dict[str, tuple[str, ...]]:
        """Each key that is set, with its accepted values."""
        found: dict[str, tuple[str, ...]] = {}
        for key in SCOPE_KEYS:
            value = getattr(self, key)
            if value is not None:
                found[key] = _as_list(value)
        for key, value in (self.model_extra or {}).items():
            found[key] = _strings(value)
        return found


# How a report names a ticket's customer: `connector:id`, or the key of a joined customer.
CustomerIdentity = Callable[[TicketFacts], "str | None"]


def customer_identity(customers: CustomerDirectory | None = None) -> CustomerIdentity:
    """The customer key of ticket facts under a `customers:` section (docs/reports.md)."""
    if not customers:
        return lambda facts: facts.customer_key
    cache: dict[tuple[str, str | None, str | None, object], str | None] = {}

    def identify(facts: TicketFacts) -> str | None:
        email = facts.fields.get(REQUESTER_EMAIL_FIELD)
        probe = (facts.connector, facts.customer_id, facts.customer_name, email)
        try:
            return cache[probe]
        except KeyError:
            found = cache[probe] = customers.identify(*probe)
            return found
        except TypeError:  # an unhashable field value: no e-mail address anyway
            return customers.identify(*probe[:3])

    return identify


def scope_predicate(
    scope: Scope, identify: CustomerIdentity | None = None
) -> Callable[[TicketFacts], bool]:
    """Compile a goal scope into a test on ticket facts (keys ANDed, a list means any of)."""
    conditions = [(key, frozenset(values)) for key, values in scope.conditions().items()]
    who = identify or customer_identity()

    def matches(facts: TicketFacts) -> bool:
        return all(_condition_holds(facts, key, accepted, who) for key, accepted in conditions)

    return matches


def _condition_holds(
    facts: TicketFacts, key: str, accepted: frozenset[str], identify: CustomerIdentity
) -> bool:
    if key == "tags_any":
        return not accepted.isdisjoint(facts.tags)
    if key == "tags_all":
        return accepted.issubset(facts.tags)
    if key == "customer":
        # The customer key; a bare id or name still matches in every helpdesk (deprecated).
        return (
            identify(facts) in accepted
            or facts.customer_id in accepted
            or facts.customer_name in accepted
        )
    if key.startswith("fields."):
        return _text(facts.fields.get(key.removeprefix("fields."))) in accepted
    return getattr(facts, key) in accepted


def _text(value: object) -> str | None:
    return None if value is None else str(value)


__all__ = [
    "SCOPE_KEYS",
    "CustomerIdentity",
    "Scope",
    "StrOrList",
    "customer_identity",
    "scope_predicate",
]
