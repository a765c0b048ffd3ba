"""What one sync of one connector did (``RunSummary``) and what a dry run would write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slabridge.connectors.base import ChangeSet
from slabridge.logs import redact_text


@dataclass(slots=True)
class RunSummary:
    """The counters of one sync of one connector (logged as one line, stored in ``runs``)."""

    connector: str
    run_id: str = ""
    status: str = "ok"  # ok | failed | interrupted
    dry_run: bool = False
    fetched: int = 0
    skipped: int = 0
    evaluated: int = 0
    due_rechecked: int = 0
    changed: int = 0
    written: int = 0
    retried: int = 0
    conflicts: int = 0
    failed: int = 0
    parked: int = 0
    new_breaches: int = 0
    api_calls: int = 0
    duration_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "run_id": self.run_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "fetched": self.fetched,
            "skipped": self.skipped,
            "evaluated": self.evaluated,
            "due_rechecked": self.due_rechecked,
            "changed": self.changed,
            "written": self.written,
            "retried": self.retried,
            "conflicts": self.conflicts,
            "failed": self.failed,
            "parked": self.parked,
            "new_breaches": self.new_breaches,
            "api_calls": self.api_calls,
            "duration_seconds": round(self.duration_seconds, 3),
            # Errors quote exceptions, some from third-party code: scrub known secrets before
            # they reach the runs table, the JSON output or a hook.
            "errors": [redact_text(error) for error in self.errors],
        }


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """A change set the sync would send (what ``--dry-run`` prints)."""

    connector: str
    ticket_id: str
    policy: str | None
    breached: bool
    at_risk: bool
    changes: ChangeSet


__all__ = ["PlannedWrite", "RunSummary"]
