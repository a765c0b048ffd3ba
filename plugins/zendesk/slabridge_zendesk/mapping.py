"""Zendesk payloads (ticket, organization, audits, ticket events) onto the normalized Ticket."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slabridge.connectors.mapping import MappingRule
from slabridge.sla.ticket import Ticket, TicketError, parse_ticket
from slabridge_zendesk.condition_events import condition_event, is_condition_field
from slabridge_zendesk.config import (
    DEFAULT_PRIORITIES,
    DEFAULT_REGION_RULE,
    DEFAULT_STATUSES,
    DEFAULT_TIER_RULE,
    ZendeskMapping,
)

SOURCE = "zendesk"
AGENT_ROLES = frozenset({"agent", "admin"})
TICKET_TYPES = frozenset({"problem", "incident", "question", "task"})
# Via types reference: via id 19 is the type ``merge``.
MERGE_CHANNELS = frozenset({"merge", 19})
# The comments Zendesk writes by default on a merge (English account language); a merge through
# the API with its own source_comment/target_comment text is told by its via alone.
MERGE_NOTICE = re.compile(
    r"\s*(?:Requests? .+? (?:was|were) closed and merged into this request"
    r"|This request was closed and merged into request )",
    re.DOTALL,
)


class SkipTicket(Exception):
    """A record that is not a live ticket (deleted, or malformed): the reason says which."""


def custom_field_values(ticket: Mapping[str, Any]) -> dict[str, Any]:
    """``custom_fields: [{id, value}]`` as ``{"<id>": value}`` (the normalized key convention)."""
    values: dict[str, Any] = {}
    for entry in ticket.get("custom_fields") or []:
        if isinstance(entry, Mapping) and entry.get("id") is not None:
            values[str(entry["id"])] = entry.get("value")
    return values


def build_record(
    ticket: Mapping[str, Any],
    organization: Mapping[str, Any] | None,
    users: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The record mapping rules resolve paths against (see docs/connectors/zendesk.md).

    The native ticket keys, with ``custom_fields`` keyed by field id, ``organization`` with its
    ``fields`` (= ``organization_fields``) and ``tags``, and ``requester`` (the sideloaded user).
    """
    record = dict(ticket)
    record["custom_fields"] = custom_field_values(ticket)
    if organization is not None:
        org = dict(organization)
        org["fields"] = dict(organization.get("organization_fields") or {})
        record["organization"] = org
    else:
        record["organization"] = None
    requester_id = ticket.get("requester_id")
    record["requester"] = (users or {}).get(requester_id) if isinstance(requester_id, int) else None
    return record


def zendesk_time(value: Any, ticket_id: str, key: str) -> datetime:
    """A Zendesk ``2023-09-18T15:57:42Z`` timestamp (or Unix seconds) as aware UTC."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise SkipTicket(f"{key}: expected a timestamp, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SkipTicket(f"{key}: not an ISO 8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def author_kind(
    author_id: Any, ticket: Mapping[str, Any], users: Mapping[int, Mapping[str, Any]]
) -> str:
    """``agent`` or ``customer``: the user's role when known, else requester = customer."""
    user = users.get(author_id) if isinstance(author_id, int) else None
    if user is not None and isinstance(user.get("role"), str):
        return "agent" if user["role"] in AGENT_ROLES else "customer"
    return "customer" if author_id == ticket.get("requester_id") else "agent"


def _is_merge_via(via: Any) -> bool:
    if isinstance(via, str):  # incremental ticket events name the via type in words
        return via.lower() == "merge"
    if not isinstance(via, Mapping):
        return False
    source = via.get("source")
    rel = source.get("rel") if isinstance(source, Mapping) else None
    return rel == "merge" or via.get("channel") in MERGE_CHANNELS


def is_merge_notice(audit: Mapping[str, Any], comment: Mapping[str, Any]) -> bool:
    """Whether ``comment`` (a child of ``audit``) is the note Zendesk adds when tickets merge.

    The merging agent is its author and it may be public, yet nobody answered anybody: it is
    no reply. Told by the audit's or the comment's ``via`` (``source.rel == "merge"``, or the
    ``merge`` via type), else by the default English text of the notice.
    """
    if _is_merge_via(audit.get("via")) or _is_merge_via(comment.get("via")):
        return True
    body = comment.get("plain_body", comment.get("body"))
    return isinstance(body, str) and MERGE_NOTICE.match(body) is not None


# The fields a ticket event's child may name by key (``{"status": "open", ...}``).
_EVENT_FIELDS = ("status", "priority", "group_id", "assignee_id")


