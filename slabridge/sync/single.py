"""Sync these tickets now: what a webhook asks for, through the very path a scheduled sync takes.

:func:`sync_tickets` runs :meth:`Syncer.sync` for one connector whose read yields just the
named tickets (``connector.fetch``) and no checkpoint, so the cursor stays where the scheduled
syncs left it. Everything else is the scheduled run's own machinery: the connector's lease (a
webhook and a scheduled sync never write one ticket at once), the outbox before any write, the
diff against what the ticket carries now (the second of two racing runs finds nothing to
change), events and alerts.

Such a run is recorded in ``runs`` like any other and marked in ``targeted_runs``: it read a
few tickets, not the changes since the cursor, so it must not count as "synced during this
round" for workers that split connectors (``StateStore.synced_since``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from slabridge.connectors.base import Connector, ReadItem
from slabridge.sync.syncer import RunSummary, Syncer

if TYPE_CHECKING:
    from slabridge.sync.runtime import Runtime

class _JustThese:
    """The connector, except that its read yields only ``ticket_ids`` (and no checkpoint)."""

    def __init__(self, inner: Connector, ticket_ids: Sequence[str]) -> None:
        self._inner = inner
        self._ids = list(dict.fromkeys(ticket_ids))

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        yield from self._inner.fetch(self._ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def syncer_for(runtime: Runtime) -> Syncer:
    """A syncer wired as :func:`~slabridge.sync.runtime.sync_all` wires its own (plugins,
    alert rules and channels), for :func:`sync_tickets`."""
    from slabridge.plugins import plugin_manager
    from slabridge.sync.runtime import alert_rules

    return Syncer(
        runtime.store,
        runtime.evaluate,
        runtime.settings,
        plugin_manager=plugin_manager(),
        alerts=alert_rules(runtime.config),
        alert_channels=runtime.extra.get("alert_channels") or {},
    )


def sync_tickets(
    syncer: Syncer,
    name: str,
    connector: Connector,
    ticket_ids: Sequence[str],
    *,
    reason: str = "webhook",
) -> RunSummary:
    """Read, evaluate and write back ``ticket_ids`` of connector ``name`` now.

    Raises :class:`~slabridge.sync.syncer.LockHeldError` when another run holds the
    connector (the caller retries later). The run also retries the connector's pending outbox
    and re-checks its due tickets, as every run does.
    """
    summary = syncer.sync(name, cast(Connector, _JustThese(connector, ticket_ids)))
    if summary.run_id and not syncer.dry_run:
        syncer.store.mark_targeted_run(int(summary.run_id), reason)
    return summary


__all__ = ["sync_tickets", "syncer_for"]
