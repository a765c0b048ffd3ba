"""POLICY.md §5 under review: owned tags, escalation per cycle, fields, load-time config errors.

The sync runs here against the in-memory connector with the real SLA engine, so every
verdict comes from the policy file as an admin would write it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from synckit import T0, MemoryConnector

from slabridge.config import AppConfig, ConfigError, load_config_text
from slabridge.connectors.base import ChangeSet, WriteResult
from slabridge.plugins import connector_types
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import Customer, Event
from slabridge.sync.runtime import settings_from_config
from slabridge.sync.store import StateStore
from slabridge.sync.syncer import Syncer

SECRET = "tok-9f3a-very-secret-77"
TAGS = 'tags: {breached: sla_breached, at_risk: sla_at_risk, policy: "sla_policy_{policy}"}'
STANDARD = """
policies:
  - name: gold
    match: {tier: gold}
    targets: {default: {first_response: 1h, next_response: 1h, resolution: 8h}}
  - name: standard
    match: {tier: [standard, pro]}
    targets: {default: {first_response: 1h, next_response: 1h, resolution: 8h}}
connectors: {mem: {type: memory}}
"""


def config(actions: str, policies: str = STANDARD) -> AppConfig:
    return load_config_text(f"{policies}actions:\n{actions}\n", environ={})


def sync(
    store: StateStore, memory: MemoryConnector, cfg: AppConfig, now: datetime, **options: Any
) -> Any:
    engine = Syncer(
        store,
        lambda ticket, at: evaluate(ticket, cfg, at),
        settings_from_config(cfg),
        now=now,
        **options,
    )
    summary = engine.sync("mem", memory)
    assert summary.status == "ok", summary.errors
    return summary


def minutes(value: float) -> datetime:
    return T0 + timedelta(minutes=value)


def add_events(memory: MemoryConnector, ticket_id: str, *events: Event) -> None:
    ticket = memory.tickets[ticket_id]
    at = max(event.at for event in events)
    memory.tickets[ticket_id] = replace(
        ticket, events=(*ticket.events, *events), updated_at=max(at, ticket.updated_at)
    )


def add(memory: MemoryConnector, ticket_id: str, **kwargs: Any) -> None:
    """A ticket of the "standard" policy unless ``customer`` says otherwise."""
    kwargs.setdefault("customer", Customer(tier="standard"))
    memory.add(ticket_id, **kwargs)


def escalations(store: StateStore) -> list[tuple[str, str, int]]:
    return [(e.ticket_id, e.metric, e.cycle) for e in store.iter_sla_events(kinds=["escalated"])]


# -- owned tags ------------------------------------------------------------------------------


def test_a_policy_change_swaps_the_policy_tag_and_keeps_look_alike_tags(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config(f"  {TAGS}")
    look_alikes = ("sla_policy", "sla_breached_manual", "sla_at_risk_ack", "policy_gold", "vip")
    memory.add("1", tags=look_alikes, customer=Customer(tier="standard"))
    sync(store, memory, cfg, minutes(5))
    assert set(memory.tickets["1"].tags) == {*look_alikes, "sla_policy_standard"}

    memory.agent_edit("1", customer=Customer(tier="gold"))
    sync(store, memory, cfg, minutes(6))
    assert set(memory.tickets["1"].tags) == {*look_alikes, "sla_policy_gold"}
    writes = memory.writes
    sync(store, memory, cfg, minutes(6))
    assert memory.writes == writes


def test_a_ticket_no_policy_matches_any_more_loses_the_policy_tag(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config(f"  {TAGS}")
    memory.add("1", tags=("keep",), customer=Customer(tier="gold"))
    sync(store, memory, cfg, minutes(5))
    assert set(memory.tickets["1"].tags) == {"keep", "sla_policy_gold"}
    memory.agent_edit("1", customer=Customer(tier="free"))  # no policy matches "free"
    sync(store, memory, cfg, minutes(6))
    assert set(memory.tickets["1"].tags) == {"keep"}


def test_a_bare_policy_template_does_not_remove_the_agents_tags(
    store: StateStore, memory: MemoryConnector
) -> None:
    # `policy: "{policy}"` tags a ticket with the policy's plain name; "vip" is the agent's.
    cfg = config('  tags: {breached: sla_breached, policy: "{policy}"}')
    memory.add("1", tags=("vip", "billing"), customer=Customer(tier="gold"))
    sync(store, memory, cfg, minutes(5))
    assert set(memory.tickets["1"].tags) == {"vip", "billing", "gold"}


def test_a_short_policy_template_does_not_remove_a_look_alike_agent_tag(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config('  tags: {breached: sla_breached, policy: "sla_{policy}"}')
    memory.add("1", tags=("sla_breached_manual",), customer=Customer(tier="gold"))
    sync(store, memory, cfg, minutes(5))
    assert set(memory.tickets["1"].tags) == {"sla_breached_manual", "sla_gold"}


def test_at_risk_gives_way_to_a_breach_of_another_metric(
    store: StateStore, memory: MemoryConnector
) -> None:
    policies = """
