"""The run and API counters, the open-ticket gauge and the health verdict behind /healthz."""

from __future__ import annotations

from dataclasses import dataclass

from slabridge.telemetry import (
    REGISTRY,
    Health,
    record_api_call,
    record_run,
    set_open_tickets,
)


@dataclass
class Summary:
    connector: str = "zd-telemetry"
    status: str = "ok"
    dry_run: bool = False
    fetched: int = 7
    evaluated: int = 9
    written: int = 3
    parked: int = 1
    new_breaches: int = 2
    duration_seconds: float = 4.5


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_finished_run_adds_its_counts_to_the_counters() -> None:
    before = value("slabridge_tickets_read_total", connector="zd-telemetry")
    record_run(Summary())
    record_run(Summary(status="failed", fetched=1))
    assert value("slabridge_tickets_read_total", connector="zd-telemetry") == before + 8
    assert value("slabridge_runs_total", connector="zd-telemetry", status="failed") >= 1
    assert value("slabridge_last_run_ok", connector="zd-telemetry") == 0
    assert value("slabridge_run_duration_seconds_count", connector="zd-telemetry") >= 2


def test_a_dry_run_is_not_counted() -> None:
    record_run(Summary(connector="zd-dry", dry_run=True))
    assert value("slabridge_runs_total", connector="zd-dry", status="ok") == 0


def test_an_api_call_counts_each_attempt_and_the_retries_apart() -> None:
    record_api_call("fd-telemetry", retries=0)
    record_api_call("fd-telemetry", retries=2)
    assert value("slabridge_api_calls_total", connector="fd-telemetry") == 4
    assert value("slabridge_api_retries_total", connector="fd-telemetry") == 2


def test_the_open_ticket_gauge_is_replaced_not_added_to() -> None:
    set_open_tickets([("zd", "gold", "at_risk", 4), ("zd", "gold", "ok", 10)])
    set_open_tickets([("zd", "gold", "ok", 11)])
    assert value("slabridge_open_tickets", connector="zd", policy="gold", state="ok") == 11
    assert (
        REGISTRY.get_sample_value(
            "slabridge_open_tickets", {"connector": "zd", "policy": "gold", "state": "at_risk"}
        )
        is None
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_health_is_ok_while_starting_then_follows_the_last_round() -> None:
    clock = FakeClock()
    health = Health(overdue_after=600, clock=clock)
    assert health.verdict().healthy
    assert "starting" in health.verdict().reason
    clock.now += 30
    health.round_finished(["jira"])
    verdict = health.verdict()
    assert not verdict.healthy and "failed for jira" in verdict.reason
    health.round_finished([])
    assert health.verdict().healthy


def test_health_fails_when_no_round_finished_for_too_long() -> None:
    clock = FakeClock()
    health = Health(overdue_after=600, clock=clock)
    health.round_finished([])
    clock.now += 601
    verdict = health.verdict()
    assert not verdict.healthy
    assert "601s ago" in verdict.reason and "overdue after 600s" in verdict.reason
