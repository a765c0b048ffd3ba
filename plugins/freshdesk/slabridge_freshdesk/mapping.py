"""Freshdesk API v2 payloads → normalized tickets and events (pure functions, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slabridge.sla.ticket import Customer, Event, Ticket, TicketError, parse_timestamp
from slabridge_freshdesk.config import FreshdeskMapping
from slabridge_freshdesk.statuses import StatusChoice

SOURCE = "freshdesk"

# Freshdesk ``source`` codes (how a ticket arrived) → normalized channel names.
CHANNELS: dict[int, str] = {
    1: "email",
    2: "portal",
    3: "phone",
    4: "forum",
    5: "twitter",
    6: "facebook",
    7: "chat",
    8: "mobihelp",
    9: "feedback_widget",
    10: "outbound_email",
}

# Conversation ``source`` 8 is "forward": sent to a third party, never seen by the customer.
FORWARD_SOURCE = 8

# Ticket stats keys that mark the start of a status, with the status they start.
_STATUS_STATS: tuple[tuple[str, str], ...] = (
    ("pending_since", "pending"),
    ("resolved_at", "solved"),
    ("closed_at", "closed"),
    ("reopened_at", "open"),
)
_REOPENABLE = frozenset({"pending", "solved", "closed"})


@dataclass(frozen=True, slots=True)
class Lookups:
    """Side data a ticket's mapping may need, fetched and cached by the connector.

    ``statuses`` are the account's statuses from the ticket-fields API (read only when a
    ticket has a custom status the config does not map).
    """

    companies: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    groups: Mapping[int, str] = field(default_factory=dict)
    products: Mapping[int, str] = field(default_factory=dict)
    statuses: Mapping[int, StatusChoice] = field(default_factory=dict)


def _timestamp(value: Any, ticket_id: str, key: str) -> datetime | None:
    if value is None:
        return None
    return parse_timestamp(value, ticket_id, key)


def conversation_event(conversation: Mapping[str, Any], ticket_id: str = "?") -> Event:
    """One conversation (reply or note) → a ``reply`` event.

    ``incoming`` tells a customer's message from an agent's; ``private`` marks a note; a forward
    (source 8) goes to a third party, so it is not a public reply either.
    """
    at = parse_timestamp(conversation.get("created_at"), ticket_id, "conversations[].created_at")
    incoming = bool(conversation.get("incoming"))
    private = bool(conversation.get("private")) or conversation.get("source") == FORWARD_SOURCE
    return Event(at, "reply", author="customer" if incoming else "agent", public=not private)


def conversation_events(
    conversations: Iterable[Mapping[str, Any]], ticket_id: str = "?"
) -> list[Event]:
    """Every conversation of a ticket as ``reply`` events, oldest first."""
    events = [conversation_event(item, ticket_id) for item in conversations]
    events.sort(key=lambda event: event.at)
    return events


def stats_reply_events(stats: Mapping[str, Any], ticket_id: str = "?") -> list[Event]:
    """The replies ``stats`` alone reveal: the first and the latest agent reply, the latest
    customer reply. Enough for ``first_response``; lossy for ``next_response``."""
    events: list[Event] = []
    first = _timestamp(stats.get("first_responded_at"), ticket_id, "stats.first_responded_at")
    last = _timestamp(stats.get("agent_responded_at"), ticket_id, "stats.agent_responded_at")
    customer = _timestamp(
        stats.get("requester_responded_at"), ticket_id, "stats.requester_responded_at"
    )
    for moment in sorted({m for m in (first, last) if m is not None}):
        events.append(Event(moment, "reply", author="agent", public=True))
    if customer is not None:
        events.append(Event(customer, "reply", author="customer", public=True))
    events.sort(key=lambda event: event.at)
    return events


def needs_conversations(raw: Mapping[str, Any], mode: str = "when_needed") -> bool:
    """Whether a ticket's clocks need its conversations, or ``stats`` tell enough.

    ``stats`` give the first agent reply and the latest reply each way. That is all
    ``first_response`` needs, and all there is when the customer never wrote after the first
    agent reply. Once they did, there may be several waits (``next_response`` cycles, pending
    periods ended by a customer reply): only the conversations show each one.
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    stats = raw.get("stats")
    if not isinstance(stats, Mapping):
        return True
    first = stats.get("first_responded_at")
    customer = stats.get("requester_responded_at")
    if not isinstance(first, str) or not isinstance(customer, str):
        return False
    try:
        return datetime.fromisoformat(customer) > datetime.fromisoformat(first)
    except ValueError:
        return True


