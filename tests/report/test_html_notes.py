"""The HTML notes say only what is true of the config and the data."""

from __future__ import annotations

from collections.abc import Callable

from slabridge.report.compute import build_report
from slabridge.report.html_notes import (
    no_credit_rows,
    no_credits_message,
    no_goal_results,
    source_lines,
)
from slabridge.report.models import validate_credits, validate_goals
from slabridge.report.outcomes import Outcome
from slabridge.report.periods import parse_period

OCTOBER = parse_period("2026-10")
OutcomeFactory = Callable[..., Outcome]
CREDITS, _ = validate_credits(
    {"tiers": {"enterprise": {"schedule": [{"below": "99%", "credit": "5%"}]}}}
)
GOALS, _ = validate_goals([{"metric": "first_response", "share": "90%"}])


def test_credits_configured_but_no_customer_on_a_rule(make_outcome: OutcomeFactory) -> None:
    pro = make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 60, tier="pro")
    report = build_report([pro], OCTOBER, credits=CREDITS)
    assert no_credits_message(report) == "No credit rule covers a customer this period"
    assert "No credit rule covers a customer this period." in no_credit_rows(report)


def test_credits_owed_nothing_and_no_credits_at_all(make_outcome: OutcomeFactory) -> None:
    met = make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 60)
    assert no_credits_message(build_report([met], OCTOBER, credits=CREDITS)) == "No credits owed"
    bare = build_report([met], OCTOBER)
    assert no_credits_message(bare) == "No credit rules apply"
    assert "No credits configured." in no_credit_rows(bare)


def test_goals_without_results_are_counted_not_denied() -> None:
    assert "No goals configured." in no_goal_results(build_report([], OCTOBER))
    with_goals = build_report([], OCTOBER, goals=GOALS)
    assert "1 goal(s) configured; none has a decided cycle" in no_goal_results(with_goals)


def test_source_lines_count_tickets_per_source_and_escape_the_reason() -> None:
    report = build_report([], OCTOBER)
    assert source_lines(report) == ""
    report.data_source = "stored evaluations and replayed snapshots"
    report.tickets_by_source = {"stored evaluations": 1, "replayed snapshots": 3}
    report.empty_reason = "<none> here"
    html = source_lines(report)
    assert "Data: stored evaluations (1 ticket) and replayed snapshots (3 tickets)." in html
    assert "&lt;none&gt; here" in html
