"""The decide step alone: events, escalation, the write-back and what is stored, from facts."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from synckit import SETTINGS, T0, MemoryConnector, first_response_evaluator

from slabridge.connectors.base import ChangeSet
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket
from slabridge.sync.decide import Carried, DecideContext, StoredFacts, decide, escalation
from slabridge.sync.events import evaluation_digest
from slabridge.sync.persist import evaluation_row, ticket_row
from slabridge.sync.store import SlaEvent, TrackedTicket

LATE = T0 + timedelta(hours=2)  # the first response (due T0 + 1h) is breached
ESCALATING = dataclasses.replace(SETTINGS, escalate_on="breach", escalate_to="one_level_up")


def _context(now: object = LATE, **kwargs: object) -> DecideContext:
    settings = kwargs.pop("settings", ESCALATING)
    return DecideContext("mem", MemoryConnector(), settings, now, **kwargs)  # type: ignore[arg-type]


def _ticket(status: str = "open", priority: str | None = "normal") -> Ticket:
    return Ticket("1", T0, T0, status, priority=priority)


def _tracked(evaluation: Evaluation) -> TrackedTicket:
    return TrackedTicket(
        "mem", "1", {}, "standard", True, None, True, False, T0, LATE, evaluation_digest(evaluation)
    )


def test_a_new_breach_escalates_once_and_is_reported_once() -> None:
    ticket = _ticket()
    evaluation = first_response_evaluator(ticket, LATE)
    decision = decide(_context(), ticket, evaluation, StoredFacts())
    assert decision.breaches == [("first_response", 0)]
    assert [(e.metric, e.kind) for e in decision.events][-1] == ("first_response", "escalated")
    assert decision.changes.priority == "high"
    assert decision.changes.add_tags == {"sla_breached", "sla_policy_standard"}
    assert decision.record_evaluation and decision.is_open
    # The next run knows the breach and the escalation: nothing new, no raise.
    known = decision.events
    again = decide(_context(), ticket, evaluation, StoredFacts(known, _tracked(evaluation)))
    assert again.breaches == [] and again.events == []
    assert again.changes.priority is None
    assert not again.record_evaluation  # same verdict as the stored one


def test_a_solved_ticket_is_not_escalated_even_by_a_carried_raise() -> None:
    ticket = _ticket(status="solved")
    evaluation = first_response_evaluator(ticket, LATE)
    carried = Carried("normal", "urgent", T0)
    assert escalation(_context(), ticket, evaluation, StoredFacts(carried=carried)) == (None, [])
    decision = decide(_context(), ticket, evaluation, StoredFacts(carried=carried))
    assert decision.changes.priority is None and not decision.is_open
    assert decision.next_instant is None


def test_a_carried_raise_stays_unless_the_escalation_goes_higher() -> None:
    ticket = _ticket(priority="normal")
    evaluation = first_response_evaluator(ticket, LATE)
    escalated = SlaEvent("mem", "1", "first_response", 0, "escalated", T0)
    carried = Carried("normal", "urgent", T0)
    raise_to, events = escalation(
        _context(), ticket, evaluation, StoredFacts([escalated], None, carried)
    )
    assert (raise_to, events) == ("urgent", [])
    lower = Carried("normal", "high", T0)
    to_urgent = dataclasses.replace(ESCALATING, escalate_to="urgent")
    raise_to, events = escalation(
        _context(settings=to_urgent), ticket, evaluation, StoredFacts(carried=lower)
    )
    assert raise_to == "urgent" and [e.kind for e in events] == ["escalated"]


def test_the_plugins_revise_the_plan_after_slabridge_made_it() -> None:
    seen: list[ChangeSet] = []

    def veto(ticket: Ticket, evaluation: Evaluation, changes: ChangeSet) -> ChangeSet:
        seen.append(changes)
        return ChangeSet(changes.ticket_id)

    ticket = _ticket()
    evaluation = first_response_evaluator(ticket, LATE)
    decision = decide(_context(revise_plan=veto), ticket, evaluation, StoredFacts())
    assert seen[0].priority == "high"
    assert decision.changes.is_empty
    assert decision.events[-1].kind == "escalated"  # recorded: the plugin chose not to write it


def test_the_stored_rows_say_what_the_decision_says() -> None:
    ticket = _ticket()
    evaluation = first_response_evaluator(ticket, T0 + timedelta(minutes=10))
    decision = decide(_context(now=T0 + timedelta(minutes=10)), ticket, evaluation, StoredFacts())
    row = ticket_row("mem", decision)
    assert row["next_instant"] == T0 + timedelta(minutes=45)  # the 75 % warning
    assert (row["is_open"], row["breached"], row["at_risk"]) == (True, False, False)
    assert row["digest"] == evaluation_digest(evaluation)
    assert json.loads(row["snapshot_json"]) == ticket.to_json()
    history = evaluation_row("mem", decision)
    assert json.loads(history["result_json"]) == evaluation.to_json()
