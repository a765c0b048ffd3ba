"""The parity audit's comparison rules, case by case (POLICY.md §4 cycles against a target)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slabridge.connectors.helpdesk_sla import HelpdeskSla, HelpdeskTarget
from slabridge.report.shadow import compare_metric, compare_ticket, helpdesk_breached

NOW = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _kinds(cycle: dict[str, object], target: HelpdeskTarget, tolerance: int = 60) -> list[str]:
    return [d.kind for d in compare_metric("c", "1", cycle, target, tolerance, NOW)]


def _running(due: datetime | None = DUE, **flags: bool) -> HelpdeskTarget:
    return HelpdeskTarget("first_response", "frt", due, flags.pop("breached", None), **flags)


def test_a_running_target_without_a_verdict_is_judged_by_its_due_time_at_the_audit_moment() -> None:
    assert helpdesk_breached(_running(DUE), NOW) is True  # 10:00 <= 11:00
    assert helpdesk_breached(_running(NOW), NOW) is True  # due exactly now: breached (§3.7)
    assert helpdesk_breached(_running(NOW + timedelta(seconds=1)), NOW) is False
    assert helpdesk_breached(_running(None, paused=True), NOW) is None
    assert helpdesk_breached(_running(DUE, stopped=True), NOW) is None
    assert helpdesk_breached(_running(DUE, breached=False), NOW) is False  # its own word wins


def test_due_times_within_the_tolerance_are_equal_and_one_second_more_is_not() -> None:
    ours = {"status": "active", "due_at": "2026-03-02T12:00:00Z", "breached_at": None}
    exactly = _running(datetime(2026, 3, 2, 12, 1, tzinfo=UTC))
    assert _kinds(ours, exactly) == []
    beyond = _running(datetime(2026, 3, 2, 12, 1, 1, tzinfo=UTC))
    assert _kinds(ours, beyond) == ["due_at"]


def test_stopped_on_one_side_only_and_the_due_time_of_a_stopped_cycle_is_not_compared() -> None:
    ours = {
        "status": "achieved",
        "due_at": "2026-03-02T10:00:00Z",
        "stopped_at": "2026-03-02T09:30:00Z",
        "breached_at": None,
    }
    assert _kinds(ours, _running(DUE + timedelta(hours=5), breached=False)) == ["state"]
    assert _kinds(ours, _running(DUE + timedelta(hours=5), stopped=True, breached=False)) == []


def test_metrics_measured_by_one_side_only_are_coverage_not_verdicts() -> None:
    evaluation = {
        "metrics": {
            "first_response": {"status": "breached", "due_at": "2026-03-02T10:00:00Z"},
            "resolution": {"status": "active", "due_at": "2026-03-02T17:00:00Z"},
        }
    }
    helpdesk = HelpdeskSla(
        "1",
        (
            _running(DUE),
            HelpdeskTarget("next_response", "nrt", DUE + timedelta(hours=3), None),
        ),
    )
    found = compare_ticket("c", evaluation, helpdesk, 60, NOW)
    assert [(d.metric, d.kind, d.is_verdict) for d in found] == [
        ("next_response", "coverage", False),
        ("resolution", "coverage", False),
    ]
