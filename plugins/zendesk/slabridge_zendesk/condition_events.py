"""Tag and custom-field changes in Zendesk audits as normalized ``tags`` and ``field`` events.

A ``Create``/``Change`` audit event names its field in ``field_name``: ``tags`` (the whole tag
list after the change in ``value``, before it in ``previous_value``) or a custom field's numeric
id, the key the connector's ``fields`` use. They feed ``pause_when``/``stop_when`` conditions
(docs/policy.md, "Pause and stop on conditions").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_condition_field(name: Any) -> bool:
    """Whether an audit event's ``field_name`` is the tags or a custom field (a numeric id)."""
    return name == "tags" or (isinstance(name, str) and name.isdigit())


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):  # some streams give the list as space-separated text
        return value.split()
    if isinstance(value, list):
        return [tag for tag in value if isinstance(tag, str)]
    return []


def condition_event(child: Mapping[str, Any], stamp: str) -> dict[str, Any] | None:
    """The normalized event of one tags/custom-field ``Create`` or ``Change``; None if empty.

    A ``Create`` lists what the ticket was created with (all added; a field's value without
    ``from``: there was none before). A ``Change`` says what it replaced.
    """
    name = child.get("field_name")
    changed = child.get("type") == "Change"
    if name == "tags":
        after = _tags(child.get("value"))
        before = _tags(child.get("previous_value")) if changed else []
        added = [tag for tag in dict.fromkeys(after) if tag not in before]
        removed = [tag for tag in dict.fromkeys(before) if tag not in after]
        if not added and not removed:
            return None
        return {"at": stamp, "type": "tags", "added": added, "removed": removed}
    event: dict[str, Any] = {
        "at": stamp,
        "type": "field",
        "field": str(name),
        "value": child.get("value"),
    }
    if changed and "previous_value" in child:
        event["from"] = child["previous_value"]
    return event


__all__ = ["condition_event", "is_condition_field"]
