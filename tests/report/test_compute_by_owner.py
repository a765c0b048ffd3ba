"""Reports by group and by agent: group_ownership cycles carry their owner into the figures."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from slabridge.report.compute import build_report, parse_group_keys
from slabridge.report.outcomes import (
    Outcome,
    facts_from_ticket,
    outcomes_from_evaluation,
    outcomes_from_result_json,
)
from slabridge.report.periods import parse_period
from slabridge.sla.calendar import CalendarSpec
from slabridge.sla.evaluate import evaluate
from slabridge.sla.policy import (
    CalendarChoice,
    GroupTargets,
    MetricTarget,
    Policy,
    PolicySet,
    Settings,
)
from slabridge.sla.ticket import parse_ticket

OCTOBER = parse_period("2026-10")
AS_OF = datetime.fromisoformat("2026-10-31T00:00:00Z")


def _policies() -> PolicySet:
    hour = MetricTarget("group_ownership", 3600, None, frozenset())
    ola = MetricTarget("group_ownership", 0, None, frozenset(), groups=GroupTargets({}, hour))
    first = MetricTarget("first_response", 4 * 3600, None, frozenset())
    targets = {"default": {"group_ownership": ola, "first_response": first}}
    always = {"always": CalendarSpec("always", "UTC", always=True)}
    return PolicySet([Policy("p", (), CalendarChoice("always"), targets)], always, Settings())


def _ticket(number: int, *owners: tuple[str, str | None, str | None]) -> dict[str, object]:
    return {
        "id": str(number),
        "source": "zendesk",
        "created_at": "2026-10-05T09:00:00Z",
        "status": "solved",
        "events": [
            *(
                {"at": f"2026-10-05T{at}:00Z", "type": "assignment", "group": g, "agent": a}
                for at, g, a in owners
            ),
            {"at": "2026-10-05T12:00:00Z", "type": "status", "status": "solved"},
        ],
    }


def _outcomes(stored: bool) -> list[Outcome]:
    tickets = [
        # billing 09:00-09:30 (achieved, a-1), then l2 09:30-12:00 (2.5 h: breached, a-9).
        _ticket(1, ("09:00", "billing", "a-1"), ("09:30", "l2", "a-9")),
        # billing 09:00-11:00 (2 h: breached, a-2).
        _ticket(2, ("09:00", "billing", "a-2"), ("11:00", "billing", "a-2")),
        # billing 09:00-09:45 (achieved, a-1), then l2 09:45-10:15 (achieved, nobody), then none.
        _ticket(3, ("09:00", "billing", "a-1"), ("09:45", "l2", None), ("10:15", None, None)),
    ]
    out: list[Outcome] = []
    for data in tickets:
        ticket = parse_ticket(data)
        evaluation = evaluate(ticket, _policies(), AS_OF)
        facts = facts_from_ticket(ticket, evaluation.policy)
        if stored:  # what the report reads back from the state store
            out += outcomes_from_result_json(facts, evaluation.to_json(), AS_OF)
        else:
            out += outcomes_from_evaluation(facts, evaluation, AS_OF)
    return out


def test_a_report_by_group_counts_each_stint_for_its_group() -> None:
    for stored in (False, True):
        report = build_report(_outcomes(stored), OCTOBER, by=("metric", "group"))
        figures = {g.key: (g.achieved, g.breached) for g in report.groups}
        assert figures == {
            ("group_ownership", "billing"): (2, 1),
            ("group_ownership", "l2"): (1, 1),
            ("first_response", "(none)"): (3, 0),  # solved in 3 h: met; no owner of its own
        }
        billing = next(g for g in report.groups if g.key == ("group_ownership", "billing"))
        assert billing.achieved_share == Fraction(2, 3)


def test_a_report_by_agent_names_the_agent_holding_each_stint_at_its_stop() -> None:
    report = build_report(_outcomes(True), OCTOBER, by=("group", "agent"))
    figures = {g.key: (g.achieved, g.breached) for g in report.groups}
    assert figures == {
        ("billing", "a-1"): (2, 0),
        ("billing", "a-2"): (0, 1),
        ("l2", "a-9"): (0, 1),
        ("l2", "(none)"): (1, 0),
        ("(none)", "(none)"): (3, 0),  # the first_response cycles
    }
    assert report.group_label(("billing", "a-1")) == "group=billing, agent=a-1"


def test_group_and_agent_are_valid_group_keys() -> None:
    assert parse_group_keys("group,agent") == ("group", "agent")
