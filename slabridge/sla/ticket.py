"""The normalized ticket every connector produces (POLICY.md §2), and its JSON parsing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slabridge.errors import InputError

STATUSES: tuple[str, ...] = ("new", "open", "pending", "on_hold", "solved", "closed")
STOPPED_STATUSES: frozenset[str] = frozenset({"solved", "closed"})
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
AUTHORS: tuple[str, ...] = ("agent", "customer")
# ``tags``/``field``: tag and field changes (docs/policy.md, "Pause and stop on conditions");
# ``assignment``: the ticket was (re)assigned to a group and/or agent (docs/policy.md, "Group
# ownership").
EVENT_TYPES: tuple[str, ...] = ("status", "reply", "priority", "tags", "field", "assignment")
# Event types that carry data of their own, in a subclass of Event (TagsEvent, FieldEvent).
CONDITION_EVENT_TYPES: frozenset[str] = frozenset({"tags", "field"})

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
# Dotted paths split once: the engine looks the same few configured paths up on every ticket.
_PATH_PARTS: dict[str, tuple[str, ...]] = {}


def _path_parts(path: str) -> tuple[str, ...]:
    """``a.b.c`` as its parts; a trailing dot names nothing more (``customer.`` is ``customer``)."""
    parts = path.split(".")
    if len(parts) > 1 and not parts[-1]:
        parts.pop()
    if len(_PATH_PARTS) >= 1024:  # paths come from the config; bound it all the same
        _PATH_PARTS.clear()
    found = _PATH_PARTS[path] = tuple(parts)
    return found


class TicketError(InputError, ValueError):
    """A ticket that cannot be evaluated; names the ticket and the offending key."""

    def __init__(self, ticket_id: str | None, key: str, problem: str) -> None:
        self.ticket_id = ticket_id
        self.key = key
        self.problem = problem
        who = f"ticket {ticket_id!r}" if ticket_id is not None else "ticket (no id)"
        super().__init__(f"{who}: {key}: {problem}")


class EventError(InputError, ValueError):
    """An ``Event`` or ``Ticket`` built with a value POLICY.md §2 does not define."""


def _check_choice(value: object, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise EventError(f"{what} {value!r} is not one of: {', '.join(allowed)} (POLICY.md §2)")


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a ticket's history (POLICY.md §2); public API, see docs/plugins/ticket.md.

    ``type`` is one of :data:`EVENT_TYPES`: ``status`` (with ``status``), ``reply`` (with
    ``author`` and ``public``), ``priority`` (with ``priority``, None for "no priority") or
    ``assignment`` (with ``group`` and ``agent``, either None for "none": who owns it now).
    Anything else raises :class:`EventError` here, so a connector that maps an internal note to
    ``"comment"`` fails loudly instead of its replies being ignored.

    Raises:
        EventError: an unknown type, or a status, author or priority outside POLICY.md §2.
    """

    at: datetime
    type: str
    status: str | None = None
    priority: str | None = None
    author: str | None = None
    public: bool = True
    # A priority event may say what it replaced (``"from"``; ``has_from`` tells a ``"from":
    # null``, no priority before, from no ``from`` at all) and who made it (``"by"``:
    # ``"slabridge"`` for a raise slabridge wrote itself, POLICY.md §3.4).
    from_priority: str | None = None
    has_from: bool = False
    by: str | None = None
    # An assignment event's owner from now on (None: no group, no agent).
    group: str | None = None
    agent: str | None = None

    def __post_init__(self) -> None:
        _check_choice(self.type, EVENT_TYPES, "event type")
        if self.type == "status":
            _check_choice(self.status, STATUSES, "status event: status")
        elif self.type == "reply":
            _check_choice(self.author, AUTHORS, "reply event: author")
            if self.public is not True and self.public is not False:
                raise EventError(f"reply event: public {self.public!r} is not true or false")
        elif self.type in CONDITION_EVENT_TYPES:
            _check_condition_event(self)
        elif self.type == "assignment":
            for name, value in (("group", self.group), ("agent", self.agent)):
                if value is not None and not isinstance(value, str):
                    raise EventError(f"assignment event: {name} {value!r} is not a string")
        elif self.priority is not None:
            _check_choice(self.priority, PRIORITIES, "priority event: priority")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise EventError(f"{self.type} event: at {self.at.isoformat()} has no UTC offset")


