"""Freshdesk v2 payload shapes and error bodies the fake serves (data only, no server)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from slabridge.testing.fakeapi import FakeResponse

UNAUTHORIZED = {
    "code": "invalid_credentials",
    "message": "You have to be logged in to perform this action.",
}
PAGE_CAP_ERROR = {
    "field": "page",
    "message": "You cannot access tickets beyond the 300th page. Please provide a smaller page "
    "number.",
    "code": "invalid_value",
}
TOO_MANY_REQUESTS = {"message": "You have exceeded the limit of requests per minute"}
LIST_INCLUDES = ("requester", "stats", "description")
ORDER_BY = ("created_at", "due_by", "updated_at", "status")
WRITABLE = frozenset(
    {
        "subject",
        "description",
        "status",
        "priority",
        "tags",
        "custom_fields",
        "group_id",
        "type",
        "product_id",
        "responder_id",
        "company_id",
        "due_by",
        "fr_due_by",
    }
)
AGENT_ID = 7000
DEFAULT_COMPANY_FIELDS = (
    "name",
    "description",
    "domains",
    "note",
    "health_score",
    "account_tier",
    "renewal_date",
    "industry",
)
DEFAULT_TICKET_FIELDS = (
    {"id": 1, "name": "status", "label": "Status", "type": "default_status", "default": True},
    {"id": 2, "name": "priority", "label": "Priority", "type": "default_priority", "default": True},
)
# The built-in statuses: number → (agent label, customer label, SLA timer stops).
BUILT_IN_STATUSES: dict[int, tuple[str, str, bool]] = {
    2: ("Open", "Being Processed", False),
    3: ("Pending", "Awaiting your Reply", True),
    4: ("Resolved", "This ticket has been Resolved", True),
    5: ("Closed", "This ticket has been Closed", True),
}


def stamp(moment: datetime) -> str:
    """Freshdesk's timestamp format: UTC, whole seconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    return moment.astimezone(UTC)


def invalid(field: str, message: str, code: str = "invalid_value") -> dict[str, str]:
    """One entry of a validation error's ``errors`` list."""
    return {"field": field, "message": message, "code": code}


def validation_failed(*errors: Mapping[str, str]) -> FakeResponse:
    """Freshdesk's 400 body: ``{"description": "Validation failed", "errors": [...]}``."""
    body = {"description": "Validation failed", "errors": [dict(e) for e in errors]}
    return FakeResponse(400, body)


def update_errors(
    body: Mapping[str, Any], statuses: Iterable[int], ticket_fields: Collection[str]
) -> list[dict[str, str]]:
    """What Freshdesk refuses in a ``PUT /tickets/{id}`` body, as ``errors`` entries."""
    errors = [
        invalid(key, "Unexpected/invalid field in request", "invalid_field")
        for key in body
        if key not in WRITABLE
    ]
    if "priority" in body and body["priority"] not in (1, 2, 3, 4):
        errors.append(invalid("priority", "It should be one of these values: '1,2,3,4'"))
    allowed = sorted(statuses)
    if "status" in body and body["status"] not in allowed:
        values = ",".join(str(s) for s in allowed)
        errors.append(invalid("status", f"It should be one of these values: '{values}'"))
    if "tags" in body:
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errors.append(invalid("tags", "It should be an Array", "datatype_mismatch"))
        elif any(len(t) > 32 for t in tags):
            too_long = "It should only contain elements that have maximum of 32 characters"
            errors.append(invalid("tags", too_long))
    if "custom_fields" in body:
        custom = body["custom_fields"]
        if not isinstance(custom, dict):
            errors.append(
                invalid("custom_fields", "It should be a key/value pair", "datatype_mismatch")
            )
        else:
            errors.extend(
                invalid(key, "Unexpected/invalid field in request", "invalid_field")
                for key in custom
                if key not in ticket_fields
            )
    return errors


