"""Zendesk's ``include=slas`` read as the helpdesk's verdict (the stages, the metric names)."""

from __future__ import annotations

from datetime import UTC, datetime

from slabridge_zendesk.helpdesk_sla import verdict_of


def test_stages_and_names_map_onto_slabridge_metrics() -> None:
    ticket = {
        "id": 35436,
        "slas": {
            "policy_metrics": [
                {"breach_at": "2026-03-02T10:00:00Z", "stage": "active",
                 "metric": "first_reply_time", "hours": 1},
                {"breach_at": None, "stage": "paused", "metric": "requester_wait_time",
                 "hours": 8},
                {"breach_at": "2026-03-02T12:00:00Z", "stage": "achieved",
                 "metric": "next_reply_time", "hours": 24},
                {"breach_at": "2026-03-02T12:00:00Z", "stage": "active",
                 "metric": "agent_work_time", "hours": 8},
            ]
        },
    }  # fmt: skip
    verdict = verdict_of(ticket)
    assert verdict.ticket_id == "35436"
    assert verdict.unmapped == ("agent_work_time",)
    first, resolution, following = verdict.targets
    assert (first.metric, first.due_at, first.stopped, first.paused) == (
        "first_response", datetime(2026, 3, 2, 10, tzinfo=UTC), False, False
    )  # fmt: skip
    assert (resolution.metric, resolution.paused, resolution.due_at) == ("resolution", True, None)
    assert (following.metric, following.stopped) == ("next_response", True)
    assert all(target.breached is None for target in verdict.targets)  # judged at the audit


def test_a_ticket_without_an_sla_policy_has_no_targets() -> None:
    assert verdict_of({"id": 1, "slas": {"policy_metrics": []}}).targets == ()
    assert verdict_of({"id": 1}).targets == ()
