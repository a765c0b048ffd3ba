"""A webhook and a scheduled sync racing on one ticket write it once (the lease, then the diff).

The scheduled sync here is another process's (``owner``), as a cron ``slabridge sync`` next to
``serve`` would be. Zendesk is left out: its export leaves the last minute out, so a scheduled
sync started seconds after an agent's edit cannot see it yet (no race to have).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from servekit import Served, serving

from slabridge.sync.runtime import build_runtime, sync_all

CRON = "cron-host:4242"  # another machine's process: never taken over as dead


def untag(served: Served, kind: str, ticket: str) -> set[str]:
    fake = served.fakes[kind]
    owned = {tag for tag in fake.tags(ticket) if tag.startswith("sla_")}
    assert owned
    fake.agent_edit(ticket, tags=sorted(fake.tags(ticket) - owned))
    return owned


def cron_sync(served: Served) -> str:
    """``ok``, or ``locked`` when the serve worker held the connector (the cron run skips)."""
    runtime = build_runtime(served.config_path)
    try:
        outcome = sync_all(runtime, owner=CRON)
    finally:
        runtime.close()
    if outcome.locked and not outcome.summaries:
        return "locked"
    assert [s.status for s in outcome.summaries] == ["ok"], outcome.summaries
    return "ok"


@pytest.mark.parametrize("kind", ["freshdesk", "jira"])
def test_a_webhook_waits_for_the_scheduled_sync_holding_the_lease_then_writes_nothing(
    tmp_path: Path, kind: str
) -> None:
    with serving(tmp_path, (kind,)) as served:
        fake, ticket = served.fakes[kind], served.ids[kind][0]
        owned = untag(served, kind, ticket)
        writes = fake.write_count()
        store = served.runtime.store
        assert store.acquire_lease(kind, CRON, timedelta(minutes=5))
        assert served.notify(kind, ticket).status_code == 202
        time.sleep(2.5)  # the worker tried, met the lease and waits
        assert fake.write_count() == writes
        assert served.counts()["pending"] == 1
        # The lease holder's run reads the edit and writes the tags.
        assert cron_sync(served) == "ok"
        assert owned <= fake.tags(ticket)
        assert fake.write_count() == writes + 1
        assert served.server.queue.wait_idle(30)
        counts = served.counts()
        assert counts["processed"] == 1 and counts["pending"] == 0
        assert fake.write_count() == writes + 1, "the webhook's run found nothing left to write"


@pytest.mark.parametrize("kind", ["freshdesk", "jira"])
def test_a_webhook_and_a_scheduled_sync_started_together_write_the_ticket_once(
    tmp_path: Path, kind: str
) -> None:
    with serving(tmp_path, (kind,)) as served:
        fake, ticket = served.fakes[kind], served.ids[kind][1]
        cron_outcomes: list[str] = []
        for _round in range(4):
            owned = untag(served, kind, ticket)
            time.sleep(1.1)  # the helpdesk stamps edits by the second; keep rounds apart
            writes = fake.write_count()
            go = threading.Barrier(2)

            def scheduled(go: threading.Barrier = go) -> None:
                go.wait()
                cron_outcomes.append(cron_sync(served))

            thread = threading.Thread(target=scheduled)
            thread.start()
            go.wait()
            assert served.notify(kind, ticket).status_code == 202
            thread.join(60)
            assert served.server.queue.wait_idle(60)
            assert owned <= fake.tags(ticket)
            assert fake.write_count() == writes + 1
        # Either run may come first; every round finished, and each wrote at most once.
        assert len(cron_outcomes) == 4
