"""``pause_when`` / ``stop_when`` of a metric target: YAML to conditions, errors with key paths."""

from __future__ import annotations

from typing import Any

from slabridge.sla.conditions import Condition
from slabridge.sla.policy import match_text

CONDITION_KEYS: tuple[str, ...] = ("tag", "field", "equals")
Problem = tuple[str, str]  # (key path, message)

_EXAMPLE = "e.g. [{tag: waiting_vendor}, {field: waiting_on, equals: vendor}]"


def _at(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _name(value: Any) -> str | None:
    """A tag or field name: non-empty text (a number, as YAML reads ``360001234``, as text)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def parse_conditions(raw: Any, path: str) -> tuple[tuple[Condition, ...], list[Problem]]:
    """The conditions under ``path`` (a list of them, or a single one), and every problem.

    Each condition is ``{tag: NAME}`` (the tag is on the ticket) or ``{field: NAME, equals:
    VALUE}`` (``fields[NAME]`` is VALUE; a list of values means any of them). Values compare as
    in ``match`` (exact text; numbers and booleans as their text). Values are never quoted in
    messages: a tag or field value in a policy file is not known not to be a secret.
    """
    if raw is None:
        return (), []
    single = isinstance(raw, dict)
    items = [raw] if single else raw
    if not isinstance(items, list):
        return (), [(path, f"expected a list of conditions, {_EXAMPLE}")]
    found: list[Condition] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        where = path if single else _at(path, index)
        condition = _condition(item, where, problems)
        if condition is not None and condition not in found:
            found.append(condition)
    return tuple(found), problems


def _condition(item: Any, where: str, problems: list[Problem]) -> Condition | None:
    if not isinstance(item, dict):
        problems.append((where, "expected {tag: NAME} or {field: NAME, equals: VALUE}"))
        return None
    data = {str(key): value for key, value in item.items()}
    unknown = [key for key in data if key not in CONDITION_KEYS]
    for key in unknown:
        problems.append((_at(where, key), f"unknown key (valid: {', '.join(CONDITION_KEYS)})"))
    if unknown:
        return None
    if ("tag" in data) == ("field" in data):
        problems.append((where, "give exactly one of tag or field"))
        return None
    if "tag" in data:
        if "equals" in data:
            problems.append(
                (_at(where, "equals"), "not for a tag (it holds while the ticket has the tag)")
            )
            return None
        tag = _name(data["tag"])
        if tag is None:
            problems.append((_at(where, "tag"), "expected a tag name"))
            return None
        return Condition("tag", tag)
    name = _name(data["field"])
    if name is None:
        problems.append((_at(where, "field"), "expected a field name (its key in fields)"))
        return None
    if "equals" not in data:
        problems.append(
            (_at(where, "equals"), "required: the value (or list of values) the field must have")
        )
        return None
    raw = data["equals"]
    values = raw if isinstance(raw, list) else [raw]
    texts = [None if isinstance(value, dict | list) else match_text(value) for value in values]
    if not values or any(text is None for text in texts):
        problems.append((_at(where, "equals"), "expected a value or a non-empty list of values"))
        return None
    return Condition("field", name, tuple(dict.fromkeys(t for t in texts if t is not None)))


__all__ = ["CONDITION_KEYS", "parse_conditions"]
