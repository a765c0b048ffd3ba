"""Jira issue JSON (+ changelog and comments) -> normalized :class:`Ticket`; pure functions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slabridge.sla.ticket import (
    STATUSES,
    Customer,
    Event,
    Ticket,
    TicketError,
    format_timestamp,
)
from slabridge_jira.condition_events import condition_event
from slabridge_jira.config import JiraMapping

ORGANIZATIONS_SCHEMA = "com.atlassian.servicedesk:sd-customer-organizations"
INTERNAL_COMMENT_PROPERTY = "sd.public.comment"

# Jira writes offsets without a colon ("2021-12-16T05:44:40.825-0500").
_JIRA_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})$"
)

Author = Literal["agent", "customer"]


@dataclass(frozen=True, slots=True)
class SiteMeta:
    """What the connector learned about the site once per run: statuses, fields, the user."""

    status_categories: Mapping[str, str] = field(default_factory=dict)  # status id -> category
    status_names: Mapping[str, str] = field(default_factory=dict)  # casefolded name -> category
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # id -> FieldDetails
    organizations_field: str | None = None


def parse_jira_time(value: Any) -> datetime | None:
    """Parse a Jira timestamp (``-0500`` offsets, ``Z``, ISO) or epoch seconds/millis; else None.

    The spec's illustrative examples carry integers (``"updated": 1``, ``"created": 1492070429``);
    numbers below 10^11 are read as seconds, larger ones as milliseconds.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= 1e11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        return None
    match = _JIRA_TIME.match(value.strip())
    if not match:
        return None
    stamp, offset = match.groups()
    if offset != "Z" and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        moment = datetime.fromisoformat(stamp + ("+00:00" if offset == "Z" else offset))
    except ValueError:
        return None
    return moment.astimezone(UTC)


def format_jira_time(moment: datetime) -> str:
    """A datetime as Jira writes it: ``2025-03-10T12:00:00.000+0000`` (UTC)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def adf_text(node: Any) -> str:
    """Plain text of an Atlassian Document Format node (or a plain string)."""
    if isinstance(node, str):
        return node
    if isinstance(node, Mapping):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        parts = [adf_text(child) for child in node.get("content") or []]
        separator = "\n" if node.get("type") == "doc" else ""
        return separator.join(part for part in parts if part)
    return ""


def value_strings(value: Any) -> list[str]:
    """The display strings of a field value: options, names, users, lists of those."""
    if value is None:
        return []
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, int | float):
        return [str(int(value)) if float(value).is_integer() else str(value)]
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Mapping):
        if value.get("type") == "doc":
            return [adf_text(value)]
        for key in ("value", "name", "key", "displayName", "accountId", "id"):
            if isinstance(value.get(key), str | int) and not isinstance(value.get(key), bool):
                return [str(value[key])]
        request_type = value.get("requestType")
        if isinstance(request_type, Mapping):
            return value_strings(request_type)
        return []
    if isinstance(value, Sequence):
        return [text for item in value for text in value_strings(item)]
    return []


def normalize_field_value(value: Any) -> Any:
    """A custom field's value as slabridge compares it: datetimes in UTC ``Z``, options as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        moment = parse_jira_time(value) if "T" in value else None
        return format_timestamp(moment) if moment is not None else value
    if isinstance(value, Mapping):
        if value.get("type") == "doc":
            return adf_text(value)
        if "value" in value and not isinstance(value.get("value"), Mapping | list):
            return value["value"]
        for key in ("name", "accountId"):
            if isinstance(value.get(key), str):
                return value[key]
        return dict(value)
    if isinstance(value, Sequence):
        return [normalize_field_value(item) for item in value]
    return value


def comment_is_public(comment: Mapping[str, Any]) -> bool:
    """False for JSM internal notes and role/group-restricted comments.

    JSM marks internal comments ``jsdPublic: false`` (platform API) and with the comment property
    ``sd.public.comment`` = ``{"internal": true}``; a ``visibility`` restriction hides a comment
    from the customer too. Any of the three makes the comment private.
    """
    if comment.get("jsdPublic") is False:
        return False
    if comment.get("visibility"):
        return False
    for prop in comment.get("properties") or []:
        if isinstance(prop, Mapping) and prop.get("key") == INTERNAL_COMMENT_PROPERTY:
            value = prop.get("value")
            if isinstance(value, Mapping) and value.get("internal") is True:
                return False
    return True