policies:
  - {name: standard, targets: {default: {first_response: 1h, resolution: 2h}}}
connectors: {mem: {type: memory}}
"""
    cfg = config(f"  {TAGS}", policies)
    memory.add("1")
    # T0+100m: first response breached at T0+60m; resolution used 100 of 120 min (at risk).
    sync(store, memory, cfg, minutes(100))
    assert set(memory.tickets["1"].tags) == {"sla_breached", "sla_policy_standard"}


def test_the_at_risk_tag_goes_when_the_cycle_stops_in_time(
    store: StateStore, memory: MemoryConnector
) -> None:
    policies = """
policies:
  - {name: standard, targets: {default: {first_response: 1h}}}
connectors: {mem: {type: memory}}
"""
    cfg = config(f"  {TAGS}", policies)
    memory.add("1")
    sync(store, memory, cfg, minutes(50))
    assert "sla_at_risk" in memory.tickets["1"].tags
    memory.reply("1", minutes(55))
    sync(store, memory, cfg, minutes(56))
    assert set(memory.tickets["1"].tags) == {"sla_policy_standard"}
    sync(store, memory, cfg, minutes(90))  # long past the old due time: still achieved
    assert set(memory.tickets["1"].tags) == {"sla_policy_standard"}


def test_the_breach_tag_and_flag_stay_after_the_ticket_is_solved_and_the_due_field_clears(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config(f"  {TAGS}\n  fields: {{mem: {{due_at: '900', breached: '901'}}}}")
    add(memory, "1")
    sync(store, memory, cfg, minutes(70))
    assert memory.tickets["1"].fields["901"] is True
    assert memory.tickets["1"].fields["900"] == "2026-03-02T10:00:00Z"
    memory.reply("1", minutes(75))
    add_events(memory, "1", Event(minutes(80), "status", status="solved"))
    memory.agent_edit("1", status="solved")
    sync(store, memory, cfg, minutes(85))
    ticket = memory.tickets["1"]
    assert set(ticket.tags) == {"sla_breached", "sla_policy_standard"}
    assert ticket.fields["901"] is True
    assert ticket.fields["900"] is None  # no clock runs any more
    writes = memory.writes
    sync(store, memory, cfg, minutes(86))
    assert memory.writes == writes


# -- escalate_priority -----------------------------------------------------------------------

ESCALATE = f"  {TAGS}\n  escalate_priority: {{on: breach, to: one_level_up}}"


def test_a_new_next_response_cycle_escalates_again_after_the_agent_lowered_the_first(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config(ESCALATE)
    add(memory, "1", priority="normal", customer=Customer(tier="pro"))
    sync(store, memory, cfg, minutes(70))  # first response breached
    assert memory.tickets["1"].priority == "high"

    memory.reply("1", minutes(80))
    memory.agent_edit("1", priority="normal")  # the agent disagrees
    sync(store, memory, cfg, minutes(85))
    sync(store, memory, cfg, minutes(95))
    assert memory.tickets["1"].priority == "normal"

    add_events(memory, "1", Event(minutes(100), "reply", author="customer"))
    sync(store, memory, cfg, minutes(105))
    assert memory.tickets["1"].priority == "normal"  # the new wait is not late yet
    sync(store, memory, cfg, minutes(161))  # untouched; the new cycle breached at T0+160m
    assert memory.tickets["1"].priority == "high"
    assert escalations(store) == [("1", "first_response", 0), ("1", "next_response", 0)]


def test_escalating_on_at_risk_fires_once_for_the_cycle_even_when_it_then_breaches(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config(f"  {TAGS}\n  escalate_priority: {{on: at_risk, to: one_level_up}}")
    add(memory, "1", priority="low", customer=Customer(tier="pro"))
    sync(store, memory, cfg, minutes(30))
    assert memory.tickets["1"].priority == "low"
    sync(store, memory, cfg, minutes(50))  # 50 of 60 minutes used: at risk
    assert memory.tickets["1"].priority == "normal"
    memory.agent_edit("1", priority="low")
    sync(store, memory, cfg, minutes(52))
    sync(store, memory, cfg, minutes(70))  # the same cycle breaches: no second escalation
    assert memory.tickets["1"].priority == "low"
    assert escalations(store) == [("1", "first_response", 0)]


@pytest.mark.parametrize(
    ("to", "current", "expected"),
    [
        ("urgent", "urgent", "urgent"),
        ("one_level_up", "urgent", "urgent"),
        ("high", "urgent", "urgent"),
        ("normal", "high", "high"),
        ("high", "low", "high"),
        ("one_level_up", "low", "normal"),
        ("one_level_up", None, "high"),
    ],
)
def test_escalation_never_lowers_and_writes_nothing_when_there_is_nothing_to_raise(
    store: StateStore, memory: MemoryConnector, to: str, current: str | None, expected: str
) -> None:
    cfg = config(f"  {TAGS}\n  escalate_priority: {{on: breach, to: {to}}}")
    add(memory, "1", priority=current, tags=("sla_policy_standard",))
    sync(store, memory, cfg, minutes(50))
    memory.agent_edit("1", tags=("sla_policy_standard", "sla_breached"))
    before = len(memory.applied)
    sync(store, memory, cfg, minutes(70))  # breached now; tags already as wanted
    assert memory.tickets["1"].priority == expected
    if expected == current:
        assert len(memory.applied) == before  # nothing to write at all
    else:
        assert [change.priority for change in memory.applied[before:]] == [expected]


class AgentRacingConnector(MemoryConnector):
    """An agent lowers the priority while slabridge's write is on its way."""

    def __init__(self) -> None:
        super().__init__()
        self.lower_to: str | None = None
        self.time_out_after_apply = False

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        if self.lower_to is not None:
            self.agent_edit("1", priority=self.lower_to)
            self.lower_to = None
        results = super().apply(changes)
        if self.time_out_after_apply:
            # The helpdesk applied the write, but the answer never came (a read timeout).
            self.time_out_after_apply = False
            return [WriteResult(result.ticket_id, "retry", "read timed out") for result in results]
        return results


