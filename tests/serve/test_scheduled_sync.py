"""The scheduled syncs keep running inside ``serve``, for what no webhook reported."""

from __future__ import annotations

import time
from pathlib import Path

from servekit import serve_section, serving


def test_serve_syncs_on_its_schedule_without_any_webhook(tmp_path: Path) -> None:
    section = serve_section(sync_every="2s")
    with serving(tmp_path, ("freshdesk",), serve=section, sync_at_start=True) as served:
        fake, ticket = served.fakes["freshdesk"], served.ids["freshdesk"][0]
        deadline = time.monotonic() + 30
        while served.server.worker.scheduled_runs < 1 and time.monotonic() < deadline:
            time.sleep(0.1)  # the sync at start
        owned = {tag for tag in fake.tags(ticket) if tag.startswith("sla_")}
        fake.agent_edit(ticket, tags=sorted(fake.tags(ticket) - owned))
        deadline = time.monotonic() + 30
        worker = served.server.worker
        while worker.scheduled_runs < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the counter moves once a round has finished
        assert owned <= fake.tags(ticket), "a scheduled sync read the edit and wrote the tags"
        assert served.server.worker.scheduled_runs >= 2  # one at start, one after the edit
        assert served.counts()["accepted"] == 0
        runs = list(served.runtime.store.iter_runs("freshdesk"))
        assert len(runs) >= 3 and all(run.status == "ok" for run in runs if run.finished_at)