@dataclass(frozen=True, slots=True)
class TagsEvent(Event):
    """Tags added to and removed from a ticket at ``at`` (``type`` ``"tags"``).

    ``TagsEvent(at, "tags", added=("waiting_vendor",))``; a tag may not be in both lists. The
    history of a tag drives ``pause_when``/``stop_when`` conditions (docs/policy.md).
    """

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldEvent(Event):
    """A custom field set at ``at`` (``type`` ``"field"``): ``fields[field]`` became ``value``.

    ``value`` is the JSON value (null when cleared); ``from_value`` with ``has_from`` True says
    what it replaced, which is the field's value before its first event.
    """

    field: str = ""
    value: Any = None
    from_value: Any = None


def _check_condition_event(event: Event) -> None:
    if event.type == "tags":
        if not isinstance(event, TagsEvent):
            raise EventError("tags event: build it as TagsEvent(at, 'tags', added=(...))")
        for tag in (*event.added, *event.removed):
            if not isinstance(tag, str):
                raise EventError(f"tags event: tag {tag!r} is not a string")
        both = set(event.added) & set(event.removed)
        if both:
            raise EventError(f"tags event: tag {sorted(both)[0]!r} is both added and removed")
    elif not isinstance(event, FieldEvent) or not isinstance(event.field, str) or not event.field:
        raise EventError("field event: build it as FieldEvent(at, 'field', field=NAME, value=...)")


# ``Event.by`` of a priority change slabridge wrote itself (it never counts for targets).
BY_SLABRIDGE = "slabridge"


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
    """A helpdesk ticket in slabridge's normalized shape; timestamps are aware and in UTC.

    ``fields`` holds every custom field under the helpdesk's own key (a Zendesk field id as a
    string, Freshdesk ``cf_*``, Jira ``customfield_*``) with its JSON value as the API gave it
    (text, number, boolean, list or null), plus the names a connector's mapping produces. Policy
    ``fields.NAME`` matching compares values as text; a list matches if any item does.

    Public API (docs/plugins/ticket.md), as stable as ``slabridge.connectors``.

    Raises:
        EventError: a ``status`` or ``priority`` outside POLICY.md §2, or an event that is not
            an :class:`Event`.
    """

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

    def __post_init__(self) -> None:
        _check_choice(self.status, STATUSES, f"ticket {self.id!r}: status")
        if self.priority is not None:
            _check_choice(self.priority, PRIORITIES, f"ticket {self.id!r}: priority")
        for index, event in enumerate(self.events):
            if not isinstance(event, Event):
                raise EventError(f"ticket {self.id!r}: events[{index}] is not an Event")

    def lookup(self, path: str) -> Any:
        """Resolve a dotted path like ``customer.region`` or ``fields.region``; None if absent."""
        parts = _PATH_PARTS.get(path) or _path_parts(path)
        head = parts[0]
        value: Any
        value = getattr(self, head) if head in _TICKET_KEYS else self.extra.get(head)
        for head in parts[1:]:
            if value is None:
                break
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
        moment = _fromisoformat(value)
    except ValueError:
        raise TicketError(ticket_id, key, "not an ISO 8601 timestamp") from None
    if moment.tzinfo is UTC:  # "...Z" and "+00:00" parse to UTC itself: nothing to convert
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TicketError(ticket_id, key, "timestamp has no UTC offset (add Z or +hh:mm)")
    return moment.astimezone(UTC)