def stats_marks(
    created_at: datetime, current: str, stats: Mapping[str, Any] | None, ticket_id: str = "?"
) -> list[tuple[datetime, str]]:
    """The status starts ``stats`` reveal: the latest ``pending_since``, ``resolved_at``,
    ``closed_at``, ``reopened_at``, and the current status since ``status_updated_at`` (last)."""
    marks: list[tuple[datetime, str]] = []
    if not stats:
        return marks
    for key, status in _STATUS_STATS:
        moment = _timestamp(stats.get(key), ticket_id, f"stats.{key}")
        if moment is not None and moment >= created_at:
            marks.append((moment, status))
    updated = _timestamp(stats.get("status_updated_at"), ticket_id, "stats.status_updated_at")
    if updated is not None and updated >= created_at:
        marks.append((updated, current))
    return marks


def status_events(
    created_at: datetime,
    current: str,
    stats: Mapping[str, Any] | None,
    replies: Sequence[Event],
    *,
    known: Iterable[tuple[datetime, str]] = (),
    customer_reply_reopens: bool = True,
    ticket_id: str = "?",
) -> list[Event]:
    """Reconstruct the status timeline Freshdesk v2 does not expose as history.

    Marks: Open at creation; ``known`` status starts (what earlier reads saw in ``stats``, kept
    by the connector's status journal); the latest ``pending_since``, ``resolved_at``,
    ``closed_at`` and ``reopened_at``; the current status since ``status_updated_at``. Between
    marks, a public customer reply to a pending, resolved or closed ticket reopens it (Freshdesk's
    default automation). Without a journal, pending periods older than the latest are recovered
    only from such replies; one an agent ended without a reply is lost.
    """
    marks: list[tuple[datetime, int, str]] = [(created_at, 0, "open")]
    marks.extend((moment, 1, status) for moment, status in known if moment >= created_at)
    last_known: datetime | None = None
    has_current = stats is not None and stats.get("status_updated_at") is not None
    found = stats_marks(created_at, current, stats, ticket_id)
    for index, (moment, status) in enumerate(found):
        is_current = has_current and index == len(found) - 1
        marks.append((moment, 3 if is_current else 1, status))
        if is_current:
            last_known = moment
    marks.sort(key=lambda mark: (mark[0], mark[1]))
    if customer_reply_reopens:
        for reply in replies:
            if reply.author != "customer" or not reply.public:
                continue
            if last_known is not None and reply.at >= last_known:
                continue  # after the last known change, the current status is authoritative
            before = [mark for mark in marks if mark[0] <= reply.at]
            if before and before[-1][2] in _REOPENABLE:
                marks.append((reply.at, 2, "open"))
                marks.sort(key=lambda mark: (mark[0], mark[1]))
    events: list[Event] = []
    for moment, _, status in marks:
        if events and events[-1].status == status:
            continue
        events.append(Event(moment, "status", status=status))
    return events


def current_assignment(raw: Mapping[str, Any], created_at: datetime) -> list[Event]:
    """The ticket's group and agent (``group_id``, ``responder_id``) as one assignment event.

    Freshdesk v2 keeps no assignment history, so the current owner is taken to have held the
    ticket since ``created_at`` (docs/connectors/freshdesk.md, "Assignments"): group ownership
    on Freshdesk is one stint of the current group. None assigned: no event.
    """
    group, agent = raw.get("group_id"), raw.get("responder_id")
    if group is None and agent is None:
        return []
    return [
        Event(
            created_at,
            "assignment",
            group=None if group is None else str(group),
            agent=None if agent is None else str(agent),
        )
    ]


def _at(event: Event) -> datetime:
    return event.at


