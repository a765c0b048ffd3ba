"""Jira changelog items of labels and custom fields as ``tags`` and ``field`` events.

Labels are Jira's tags: an item of field ``labels`` carries the label lists before and after
as space-separated text (``fromString``, ``toString``; labels cannot contain spaces). A custom
field's item names it by ``fieldId`` (``customfield_10050``, the key of ``fields``) and gives
its display text in ``toString`` (the option's value for a select field), what it replaced in
``fromString``; empty text is no value. They feed ``pause_when``/``stop_when`` conditions
(docs/policy.md, "Pause and stop on conditions").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slabridge.sla.ticket import Event, FieldEvent, TagsEvent


def _labels(text: Any) -> list[str]:
    return text.split() if isinstance(text, str) else []


def _text(value: Any) -> Any:
    return None if value is None or value == "" else value


def condition_event(item: Mapping[str, Any], at: datetime) -> Event | None:
    """The event of one changelog item of labels or a custom field; None for anything else."""
    field_id = item.get("fieldId")
    if field_id == "labels" or (field_id is None and item.get("field") == "labels"):
        before = _labels(item.get("fromString"))
        after = _labels(item.get("toString"))
        added = tuple(label for label in dict.fromkeys(after) if label not in before)
        removed = tuple(label for label in dict.fromkeys(before) if label not in after)
        if not added and not removed:
            return None
        return TagsEvent(at, "tags", added=added, removed=removed)
    if isinstance(field_id, str) and field_id.startswith("customfield_"):
        return FieldEvent(
            at,
            "field",
            has_from=True,
            field=field_id,
            value=_text(item.get("toString")),
            from_value=_text(item.get("fromString")),
        )
    return None


__all__ = ["condition_event"]