def _event_json(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {"at": format_timestamp(event.at), "type": event.type}
    if event.type == "status":
        data["status"] = event.status
    elif event.type == "priority":
        data["priority"] = event.priority
        if event.has_from:
            data["from"] = event.from_priority
        if event.by is not None:
            data["by"] = event.by
    elif event.type == "reply":
        data["author"] = event.author
        data["public"] = event.public
    elif isinstance(event, TagsEvent):
        data["added"] = list(event.added)
        data["removed"] = list(event.removed)
    elif isinstance(event, FieldEvent):
        data["field"] = event.field
        data["value"] = event.value
        if event.has_from:
            data["from"] = event.from_value
    elif event.type == "assignment":
        data["group"] = event.group
        data["agent"] = event.agent
    return data


def _optional_str(data: Mapping[str, Any], key: str, ticket_id: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if value.__class__ is str:  # the common case, without the isinstance checks
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TicketError(ticket_id, path, "expected a string")
    return str(value)


def _choice(value: Any, allowed: tuple[str, ...], ticket_id: str, path: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise TicketError(ticket_id, path, f"must be one of {', '.join(allowed)}")
    return value


# Building the frozen dataclasses through their generated ``__init__`` (one
# ``object.__setattr__`` per field) is the largest cost of parsing; bulk input builds millions,
# so the parser fills their slots directly. Every field is set, exactly as ``__init__`` would.
_new = object.__new__
_EVENT_SLOTS = tuple(getattr(Event, name).__set__ for name in Event.__slots__)
_CUSTOMER_SLOTS = tuple(getattr(Customer, name).__set__ for name in Customer.__slots__)
_TICKET_SLOTS = tuple(getattr(Ticket, name).__set__ for name in Ticket.__slots__)
assert Event.__slots__ == (
    "at",
    "type",
    "status",
    "priority",
    "author",
    "public",
    "from_priority",
    "has_from",
    "by",
    "group",
    "agent",
)
assert Customer.__slots__ == ("id", "name", "tier", "region", "extra")
assert Ticket.__slots__ == (
    "id",
    "created_at",
    "updated_at",
    "status",
    "source",
    "priority",
    "type",
    "channel",
    "product",
    "tags",
    "fields",
    "customer",
    "events",
    "extra",
)
_MISSING: Any = object()
_STATUS_SET = frozenset(STATUSES)
_PRIORITY_SET = frozenset(PRIORITIES)
_AUTHOR_SET = frozenset(AUTHORS)
_fromisoformat = datetime.fromisoformat


def _make_event(
    at: datetime,
    kind: str,
    status: str | None = None,
    priority: str | None = None,
    author: str | None = None,
    public: bool = True,
    from_priority: str | None = None,
    has_from: bool = False,
    by: str | None = None,
    group: str | None = None,
    agent: str | None = None,
) -> Event:
    """``Event(at, kind, status, priority, ...)`` without the frozen ``__init__``."""
    event: Event = _new(Event)
    (
        set_at,
        set_type,
        set_status,
        set_priority,
        set_author,
        set_public,
        set_from,
        set_has_from,
        set_by,
        set_group,
        set_agent,
    ) = _EVENT_SLOTS
    set_at(event, at)
    set_type(event, kind)
    set_status(event, status)
    set_priority(event, priority)
    set_author(event, author)
    set_public(event, public)
    set_from(event, from_priority)
    set_has_from(event, has_from)
    set_by(event, by)
    set_group(event, group)
    set_agent(event, agent)
    return event


def _parse_event(raw: Any, ticket_id: str, index: int) -> Event:  # noqa: C901, PLR0912, PLR0915  the bulk parser, one call per ticket/event: inline on purpose (docs/benchmarks.md)
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        raise TicketError(ticket_id, f"events[{index}]", "expected an object")
    raw_at = raw.get("at", _MISSING)
    if raw_at is _MISSING:
        raise TicketError(ticket_id, f"events[{index}].at", "missing required key")
    kind = raw.get("type", _MISSING)
    if kind is _MISSING:
        raise TicketError(ticket_id, f"events[{index}].type", "missing required key")
    if raw_at.__class__ is str:  # fast path for the common "...Z" form
        try:
            at = _fromisoformat(raw_at)
        except ValueError:
            at = parse_timestamp(raw_at, ticket_id, f"events[{index}].at")  # raises
        if at.tzinfo is not UTC:
            at = parse_timestamp(raw_at, ticket_id, f"events[{index}].at")
    else:
        at = parse_timestamp(raw_at, ticket_id, f"events[{index}].at")
    if not isinstance(kind, str):
        raise TicketError(ticket_id, f"events[{index}].type", "expected a string")
    if kind == "status":
        status = raw.get("status", _MISSING)
        if status is _MISSING:
            raise TicketError(ticket_id, f"events[{index}].status", "missing required key")
        if status.__class__ is not str or status not in _STATUS_SET:
            status = _choice(status, STATUSES, ticket_id, f"events[{index}].status")
        return _make_event(at, kind, status)
    if kind == "reply":
        author = raw.get("author", _MISSING)
        if author is _MISSING:
            raise TicketError(ticket_id, f"events[{index}].author", "missing required key")
        if author.__class__ is not str or author not in _AUTHOR_SET:
            author = _choice(author, AUTHORS, ticket_id, f"events[{index}].author")
        public = raw.get("public", True)
        if public is not True and public is not False:
            raise TicketError(ticket_id, f"events[{index}].public", "expected true or false")
        return _make_event(at, kind, None, None, author, public)
    if kind == "priority":
        priority = raw.get("priority")
        if priority is not None and (
            priority.__class__ is not str or priority not in _PRIORITY_SET
        ):
            priority = _choice(priority, PRIORITIES, ticket_id, f"events[{index}].priority")
        previous = raw.get("from", _MISSING)
        has_from = previous is not _MISSING
        if not has_from:
            previous = None
        elif previous is not None and (
            previous.__class__ is not str or previous not in _PRIORITY_SET
        ):
            previous = _choice(previous, PRIORITIES, ticket_id, f"events[{index}].from")
        by = raw.get("by")
        if by is not None and by.__class__ is not str:
            raise TicketError(ticket_id, f"events[{index}].by", "expected a string")
        return _make_event(at, kind, None, priority, None, True, previous, has_from, by)
    if kind in CONDITION_EVENT_TYPES:
        return _parse_condition_event(raw, ticket_id, index, at, kind)
    if kind == "assignment":
        # Missing and null both mean "none"; ids given as numbers (Zendesk's) become text.
        group = _optional_str(raw, "group", ticket_id, f"events[{index}].group")
        agent = _optional_str(raw, "agent", ticket_id, f"events[{index}].agent")
        return _make_event(at, kind, None, None, None, True, None, False, None, group, agent)
    # POLICY.md §2 defines the first three types, docs/policy.md the others (conditions, group
    # ownership), and there are no more: an unknown one (an agent reply typed "comment") is an
    # error, not an event the engine would silently ignore.
    raise TicketError(
        ticket_id,
        f"events[{index}].type",
        f"unknown event type {kind!r}; must be one of {', '.join(EVENT_TYPES)}",
    )


def _parse_condition_event(
    raw: Mapping[str, Any], ticket_id: str, index: int, at: datetime, kind: str
) -> Event:
    """A ``tags`` or ``field`` event (docs/plugins/ticket.md), checked key by key."""
    where = f"events[{index}]"
    if kind == "tags":
        lists: list[tuple[str, ...]] = []
        for key in ("added", "removed"):
            items = raw.get(key) or []
            if not isinstance(items, list) or not all(isinstance(tag, str) for tag in items):
                raise TicketError(ticket_id, f"{where}.{key}", "expected a list of strings")
            lists.append(tuple(items))
        both = set(lists[0]) & set(lists[1])
        if both:
            problem = f"tag {sorted(both)[0]!r} is both added and removed"
            raise TicketError(ticket_id, f"{where}.removed", problem)
        return TagsEvent(at, kind, added=lists[0], removed=lists[1])
    name = raw.get("field", _MISSING)
    if name is _MISSING:
        raise TicketError(ticket_id, f"{where}.field", "missing required key")
    if not isinstance(name, str) or not name:
        raise TicketError(ticket_id, f"{where}.field", "expected a field name")
    if "value" not in raw:
        raise TicketError(ticket_id, f"{where}.value", "missing required key (null clears it)")
    has_from = "from" in raw
    return FieldEvent(
        at,
        kind,
        has_from=has_from,
        field=name,
        value=raw["value"],
        from_value=raw.get("from"),
    )


def _parse_customer(raw: Any, ticket_id: str) -> Customer | None:
    if raw is None:
        return None
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        raise TicketError(ticket_id, "customer", "expected an object or null")
    customer: Customer = _new(Customer)
    set_id, set_name, set_tier, set_region, set_extra = _CUSTOMER_SLOTS
    set_id(customer, _optional_str(raw, "id", ticket_id, "customer.id"))
    set_name(customer, _optional_str(raw, "name", ticket_id, "customer.name"))
    set_tier(customer, _optional_str(raw, "tier", ticket_id, "customer.tier"))
    set_region(customer, _optional_str(raw, "region", ticket_id, "customer.region"))
    set_extra(customer, {k: v for k, v in raw.items() if k not in _CUSTOMER_KEYS})
    return customer


def _event_time(event: Event) -> datetime:
    return event.at


def parse_ticket(data: Any) -> Ticket:  # noqa: C901, PLR0912, PLR0915  the bulk parser, one call per ticket/event: inline on purpose (docs/benchmarks.md)
    """Build a Ticket from POLICY.md §2 JSON; raise TicketError naming the ticket and key.

    Required keys: ``id``, ``created_at`` and ``status``. ``updated_at`` defaults to the latest of
    ``created_at`` and the events' times. Unknown keys are kept (``Ticket.extra``) and ignored.
    """
    if data.__class__ is not dict and not isinstance(data, Mapping):
        raise TicketError(None, "(ticket)", "expected a JSON object")
    get = data.get
    raw_id = get("id")
    if raw_id is None:
        raise TicketError(None, "id", "missing required key")
    if raw_id.__class__ is str:
        ticket_id: str = raw_id
    elif isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise TicketError(None, "id", "expected a string or an integer")
    else:
        ticket_id = str(raw_id)
    raw_created = get("created_at")
    if raw_created is None:
        raise TicketError(ticket_id, "created_at", "missing required key")
    status = get("status")
    if status is None:
        raise TicketError(ticket_id, "status", "missing required key")
    created_at = parse_timestamp(raw_created, ticket_id, "created_at")
    if status.__class__ is not str or status not in _STATUS_SET:
        status = _choice(status, STATUSES, ticket_id, "status")
    priority = get("priority")
    if priority is not None and (priority.__class__ is not str or priority not in _PRIORITY_SET):
        priority = _choice(priority, PRIORITIES, ticket_id, "priority")

    raw_events = get("events") or []
    if raw_events.__class__ is not list and not isinstance(raw_events, list):
        raise TicketError(ticket_id, "events", "expected a list")
    events = [_parse_event(raw, ticket_id, i) for i, raw in enumerate(raw_events)]
    # Stable sort: connectors should send time order, but equal instants keep their given order.
    # (Input already in order, the usual case, is left as it is: the sort would not move it.)
    for i in range(1, len(events)):
        if events[i].at < events[i - 1].at:
            events.sort(key=_event_time)
            break

    raw_updated = get("updated_at")
    if raw_updated is not None:
        updated_at = parse_timestamp(raw_updated, ticket_id, "updated_at")
    elif events:
        updated_at = max([created_at, *(event.at for event in events)])
    else:
        updated_at = created_at

    raw_tags = get("tags") or []
    if not isinstance(raw_tags, list) or not all(isinstance(tag, str) for tag in raw_tags):
        raise TicketError(ticket_id, "tags", "expected a list of strings")
    raw_fields = get("fields") or {}
    if raw_fields.__class__ is not dict and not isinstance(raw_fields, Mapping):
        raise TicketError(ticket_id, "fields", "expected an object")

    ticket: Ticket = _new(Ticket)
    (
        set_id,
        set_created_at,
        set_updated_at,
        set_status,
        set_source,
        set_priority,
        set_type,
        set_channel,
        set_product,
        set_tags,
        set_fields,
        set_customer,
        set_events,
        set_extra,
    ) = _TICKET_SLOTS
    # The same order of checks as the keyword arguments of Ticket(...) had: source, type,
    # channel, product, then the customer.
    set_id(ticket, ticket_id)
    set_source(ticket, _optional_str(data, "source", ticket_id, "source"))
    set_created_at(ticket, created_at)
    set_updated_at(ticket, updated_at)
    set_status(ticket, status)
    set_priority(ticket, priority)
    set_type(ticket, _optional_str(data, "type", ticket_id, "type"))
    set_channel(ticket, _optional_str(data, "channel", ticket_id, "channel"))
    set_product(ticket, _optional_str(data, "product", ticket_id, "product"))
    set_tags(ticket, tuple(raw_tags))
    set_fields(ticket, dict(raw_fields))
    set_customer(ticket, _parse_customer(get("customer"), ticket_id))
    set_events(ticket, tuple(events))
    set_extra(ticket, {k: v for k, v in data.items() if k not in _TICKET_KEYS})
    return ticket


__all__ = [
    "AUTHORS",
    "BY_SLABRIDGE",
    "CONDITION_EVENT_TYPES",
    "EVENT_TYPES",
    "PRIORITIES",
    "STATUSES",
    "STOPPED_STATUSES",
    "Customer",
    "Event",
    "EventError",
    "FieldEvent",
    "TagsEvent",
    "Ticket",
    "TicketError",
    "format_timestamp",
    "parse_ticket",
    "parse_timestamp",
]
