"""FakeJira's fixed catalogue: statuses, priorities, fields, the issue record, error and
changelog item shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slabridge_jira.mapping import ORGANIZATIONS_SCHEMA

API = "/rest/api/3"
API_USER_ID = "5b10ac8d82e05b22cc7d4ef5"
AGENT_ID = "5b10a2844c20165700ede21g"


# name, id, category key, category id, category name, colour
STATUSES: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("New", "10000", "new", 2, "To Do", "blue-gray"),
    ("Waiting for support", "10001", "new", 2, "To Do", "blue-gray"),
    ("In Progress", "3", "indeterminate", 4, "In Progress", "yellow"),
    ("Waiting for customer", "10002", "indeterminate", 4, "In Progress", "yellow"),
    ("Pending", "10003", "indeterminate", 4, "In Progress", "yellow"),
    ("Resolved", "5", "done", 3, "Done", "green"),
    ("Closed", "6", "done", 3, "Done", "green"),
)
NORMALIZED_STATUS_NAMES = {
    "new": "New",
    "open": "Waiting for support",
    "pending": "Waiting for customer",
    "on_hold": "Pending",
    "solved": "Resolved",
    "closed": "Closed",
}
PRIORITIES: tuple[tuple[str, str], ...] = (
    ("Highest", "1"),
    ("High", "2"),
    ("Medium", "3"),
    ("Low", "4"),
    ("Lowest", "5"),
)
NORMALIZED_PRIORITY_NAMES = {"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Low"}
PRIORITY_NORMALIZED = {
    "Highest": "urgent",
    "High": "high",
    "Medium": "normal",
    "Low": "low",
    "Lowest": "low",
}

ORGANIZATIONS_FIELD = "customfield_10002"
TIER_FIELD = "customfield_10100"
REGION_FIELD = "customfield_10101"
BREACHED_FIELD = "customfield_10200"
DUE_AT_FIELD = "customfield_10201"
# id, name, schema type, schema custom type, items
CUSTOM_FIELDS: tuple[tuple[str, str, str, str, str | None], ...] = (
    (
        ORGANIZATIONS_FIELD,
        "Organizations",
        "array",
        ORGANIZATIONS_SCHEMA,
        "sd-customerorganization",
    ),
    (
        TIER_FIELD,
        "Customer tier",
        "option",
        "com.atlassian.jira.plugin.system.customfieldtypes:select",
        None,
    ),
    (
        REGION_FIELD,
        "Region",
        "option",
        "com.atlassian.jira.plugin.system.customfieldtypes:select",
        None,
    ),
    (
        BREACHED_FIELD,
        "SLA breached",
        "number",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
        None,
    ),
    (
        DUE_AT_FIELD,
        "SLA due at",
        "datetime",
        "com.atlassian.jira.plugin.system.customfieldtypes:datetime",
        None,
    ),
)
SYSTEM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("summary", "Summary", "string"),
    ("status", "Status", "status"),
    ("priority", "Priority", "priority"),
    ("labels", "Labels", "array"),
    ("created", "Created", "datetime"),
    ("updated", "Updated", "datetime"),
    ("reporter", "Reporter", "user"),
    ("issuetype", "Issue Type", "issuetype"),
    ("components", "Components", "array"),
    ("project", "Project", "project"),
    ("comment", "Comment", "comments-page"),
)


def error_collection(*messages: str, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Jira's ``ErrorCollection`` body."""
    return {"errorMessages": list(messages), "errors": dict(errors or {})}


@dataclass
class _Issue:
    id: str
    key: str
    project: str
    created: datetime
    updated: datetime
    status: str  # status id
    priority: str | None  # priority id
    reporter: str  # account id
    summary: str = ""
    issuetype: str = "Service Request"
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_name(self) -> str:
        return next(name for name, status_id, *_ in STATUSES if status_id == self.status)


def _item(name: str, kind: str, old: str | None, old_text: str | None) -> dict[str, Any]:
    """A changelog item's "from" half; nulls are omitted (the spec types them as strings)."""
    item: dict[str, Any] = {"field": name, "fieldtype": kind, "fieldId": name}
    if old is not None:
        item["from"] = old
    if old_text is not None:
        item["fromString"] = old_text
    return item


def _to(new: str | None, new_text: str | None) -> dict[str, Any]:
    part: dict[str, Any] = {}
    if new is not None:
        part["to"] = new
    if new_text is not None:
        part["toString"] = new_text
    return part


__all__ = [
    "AGENT_ID",
    "API",
    "API_USER_ID",
    "BREACHED_FIELD",
    "CUSTOM_FIELDS",
    "DUE_AT_FIELD",
    "NORMALIZED_PRIORITY_NAMES",
    "NORMALIZED_STATUS_NAMES",
    "ORGANIZATIONS_FIELD",
    "PRIORITIES",
    "PRIORITY_NORMALIZED",
    "REGION_FIELD",
    "STATUSES",
    "SYSTEM_FIELDS",
    "TIER_FIELD",
    "error_collection",
]
