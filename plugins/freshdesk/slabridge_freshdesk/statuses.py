"""Freshdesk's ticket statuses as the ticket-fields API lists them (pure parsing, no I/O).

``GET /api/v2/ticket_fields`` returns the ``status`` field (``type: default_status``) with its
``choices``: the four built-in statuses (2 Open … 5 Closed) and the account's custom ones (6 and
up). Each choice says whether Freshdesk's own SLA timer stops in that status
(``stop_sla_timer``), which is what slabridge needs to know to count a custom status correctly.
Two shapes are understood: a list of choice objects (``{"id": 6, "value": "Waiting on Third
Party", "label_for_customers": "…", "stop_sla_timer": true, …}``, or the older ``{"value": 6,
"label": "…", "stop_sla_timer": …}``) and the plain map ``{"6": ["Waiting on Third Party",
"Being Processed"]}``, which names the status but says nothing about its timer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STATUS_FIELD_TYPE = "default_status"


@dataclass(frozen=True, slots=True)
class StatusChoice:
    """One status of the account: its number, agent-facing name and SLA-timer setting.

    ``stops_sla_timer`` is None when the API did not say (the plain-map shape).
    """

    number: int
    name: str
    stops_sla_timer: bool | None = None


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _choice_object(item: Mapping[str, Any], key: Any = None) -> StatusChoice | None:
    number = _number(item.get("id"))
    if number is None:
        number = _number(item.get("value"))
    if number is None:
        number = _number(key)
    if number is None:
        return None
    # ``value`` is the name in one shape and the number in the other: take the first label
    # that is not a number.
    labels = (item.get(key_name) for key_name in ("value", "label", "name"))
    name = next(
        (text for text in labels if isinstance(text, str) and text and _number(text) is None),
        f"status {number}",
    )
    stops = item.get("stop_sla_timer")
    return StatusChoice(number, name, stops if isinstance(stops, bool) else None)


def parse_status_choices(choices: Any) -> dict[int, StatusChoice]:
    """The ``choices`` of the ``status`` ticket field → status number → :class:`StatusChoice`.

    Entries that name no status number are ignored; deleted statuses are kept (tickets may
    still carry them).
    """
    found: dict[int, StatusChoice] = {}
    if isinstance(choices, Mapping):
        for key, value in choices.items():
            number = _number(key)
            if isinstance(value, Mapping):
                choice = _choice_object(value, key)
            elif number is not None and isinstance(value, list | tuple) and value:
                choice = StatusChoice(number, str(value[0]))
            elif number is not None and isinstance(value, str):
                choice = StatusChoice(number, value)
            else:
                choice = None
            if choice is not None:
                found[choice.number] = choice
    elif isinstance(choices, list):
        for item in choices:
            choice = _choice_object(item) if isinstance(item, Mapping) else None
            if choice is not None:
                found[choice.number] = choice
    return found


def status_choices(ticket_fields: Iterable[Any]) -> dict[int, StatusChoice]:
    """The account's statuses from a ``GET /ticket_fields`` body (empty when none is listed)."""
    for field in ticket_fields:
        if not isinstance(field, Mapping):
            continue
        if field.get("type") == STATUS_FIELD_TYPE or field.get("name") == "status":
            return parse_status_choices(field.get("choices"))
    return {}


__all__ = ["STATUS_FIELD_TYPE", "StatusChoice", "parse_status_choices", "status_choices"]