def test_an_escalation_retried_after_a_lost_answer_does_not_overrule_the_agent(
    store: StateStore,
) -> None:
    cfg = config(ESCALATE)
    memory = AgentRacingConnector()
    memory.clock = lambda: minutes(70)
    add(memory, "1", priority="normal")
    memory.time_out_after_apply = True
    sync(store, memory, cfg, minutes(70))
    assert memory.tickets["1"].priority == "high"  # applied; slabridge did not hear back
    memory.clock = lambda: minutes(72)
    memory.agent_edit("1", priority="normal")  # the agent lowers it again
    sync(store, memory, cfg, minutes(75))
    assert memory.tickets["1"].priority == "normal"


def test_a_write_that_meets_an_agents_priority_change_does_not_overrule_it(
    store: StateStore,
) -> None:
    # docs/connectors/zendesk.md: "if an agent changed the priority meanwhile, conflict (the
    # sync re-plans; slabridge does not override the agent)".
    cfg = config(ESCALATE)
    memory = AgentRacingConnector()
    memory.clock = lambda: minutes(70)
    add(memory, "1", priority="normal")
    memory.lower_to = "low"
    summary = sync(store, memory, cfg, minutes(70))
    assert summary.conflicts == 1
    assert memory.tickets["1"].priority == "low"


def test_a_dry_run_plans_the_escalation_but_records_nothing(
    store: StateStore, memory: MemoryConnector
) -> None:
    cfg = config(ESCALATE)
    add(memory, "1", priority="normal")
    engine = Syncer(
        store,
        lambda ticket, at: evaluate(ticket, cfg, at),
        settings_from_config(cfg),
        now=minutes(70),
        dry_run=True,
    )
    engine.sync("mem", memory)
    assert [write.changes.priority for write in engine.planned] == ["high"]
    assert memory.writes == 0 and escalations(store) == []
    sync(store, memory, cfg, minutes(70))  # the real run still escalates
    assert memory.tickets["1"].priority == "high"


# -- config errors at load time --------------------------------------------------------------

CONNECTORS = """
policies: [{name: standard, targets: {default: {first_response: 1h}}}]
connectors:
  zd: {type: zendesk, subdomain: acme, email: ops@acme.example, token: "${TOKEN}"}
  jr:
    type: jira
    site: https://acme.atlassian.net
    email: ops@acme.example
    token: "${TOKEN}"
    projects: [HELP]
"""


