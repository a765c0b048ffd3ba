"""Group figures carry calendar time beside business time (a night reply is 0s of business)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from slabridge.report.compute import build_report
from slabridge.report.outcomes import Outcome, TicketFacts
from slabridge.report.periods import parse_period

OCTOBER = parse_period("2026-10")


def night_reply(
    ticket: str, metric: str, wall: int, business: int, stopped: bool = True
) -> Outcome:
    start = datetime(2026, 10, 5, 22, 0, tzinfo=UTC)
    return Outcome(
        TicketFacts("zendesk", ticket, tier="free"),
        metric,
        "achieved" if stopped else "open",
        start,
        start + timedelta(seconds=wall) if stopped else None,
        start + timedelta(hours=30),
        business,
        8 * 3600,
    )


def test_group_figures_carry_calendar_time_from_start_to_stop() -> None:
    outcomes = [
        night_reply("1", "first_response", 5 * 3600, 0),
        night_reply("2", "first_response", 6 * 3600, 0),
        night_reply("3", "first_response", 9 * 3600, 1800),
        night_reply("1", "resolution", 30 * 3600, 4 * 3600),
        night_reply("2", "resolution", 40 * 3600, 0, stopped=False),  # running: left out
    ]
    total = build_report(outcomes, OCTOBER, by=("tier",)).total
    assert total.first_response_median == 0
    assert total.first_response_calendar_median == 6 * 3600
    assert total.first_response_calendar_p90 == 9 * 3600
    assert total.resolution_median == 4 * 3600
    assert total.resolution_calendar_median == Fraction(30 * 3600)
    assert total.resolution_calendar_p90 == 30 * 3600


def test_without_stopped_cycles_there_is_no_calendar_time() -> None:
    report = build_report([night_reply("1", "resolution", 0, 0, stopped=False)], OCTOBER)
    assert report.total.first_response_calendar_median is None
    assert report.total.resolution_calendar_p90 is None