def audits_from_ticket_events(ticket_events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Incremental ticket events (``include=comment_events``) in the shape of ticket audits.

    Child events carry ``event_type`` (Create, Change, Comment); a change names its field either
    with ``field_name``/``value`` or as ``{"<field>": value, "previous_value": ...}`` (status,
    priority, tags, or a custom field's numeric id).
    """
    audits: list[dict[str, Any]] = []
    for event in ticket_events:
        children: list[dict[str, Any]] = []
        for child in event.get("child_events") or []:
            kind = child.get("event_type") or child.get("type")
            if kind == "Comment":
                if is_merge_notice(event, child):
                    continue  # never a reply; dropped here so cached histories lose it too
                children.append(
                    {
                        "type": "Comment",
                        "author_id": child.get("author_id", event.get("updater_id")),
                        "public": child.get("public", child.get("comment_public", True)),
                    }
                )
            elif kind in ("Create", "Change"):
                name = child.get("field_name")
                if name is not None:
                    value = child.get("value")
                else:
                    name = next(
                        (k for k in child if k in _EVENT_FIELDS or is_condition_field(k)),
                        None,
                    )
                    value = child.get(name) if name else None
                if name is not None:
                    entry = {"type": kind, "field_name": name, "value": value}
                    if "previous_value" in child:
                        entry["previous_value"] = child["previous_value"]
                    children.append(entry)
        audits.append(
            {
                "id": event.get("id"),
                "ticket_id": event.get("ticket_id"),
                "created_at": event.get("created_at", event.get("timestamp")),
                "author_id": event.get("updater_id"),
                "events": children,
            }
        )
    return audits


def _reply_event(
    audit: Mapping[str, Any],
    comment: Mapping[str, Any],
    stamp: str,
    ticket: Mapping[str, Any],
    users: Mapping[int, Mapping[str, Any]],
) -> dict[str, Any] | None:
    """A comment as a reply, unless it is a merge notice."""
    if is_merge_notice(audit, comment):
        return None
    return {
        "at": stamp,
        "type": "reply",
        "author": author_kind(comment.get("author_id"), ticket, users),
        "public": bool(comment.get("public", True)),
    }


def _status_event(
    change: Mapping[str, Any], stamp: str, rules: ZendeskMapping
) -> dict[str, Any] | None:
    """A status Create/Change as an event; None for ``deleted``, SkipTicket for an unmapped one."""
    status = rules.status(change.get("value"), DEFAULT_STATUSES)
    if status is not None:
        return {"at": stamp, "type": "status", "status": status}
    if change.get("value") == "deleted":
        return None
    raise SkipTicket(f"status {change.get('value')!r} has no mapping")


def _priority_event(change: Mapping[str, Any], stamp: str, rules: ZendeskMapping) -> dict[str, Any]:
    event = {
        "at": stamp,
        "type": "priority",
        "priority": rules.priority(change.get("value"), DEFAULT_PRIORITIES),
    }
    if "previous_value" in change:  # null: the ticket had no priority before
        event["from"] = rules.priority(change["previous_value"], DEFAULT_PRIORITIES)
    return event


def events_from_audits(
    audits: Sequence[Mapping[str, Any]],
    ticket: Mapping[str, Any],
    users: Mapping[int, Mapping[str, Any]],
    rules: ZendeskMapping,
) -> list[dict[str, Any]]:
    """Normalized events (POLICY.md §2 JSON) from a ticket's audits, oldest first.

    Status: every Create/Change of ``status``. Priority: every Change of ``priority`` (the value
    a ticket was created with is its baseline, not an event), with ``from`` mapped from the
    change's ``previous_value`` when the audit carries one (POLICY.md §3.4). Replies: every
    comment except the one in the creating audit (the ticket's description) and merge notices
    (:func:`is_merge_notice`). Tags and custom fields: every Create/Change, as ``tags`` and
    ``field`` events (:func:`~slabridge_zendesk.condition_events.condition_event`).
    Assignment: one ``assignment`` event per audit that creates or changes ``group_id`` or
    ``assignee_id``, with the group and agent ids in force after it
    (docs/connectors/zendesk.md, "Assignments").
    """
    ticket_id = str(ticket.get("id"))
    # Each audit's time is parsed once, for the order and for its events' stamps.
    timed = [(zendesk_time(a.get("created_at"), ticket_id, "audit.created_at"), a) for a in audits]
    timed.sort(key=lambda pair: (pair[0], pair[1].get("id") or 0))
    events: list[dict[str, Any]] = []
    owner: dict[str, str | None] = {"group_id": None, "assignee_id": None}
    for at, audit in timed:
        stamp = at.isoformat().replace("+00:00", "Z")
        children = audit.get("events") or []
        creating = any(child.get("type") == "Create" for child in children)
        reassigned = False
        for child in children:
            kind = child.get("type")
            name = child.get("field_name")
            event: dict[str, Any] | None
            if kind in ("Create", "Change") and name in owner:
                value = child.get("value")
                owner[name] = None if value is None or value == "" else str(value)
                reassigned = True
                continue
            if kind == "Comment":
                event = None if creating else _reply_event(audit, child, stamp, ticket, users)
            elif kind in ("Create", "Change") and name == "status":
                event = _status_event(child, stamp, rules)
            elif kind == "Change" and name == "priority":
                event = _priority_event(child, stamp, rules)
            elif kind in ("Create", "Change") and is_condition_field(name):
                event = condition_event(child, stamp)  # tags and custom fields: conditions
            else:
                continue
            if event is not None:
                events.append(event)
        if reassigned:  # group and assignee change in one audit: one event, after the audit's
            events.append(
                {
                    "at": stamp,
                    "type": "assignment",
                    "group": owner["group_id"],
                    "agent": owner["assignee_id"],
                }
            )
    return events


def normalize_ticket(
    ticket: Mapping[str, Any],
    *,
    organization: Mapping[str, Any] | None,
    users: Mapping[int, Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]] | None,
    rules: ZendeskMapping,
) -> Ticket:
    """One Zendesk ticket (plus its organization and history) as a normalized Ticket.

    Raises :class:`SkipTicket` for a deleted or malformed record (the reason says which).
    """
    raw_id = ticket.get("id")
    if not isinstance(raw_id, int) or isinstance(raw_id, bool):
        raise SkipTicket(f"id: expected an integer ticket id, got {raw_id!r}")
    ticket_id = str(raw_id)
    raw_status = ticket.get("status")
    if raw_status == "deleted":
        raise SkipTicket("deleted")
    status = rules.status(raw_status, DEFAULT_STATUSES)
    if status is None:
        raise SkipTicket(f"status {raw_status!r} has no mapping (add it under mapping.statuses)")
    record = build_record(ticket, organization, users)
    tier_rule: MappingRule = rules.tier or DEFAULT_TIER_RULE
    region_rule: MappingRule = rules.region or DEFAULT_REGION_RULE
    tier = tier_rule.resolve(record)
    region = region_rule.resolve(record)
    product = rules.product_of(record)

    fields: dict[str, Any] = dict(record["custom_fields"])
    for name, value in (("tier", tier), ("region", region), ("product", product)):
        if value is not None:
            fields.setdefault(name, value)
    fields.update(
        {k: v for k, v in rules.mapped_fields(record).items() if k not in record["custom_fields"]}
    )

    customer: dict[str, Any] | None = None
    if organization is not None:
        customer = {
            "id": str(organization.get("id")) if organization.get("id") is not None else None,
            "name": organization.get("name"),
            "tier": tier,
            "region": region,
        }
    elif tier is not None or region is not None:
        customer = {"id": None, "name": None, "tier": tier, "region": region}

    via = ticket.get("via")
    ticket_type = ticket.get("type")
    created = zendesk_time(ticket.get("created_at"), ticket_id, "created_at")
    updated_raw = ticket.get("updated_at")
    updated = created if updated_raw is None else zendesk_time(updated_raw, ticket_id, "updated_at")
    # Recorded: ticket 498 of the zenpy cassettes has updated_at one second before created_at.
    updated = max(updated, created)
    tags = ticket.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise SkipTicket("tags: expected a list of strings")
    data = {
        "id": ticket_id,
        "source": SOURCE,
        "created_at": created.isoformat(),
        "updated_at": updated.isoformat(),
        "status": status,
        "priority": rules.priority(ticket.get("priority"), DEFAULT_PRIORITIES),
        "type": ticket_type if ticket_type in TICKET_TYPES else None,
        "channel": via.get("channel") if isinstance(via, Mapping) else None,
        "product": product,
        "tags": list(tags),
        "fields": fields,
        "customer": customer,
        "events": list(events or []),
    }
    try:
        return parse_ticket(data)
    except TicketError as exc:
        raise SkipTicket(f"{exc.key}: {exc.problem}") from None


__all__ = [
    "AGENT_ROLES",
    "SOURCE",
    "SkipTicket",
    "audits_from_ticket_events",
    "author_kind",
    "build_record",
    "custom_field_values",
    "events_from_audits",
    "is_merge_notice",
    "normalize_ticket",
    "zendesk_time",
]
