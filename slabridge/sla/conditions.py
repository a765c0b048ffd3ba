"""Pause and stop conditions on tags and fields: their history as spans of epoch floats.

A condition (``{tag: waiting_vendor}``, ``{field: waiting_on, equals: vendor}``) holds over
spans of a ticket's life, read from its ``tags`` and ``field`` events (docs/policy.md, "Pause
and stop on conditions"): before the first event about it, the value that event replaced (a tag
it adds was absent, one it removes was present; a field's ``from``, else unknown: not holding);
with no event about it, the ticket's current value, from ``updated_at`` on; when the last event
disagrees with the ticket, the change to the current value happened at ``updated_at`` (as
POLICY.md §2 places an unseen status change). Pure: no I/O, no clock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slabridge.sla.policy import match_text
from slabridge.sla.ticket import FieldEvent, TagsEvent, Ticket

Segment = tuple[float, float]
_INF = float("inf")


@dataclass(frozen=True, slots=True)
class Condition:
    """One entry of ``pause_when``/``stop_when``: a tag present, or a field with a value.

    ``kind`` is ``"tag"`` or ``"field"``; ``name`` the tag or the field's key in
    ``Ticket.fields``; ``values`` (fields only) the texts that make it hold, any of them (a
    list-valued field holds when any of its items does, as in a policy's ``match``).
    """

    kind: str
    name: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """``tag waiting_vendor`` or ``field waiting_on = vendor`` (what ``explain`` prints)."""
        if self.kind == "tag":
            return f"tag {self.name}"
        wanted = self.values[0] if len(self.values) == 1 else f"one of [{', '.join(self.values)}]"
        return f"field {self.name} = {wanted}"

    def matches(self, value: Any) -> bool:
        """Whether a field value makes the condition hold (None never does)."""
        if value is None:
            return False
        items = value if isinstance(value, list | tuple) else (value,)
        return any(match_text(item) in self.values for item in items)

    def holds_now(self, ticket: Ticket) -> bool:
        """Whether it holds for the ticket as it is (its current ``tags`` / ``fields``)."""
        if self.kind == "tag":
            return self.name in ticket.tags
        return self.matches(ticket.fields.get(self.name))


def _event_state(event: object, condition: Condition) -> tuple[bool, bool] | None:
    """``(holds after, held before)`` for an event about the condition's subject, else None.

    "Held before" is what the event replaced: a tag it added was absent, one it removed was
    there; a field's ``from`` when the event says it, else unknown (taken as not holding).
    """
    if condition.kind == "tag":
        if not isinstance(event, TagsEvent):
            return None
        if condition.name in event.added:
            return True, False
        if condition.name in event.removed:
            return False, True
        return None
    if not isinstance(event, FieldEvent) or event.field != condition.name:
        return None
    before = event.has_from and condition.matches(event.from_value)
    return condition.matches(event.value), before


def _changes(
    ticket: Ticket, now: float, condition: Condition
) -> tuple[bool, list[tuple[float, bool]]]:
    """Whether the condition held at ``created_at``, and its changes up to ``now`` in order."""
    created = ticket.created_at.timestamp()
    changes: list[tuple[float, bool]] = []
    initial: bool | None = None
    last: bool | None = None
    last_at = created
    for event in ticket.events:
        found = _event_state(event, condition)
        if found is None:
            continue
        state, before = found
        if initial is None:
            initial = before
        at = max(event.at.timestamp(), created)
        last, last_at = state, at
        if at <= now:
            changes.append((at, state))
    current = condition.holds_now(ticket)
    updated = ticket.updated_at.timestamp()
    if last is None:  # no history for it: the current value, seen from updated_at on
        at = max(updated, created)
        if current and at <= now:
            changes.append((at, True))
        return False, changes
    if last is not current:
        at = max(updated, last_at)
        if at <= now:
            changes.append((at, current))
    return bool(initial), changes


def spans(ticket: Ticket, now: float, condition: Condition) -> list[Segment]:
    """The ``[a, b)`` spans up to ``now`` in which ``condition`` holds, in time order.

    The last span ends at ``inf`` when the condition still holds at ``now``. Several changes at
    one instant count as one, to the last value given. Events after ``now`` are ignored, except
    that the first event about the subject says what it replaced; events dated before
    ``created_at`` count as at ``created_at``.
    """
    holding, changes = _changes(ticket, now, condition)
    out: list[Segment] = []
    since = ticket.created_at.timestamp()
    for at, state in changes:
        if state is holding:
            continue
        if state:
            since = at
        elif at > since:  # true and false again at one instant: it never held
            out.append((since, at))
        holding = state
    if holding:
        out.append((since, _INF))
    return out


def union(groups: Iterable[list[Segment]]) -> list[Segment]:
    """The spans of several conditions merged into one sorted list (any of them holds)."""
    flat = sorted(span for group in groups for span in group)
    out: list[Segment] = []
    for a, b in flat:
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def any_spans(ticket: Ticket, now: float, conditions: tuple[Condition, ...]) -> list[Segment]:
    """The merged spans in which at least one of ``conditions`` holds."""
    if len(conditions) == 1:
        return spans(ticket, now, conditions[0])
    return union(spans(ticket, now, condition) for condition in conditions)


def holds_at(merged: list[Segment], instant: float) -> bool:
    """Whether ``instant`` lies in one of the merged, sorted spans (after changes there)."""
    index = bisect_right(merged, (instant, _INF)) - 1
    return index >= 0 and merged[index][0] <= instant < merged[index][1]


def cut(segments: list[Segment], holes: list[Segment]) -> list[Segment]:
    """``segments`` without the parts inside ``holes`` (both sorted; holes merged).

    A zero-length segment (a cycle stopped at its start) is kept as it is, so the cycle keeps
    its start.
    """
    if not holes:
        return segments
    out: list[Segment] = []
    for a, b in segments:
        if a == b:
            out.append((a, b))
            continue
        for ha, hb in holes:
            if hb <= a:
                continue
            if ha >= b:
                break
            if ha > a:
                out.append((a, ha))
            a = hb if hb > a else a
            if a >= b:
                break
        if a < b:
            out.append((a, b))
    return out


def first_hold(merged: list[Segment], start: float, limit: float) -> float | None:
    """The first instant in ``[start, limit]`` at which one of the spans holds, or None."""
    for a, b in merged:
        if b <= start:
            continue
        at = a if a > start else start
        return at if at <= limit else None
    return None


__all__ = ["Condition", "any_spans", "cut", "first_hold", "holds_at", "spans", "union"]