def user_ids(user: Any) -> list[str]:
    """Every identifier of a Jira user: Cloud's ``accountId``; Data Center's ``key``, ``name``.

    Data Center / Server users carry no ``accountId``: ``key`` is stable (``JIRAUSER10100``),
    ``name`` is the login and can be renamed; configured id lists may name either.
    """
    if not isinstance(user, Mapping):
        return []
    return [str(user[k]) for k in ("accountId", "key", "name") if isinstance(user.get(k), str)]


def user_id(user: Any) -> str | None:
    """The stable identifier of a Jira user: ``accountId`` on Cloud, ``key`` (else ``name``)
    on Data Center / Server; None when there is none."""
    ids = user_ids(user)
    return ids[0] if ids else None


def comment_author(
    comment: Mapping[str, Any], reporter_id: str | None, mapping: JiraMapping
) -> Author | None:
    """Agent or customer (None: ignore, e.g. an automation app when configured so).

    Order: the configured account id lists (on Data Center: user keys or names); JSM
    ``accountType: customer``; an ``app`` account per ``mapping.app_comments``; the issue's
    reporter (the JSM requester); anyone else is an agent. A comment nobody outside the team
    can see is always an agent's.
    """
    if not comment_is_public(comment):
        return "agent"
    author = comment.get("author")
    if not isinstance(author, Mapping):
        return "customer"  # anonymous: an email from outside, as JSM records it
    ids = user_ids(author)
    if any(i in mapping.customer_account_ids for i in ids):
        return "customer"
    if any(i in mapping.agent_account_ids for i in ids):
        return "agent"
    account_type = author.get("accountType")
    if account_type == "customer":
        return "customer"
    if account_type == "app":
        return "agent" if mapping.app_comments == "agent" else None
    if reporter_id is not None and user_id(author) == reporter_id:
        return "customer"
    return "agent"


# Search results embed at most this many comments per issue (Jira Cloud's limit).
EMBEDDED_COMMENTS_MAX = 20


def comments_of(fields: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], int | None]:
    """The comments embedded in ``fields.comment`` and the total Jira says there are.

    ``fields.comment`` is either a page object (``comments`` + ``total``) or, as in Atlassian's
    own spec example, a plain list with no total.
    """
    raw = fields.get("comment")
    if isinstance(raw, list):
        return [c for c in raw if isinstance(c, Mapping)], None
    if isinstance(raw, Mapping):
        comments = [c for c in raw.get("comments") or [] if isinstance(c, Mapping)]
        total = raw.get("total")
        return comments, total if isinstance(total, int) else None
    return [], None


def comments_may_be_truncated(comments: Sequence[Mapping[str, Any]], total: int | None) -> bool:
    """Whether the embedded comments may be only the first page of the issue's comments.

    With a ``total`` that is exact; without one (the plain-list shape) a list as long as the
    embedding limit may have been cut there, so it counts as possibly truncated.
    """
    if total is not None:
        return total > len(comments)
    return len(comments) >= EMBEDDED_COMMENTS_MAX


def _status_of(
    status_id: str | None,
    name: str | None,
    category: str | None,
    mapping: JiraMapping,
    meta: SiteMeta,
) -> str:
    configured = mapping.status_for(status_id, name)
    if configured is not None:
        return configured
    if category is None and status_id is not None:
        category = meta.status_categories.get(status_id)
    if category is None and name is not None:
        category = meta.status_names.get(name.casefold())
    return mapping.status_for_category(category)


def _is_item(item: Mapping[str, Any], field_id: str) -> bool:
    return item.get("fieldId") == field_id or str(item.get("field", "")).casefold() == field_id


