"""Report figures from outcome records, against expectations worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pytest

from slabridge.customers import CustomerDirectory, validate_customers
from slabridge.report.compute import build_report, goal_verdict, parse_group_keys
from slabridge.report.models import ReportSettingsError, validate_credits, validate_goals
from slabridge.report.outcomes import Outcome
from slabridge.report.periods import parse_period

OCTOBER = parse_period("2026-10")
OutcomeFactory = Callable[..., Outcome]


@pytest.fixture
def outcomes(make_outcome: OutcomeFactory) -> list[Outcome]:
    """Four tickets in October 2026 and one that started in September (see each line)."""
    pro = {"customer": "B", "tier": "pro", "product": "api"}
    return [
        make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 1800, ticket="1"),
        make_outcome("first_response", "breached", "2026-10-06T10:00:00Z", 7200, ticket="2"),
        make_outcome("first_response", "achieved", "2026-10-13T09:00:00Z", 600, ticket="3", **pro),
        make_outcome(
            "first_response", "open", "2026-10-31T23:30:00Z", 600, ticket="4", stopped=False, **pro
        ),
        make_outcome("first_response", "achieved", "2026-09-30T23:00:00Z", 300, ticket="5", **pro),
        make_outcome(
            "resolution", "achieved", "2026-10-05T10:00:00Z", 7200, ticket="1", target=28800
        ),
        make_outcome(
            "resolution", "breached", "2026-10-06T10:00:00Z", 36000, ticket="2", target=28800
        ),
    ]


def goals(*raw: dict[str, object]) -> list:  # type: ignore[type-arg]
    parsed, problems = validate_goals(list(raw))
    assert problems == []
    return parsed


def test_totals_count_the_cycles_that_started_in_the_period(outcomes: list[Outcome]) -> None:
    report = build_report(outcomes, OCTOBER)
    total = report.total
    assert (total.tickets, total.cycles) == (4, 6)
    assert (total.achieved, total.breached, total.open) == (3, 2, 1)
    # Open cycles are undecided: 3 achieved of 5 decided.
    assert total.achieved_share == Fraction(3, 5)


def test_median_and_p90_of_business_time_use_stopped_cycles(outcomes: list[Outcome]) -> None:
    total = build_report(outcomes, OCTOBER).total
    assert total.first_response_median == 1800  # of 600, 1800, 7200
    assert total.first_response_p90 == 7200  # ceil(0.9 * 3) = 3rd
    assert total.resolution_median == Fraction(21600)  # mean of 7200 and 36000
    assert total.resolution_p90 == 36000  # ceil(0.9 * 2) = 2nd


def test_groups_split_the_figures(outcomes: list[Outcome]) -> None:
    report = build_report(outcomes, OCTOBER, by=("tier",))
    by_key = {group.key: group for group in report.groups}
    assert set(by_key) == {("enterprise",), ("pro",)}
    enterprise, pro = by_key[("enterprise",)], by_key[("pro",)]
    assert (enterprise.tickets, enterprise.achieved, enterprise.breached) == (2, 2, 2)
    assert enterprise.achieved_share == Fraction(1, 2)
    assert (pro.tickets, pro.cycles, pro.open) == (2, 2, 1)
    assert pro.achieved_share == 1
    assert report.group_label(("pro",)) == "tier=pro"


def test_grouping_by_metric_and_customer_uses_names_when_known(
    make_outcome: OutcomeFactory,
) -> None:
    records = [
        make_outcome(
            "first_response",
            "achieved",
            "2026-10-05T10:00:00Z",
            60,
            customer="org-9",
            customer_name="Acme",
        ),
        make_outcome(
            "resolution", "breached", "2026-10-05T10:00:00Z", 60, customer=None, tier=None
        ),
    ]
    report = build_report(records, OCTOBER, by=("metric", "customer"))
    # A customer is keyed by its connector and id: ids alone collide between helpdesks.
    assert [group.key for group in report.groups] == [
        ("first_response", "zendesk:org-9"),
        ("resolution", "(none)"),
    ]
    assert (
        report.group_label(("first_response", "zendesk:org-9"))
        == "metric=first_response, customer=Acme (zendesk:org-9)"
    )


def test_grouping_by_channel_and_type_splits_the_figures(make_outcome: OutcomeFactory) -> None:
    email_incident = {"channel": "email", "type": "incident"}
    records = [
        make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 600, **email_incident),
        make_outcome(
            "first_response", "breached", "2026-10-06T10:00:00Z", 7200, ticket="2", **email_incident
        ),
        make_outcome(
            "first_response", "achieved", "2026-10-07T10:00:00Z", 1200, ticket="3", channel="web"
        ),
    ]
    report = build_report(records, OCTOBER, by=("channel", "type"))
    by_key = {group.key: group for group in report.groups}
    assert list(by_key) == [("email", "incident"), ("web", "(none)")]
    email, web = by_key[("email", "incident")], by_key[("web", "(none)")]
    # email/incident: tickets 1 and 2, one achieved of two decided; median of 600 and 7200.
    assert (email.tickets, email.achieved, email.breached) == (2, 1, 1)
    assert email.achieved_share == Fraction(1, 2)
    assert email.first_response_median == Fraction(600 + 7200, 2)
    assert (web.tickets, web.achieved, web.first_response_median) == (1, 1, 1200)
    assert report.group_label(("web", "(none)")) == "channel=web, type=(none)"
    assert parse_group_keys("channel,type") == ("channel", "type")


def test_a_goal_is_met_when_the_share_reaches_it(outcomes: list[Outcome]) -> None:
    report = build_report(
        outcomes,
        OCTOBER,
        by=("tier",),
        goals=goals({"metric": "first_response", "share": "90%"}),
    )
    results = {result.key: result for result in report.goal_results}
    assert (results[()].met_cycles, results[()].decided_cycles) == (2, 3)
    assert results[()].met is False
    assert results[("enterprise",)].share == Fraction(1, 2)
    assert results[("pro",)].met is True


def test_exactly_the_goal_share_meets_it(make_outcome: OutcomeFactory) -> None:
    records = [
        make_outcome(
            "first_response",
            "achieved" if i < 9 else "breached",
            f"2026-10-{i + 1:02d}T10:00:00Z",
            60,
            ticket=str(i),
        )
        for i in range(10)
    ]
    report = build_report(
        records, OCTOBER, goals=goals({"metric": "first_response", "share": "90%"})
    )
    (result,) = report.goal_results
    assert result.share == Fraction(9, 10)
    assert result.met is True


def test_a_goal_threshold_counts_business_time_within_it(outcomes: list[Outcome]) -> None:
    report = build_report(
        outcomes,
        OCTOBER,
        goals=goals({"metric": "first_response", "share": "50%", "within": "30m"}),
    )
    (result,) = report.goal_results
    # 1800s is within 30m (a stop at the threshold meets it), 7200s is not, 600s is;
    # the running cycle (600s so far) is undecided; the September cycle is outside.
    assert (result.met_cycles, result.decided_cycles) == (2, 3)
    assert result.met is True


def test_a_running_cycle_past_the_goal_threshold_has_missed_it(
    make_outcome: OutcomeFactory,
) -> None:
    goal = goals({"metric": "first_response", "share": "50%", "within": "30m"})[0]
    running_late = make_outcome(
        "first_response", "open", "2026-10-05T10:00:00Z", 1801, stopped=False
    )
    running_early = make_outcome(
        "first_response", "open", "2026-10-05T10:00:00Z", 1800, stopped=False
    )
    assert goal_verdict(goal, running_late) is False
    assert goal_verdict(goal, running_early) is None


def test_a_goal_scope_limits_the_cycles_it_counts(outcomes: list[Outcome]) -> None:
    report = build_report(
        outcomes,
        OCTOBER,
        goals=goals(
            {"metric": "first_response", "share": "90%", "scope": {"tier": "pro"}},
            {"metric": "first_response", "share": "90%", "scope": {"product": ["web"]}},
        ),
    )
    (result,) = report.goal_results  # the second goal matches nothing and has no row
    assert (result.met_cycles, result.decided_cycles) == (1, 1)


def test_scope_by_tags_and_fields(make_outcome: OutcomeFactory) -> None:
    records = [
        make_outcome(
            "first_response",
            "achieved",
            "2026-10-05T10:00:00Z",
            60,
            ticket="1",
            tags=("vip", "eu"),
            fields={"region": "emea"},
        ),
        make_outcome(
            "first_response",
            "breached",
            "2026-10-05T10:00:00Z",
            60,
            ticket="2",
            tags=("eu",),
            fields={"region": "amer"},
        ),
    ]
    scoped = goals(
        {"metric": "first_response", "share": "90%", "scope": {"tags_all": ["vip", "eu"]}},
        {"metric": "first_response", "share": "90%", "scope": {"tags_any": ["eu"]}},
        {"metric": "first_response", "share": "90%", "scope": {"fields.region": "amer"}},
    )
    report = build_report(records, OCTOBER, goals=scoped)
    decided = [(r.goal_index, r.met_cycles, r.decided_cycles) for r in report.goal_results]
    assert decided == [(0, 1, 1), (1, 1, 2), (2, 0, 1)]


def test_a_weekly_goal_is_judged_each_week(outcomes: list[Outcome]) -> None:
    report = build_report(
        outcomes,
        OCTOBER,
        goals=goals({"metric": "first_response", "share": "90%", "period": "week"}),
    )
    by_week = {r.window.label: r for r in report.goal_results}
    assert set(by_week) == {"2026-W41", "2026-W42"}
    assert by_week["2026-W41"].met is False and by_week["2026-W42"].met is True


def test_weekly_compliance_feeds_the_chart(outcomes: list[Outcome]) -> None:
    report = build_report(
        outcomes, OCTOBER, goals=goals({"metric": "first_response", "share": "90%"})
    )
    assert [w.label for w in report.weeks] == [
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-W44",
    ]
    assert [w.overall for w in report.weeks] == [None, Fraction(1, 2), 1, None, None]
    assert [w.goals[0] for w in report.weeks] == [None, Fraction(1, 2), 1, None, None]


def test_first_response_distribution_and_breaches_by_product_and_tier(
    outcomes: list[Outcome],
) -> None:
    report = build_report(outcomes, OCTOBER)
    buckets = {b.label: (b.achieved, b.breached) for b in report.first_response_histogram}
    assert buckets["≤15m"] == (1, 0)
    assert buckets["15–30m"] == (1, 0)
    assert buckets["1–2h"] == (0, 1)
    assert sum(a + b for a, b in buckets.values()) == 3
    assert report.first_response_target == 3600
    assert report.breaches_by == {"product": {"payments": 2}, "tier": {"enterprise": 2}}


def test_credits_follow_the_customers_compliance(outcomes: list[Outcome]) -> None:
    credits, _ = validate_credits(
        {
            "tiers": {
                "enterprise": {
                    "schedule": [
                        {"below": "99%", "credit": "5%"},
                        {"below": "90%", "credit": "25%"},
                    ],
                    "cap": "20%",
                }
            }
        }
    )
    report = build_report(outcomes, OCTOBER, credits=credits)
    (credit,) = report.credits  # customer B is pro: no rule covers it
    assert credit.customer == "zendesk:A"
    assert (credit.achieved_cycles, credit.decided_cycles) == (2, 4)
    assert (credit.credit, credit.capped) == (Fraction(1, 5), True)
    assert credit.reason == "tiers.enterprise: below 90% → 25%, capped at 20%"


@pytest.mark.parametrize("text", ["team", "tier,tier"])
def test_bad_group_keys_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_group_keys(text)


def _joined() -> CustomerDirectory:
    customers, problems = validate_customers(
        {"acme": {"name": "Acme", "ids": {"zendesk": ["5"]}, "domains": ["acme.example"]}}
    )
    assert problems == []
    return customers


def test_a_goal_scoped_to_a_joined_customer_counts_all_its_accounts(
    make_outcome: OutcomeFactory,
) -> None:
    (goal,), _ = validate_goals(
        [{"metric": "first_response", "share": "90%", "scope": {"customer": "acme"}}]
    )
    records = [
        make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 60, customer="5"),
        # Jira's organization 5 is someone else; its requester at acme.example joins it.
        make_outcome(
            "first_response",
            "breached",
            "2026-10-06T10:00:00Z",
            7200,
            customer="5",
            connector="jira",
            fields={"requester_email": "ann@acme.example"},
        ),
        make_outcome(
            "first_response",
            "breached",
            "2026-10-07T10:00:00Z",
            7200,
            customer="5",
            connector="jira",
        ),
    ]
    report = build_report(records, OCTOBER, by=("customer",), goals=[goal], customers=_joined())
    assert [group.key for group in report.groups] == [("acme",), ("jira:5",)]
    assert report.group_label(("acme",)) == "customer=Acme (acme)"
    (total,) = [result for result in report.goal_results if result.key == ()]
    assert (total.met_cycles, total.decided_cycles) == (1, 2)
    # Without the join, the scope names no customer: `acme` is nobody's key.
    plain = build_report(records, OCTOBER, goals=[goal])
    assert [result.decided_cycles for result in plain.goal_results] == []


def test_a_scope_by_connector_and_id_keeps_helpdesks_apart(make_outcome: OutcomeFactory) -> None:
    (goal,), _ = validate_goals(
        [{"metric": "first_response", "share": "90%", "scope": {"customer": "jira:5"}}]
    )
    records = [
        make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 60, customer="5"),
        make_outcome(
            "first_response",
            "breached",
            "2026-10-06T10:00:00Z",
            7200,
            customer="5",
            connector="jira",
        ),
    ]
    (result,) = build_report(records, OCTOBER, goals=[goal]).goal_results
    assert (result.met_cycles, result.decided_cycles) == (0, 1)


def test_a_bare_credit_key_naming_two_helpdesks_customers_is_refused(
    make_outcome: OutcomeFactory,
) -> None:
    credits, _ = validate_credits(
        {"customers": {"5": {"schedule": [{"below": "99%", "credit": "5%"}]}}}
    )
    records = [
        make_outcome("first_response", "achieved", "2026-10-05T10:00:00Z", 60, customer="5"),
        make_outcome(
            "first_response", "achieved", "2026-10-06T10:00:00Z", 60, customer="5", connector="jira"
        ),
    ]
    with pytest.raises(ReportSettingsError) as caught:
        build_report(records, OCTOBER, credits=credits)
    assert caught.value.problems == [
        (
            "credits.customers.5",
            "names 2 customers in different helpdesks: jira:5, zendesk:5; "
            "use one of these keys, or join them under customers:",
        )
    ]
    # Joined, zendesk:5 is part of acme: the bare 5 still names two customers.
    with pytest.raises(ReportSettingsError) as caught:
        build_report(records, OCTOBER, credits=credits, customers=_joined())
    assert "names 2 customers in different helpdesks: acme (Acme), jira:5;" in str(caught.value)
