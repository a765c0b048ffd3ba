"""What reports and alert rules know of a ticket: the facts a scope is tested against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slabridge.customers import customer_key
from slabridge.sla.ticket import Ticket


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a report or an alert rule needs to know of a ticket; shared by its outcomes."""

    connector: str
    ticket_id: str
    policy: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    tier: str | None = None
    product: str | None = None
    priority: str | None = None
    source: str | None = None
    type: str | None = None
    channel: str | None = None
    tags: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def customer_key(self) -> str | None:
        """``connector:id`` (the name without an id): ids alone collide between helpdesks."""
        return customer_key(self.connector, self.customer_id, self.customer_name)


def facts_from_ticket(
    ticket: Ticket, policy: str | None, connector: str | None = None
) -> TicketFacts:
    """Ticket facts from a normalized ticket; the connector defaults to the ticket's source."""
    customer = ticket.customer
    return TicketFacts(
        connector=connector or ticket.source or "(none)",
        ticket_id=ticket.id,
        policy=policy,
        customer_id=customer.id if customer else None,
        customer_name=customer.name if customer else None,
        tier=customer.tier if customer else None,
        product=ticket.product,
        priority=ticket.priority,
        source=ticket.source,
        type=ticket.type,
        channel=ticket.channel,
        tags=ticket.tags,
        fields=ticket.fields,
    )


__all__ = ["TicketFacts", "facts_from_ticket"]
