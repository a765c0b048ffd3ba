"""The Zendesk connector's read state and pure helpers: cached tickets, event stream, cursors."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slabridge_zendesk.condition_events import is_condition_field
from slabridge_zendesk.mapping import (
    SkipTicket,
    audits_from_ticket_events,
    is_merge_notice,
    zendesk_time,
)

MAX_IDS = 100  # show_many, update_many and users/show_many take at most 100 ids
_EVENT_FIELDS = frozenset({"status", "priority"})
_CHILD_KEYS = ("type", "field_name", "value", "author_id", "public", "previous_value")
# A pruned audit: (id, created_at, ((type, field_name, value, author_id, public,
# previous_value), ...)).
_Audit = tuple[Any, Any, tuple[tuple[Any, ...], ...]]
_ABSENT: Any = object()  # a key the audit event did not have (``previous_value`` of a Create)


@dataclass(slots=True)
class _Known:
    """The state of a ticket as last read or written, to skip changes that are already done."""

    tags: set[str]
    priority: str | None
    fields: dict[str, Any]
    updated_at: str | None
    # The ticket's history (audits cut down to what events are built from), complete before
    # the Unix second ``through``: with the ticket-events stream from then on it rebuilds the
    # whole history without an audits call (e.g. when our own write-back comes back changed).
    history: tuple[_Audit, ...] | None = None
    through: int = 0


@dataclass(slots=True)
class _EventStream:
    """The incremental ticket-events stream from ``start``, consumed only as far as needed."""

    start: int
    keep_from: int  # before this second, only events of tickets with a cached history are kept
    by_ticket: dict[int, list[Mapping[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    seen: set[Any] = field(default_factory=set)
    position: int = 0
    done: bool = False
    stalled: bool = False
    checked: int = 0  # the stream was read to its end after copies up to this second were made


@dataclass(slots=True)
class _ExportRead:
    """One read of the export: its window, what it yielded, and its ticket-events stream."""

    window_start: int  # the cursor's ``since``: tickets created from then have it all in the stream
    stream_start: int  # where the stream is read from (a little earlier for cached histories)
    newest_seen: int
    seen: dict[int, int] = field(default_factory=dict)  # ids at the newest second, see _dedupe
    stream: _EventStream | None = None

    def stream_usable(self) -> bool:
        """False once the stream stalled (the tickets still waiting get their audits)."""
        return self.stream is None or not self.stream.stalled

    def open_stream(self) -> _EventStream:
        """The read's stream, opened at ``stream_start`` when first needed."""
        if self.stream is None:
            self.stream = _EventStream(
                self.stream_start, self.window_start, position=self.stream_start
            )
        return self.stream


def _next_export_cursor(page: Any) -> str | None:
    """The cursor of the export page after ``page``; None at the end of the stream."""
    if not isinstance(page, Mapping) or page.get("end_of_stream", True):
        return None
    after = page.get("after_cursor")
    return after if isinstance(after, str) and after else None


def _next_audits_cursor(body: Any) -> str | None:
    """The ``page[after]`` of the audits page after ``body``; None when there are no more."""
    meta = body.get("meta") if isinstance(body, Mapping) else None
    if not isinstance(meta, Mapping) or not meta.get("has_more"):
        return None
    after = meta.get("after_cursor")
    return after if isinstance(after, str) and after else None


def _starts_at_creation(events: Sequence[Mapping[str, Any]], created: int | None) -> bool:
    """Whether the stream's events of a ticket reach back to its creation (a whole history).

    A ticket changed during a read comes again; its earlier events went with its first copy, so
    what is left starts after the creation second (the stream was read past that copy's
    version, which is at or after the creation). That copy then needs its cached history or its
    audits. Telling it by time keeps no set of the read's tickets (memory stays flat).
    """
    if created is None or not events:
        return False
    seconds = [second for second in map(_event_second, events) if second is not None]
    return bool(seconds) and min(seconds) <= created


def _cursor_json(after_cursor: str | None, start_time: int | None, since: int) -> str:
    return json.dumps(
        {"after_cursor": after_cursor, "start_time": start_time, "since": since}, sort_keys=True
    )


def _event_second(event: Mapping[str, Any]) -> int | None:
    """The Unix second of a ticket event (``timestamp``, else ``created_at``), None if unknown."""
    stamp = event.get("timestamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return stamp
    try:
        return int(zendesk_time(event.get("created_at"), "?", "created_at").timestamp())
    except SkipTicket:
        return None


def _prune(audits: Sequence[Mapping[str, Any]]) -> tuple[_Audit, ...]:
    """Audits cut down to what events are built from (status/priority changes, comments),
    as tuples: a cached history costs a few hundred bytes, not the audits' kilobytes."""
    kept: list[_Audit] = []
    for audit in audits:
        children = tuple(
            tuple(child.get(key, _ABSENT) for key in _CHILD_KEYS)
            for child in audit.get("events") or []
            if (child.get("type") == "Comment" and not is_merge_notice(audit, child))
            or (
                child.get("type") in ("Create", "Change")
                and (
                    child.get("field_name") in _EVENT_FIELDS
                    or is_condition_field(child.get("field_name"))
                )
            )
        )
        if children:
            kept.append((audit.get("id"), audit.get("created_at"), children))
    return tuple(kept)


def _expand(history: Sequence[_Audit]) -> list[dict[str, Any]]:
    """A pruned history back in the shape of audits."""
    return [
        {
            "id": audit_id,
            "created_at": created_at,
            "events": [
                {
                    key: value
                    for key, value in zip(_CHILD_KEYS, child, strict=True)
                    if value is not _ABSENT
                }
                for child in children
            ],
        }
        for audit_id, created_at, children in history
    ]


def _merge(
    history: Sequence[_Audit],
    stream_events: Sequence[Mapping[str, Any]],
    through: int,
) -> list[dict[str, Any]]:
    """A cached history (complete before the second ``through``) plus the stream's events,
    each audit once: older events are in the history already, same-second ones go by id."""
    merged = _expand(history)
    ids = {audit[0] for audit in history}
    for event in stream_events:
        second = _event_second(event)
        if (second is not None and second < through) or event.get("id") in ids:
            continue
        merged.extend(audits_from_ticket_events([event]))
    return merged


def _newest_second(audits: Sequence[Mapping[str, Any]]) -> int:
    """The newest audit's Unix second: audits just read hold every change up to then."""
    newest = 0
    for audit in audits:
        try:
            moment = zendesk_time(audit.get("created_at"), "?", "audit.created_at")
        except SkipTicket:
            return 0  # cannot tell how far the history goes: do not cache it
        newest = max(newest, int(moment.timestamp()))
    return newest


def _version(ticket: Mapping[str, Any]) -> int:
    """The export's ordering stamp; 0 for a record whose stamp is missing or not a number."""
    try:
        return int(ticket.get("generated_timestamp") or 0)
    except (TypeError, ValueError):
        return 0


__all__ = ["MAX_IDS"]