def sideloaded_record(raw: Mapping[str, Any], lookups: Lookups) -> dict[str, Any]:
    """The record mapping ``from`` paths resolve in: the ticket plus company, group, product."""
    record = dict(raw)
    record["custom_fields"] = _custom_fields(raw)
    company_id = raw.get("company_id")
    record["company"] = lookups.companies.get(company_id) if company_id is not None else None
    group_id = raw.get("group_id")
    record["group"] = (
        None if group_id is None else {"id": group_id, "name": lookups.groups.get(group_id)}
    )
    product_id = raw.get("product_id")
    record["product"] = (
        None if product_id is None else {"id": product_id, "name": lookups.products.get(product_id)}
    )
    return record


def _custom_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    # v2 says ``custom_fields``; the old v1-like samples say ``custom_field``.
    custom = raw.get("custom_fields", raw.get("custom_field"))
    return dict(custom) if isinstance(custom, Mapping) else {}


def map_ticket(
    raw: Mapping[str, Any],
    mapping: FreshdeskMapping,
    lookups: Lookups | None = None,
    conversations: Sequence[Mapping[str, Any]] | None = None,
    known_statuses: Iterable[tuple[datetime, str]] = (),
) -> Ticket:
    """A Freshdesk ticket (as listed with ``include=stats``) → a normalized :class:`Ticket`.

    Replies come from ``conversations`` when given, else from ``stats``; ``known_statuses`` are
    status starts seen by earlier reads (the status journal). Raises
    :class:`TicketError` naming the ticket and key for a record that cannot be normalized.
    """
    lookups = lookups or Lookups()
    raw_id = raw.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or raw_id == "":
        raise TicketError(None, "id", "missing or not a ticket number")
    ticket_id = str(raw_id)
    created_at = parse_timestamp(raw.get("created_at"), ticket_id, "created_at")
    updated_at = parse_timestamp(raw.get("updated_at"), ticket_id, "updated_at")
    try:
        status = mapping.status_of(raw.get("status"), lookups.statuses)
    except ValueError as exc:
        raise TicketError(ticket_id, "status", str(exc)) from None
    raw_stats = raw.get("stats")
    stats = raw_stats if isinstance(raw_stats, Mapping) else None

    if conversations is not None:
        replies = conversation_events(conversations, ticket_id)
    elif stats is not None:
        replies = stats_reply_events(stats, ticket_id)
    else:
        replies = []
    statuses = status_events(
        created_at,
        status,
        stats,
        replies,
        known=known_statuses,
        customer_reply_reopens=mapping.customer_reply_reopens,
        ticket_id=ticket_id,
    )
    events = sorted([*statuses, *replies, *current_assignment(raw, created_at)], key=_at)

    record = sideloaded_record(raw, lookups)
    tier = mapping.tier_of(record)
    region = mapping.region_of(record)
    company = record["company"]
    company_id = raw.get("company_id")
    customer: Customer | None = None
    if company_id is not None or tier is not None or region is not None:
        name = company.get("name") if isinstance(company, Mapping) else None
        customer = Customer(
            id=None if company_id is None else str(company_id),
            name=None if name is None else str(name),
            tier=tier,
            region=region,
        )
    fields: dict[str, Any] = dict(record["custom_fields"])
    if tier is not None:
        fields["tier"] = tier
    if region is not None:
        fields["region"] = region
    fields.update(mapping.mapped_fields(record))

    raw_tags = raw.get("tags") or []
    if not isinstance(raw_tags, list) or not all(isinstance(tag, str) for tag in raw_tags):
        raise TicketError(ticket_id, "tags", "expected a list of strings")
    kind = raw.get("type", raw.get("ticket_type"))
    channel = raw.get("source")
    return Ticket(
        id=ticket_id,
        source=SOURCE,
        created_at=created_at,
        updated_at=updated_at,
        status=status,
        priority=mapping.priority_of(raw.get("priority")),
        type=str(kind).lower() if kind else None,
        channel=CHANNELS.get(channel, str(channel)) if isinstance(channel, int) else None,
        product=mapping.product_of(record),
        tags=tuple(raw_tags),
        fields=fields,
        customer=customer,
        events=tuple(events),
    )


__all__ = [
    "CHANNELS",
    "SOURCE",
    "Lookups",
    "conversation_event",
    "conversation_events",
    "current_assignment",
    "map_ticket",
    "needs_conversations",
    "sideloaded_record",
    "stats_marks",
    "stats_reply_events",
    "status_events",
]