def history_events(
    histories: Iterable[Mapping[str, Any]],
    mapping: JiraMapping,
    meta: SiteMeta,
    ticket_id: str | None = None,
) -> list[Event]:
    """Status, priority, label and custom-field change events from changelog histories (any
    order in, time order out).

    A priority event carries ``from``: the priority its ``fromString`` (or ``from`` id) names.
    Labels and custom fields become ``tags`` and ``field`` events (:mod:`.condition_events`).
    """
    events: list[Event] = []
    for index, history in enumerate(histories):
        at = parse_jira_time(history.get("created"))
        if at is None:
            raise TicketError(ticket_id, f"changelog[{index}].created", "not a Jira timestamp")
        for item in history.get("items") or []:
            if not isinstance(item, Mapping):
                continue
            if _is_item(item, "status"):
                status = _status_of(item.get("to"), item.get("toString"), None, mapping, meta)
                events.append(Event(at, "status", status=status))
            elif _is_item(item, "priority"):
                to_id, to_name = item.get("to"), item.get("toString")
                # ``fromString`` is what the change replaced (POLICY.md §3.4); null, "" or left
                # out, it had none (every changelog item has its "from" half).
                from_id, from_name = item.get("from"), item.get("fromString")
                events.append(
                    Event(
                        at,
                        "priority",
                        priority=mapping.priority_for(to_id, to_name),
                        from_priority=mapping.priority_for(from_id or None, from_name or None),
                        has_from=True,
                    )
                )
            else:
                found = condition_event(item, at)  # labels and custom fields: conditions
                if found is not None:
                    events.append(found)
    events.sort(key=lambda event: event.at)
    return events


