"""The normalized ticket every connector produces (POLICY.md §2), and its JSON parsing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATUSES: tuple[str, ...] = ("new", "open", "pending", "on_hold", "solved", "closed")
STOPPED_STATUSES: frozenset[str] = frozenset({"solved", "closed"})
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
AUTHORS: tuple[str, ...] = ("agent", "customer")

_TICKET_KEYS = frozenset(
    {
        "id",
        "source",
        "created_at",
        "updated_at",
        "status",
        "priority",
        "type",
        "channel",
        "product",
        "tags",
        "fields",
        "customer",
        "events",
    }
)
_CUSTOMER_KEYS = frozenset({"id", "name", "tier", "region"})


class TicketError(ValueError):
    """A ticket that cannot be evaluated; names the ticket and the offending key."""

    def __init__(self, ticket_id: str | None, key: str, problem: str) -> None:
        self.ticket_id = ticket_id
        self.key = key
        self.problem = problem
        who = f"ticket {ticket_id!r}" if ticket_id is not None else "ticket (no id)"
        super().__init__(f"{who}: {key}: {problem}")


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a ticket's history."""

    at: datetime
    type: str
    status: str | None = None
    priority: str | None = None
    author: str | None = None
    public: bool = True


@dataclass(frozen=True, slots=True)
class Customer:
    """The customer (organization) behind a ticket."""

    id: str | None = None
    name: str | None = None
    tier: str | None = None
    region: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ticket:
    """A helpdesk ticket in slabridge's normalized shape; timestamps are aware and in UTC."""

    id: str
    created_at: datetime
    updated_at: datetime
    status: str
    source: str | None = None
    priority: str | None = None
    type: str | None = None
    channel: str | None = None
    product: str | None = None
    tags: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    customer: Customer | None = None
    events: tuple[Event, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def lookup(self, path: str) -> Any:
        """Resolve a dotted path like ``customer.region`` or ``fields.region``; None if absent."""
        head, _, rest = path.partition(".")
        value: Any
        value = getattr(self, head) if head in _TICKET_KEYS else self.extra.get(head)
        while rest and value is not None:
            head, _, rest = rest.partition(".")
            if isinstance(value, Customer):
                value = getattr(value, head) if head in _CUSTOMER_KEYS else value.extra.get(head)
            elif isinstance(value, Mapping):
                value = value.get(head)
            else:
                return None
        return value

    def to_json(self) -> dict[str, Any]:
        """The ticket as POLICY.md §2 JSON (unknown keys included), timestamps in UTC with Z."""
        data: dict[str, Any] = dict(self.extra)
        data.update(
            id=self.id,
            source=self.source,
            created_at=format_timestamp(self.created_at),
            updated_at=format_timestamp(self.updated_at),
            status=self.status,
            priority=self.priority,
            type=self.type,
            channel=self.channel,
            product=self.product,
            tags=list(self.tags),
            fields=dict(self.fields),
            customer=None,
            events=[_event_json(event) for event in self.events],
        )
        if self.customer is not None:
            customer = dict(self.customer.extra)
            customer.update(
                id=self.customer.id,
                name=self.customer.name,
                tier=self.customer.tier,
                region=self.customer.region,
            )
            data["customer"] = customer
        return data


def format_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with a ``Z`` suffix; whole seconds unless the instant has a fraction."""
    utc = moment.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_timestamp(value: Any, ticket_id: str | None, key: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries an offset; raise TicketError otherwise."""
    if not isinstance(value, str):
        raise TicketError(ticket_id, key, "expected an ISO 8601 timestamp string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TicketError(ticket_id, key, "not an ISO 8601 timestamp") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TicketError(ticket_id, key, "timestamp has no UTC offset (add Z or +hh:mm)")
    return moment.astimezone(UTC)


def _event_json(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {"at": format_timestamp(event.at), "type": event.type}
    if event.type == "status":
        data["status"] = event.status
    elif event.type == "priority":
        data["priority"] = event.priority
    elif event.type == "reply":
        data["author"] = event.author
        data["public"] = event.public
    return data


def _optional_str(data: Mapping[str, Any], key: str, ticket_id: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TicketError(ticket_id, path, "expected a string")
    return str(value)


def _choice(value: Any, allowed: tuple[str, ...], ticket_id: str, path: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise TicketError(ticket_id, path, f"must be one of {', '.join(allowed)}")
    return value


def _parse_event(raw: Any, ticket_id: str, index: int) -> Event:
    where = f"events[{index}]"
    if not isinstance(raw, Mapping):
        raise TicketError(ticket_id, where, "expected an object")
    if "at" not in raw:
        raise TicketError(ticket_id, f"{where}.at", "missing required key")
    if "type" not in raw:
        raise TicketError(ticket_id, f"{where}.type", "missing required key")
    at = parse_timestamp(raw["at"], ticket_id, f"{where}.at")
    kind = raw["type"]
    if not isinstance(kind, str):
        raise TicketError(ticket_id, f"{where}.type", "expected a string")
    if kind == "status":
        if "status" not in raw:
            raise TicketError(ticket_id, f"{where}.status", "missing required key")
        return Event(
            at, kind, status=_choice(raw["status"], STATUSES, ticket_id, f"{where}.status")
        )
    if kind == "priority":
        priority = raw.get("priority")
        if priority is not None:
            priority = _choice(priority, PRIORITIES, ticket_id, f"{where}.priority")
        return Event(at, kind, priority=priority)
    if kind == "reply":
        if "author" not in raw:
            raise TicketError(ticket_id, f"{where}.author", "missing required key")
        author = _choice(raw["author"], AUTHORS, ticket_id, f"{where}.author")
        public = raw.get("public", True)
        if not isinstance(public, bool):
            raise TicketError(ticket_id, f"{where}.public", "expected true or false")
        return Event(at, kind, author=author, public=public)
    # Unknown event types are kept (a connector may add its own) and ignored by the engine.
    return Event(at, kind)


def _parse_customer(raw: Any, ticket_id: str) -> Customer | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise TicketError(ticket_id, "customer", "expected an object or null")
    return Customer(
        id=_optional_str(raw, "id", ticket_id, "customer.id"),
        name=_optional_str(raw, "name", ticket_id, "customer.name"),
        tier=_optional_str(raw, "tier", ticket_id, "customer.tier"),
        region=_optional_str(raw, "region", ticket_id, "customer.region"),
        extra={k: v for k, v in raw.items() if k not in _CUSTOMER_KEYS},
    )


def parse_ticket(data: Any) -> Ticket:
    """Build a Ticket from POLICY.md §2 JSON; raise TicketError naming the ticket and key.

    Required keys: ``id``, ``created_at`` and ``status``. ``updated_at`` defaults to the latest of
    ``created_at`` and the events' times. Unknown keys are kept (``Ticket.extra``) and ignored.
    """
    if not isinstance(data, Mapping):
        raise TicketError(None, "(ticket)", "expected a JSON object")
    raw_id = data.get("id")
    if raw_id is None:
        raise TicketError(None, "id", "missing required key")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise TicketError(None, "id", "expected a string or an integer")
    ticket_id = str(raw_id)
    for key in ("created_at", "status"):
        if data.get(key) is None:
            raise TicketError(ticket_id, key, "missing required key")
    created_at = parse_timestamp(data["created_at"], ticket_id, "created_at")
    status = _choice(data["status"], STATUSES, ticket_id, "status")
    priority = data.get("priority")
    if priority is not None:
        priority = _choice(priority, PRIORITIES, ticket_id, "priority")

    raw_events = data.get("events") or []
    if not isinstance(raw_events, list):
        raise TicketError(ticket_id, "events", "expected a list")
    events = [_parse_event(raw, ticket_id, i) for i, raw in enumerate(raw_events)]
    # Stable sort: connectors should send time order, but equal instants keep their given order.
    events.sort(key=lambda event: event.at)

    if data.get("updated_at") is not None:
        updated_at = parse_timestamp(data["updated_at"], ticket_id, "updated_at")
    else:
        updated_at = max([created_at, *(event.at for event in events)])

    raw_tags = data.get("tags") or []
    if not isinstance(raw_tags, list) or not all(isinstance(tag, str) for tag in raw_tags):
        raise TicketError(ticket_id, "tags", "expected a list of strings")
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, Mapping):
        raise TicketError(ticket_id, "fields", "expected an object")

    return Ticket(
        id=ticket_id,
        source=_optional_str(data, "source", ticket_id, "source"),
        created_at=created_at,
        updated_at=updated_at,
        status=status,
        priority=priority,
        type=_optional_str(data, "type", ticket_id, "type"),
        channel=_optional_str(data, "channel", ticket_id, "channel"),
        product=_optional_str(data, "product", ticket_id, "product"),
        tags=tuple(raw_tags),
        fields=dict(raw_fields),
        customer=_parse_customer(data.get("customer"), ticket_id),
        events=tuple(events),
        extra={k: v for k, v in data.items() if k not in _TICKET_KEYS},
    )


__all__ = [
    "AUTHORS",
    "PRIORITIES",
    "STATUSES",
    "STOPPED_STATUSES",
    "Customer",
    "Event",
    "Ticket",
    "TicketError",
    "format_timestamp",
    "parse_ticket",
    "parse_timestamp",
]
