"""Deprecated import path of the sync (``slabridge.sync.syncer``); kept for one release.

``SyncEngine`` is now :class:`slabridge.sync.syncer.Syncer`: in slabridge "engine" means the SLA
engine (``slabridge.sla``) alone. Import from ``slabridge.sync.syncer``; this module goes away
in the release after next (docs/policy.md, decisions).
"""

from __future__ import annotations

from slabridge.sync.syncer import (
    Evaluator,
    LockHeldError,
    PlannedWrite,
    RunSummary,
    SyncedElsewhere,
    Syncer,
    default_owner,
    owner_is_dead,
)

SyncEngine = Syncer  # the old name of the same class

__all__ = [
    "Evaluator",
    "LockHeldError",
    "PlannedWrite",
    "RunSummary",
    "SyncEngine",
    "SyncedElsewhere",
    "Syncer",
    "default_owner",
    "owner_is_dead",
]
