"""Small helpers over what ``Connector.read()`` and ``fetch()`` yield, for suites and tests."""

from __future__ import annotations

from collections.abc import Sequence

from slabridge.connectors.base import Checkpoint, ReadItem, Skipped
from slabridge.sla.ticket import Ticket


def tickets_of(items: Sequence[ReadItem | Ticket | Skipped]) -> list[Ticket]:
    """The tickets among ``items``, in order."""
    return [item for item in items if isinstance(item, Ticket)]


def skipped_of(items: Sequence[ReadItem | Ticket | Skipped]) -> list[Skipped]:
    """The skipped records among ``items``, in order."""
    return [item for item in items if isinstance(item, Skipped)]


def checkpoints_of(items: Sequence[ReadItem]) -> list[Checkpoint]:
    """The checkpoints among ``items``, in order."""
    return [item for item in items if isinstance(item, Checkpoint)]


def last_cursor(items: Sequence[ReadItem]) -> str:
    """The cursor of the last checkpoint; fails the test when the read yielded none."""
    checkpoints = checkpoints_of(items)
    assert checkpoints, "read() yielded no Checkpoint: it must yield one at least at the end"
    return checkpoints[-1].cursor


__all__ = ["checkpoints_of", "last_cursor", "skipped_of", "tickets_of"]
