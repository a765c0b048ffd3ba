"""Planning write-back: owned tags only, escalation targets, field values, events, digests."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from synckit import T0, first_response_evaluator

from slabridge.connectors.base import Capabilities
from slabridge.sla.ticket import Event, Ticket
from slabridge.sync.events import derive_events, evaluation_digest
from slabridge.sync.plan import (
    WriteBackSettings,
    changeset_from_json,
    escalation_target,
    plan_changes,
)

SETTINGS = WriteBackSettings(
    breached_tag="sla_breached",
    at_risk_tag="sla_at_risk",
    policy_tag="sla_policy_{policy}",
    policy_names=frozenset({"gold", "standard"}),
)


def ticket(**kwargs: object) -> Ticket:
    base = Ticket(id="7", created_at=T0, updated_at=T0, status="open")
    return replace(base, **kwargs)  # type: ignore[arg-type]


def test_only_owned_tags_are_added_or_removed() -> None:
    tags = ("vip", "sla_at_risk", "sla_policy_gold", "sla_policyish", "sla_policy_manual")
    current = ticket(tags=tags)
    evaluation = first_response_evaluator(current, T0 + timedelta(hours=2))
    changes = plan_changes(current, evaluation, SETTINGS)
    assert changes.add_tags == {"sla_breached", "sla_policy_standard"}
    # `gold` is a configured policy; `sla_policy_manual` only fits the template's shape.
    assert changes.remove_tags == {"sla_at_risk", "sla_policy_gold"}
    assert changes.expected_updated_at == T0


def test_the_tag_of_the_previous_policy_goes_even_when_it_left_the_config() -> None:
    current = ticket(tags=("sla_policy_retired", "sla_policy_other"))
    evaluation = first_response_evaluator(current, T0)
    changes = plan_changes(current, evaluation, SETTINGS, previous_policy="retired")
    assert changes.remove_tags == {"sla_policy_retired"}
    assert changes.add_tags == {"sla_policy_standard"}


def test_a_bare_policy_template_owns_only_the_policy_names() -> None:
    bare = WriteBackSettings(policy_tag="{policy}", policy_names=frozenset({"gold", "standard"}))
    current = ticket(tags=("vip", "billing", "gold"))
    changes = plan_changes(current, first_response_evaluator(current, T0), bare)
    assert (changes.add_tags, changes.remove_tags) == ({"standard"}, {"gold"})


def test_an_escalation_remembers_the_priority_it_was_planned_from() -> None:
    current = ticket(priority=None)
    evaluation = first_response_evaluator(current, T0)
    changes = plan_changes(current, evaluation, SETTINGS, raise_priority_to="high")
    assert (changes.priority, changes.raised_from) == ("high", "normal")
    assert changeset_from_json(changes.to_json()) == changes


def test_a_ticket_already_as_wanted_needs_no_change() -> None:
    current = ticket(tags=("sla_policy_standard", "other"))
    evaluation = first_response_evaluator(current, T0)
    assert plan_changes(current, evaluation, SETTINGS).is_empty


def test_escalation_goes_one_level_up_or_to_a_name_and_never_down() -> None:
    up = WriteBackSettings(escalate_on="breach", escalate_to="one_level_up")
    assert escalation_target("normal", up) == "high"
    assert escalation_target(None, up) == "high"  # no priority counts as the default, normal
    assert escalation_target("urgent", up) is None
    named = WriteBackSettings(escalate_on="breach", escalate_to="high")
    assert escalation_target("low", named) == "high"
    assert escalation_target("urgent", named) is None


def test_a_planned_priority_below_the_current_one_is_dropped() -> None:
    current = ticket(priority="urgent")
    evaluation = first_response_evaluator(current, T0)
    assert plan_changes(current, evaluation, SETTINGS, raise_priority_to="high").priority is None


def test_field_values_compare_by_meaning_not_by_text() -> None:
    settings = WriteBackSettings(due_at_field="due", breached_field="late")
    current = ticket(fields={"due": "2026-03-02T11:00:00+01:00", "late": "false"})
    evaluation = first_response_evaluator(current, T0)
    assert plan_changes(current, evaluation, settings).is_empty


def test_change_sets_survive_the_outbox_round_trip() -> None:
    current = ticket(tags=("sla_at_risk",))
    evaluation = first_response_evaluator(current, T0 + timedelta(hours=2))
    changes = plan_changes(current, evaluation, SETTINGS, raise_priority_to="high")
    assert changeset_from_json(changes.to_json()) == changes


def test_events_are_derived_once_and_pauses_are_numbered() -> None:
    paused = ticket(
        status="pending",
        events=(Event(T0 + timedelta(minutes=5), "status", status="pending"),),
    )
    evaluation = first_response_evaluator(paused, T0 + timedelta(minutes=10))
    object.__setattr__(evaluation.metrics["first_response"].cycles[0], "status", "paused")
    first = derive_events("zd", paused, evaluation, [])
    assert [(e.kind, e.at, e.seq) for e in first] == [
        ("applied", T0, 0),
        ("paused", T0 + timedelta(minutes=5), 0),
    ]
    assert derive_events("zd", paused, evaluation, first) == []


def test_the_digest_ignores_the_clock_but_not_the_outcome() -> None:
    current = ticket()
    early = first_response_evaluator(current, T0 + timedelta(minutes=1))
    later = first_response_evaluator(current, T0 + timedelta(minutes=2))
    breached = first_response_evaluator(current, T0 + timedelta(hours=2))
    assert evaluation_digest(early) == evaluation_digest(later)
    assert evaluation_digest(early) != evaluation_digest(breached)


def test_a_breached_flag_stored_as_a_number_or_a_checkbox_list_counts_as_set() -> None:
    # Jira returns number fields as 1.0 and checkboxes as a list of option values: a ticket
    # already flagged must not be written again on every sync.
    settings = WriteBackSettings(breached_field="late")
    breached = first_response_evaluator(ticket(), T0 + timedelta(hours=2))
    assert breached.breached
    for stored in (1.0, "1.0", 1, True, ["Yes"], "yes"):
        flagged = ticket(fields={"late": stored})
        assert plan_changes(flagged, breached, settings).fields == {}, stored
    for stored in (0.0, "0", [], "no", "false"):
        unflagged = ticket(fields={"late": stored})
        assert plan_changes(unflagged, breached, settings).fields == {"late": True}, stored


def test_a_case_folding_helpdesk_compares_and_writes_tags_lowercased() -> None:
    folding = WriteBackSettings(
        breached_tag="SLA_Breached",
        policy_tag="sla_policy_{policy}",
        policy_names=frozenset({"Standard"}),
    ).for_capabilities(Capabilities(folds_tag_case=True))
    current = ticket(tags=("sla_policy_standard", "sla_policy_enterprise", "vip"))
    evaluation = first_response_evaluator(current, T0 + timedelta(hours=2))
    changes = plan_changes(current, evaluation, folding, previous_policy="Enterprise")
    # Already there in Zendesk's spelling: not re-sent; the renamed policy's tag goes.
    assert changes.add_tags == {"sla_breached"}
    assert changes.remove_tags == {"sla_policy_enterprise"}


def test_a_case_keeping_helpdesk_keeps_tags_as_configured() -> None:
    keeping = SETTINGS.for_capabilities(Capabilities())
    assert keeping is SETTINGS
    assert keeping.tag("SLA_Breached") == "SLA_Breached"
