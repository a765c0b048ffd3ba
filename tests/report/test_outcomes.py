"""Outcome records from engine results and from stored evaluation JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from slabridge.report.outcomes import (
    TicketFacts,
    facts_from_snapshot,
    outcomes_from_result_json,
    settle,
)

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_running_cycle_past_its_due_time_is_breached_at_the_period_end() -> None:
    due = datetime(2026, 10, 31, tzinfo=UTC)
    assert settle("active", due, None, AS_OF) == "breached"
    assert settle("active", AS_OF, None, AS_OF) == "open"  # due exactly at the end: not yet past
    assert settle("paused", None, None, AS_OF) == "open"
    assert settle("achieved", due, due, AS_OF) == "achieved"


def test_stored_evaluation_json_yields_one_outcome_per_cycle() -> None:
    start, stop, due = "2026-10-02T00:00:00Z", "2026-10-02T00:00:30Z", "2026-10-02T00:01:00Z"
    result = {
        "ticket": "7",
        "policy": "standard",
        "metrics": {
            "next_response": {
                "status": "active",
                "cycles": [
                    {
                        "status": "achieved",
                        "target_seconds": 60,
                        "started_at": start,
                        "stopped_at": stop,
                        "due_at": due,
                        "elapsed_seconds": 30,
                    },
                    {
                        "status": "active",
                        "target_seconds": 60,
                        "started_at": "2026-10-03T00:00:00Z",
                        "stopped_at": None,
                        "due_at": "2026-10-03T00:01:00Z",
                        "elapsed_seconds": 10,
                    },
                ],
            }
        },
    }
    facts = TicketFacts(connector="zendesk-eu", ticket_id="7")
    records = list(outcomes_from_result_json(facts, result, AS_OF))
    assert [(r.metric, r.status, r.elapsed_seconds) for r in records] == [
        ("next_response", "achieved", 30),
        ("next_response", "breached", 10),  # it was due on 3 October, before the period end
    ]


def test_facts_come_from_a_snapshot_without_parsing_its_events() -> None:
    snapshot = {
        "id": "7",
        "source": "zendesk",
        "product": "payments",
        "priority": "high",
        "tags": ["vip", 3],
        "fields": {"region": "emea"},
        "customer": {"id": 42, "name": "Acme", "tier": "enterprise"},
        "events": "not even a list",
    }
    facts = facts_from_snapshot(snapshot, "standard", "zendesk-eu", "7")
    assert (facts.connector, facts.ticket_id, facts.policy) == ("zendesk-eu", "7", "standard")
    assert (facts.customer_id, facts.customer_name, facts.tier) == ("42", "Acme", "enterprise")
    assert (facts.product, facts.priority, facts.source) == ("payments", "high", "zendesk")
    assert facts.tags == ("vip",)
    assert facts.fields == {"region": "emea"}
    bare = facts_from_snapshot({"customer": "org-1", "tags": "vip"}, None, "jira", "HELP-1")
    assert (bare.customer_key, bare.tags, bare.fields) == (None, (), {})
