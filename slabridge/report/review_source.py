"""The tickets the review sections of a store-based report read: snapshots with their events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from slabridge.report.sources import SourceTicket, parsed_snapshots

if TYPE_CHECKING:
    from slabridge.sync.store import StateStore


def tickets_updated_since(
    store: StateStore,
    since: datetime,
    connector: str | None = None,
    problems: list[str] | None = None,
) -> Iterator[SourceTicket]:
    """The latest snapshot of every ticket updated at or after ``since``, by connector and id.

    A stay or a wait that starts at ``since`` or later starts at the ticket's creation or at one
    of its events, so the ticket's ``updated_at`` is not older: older tickets are not read. A
    snapshot that cannot be read is named in ``problems`` once (the report may already name it).
    """
    unreadable: list[str] = []
    yield from parsed_snapshots(
        store.iter_snapshots(connector, updated_since=since),
        unreadable,
        note="not in the review figures: ",
    )
    if problems is not None:
        named = {problem.split(": ", 1)[0] for problem in problems}
        problems.extend(p for p in unreadable if p.split(": ", 1)[0] not in named)


__all__ = ["tickets_updated_since"]
