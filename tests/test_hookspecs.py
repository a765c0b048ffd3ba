"""Every hook is documented with its full signature, has a test here, and dispatches as specified.

Each hook has a ``test_hook_<name>_...`` function below; the last tests check that by introspection.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pluggy
import pytest
from click.testing import CliRunner

from slabridge import hookspecs
from slabridge.alerts.notifiers.registry import notifier_types
from slabridge.alerts.notifiers.slack import SlackNotifier
from slabridge.connectors.base import ChangeSet, Connector
from slabridge.plugins import (
    PluginError,
    SlabridgePluginManager,
    apply_plan_actions,
    connector_types,
    create_plugin_manager,
    fake_helpdesks,
    register_plugin,
    register_plugin_commands,
)
from slabridge.sla.results import Cycle, Evaluation, MetricResult
from slabridge.sla.ticket import Ticket
from slabridge.testing.example import EXAMPLE_HELPDESK, ExampleConfig, ExampleConnector
from slabridge.testing.example.fake import ExampleFake

HOOKS_DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins" / "hooks.md"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def hookspec_functions() -> dict[str, Callable[..., Any]]:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "slabridge_spec")
    }


def documented_signature(function: Callable[..., Any]) -> str:
    signature = inspect.signature(function)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"{function.__name__}({params}) -> {signature.return_annotation}"


class Plugin:
    """A plugin built from keyword functions, each marked as a hook implementation."""

    def __init__(self, **functions: Callable[..., Any]) -> None:
        for name, function in functions.items():
            setattr(self, name, hookspecs.hookimpl(function))


def manager_with(*plugins: object) -> SlabridgePluginManager:
    manager = create_plugin_manager()
    manager.loaded = True
    for index, plugin in enumerate(plugins):
        assert register_plugin(manager, plugin, f"plugin{index}")
    return manager


@pytest.fixture
def connector() -> ExampleConnector:
    config = ExampleConfig(type="example", base_url="https://example.test", token="t0ken-x")  # type: ignore[arg-type]
    return ExampleConnector("desk", config)


def ticket(ticket_id: str = "1", tags: tuple[str, ...] = ()) -> Ticket:
    return Ticket(id=ticket_id, created_at=NOW, updated_at=NOW, status="open", tags=tags)


def breached_cycle() -> Cycle:
    return Cycle("breached", "default", 3600, NOW, None, NOW, NOW, 7200, 0, False)


def evaluation(ticket_id: str = "1") -> Evaluation:
    metric = MetricResult("first_response", (breached_cycle(),))
    return Evaluation(ticket_id, "gold", NOW, {"first_response": metric})


# -- one test per hook ------------------------------------------------------------------------


def test_hook_register_connectors_builds_the_type_table() -> None:
    manager = manager_with(Plugin(register_connectors=lambda register: register(ExampleConnector)))
    assert connector_types(manager) == {"example": ExampleConnector}


def test_hook_register_connectors_rejects_duplicate_type_names() -> None:
    class OtherExample(ExampleConnector):
        pass

    manager = manager_with(
        Plugin(register_connectors=lambda register: register(ExampleConnector)),
        Plugin(register_connectors=lambda register: register(OtherExample)),
    )
    with pytest.raises(PluginError, match="two connectors claim type 'example'") as caught:
        connector_types(manager)
    assert "ExampleConnector" in str(caught.value) and "OtherExample" in str(caught.value)


def test_hook_register_notifiers_adds_channel_types_after_the_builtins() -> None:
    class PagerNotifier(SlackNotifier):
        type_name = "pager"

    manager = manager_with(Plugin(register_notifiers=lambda register: register(PagerNotifier)))
    types = notifier_types(manager)
    assert types["pager"] is PagerNotifier
    assert {"webhook", "slack", "teams", "email"} <= set(types)


def test_hook_register_notifiers_rejects_a_type_claimed_twice() -> None:
    class OtherSlack(SlackNotifier):
        pass

    manager = manager_with(Plugin(register_notifiers=lambda register: register(OtherSlack)))
    with pytest.raises(PluginError, match="two notifiers claim type 'slack'") as caught:
        notifier_types(manager)
    assert "SlackNotifier" in str(caught.value) and "OtherSlack" in str(caught.value)
    not_a_notifier = manager_with(Plugin(register_notifiers=lambda register: register(object)))
    with pytest.raises(PluginError, match="not a Notifier subclass"):
        notifier_types(not_a_notifier)


def test_hook_register_fakes_builds_the_table_in_demo_order() -> None:
    class OtherFake(ExampleFake):
        pass

    first = dataclasses.replace(EXAMPLE_HELPDESK, connector_type="zz", fake=OtherFake, demo_order=1)
    manager = manager_with(
        Plugin(register_fakes=lambda register: register(EXAMPLE_HELPDESK)),
        Plugin(register_fakes=lambda register: register(first)),
    )
    fakes = fake_helpdesks(manager)
    assert list(fakes) == ["zz", "example"] and fakes["example"] is EXAMPLE_HELPDESK
    with fakes["example"].running() as fake:
        ticket_id = fakes["example"].load_ticket(fake, ticket("7", tags=("vip",)))
        config = ExampleConfig.model_validate(fakes["example"].config_for(fake))
        [read] = ExampleConnector("desk", config).fetch([ticket_id])
    assert isinstance(read, Ticket) and read.tags == ("vip",) and read.created_at == NOW


def test_hook_register_fakes_rejects_two_fakes_for_one_type_and_non_fakes() -> None:
    class OtherFake(ExampleFake):
        pass

    other = dataclasses.replace(EXAMPLE_HELPDESK, fake=OtherFake)
    manager = manager_with(
        Plugin(register_fakes=lambda register: register(EXAMPLE_HELPDESK)),
        Plugin(register_fakes=lambda register: register(other)),
    )
    with pytest.raises(PluginError, match="two fakes claim connector type 'example'") as caught:
        fake_helpdesks(manager)
    assert "ExampleFake" in str(caught.value) and "OtherFake" in str(caught.value)
    not_a_fake = dataclasses.replace(EXAMPLE_HELPDESK, fake=dict)  # type: ignore[arg-type]
    manager = manager_with(Plugin(register_fakes=lambda register: register(not_a_fake)))
    with pytest.raises(PluginError, match="fake=<class 'dict'>, not a FakeAPI subclass"):
        fake_helpdesks(manager)
    manager = manager_with(Plugin(register_fakes=lambda register: register(ExampleFake)))
    with pytest.raises(PluginError, match="not a FakeHelpdesk"):
        fake_helpdesks(manager)


def test_hook_register_commands_adds_plugin_commands_to_the_cli() -> None:
    @click.command("hello")
    def hello() -> None:
        click.echo("hello from a plugin")

    def broken(cli: click.Group) -> None:
        raise RuntimeError("boom")

    manager = manager_with(
        Plugin(register_commands=lambda cli: cli.add_command(hello)),
        Plugin(register_commands=broken),
    )
    group = click.Group("slabridge")
    register_plugin_commands(group, manager)
    result = CliRunner().invoke(group, ["hello"])
    assert result.output == "hello from a plugin\n"
    [failure] = manager.load_failures
    assert failure.name == "plugin1" and "RuntimeError: boom" in failure.error


def test_hook_ticket_evaluated_receives_connector_ticket_and_evaluation(
    connector: Connector,
) -> None:
    seen: list[tuple[str, str, str | None]] = []
    manager = manager_with(
        Plugin(
            ticket_evaluated=lambda connector, ticket, evaluation: seen.append(
                (connector.instance, ticket.id, evaluation.policy)
            )
        )
    )
    manager.hook.ticket_evaluated(connector=connector, ticket=ticket(), evaluation=evaluation())
    assert seen == [("desk", "1", "gold")]


def test_hook_sla_breached_receives_the_metric_and_the_breached_cycle(
    connector: Connector,
) -> None:
    seen: list[tuple[str, str, str]] = []

    # An implementation may take only the arguments it needs.
    def on_breach(ticket: Ticket, metric: str, cycle: Cycle) -> None:
        seen.append((ticket.id, metric, cycle.status))

    manager = manager_with(Plugin(sla_breached=on_breach))
    manager.hook.sla_breached(
        connector=connector,
        ticket=ticket(),
        evaluation=evaluation(),
        metric="first_response",
        cycle=breached_cycle(),
    )
    assert seen == [("1", "first_response", "breached")]


def test_hook_sync_started_receives_the_run_id_and_dry_run(connector: Connector) -> None:
    seen: list[tuple[str, str, bool]] = []
    manager = manager_with(
        Plugin(
            sync_started=lambda connector, run_id, dry_run: seen.append(
                (connector.instance, run_id, dry_run)
            )
        )
    )
    manager.hook.sync_started(connector=connector, run_id="7", dry_run=True)
    assert seen == [("desk", "7", True)]


def test_hook_sync_finished_receives_the_run_summary(connector: Connector) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    manager = manager_with(
        Plugin(sync_finished=lambda run_id, summary: seen.append((run_id, summary)))
    )
    summary = {"status": "failed", "errors": ["desk: HTTP 503"]}
    manager.hook.sync_finished(connector=connector, run_id="7", summary=summary)
    assert seen == [("7", summary)]


def test_hook_plan_actions_chains_replacements_and_none_keeps(connector: Connector) -> None:
    def add_audit_tag(changes: ChangeSet) -> ChangeSet:
        return dataclasses.replace(changes, add_tags=changes.add_tags | {"audited"})

    def keep(changes: ChangeSet) -> None:
        return None

    def drop_priority(ticket: Ticket, changes: ChangeSet) -> ChangeSet | None:
        return dataclasses.replace(changes, priority=None) if "vip" in ticket.tags else None

    # pluggy calls the last registered first: drop_priority, keep, then add_audit_tag.
    manager = manager_with(
        Plugin(plan_actions=add_audit_tag),
        Plugin(plan_actions=keep),
        Plugin(plan_actions=drop_priority),
    )
    planned = ChangeSet("1", add_tags=frozenset({"sla_breached"}), priority="urgent")
    result = apply_plan_actions(connector, ticket(tags=("vip",)), evaluation(), planned, manager)
    assert result == ChangeSet("1", add_tags=frozenset({"sla_breached", "audited"}))
    untouched = apply_plan_actions(connector, ticket(), evaluation(), planned, manager_with())
    assert untouched is planned


def test_hook_plan_actions_veto_with_an_empty_change_set(connector: Connector) -> None:
    manager = manager_with(Plugin(plan_actions=lambda changes: ChangeSet(changes.ticket_id)))
    planned = ChangeSet("1", add_tags=frozenset({"sla_breached"}), priority="urgent")
    result = apply_plan_actions(connector, ticket(), evaluation(), planned, manager)
    assert result.is_empty and result.ticket_id == "1"


def test_hook_plan_actions_must_keep_the_ticket_id(connector: Connector) -> None:
    manager = manager_with(Plugin(plan_actions=lambda changes: ChangeSet("other")))
    with pytest.raises(PluginError, match="plugin 'plugin0': plan_actions must return"):
        apply_plan_actions(connector, ticket(), evaluation(), ChangeSet("1"), manager)


def test_hook_plan_actions_wrapper_is_refused_at_registration(connector: Connector) -> None:
    # apply_plan_actions chains the implementations itself: a wrapper would never run.
    class Wrapper:
        @hookspecs.hookimpl(wrapper=True)
        def plan_actions(self, changes: ChangeSet) -> Any:
            result = yield
            return result

    class OldStyleWrapper:
        @hookspecs.hookimpl(hookwrapper=True)
        def plan_actions(self, changes: ChangeSet) -> Any:
            yield

    for plugin in (Wrapper(), OldStyleWrapper()):
        manager = create_plugin_manager()
        with pytest.raises(pluggy.PluginValidationError, match="plan_actions cannot be a wrapper"):
            manager.register(plugin, name="wrapping")
        assert not manager.has_plugin("wrapping")
        assert manager.hook.plan_actions.get_hookimpls() == []
        # Through the loader: a load failure naming the plugin, the others keep working.
        assert not register_plugin(manager, plugin, "wrapping")
        [failure] = manager.load_failures
        assert failure.name == "wrapping" and "plan_actions cannot be a wrapper" in failure.error
    planned = ChangeSet("1", priority="urgent")
    assert apply_plan_actions(connector, ticket(), evaluation(), planned, manager) is planned


def test_hook_register_commands_wrapper_is_refused_at_registration() -> None:
    class Wrapper:
        @hookspecs.hookimpl(wrapper=True)
        def register_commands(self, cli: click.Group) -> Any:
            return (yield)

    manager = create_plugin_manager()
    assert not register_plugin(manager, Wrapper(), "wrapping")
    assert "register_commands cannot be a wrapper" in manager.load_failures[0].error


def test_hook_ticket_evaluated_wrapper_still_works(connector: Connector) -> None:
    # Hooks pluggy calls as a whole keep pluggy's wrappers.
    seen: list[str] = []

    class Wrapper:
        @hookspecs.hookimpl(wrapper=True)
        def ticket_evaluated(self, ticket: Ticket) -> Any:
            seen.append(f"before {ticket.id}")
            result = yield
            seen.append("after")
            return result

    manager = manager_with(Wrapper(), Plugin(ticket_evaluated=lambda: seen.append("hook")))
    manager.hook.ticket_evaluated(connector=connector, ticket=ticket(), evaluation=evaluation())
    assert seen == ["before 1", "hook", "after"]


# -- every hook is documented and tested ------------------------------------------------------


def test_every_hook_is_documented_with_its_full_signature() -> None:
    doc = HOOKS_DOC.read_text(encoding="utf-8")
    for name, function in hookspec_functions().items():
        assert f"## {name}\n" in doc, f"docs/plugins/hooks.md has no section for {name}"
        signature = documented_signature(function)
        assert signature in doc, f"docs/plugins/hooks.md lacks the signature: {signature}"


def test_every_hook_has_a_test_in_this_module() -> None:
    tests = [name for name in dir(sys.modules[__name__]) if name.startswith("test_hook_")]
    untested = [
        name
        for name in hookspec_functions()
        if not any(test.startswith(f"test_hook_{name}_") for test in tests)
    ]
    assert untested == []


def test_every_hook_is_exported_and_documented_in_its_docstring() -> None:
    for name, function in hookspec_functions().items():
        assert name in hookspecs.__all__
        assert (function.__doc__ or "").strip(), f"hookspec {name} has no docstring"
