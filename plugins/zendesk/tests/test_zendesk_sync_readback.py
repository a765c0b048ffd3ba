"""The sync on FakeZendesk: reading back our own write-back costs no audits calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, seed

from slabridge.sync.runtime import Runtime, build_runtime, sync_all

POLICY: dict[str, Any] = {
    "version": 1,
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "policies": [
        {
            "name": "standard",
            "calendar": "always",
            "targets": {"default": {"first_response": "1h", "resolution": "30d"}},
        }
    ],
    "actions": {"tags": {"breached": "sla_breached", "policy": "sla_policy_{policy}"}},
}


def _round(runtime: Runtime, clock: Clock) -> dict[str, Any]:
    outcome = sync_all(runtime, now=clock.now)
    [summary] = outcome.summaries
    result: dict[str, Any] = summary.to_json()
    return result


def _audits(fake: FakeZendesk, since: int) -> int:
    return sum(1 for call in fake.calls[since:] if call.request.path.endswith("/audits.json"))


def test_a_second_sync_after_our_own_write_back_makes_no_audits_calls(
    tmp_path: Path, clock: Clock
) -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, account_per_minute=10**9) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        ids = seed(fake, clock, 8)
        document = dict(POLICY)
        document["state"] = f"sqlite:///{tmp_path / 'state.db'}"
        document["connectors"] = {"zendesk": fake.connector_config(per_page=3)}
        config = tmp_path / "slabridge.yaml"
        config.write_text(yaml.safe_dump(document, sort_keys=False))
        # One runtime for several rounds, as ``slabridge run --every`` keeps its connectors.
        runtime = build_runtime(config)
        try:
            first = _round(runtime, clock)
            assert first["written"] == 8, first
            assert all("sla_policy_standard" in fake.tags(i) for i in ids)
            clock.advance(minutes=2)  # past the export's one-minute lag: our writes come back
            before = len(fake.calls)
            second = _round(runtime, clock)
            assert second["fetched"] == 8 and second["written"] == 0, second
            assert _audits(fake, before) == 0
        finally:
            runtime.close()
        # A new process (``slabridge sync`` from cron) has no cached histories: it would pay
        # one audits call per ticket for the same read-back.
        fake.agent_edit(ids[0], add_tags=["vip"])
        clock.advance(minutes=2)
        runtime = build_runtime(config)
        try:
            before = len(fake.calls)
            third = _round(runtime, clock)
            assert third["fetched"] == 1 and third["written"] == 0, third
            assert _audits(fake, before) == 1
        finally:
            runtime.close()
