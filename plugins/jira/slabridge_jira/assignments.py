"""``assignment`` events from a Jira issue: its assignee and, when configured, a team field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from slabridge.sla.ticket import Event, TicketError
from slabridge_jira.config import JiraMapping
from slabridge_jira.mapping import normalize_field_value, parse_jira_time, user_id


def _is(item: Mapping[str, Any], field_id: str) -> bool:
    return item.get("fieldId") == field_id or str(item.get("field", "")).casefold() == field_id


def _text(value: Any) -> str | None:
    """A changelog or field value as a group or agent name; None for null or empty."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, str | int | float):
        return str(value)
    found = normalize_field_value(value)
    return found if isinstance(found, str) and found else None


def _team(item: Mapping[str, Any], side: str) -> str | None:
    # The team's name (``toString``) is what admins write under ``groups:``; the id if no name.
    return _text(item.get(f"{side}String")) or _text(item.get(side))


def assignment_events(
    histories: Iterable[Mapping[str, Any]],
    fields: Mapping[str, Any],
    mapping: JiraMapping,
    created_at: datetime,
    ticket_id: str | None = None,
) -> list[Event]:
    """The issue's owners over time (docs/connectors/jira.md, "Assignments"), oldest first.

    The agent is the assignee (``accountId``; on Data Center the changelog's user key); the
    group is ``mapping.group_field``'s value (a team or select field) when configured, else
    none. At ``created_at`` the issue had what the first change of each replaced (its ``from``),
    or without a change what it has now; then one event per changelog entry that changes
    either.
    """
    group_field = mapping.group_field
    changes: list[tuple[datetime, list[Mapping[str, Any]]]] = []
    for index, history in enumerate(histories):
        items = [
            item
            for item in history.get("items") or []
            if isinstance(item, Mapping)
            and (_is(item, "assignee") or (group_field is not None and _is(item, group_field)))
        ]
        if not items:
            continue
        at = parse_jira_time(history.get("created"))
        if at is None:
            raise TicketError(ticket_id, f"changelog[{index}].created", "not a Jira timestamp")
        changes.append((at, items))
    changes.sort(key=lambda change: change[0])

    agent = user_id(fields.get("assignee"))
    group = None if group_field is None else _text(fields.get(group_field))
    first_agent = next((i for _, items in changes for i in items if _is(i, "assignee")), None)
    if first_agent is not None:
        agent = _text(first_agent.get("from"))
    if group_field is not None:
        first_group = next((i for _, items in changes for i in items if _is(i, group_field)), None)
        if first_group is not None:
            group = _team(first_group, "from")
    events: list[Event] = []
    if group is not None or agent is not None:
        events.append(Event(created_at, "assignment", group=group, agent=agent))
    for at, items in changes:
        for item in items:
            if _is(item, "assignee"):
                agent = _text(item.get("to"))
            else:
                group = _team(item, "to")
        events.append(Event(max(at, created_at), "assignment", group=group, agent=agent))
    return events


__all__ = ["assignment_events"]