def issues(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(
            text,
            environ={"TOKEN": SECRET} if environ is None else environ,
            connector_types=connector_types(),
        )
    message = str(caught.value)
    assert SECRET not in message
    return [str(issue) for issue in caught.value.issues]


def test_the_section_5_example_actions_load_with_the_installed_connectors() -> None:
    text = CONNECTORS + (
        f"actions:\n  {TAGS}\n"
        "  escalate_priority: {on: breach, to: one_level_up}\n"
        "  fields: {zd: {due_at: 360009999, breached: 360008888}, "
        "jr: {due_at: customfield_10201, breached: customfield_10200}}\n"
    )
    cfg = load_config_text(text, environ={"TOKEN": SECRET}, connector_types=connector_types())
    settings = settings_from_config(cfg)
    assert settings["zd"].due_at_field == "360009999"
    assert settings["jr"].breached_field == "customfield_10200"
    assert settings["zd"].escalate_to == "one_level_up"


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (
            "{escalate_priority: {to: critical}}",
            "actions.escalate_priority.to: 'critical' is not a priority",
        ),
        (
            "{escalate_priority: {on: breached}}",
            "actions.escalate_priority.on: 'breached' is not a trigger",
        ),
        ("{escalate: {to: high}}", "actions.escalate: unknown key"),
        ("{tags: {breach: x}}", "actions.tags.breach: unknown key"),
        ("{fields: {zendesk-eu: {due_at: 1}}}", "actions.fields.zendesk-eu: unknown connector"),
        ("{fields: {zd: {due: 1}}}", "actions.fields.zd.due: unknown key"),
        ("{tags: {breached: 'sla breached'}}", "actions.tags.breached: expected a tag"),
    ],
)
def test_a_bad_actions_entry_is_a_config_error_naming_its_key_path(
    actions: str, expected: str
) -> None:
    found = issues(CONNECTORS + f"actions: {actions}\n")
    assert any(issue.startswith(expected) for issue in found), found


def test_an_unknown_connector_type_lists_the_installed_types() -> None:
    found = issues(CONNECTORS.replace("type: jira", "type: jra"))
    assert found == [
        "connectors.jr.type: unknown connector type (installed: freshdesk, jira, zendesk)"
    ]


def test_a_missing_environment_variable_names_the_key_and_the_variable() -> None:
    found = issues(CONNECTORS, environ={})
    assert found == [
        "connectors.zd.token: environment variable TOKEN is not set",
        "connectors.jr.token: environment variable TOKEN is not set",
    ]


def test_a_secret_used_where_a_priority_or_trigger_belongs_is_not_echoed() -> None:
    found = issues(CONNECTORS + "actions: {escalate_priority: {on: '${TOKEN}', to: '${TOKEN}'}}\n")
    assert found == [
        "actions.escalate_priority.on: the value from the environment is not a trigger"
        " (valid: breach, at_risk)",
        "actions.escalate_priority.to: the value from the environment is not a priority"
        " (valid: one_level_up, low, normal, high, urgent)",
    ]


def test_a_zendesk_field_key_that_is_not_a_numeric_field_id_is_a_config_error() -> None:
    found = issues(CONNECTORS + "actions: {fields: {zd: {due_at: sla_due_at}}}\n")
    assert found == [
        "actions.fields.zd.due_at: not a field zendesk can write: Zendesk ticket fields are "
        "written by their numeric id (Admin Center, Ticket fields)"
    ]


def test_a_jira_field_key_that_jira_writes_otherwise_is_a_config_error() -> None:
    found = issues(CONNECTORS + "actions: {fields: {jr: {breached: labels}}}\n")
    assert found == [
        "actions.fields.jr.breached: not a field jira can write: labels is written through "
        "actions.tags / escalate_priority, not as a field"
    ]


def test_a_policy_name_that_makes_an_invalid_jira_label_is_a_config_error() -> None:
    text = CONNECTORS.replace("name: standard", "name: Gold Plan")
    found = issues(text + f"actions:\n  {TAGS}\n")
    assert found == [
        "actions.tags.policy: policy 'Gold Plan' (tag 'sla_policy_Gold Plan') would give a tag "
        "with a space (helpdesks split or refuse such tags; rename the policy)"
    ]


def test_one_field_for_both_due_at_and_the_breach_flag_is_a_config_error() -> None:
    found = issues(CONNECTORS + "actions: {fields: {zd: {due_at: 360001, breached: 360001}}}\n")
    assert found == [
        "actions.fields.zd.breached: the same field as due_at: each needs a field of its own "
        "(they would overwrite each other on every sync)"
    ]