def status_field(
    custom: Mapping[int, tuple[str, bool]], *, shape: str = "objects"
) -> dict[str, Any]:
    """The ``status`` entry of ``GET /ticket_fields`` with the built-in and ``custom`` statuses.

    ``objects``: a list of choice objects with ``stop_sla_timer`` (the shape Freshdesk's own
    status model renders); ``map``: ``{"6": [agent label, customer label]}``, which names each
    status but not its SLA timer.
    """
    table = dict(BUILT_IN_STATUSES)
    table.update({number: (name, name, stops) for number, (name, stops) in custom.items()})
    field = dict(DEFAULT_TICKET_FIELDS[0])
    if shape == "map":
        field["choices"] = {str(n): [agent, customer] for n, (agent, customer, _) in table.items()}
        return field
    field["choices"] = [
        {
            "id": number,
            "value": agent,
            "label_for_customers": customer,
            "stop_sla_timer": stops,
            "default": number in BUILT_IN_STATUSES,
            "position": position,
            "deleted": False,
        }
        for position, (number, (agent, customer, stops)) in enumerate(sorted(table.items()), 1)
    ]
    return field


def new_ticket(number: int, at: str) -> dict[str, Any]:
    """A ticket as ``GET /tickets/{id}`` shows it (the v2 field set), Open, Low, from email."""
    return {
        "cc_emails": [],
        "fwd_emails": [],
        "reply_cc_emails": [],
        "ticket_cc_emails": [],
        "email_config_id": None,
        "fr_escalated": False,
        "group_id": None,
        "priority": 1,
        "requester_id": 5000 + number,
        "responder_id": AGENT_ID,
        "source": 1,
        "spam": False,
        "status": 2,
        "subject": f"Ticket {number}",
        "type": None,
        "company_id": None,
        "id": number,
        "to_emails": None,
        "product_id": None,
        "created_at": at,
        "updated_at": at,
        "due_by": at,
        "fr_due_by": at,
        "nr_due_by": None,
        "nr_escalated": False,
        "is_escalated": False,
        "description_text": "",
        "description": "",
        "custom_fields": {},
        "tags": [],
        "attachments": [],
    }


def new_stats(created_at: str) -> dict[str, Any]:
    """The ``stats`` of a ticket nobody has answered yet."""
    return {
        "agent_responded_at": None,
        "requester_responded_at": None,
        "first_responded_at": None,
        "status_updated_at": created_at,
        "reopened_at": None,
        "resolved_at": None,
        "closed_at": None,
        "pending_since": None,
    }


def new_conversation(
    number: int, ticket: Mapping[str, Any], at: str, *, incoming: bool, private: bool, body: str,
    source: int | None,
) -> dict[str, Any]:  # fmt: skip
    """A reply (``incoming``: from the requester) or a note, as the conversations list shows it."""
    return {
        "body": f"<div>{body}</div>",
        "body_text": body,
        "id": number,
        "incoming": incoming,
        "private": private,
        "user_id": ticket["requester_id"] if incoming else AGENT_ID,
        "support_email": None,
        "source": source if source is not None else (2 if private else 0),
        "ticket_id": ticket["id"],
        "to_emails": [],
        "from_email": None,
        "cc_emails": None,
        "bcc_emails": None,
        "created_at": at,
        "updated_at": at,
        "attachments": [],
    }


def new_company(number: int, name: str, at: str) -> dict[str, Any]:
    """A company as ``GET /companies/{id}`` shows it (default fields, no custom values)."""
    return {
        "id": number,
        "name": name,
        "description": None,
        "domains": [],
        "note": None,
        "custom_fields": {},
        "created_at": at,
        "updated_at": at,
        "health_score": None,
        "account_tier": None,
        "renewal_date": None,
        "industry": None,
    }


def company_fields(custom_names: Iterable[str]) -> list[dict[str, Any]]:
    """``GET /company_fields``: the default fields, then the custom ones."""
    fields = [
        {"id": i + 1, "name": n, "label": n.replace("_", " ").title(), "default": True}
        for i, n in enumerate(DEFAULT_COMPANY_FIELDS)
    ]
    fields += [
        {"id": 100 + i, "name": n, "label": n, "default": False}
        for i, n in enumerate(sorted(custom_names))
    ]
    return fields


__all__ = [
    "AGENT_ID",
    "BUILT_IN_STATUSES",
    "DEFAULT_TICKET_FIELDS",
    "LIST_INCLUDES",
    "ORDER_BY",
    "PAGE_CAP_ERROR",
    "TOO_MANY_REQUESTS",
    "UNAUTHORIZED",
    "WRITABLE",
    "company_fields",
    "invalid",
    "new_company",
    "new_conversation",
    "new_stats",
    "new_ticket",
    "parse_stamp",
    "stamp",
    "status_field",
    "update_errors",
    "validation_failed",
]
