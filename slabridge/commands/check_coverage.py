"""``check``'s look at real tickets: does the mapping give policies the keys they match on?

A connector without ``mapping:`` connects fine and reads fine, and then every ticket lacks a
tier, so every ticket falls through to the last policy: nothing fails, and every figure is
wrong. ``check`` reads a sample of tickets and warns when most of them lack a key that some
policy matches on.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence

from slabridge.connectors.base import Connector
from slabridge.sla.policy import MatchRule, PolicySet
from slabridge.sla.ticket import Ticket

SAMPLE_SIZE = 50
# Keys every ticket has from the helpdesk itself, whatever the mapping says.
_ALWAYS_SET = frozenset({"priority", "source", "tags_any", "tags_all"})


def sample_tickets(connector: Connector, size: int = SAMPLE_SIZE) -> list[Ticket]:
    """Up to ``size`` tickets from the start of a full read (one or two pages of the API)."""
    items: Iterator[object] = iter(connector.read(None))
    try:
        tickets = (item for item in items if isinstance(item, Ticket))
        return list(itertools.islice(tickets, size))
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # stop the read: a sample is all check needs


def coverage_warnings(tickets: Sequence[Ticket], policies: PolicySet, instance: str) -> list[str]:
    """One warning per match key that more than half of the sampled tickets lack."""
    if not tickets:
        return []
    matched_on: dict[str, list[str]] = {}
    for policy in policies.policies:
        for rule in policy.match:
            if rule.key not in _ALWAYS_SET:
                matched_on.setdefault(rule.key, []).append(policy.name)
    warnings = []
    for key, names in matched_on.items():
        probe = MatchRule(key, ())
        lacking = [ticket for ticket in tickets if not probe.ticket_values(ticket, "")]
        if len(lacking) * 2 <= len(tickets):
            continue
        landed = Counter(_policy_name(policies, ticket) for ticket in lacking)
        where = ", ".join(f"{name} ({count})" for name, count in landed.most_common())
        warnings.append(
            f"{len(lacking)} of {len(tickets)} sampled tickets have no {key}, which policies "
            f"{', '.join(dict.fromkeys(names))} match on; they fall through to: {where}. "
            f"Map it under connectors.{instance}.mapping (see the connector's docs)"
        )
    return warnings


def _policy_name(policies: PolicySet, ticket: Ticket) -> str:
    policy = policies.match(ticket)
    return policy.name if policy is not None else "no policy"


__all__ = ["SAMPLE_SIZE", "coverage_warnings", "sample_tickets"]