def _first_status_change(histories: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    ordered = sorted(
        (h for h in histories if parse_jira_time(h.get("created")) is not None),
        key=lambda h: parse_jira_time(h.get("created")) or datetime.min.replace(tzinfo=UTC),
    )
    for history in ordered:
        for item in history.get("items") or []:
            if isinstance(item, Mapping) and _is_item(item, "status"):
                return item
    return None


def _organizations(
    fields: Mapping[str, Any], meta: SiteMeta, mapping: JiraMapping
) -> list[Mapping[str, Any]]:
    field_id = mapping.organizations_field or meta.organizations_field
    orgs = fields.get(field_id) if field_id else None
    return [org for org in orgs if isinstance(org, Mapping)] if isinstance(orgs, list) else []


def issue_record(issue: Mapping[str, Any], orgs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The record the mapping rules' ``from`` paths read (see :class:`JiraMapping`)."""
    fields = issue.get("fields") or {}
    reporter = fields.get("reporter")
    issuetype = fields.get("issuetype")
    project = fields.get("project")
    return {
        "id": issue.get("id"),
        "key": issue.get("key"),
        "fields": {key: normalize_field_value(value) for key, value in fields.items()},
        "organizations": [org.get("name") for org in orgs if isinstance(org.get("name"), str)],
        "components": value_strings(fields.get("components")),
        "labels": list(fields.get("labels") or []),
        "reporter": dict(reporter) if isinstance(reporter, Mapping) else {},
        "issuetype": issuetype.get("name") if isinstance(issuetype, Mapping) else None,
        "project": project.get("key") if isinstance(project, Mapping) else None,
    }


def _issue_id(issue: Mapping[str, Any]) -> str:
    raw_id = issue.get("id")
    if not isinstance(raw_id, str | int) or isinstance(raw_id, bool) or raw_id == "":
        raise TicketError(None, "id", "missing issue id")
    return str(raw_id)


def _issue_times(fields: Mapping[str, Any], ticket_id: str) -> tuple[datetime, datetime | None]:
    """``created`` (``updated`` when missing) and ``updated``; TicketError for a bad one."""
    updated_at = parse_jira_time(fields.get("updated"))
    created_at = parse_jira_time(fields.get("created"))
    if fields.get("created") is not None and created_at is None:
        raise TicketError(ticket_id, "fields.created", "not a Jira timestamp")
    created_at = created_at or updated_at
    if created_at is None:
        raise TicketError(ticket_id, "fields.created", "missing or not a Jira timestamp")
    if fields.get("updated") is not None and updated_at is None:
        raise TicketError(ticket_id, "fields.updated", "not a Jira timestamp")
    return created_at, updated_at


def _current_status(
    fields: Mapping[str, Any], changes: Sequence[Event], mapping: JiraMapping, meta: SiteMeta
) -> str:
    """The issue's status; without a ``status`` field, the latest status change, else new."""
    raw_status = fields.get("status")
    if isinstance(raw_status, Mapping):
        category = raw_status.get("statusCategory")
        return _status_of(
            raw_status.get("id"),
            raw_status.get("name"),
            category.get("key") if isinstance(category, Mapping) else None,
            mapping,
            meta,
        )
    status_changes = [event for event in changes if event.type == "status"]
    if status_changes and status_changes[-1].status in STATUSES:
        return status_changes[-1].status
    return "new"


def _initial_status(
    histories: Sequence[Mapping[str, Any]], current: str, mapping: JiraMapping, meta: SiteMeta
) -> str:
    """The status the issue was created in: where its first status change came from."""
    first = _first_status_change(histories)
    if first is None:
        return current
    return _status_of(first.get("from"), first.get("fromString"), None, mapping, meta)


def _reply_events(
    comments: Sequence[Mapping[str, Any]],
    reporter_id: str | None,
    mapping: JiraMapping,
    ticket_id: str,
) -> list[Event]:
    replies = []
    for index, comment in enumerate(comments):
        at = parse_jira_time(comment.get("created"))
        if at is None:
            raise TicketError(ticket_id, f"comments[{index}].created", "not a Jira timestamp")
        author = comment_author(comment, reporter_id, mapping)
        if author is not None:
            replies.append(Event(at, "reply", author=author, public=comment_is_public(comment)))
    return replies


def _priority_of(fields: Mapping[str, Any], mapping: JiraMapping) -> str | None:
    raw_priority = fields.get("priority")
    if not isinstance(raw_priority, Mapping):
        return None
    return mapping.priority_for(raw_priority.get("id"), raw_priority.get("name"))


def _customer_of(
    mapping: JiraMapping,
    orgs: Sequence[Mapping[str, Any]],
    reporter: Any,
    tier: str | None,
    region: str | None,
) -> Customer | None:
    """The first organization (``customer: organizations``), else the reporter."""
    if mapping.customer == "organizations" and orgs:
        customer_id, customer_name = value_strings(orgs[0].get("id")), orgs[0].get("name")
        return Customer(
            id=customer_id[0] if customer_id else None,
            name=customer_name if isinstance(customer_name, str) else None,
            tier=tier,
            region=region,
        )
    if isinstance(reporter, Mapping):
        return Customer(
            id=user_id(reporter), name=reporter.get("displayName"), tier=tier, region=region
        )
    return Customer(tier=tier, region=region) if tier or region else None


def _custom_fields(
    normalized: Mapping[str, Any], mapped: Mapping[str, str | None], rules: Mapping[str, Any]
) -> dict[str, Any]:
    """The custom fields, then the mapped tier, product and region, then ``mapping.fields``.

    ``normalized`` is the record's ``fields`` (:func:`issue_record`), each value normalized
    once already.
    """
    custom = {key: value for key, value in normalized.items() if key.startswith("customfield_")}
    for name, value in mapped.items():
        if value is not None:
            custom[name] = value
    custom.update(rules)
    return custom


def _labels(fields: Mapping[str, Any], ticket_id: str) -> tuple[str, ...]:
    labels = fields.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise TicketError(ticket_id, "fields.labels", "expected a list of strings")
    return tuple(labels)


def map_issue(
    issue: Mapping[str, Any],
    histories: Sequence[Mapping[str, Any]],
    comments: Sequence[Mapping[str, Any]] | None,
    mapping: JiraMapping,
    meta: SiteMeta,
) -> Ticket:
    """Build the normalized ticket of one issue; raise TicketError naming the bad key.

    ``comments`` None means "use those embedded in ``fields.comment``". A missing ``created``
    falls back to ``updated`` (only the spec's illustrative examples lack it); a missing
    ``status`` to the latest status change, else ``new``.
    """
    ticket_id = _issue_id(issue)
    fields = issue.get("fields")
    if not isinstance(fields, Mapping):
        raise TicketError(ticket_id, "fields", "missing (request the fields explicitly)")
    created_at, updated_at = _issue_times(fields, ticket_id)
    reporter = fields.get("reporter")
    if comments is None:
        comments = comments_of(fields)[0]

    changes = history_events(histories, mapping, meta, ticket_id)
    status = _current_status(fields, changes, mapping, meta)
    initial = _initial_status(histories, status, mapping, meta)
    events = [Event(created_at, "status", status=initial)]
    events += _reply_events(comments, user_id(reporter), mapping, ticket_id)
    events += changes
    # Imported here: the assignments module reads this module's helpers (user ids, times).
    from slabridge_jira.assignments import assignment_events

    events += assignment_events(histories, fields, mapping, created_at, ticket_id)
    events.sort(key=lambda event: event.at)

    priority = _priority_of(fields, mapping)
    orgs = _organizations(fields, meta, mapping)
    record = issue_record(issue, orgs)
    tier = mapping.tier_of(record)
    product = mapping.product_of(record)
    region = mapping.region_of(record)
    customer = _customer_of(mapping, orgs, reporter, tier, region)
    mapped = {"tier": tier, "product": product, "region": region}
    custom = _custom_fields(record["fields"], mapped, mapping.mapped_fields(record))
    issuetype = fields.get("issuetype")
    labels = _labels(fields, ticket_id)
    extra: dict[str, Any] = {"key": issue["key"]} if isinstance(issue.get("key"), str) else {}
    return Ticket(
        id=ticket_id,
        source="jira",
        created_at=created_at,
        updated_at=max(updated_at or created_at, created_at),
        status=status,
        priority=priority,
        type=issuetype.get("name") if isinstance(issuetype, Mapping) else None,
        product=product,
        tags=labels,
        fields=custom,
        customer=customer,
        events=tuple(events),
        extra=extra,
    )


def site_meta(
    statuses: Iterable[Mapping[str, Any]], fields: Iterable[Mapping[str, Any]]
) -> SiteMeta:
    """Index ``GET /status`` and ``GET /field`` answers; find the JSM Organizations field."""
    by_id: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for status in statuses:
        category = status.get("statusCategory")
        key = category.get("key") if isinstance(category, Mapping) else None
        if isinstance(key, str):
            if isinstance(status.get("id"), str):
                by_id[status["id"]] = key
            if isinstance(status.get("name"), str):
                by_name[status["name"].casefold()] = key
    field_index = {f["id"]: f for f in fields if isinstance(f.get("id"), str)}
    organizations = next(
        (
            field_id
            for field_id, details in field_index.items()
            if isinstance(details.get("schema"), Mapping)
            and details["schema"].get("custom") == ORGANIZATIONS_SCHEMA
        ),
        None,
    )
    return SiteMeta(by_id, by_name, field_index, organizations)


def user_time_zone(me: Any) -> ZoneInfo | None:
    """The profile time zone of ``GET /myself`` (JQL dates are read in it); None if unusable."""
    name = me.get("timeZone") if isinstance(me, Mapping) else None
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def error_text(body: Any) -> str:
    """Jira's error body as one line: ``ErrorCollection`` messages and per-field errors, or the
    newer ``{"errors": [{"message": …}]}`` shape; other bodies as given."""
    if isinstance(body, str):
        text = body
        try:
            body = json.loads(text)
        except ValueError:
            return text.strip()
    if not isinstance(body, Mapping):
        return str(body)
    parts = [str(m) for m in body.get("errorMessages") or [] if str(m).strip()]
    errors = body.get("errors")
    if isinstance(errors, Mapping):
        parts += [f"{key}: {message}" for key, message in errors.items()]
    elif isinstance(errors, list):
        parts += [str(e.get("message")) for e in errors if isinstance(e, Mapping)]
    return "; ".join(parts) if parts else str(dict(body))


__all__ = [
    "EMBEDDED_COMMENTS_MAX",
    "INTERNAL_COMMENT_PROPERTY",
    "ORGANIZATIONS_SCHEMA",
    "SiteMeta",
    "adf_text",
    "comment_author",
    "comment_is_public",
    "comments_may_be_truncated",
    "comments_of",
    "error_text",
    "format_jira_time",
    "history_events",
    "issue_record",
    "map_issue",
    "normalize_field_value",
    "parse_jira_time",
    "site_meta",
    "user_id",
    "user_ids",
    "user_time_zone",
    "value_strings",
]
