"""Outcome records from engine results and from stored evaluation JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from slabridge.report.outcomes import TicketFacts, outcomes_from_result_json, settle

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
