"""Zendesk lowercases tags: a policy named "Enterprise" is written, compared and renamed so."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, seed

from slabridge.sync.runtime import build_runtime, sync_all

POLICY: dict[str, Any] = {
    "version": 1,
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "policies": [
        {
            "name": "Enterprise",
            "calendar": "always",
            "targets": {"default": {"first_response": "1h", "resolution": "30d"}},
        }
    ],
    "actions": {"tags": {"breached": "SLA_Breached", "policy": "sla_policy_{policy}"}},
}


def _sync(tmp_path: Path, fake: FakeZendesk, clock: Clock, document: dict[str, Any]) -> Any:
    document = copy.deepcopy(document)
    document["state"] = f"sqlite:///{tmp_path / 'state.db'}"
    document["connectors"] = {"zendesk": fake.connector_config()}
    config = tmp_path / "slabridge.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    runtime = build_runtime(config)
    try:
        [summary] = sync_all(runtime, now=clock.now).summaries
        return summary.to_json()
    finally:
        runtime.close()


def _tag_writes(fake: FakeZendesk, since: int) -> int:
    return sum(
        1
        for call in fake.calls[since:]
        if call.request.method in ("PUT", "DELETE", "POST")
        and ("/tags" in call.request.path or "update_many" in call.request.path)
    )


def test_the_fake_folds_tag_case_as_zendesk_does(fake: FakeZendesk, clock: Clock) -> None:
    [ticket_id] = seed(fake, clock, 1)
    fake.agent_edit(ticket_id, add_tags=["VIP", "vip", "Gold"])
    assert fake.tags(ticket_id) >= {"vip", "gold"}
    fake.agent_edit(ticket_id, remove_tags=["GOLD"])
    assert "gold" not in fake.tags(ticket_id)


def test_a_mixed_case_policy_tag_is_written_lowercased_and_not_resent_on_a_re_read(
    tmp_path: Path, clock: Clock
) -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, account_per_minute=10**9) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        ids = seed(fake, clock, 3)
        first = _sync(tmp_path, fake, clock, POLICY)
        assert first["written"] == 3, first
        assert all("sla_policy_enterprise" in fake.tags(i) for i in ids)
        assert not any("sla_policy_Enterprise" in fake.tags(i) for i in ids)
        # Our own write comes back in the export: nothing is left to send.
        clock.advance(minutes=2)
        before = len(fake.calls)
        second = _sync(tmp_path, fake, clock, POLICY)
        assert second["fetched"] == 3 and second["written"] == 0, second
        assert _tag_writes(fake, before) == 0
        # A breach is written lowercased too, and read back without a second write.
        clock.advance(hours=2)
        third = _sync(tmp_path, fake, clock, POLICY)
        assert all("sla_breached" in fake.tags(i) for i in ids), third
        clock.advance(minutes=2)
        before = len(fake.calls)
        fourth = _sync(tmp_path, fake, clock, POLICY)
        assert fourth["written"] == 0, fourth
        assert _tag_writes(fake, before) == 0


def test_renaming_a_mixed_case_policy_takes_its_lowercased_tag_off(
    tmp_path: Path, clock: Clock
) -> None:
    with FakeZendesk(email=EMAIL, token=TOKEN, account_per_minute=10**9) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        [ticket_id] = seed(fake, clock, 1)
        _sync(tmp_path, fake, clock, POLICY)
        assert "sla_policy_enterprise" in fake.tags(ticket_id)
        renamed = copy.deepcopy(POLICY)
        renamed["policies"][0]["name"] = "EnterprisePlus"
        fake.agent_edit(ticket_id, comment={"public": False})  # the ticket is read again
        clock.advance(minutes=2)
        _sync(tmp_path, fake, clock, renamed)
        tags = fake.tags(ticket_id)
        assert "sla_policy_enterpriseplus" in tags
        assert "sla_policy_enterprise" not in tags, tags
