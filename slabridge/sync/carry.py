"""What pending outbox entries still mean to do, for a re-plan outside the outbox retry.

A write answered "retry" (a 429 storm, a timeout) stays pending. When the same run or a later
one plans the ticket again from its read of changed tickets or its re-check of due ones, that
new plan supersedes the pending entry; an escalation only the pending entry carried (the
``escalated`` event is already recorded, so no new trigger raises it again) would be dropped.
So those stages carry the pending entries' raises and removed tags into the re-plan, as the
outbox retry does (issue #28: lose nothing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from slabridge.sync import schema

_CHUNK = 500


def pending_changes(
    engine: sa.Engine, connector: str, ticket_ids: Sequence[str]
) -> dict[str, dict[str, object]]:
    """The newest pending change set (``ChangeSet.to_json()``) of each of these tickets."""
    outbox = schema.outbox
    found: dict[str, dict[str, object]] = {}
    with engine.connect() as connection:
        for start in range(0, len(ticket_ids), _CHUNK):
            query = (
                sa.select(outbox.c.ticket_id, outbox.c.changes_json)
                .where(
                    outbox.c.connector == connector,
                    outbox.c.status == "pending",
                    outbox.c.ticket_id.in_(list(ticket_ids[start : start + _CHUNK])),
                )
                .order_by(outbox.c.id)
            )
            for ticket_id, changes_json in connection.execute(query):
                found[str(ticket_id)] = json.loads(changes_json)
    return found


__all__ = ["pending_changes"]
