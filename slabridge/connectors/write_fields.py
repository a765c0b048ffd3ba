"""Checking the helpdesk fields ``actions.fields`` writes: they exist, are active, fit the value.

``actions.fields.<instance>`` names a due-time field (slabridge writes an ISO 8601 timestamp)
and a breached field (a flag). A wrong id is accepted by the config loader (it has the right
shape) and then every write-back fails, or worse, lands in the wrong kind of field: a date
field cuts the time off. ``slabridge check`` asks each connector to list its fields and
compares them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slabridge.connectors.base import CheckProblem

# What slabridge writes into each role, in words, for the messages.
WRITES = {"due_at": "a date and time", "breached": "a yes/no flag"}


@dataclass(frozen=True, slots=True)
class HelpdeskField:
    """One field as the helpdesk lists it: its kind (the API's type name) and whether it is on."""

    key: str
    kind: str | None
    active: bool = True
    title: str | None = None


def write_field_problems(
    instance: str,
    wanted: Mapping[str, str],
    found: Mapping[str, HelpdeskField],
    accepts: Mapping[str, frozenset[str]],
    helpdesk: str,
) -> list[CheckProblem]:
    """One problem per role whose field is missing, inactive or of a kind that cannot hold it.

    Args:
        instance: the connector instance (for the key path ``actions.fields.<instance>.<role>``).
        wanted: role (``due_at``, ``breached``) -> the helpdesk's field key.
        found: the helpdesk's fields by key.
        accepts: role -> the field kinds that hold what slabridge writes there.
        helpdesk: "Zendesk ticket field", "Freshdesk ticket field", ... for the messages.
    """
    problems = []
    for role, key in sorted(wanted.items()):
        where = f"actions.fields.{instance}.{role}"
        field = found.get(key)
        kinds = accepts.get(role, frozenset())
        if field is None:
            fitting = sorted(f.key for f in found.values() if f.kind in kinds and f.active)
            problems.append(
                CheckProblem(
                    f"{where}: {helpdesk} {key!r} does not exist",
                    hint="fields that would fit: "
                    + (", ".join(fitting[:10]) or "none; create one"),
                )
            )
        elif not field.active:
            problems.append(
                CheckProblem(
                    f"{where}: {helpdesk} {key!r} is inactive, so writes to it are refused",
                    hint="activate it in the helpdesk's admin settings",
                )
            )
        elif kinds and field.kind not in kinds:
            problems.append(
                CheckProblem(
                    f"{where}: {helpdesk} {key!r} is {_article(field.kind)} {field.kind} field; "
                    "slabridge writes "
                    f"{WRITES.get(role, 'a value')} there",
                    hint=f"use a field of type {' or '.join(sorted(kinds))}",
                )
            )
    return problems


def _article(word: str | None) -> str:
    return "an" if (word or "x")[0].lower() in "aeiou" else "a"


__all__ = ["WRITES", "HelpdeskField", "write_field_problems"]
