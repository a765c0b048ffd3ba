"""Write-backs made during a read must not reorder the pages still to come.

Freshdesk pages by number over ``updated_at`` and Jira's search by ``updated``: a ticket written
back in the middle of a read moves to the end of the order, so writing page by page would make
the next page skip tickets and repeat others. Every ticket of a multi-page read must be handled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from slabridge.demo import run as demo
from slabridge.sync.runtime import build_runtime, sync_all
from slabridge.sync.store import open_store


@pytest.mark.parametrize("helpdesk", ["freshdesk", "jira", "zendesk"])
def test_every_ticket_of_a_multi_page_read_is_tracked_and_tagged(
    helpdesk: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    environ: dict[str, str] = {}
    with demo.running_helpdesks(now, 250, environ, only=[helpdesk]) as helpdesks:
        (running,) = helpdesks
        if helpdesk == "zendesk":
            running.entry["per_page"] = 100  # several pages for the cursor export too
        config_path = tmp_path / "slabridge.yaml"
        demo.write_demo_config(config_path, helpdesks, now.year)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        runtime = build_runtime(str(config_path), (), dry_run=False)
        try:
            outcome = sync_all(runtime, now=now, dry_run=False, full=False, progress=None)
        finally:
            runtime.close()
        assert outcome.exit_code == 0
        untagged = [
            ticket_id
            for ticket_id in running.ticket_ids
            if not any(tag.startswith("sla_policy_") for tag in running.fake.tags(ticket_id))  # type: ignore[attr-defined]
        ]
        assert untagged == []
    store = open_store(f"sqlite:///{tmp_path / 'slabridge.db'}")
    try:
        tracked = {ticket.ticket_id for ticket in store.iter_tickets(running.instance)}
    finally:
        store.close()
    assert tracked == set(running.ticket_ids)
