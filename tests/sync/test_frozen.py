"""Hooks get read-only copies: a plugin that edits its arguments cannot change the write-back."""

from __future__ import annotations

import dataclasses
import json
import operator
from datetime import timedelta
from typing import Any

import pytest
from synckit import T0, MemoryConnector, first_response_evaluator, make_engine

from slabridge.connectors.base import ChangeSet
from slabridge.hookspecs import hookimpl
from slabridge.plugins import create_plugin_manager
from slabridge.sla.results import Cycle, Evaluation
from slabridge.sla.ticket import Customer, Ticket
from slabridge.sync.frozen import HookArguments, frozen_cycle, frozen_evaluation, frozen_ticket
from slabridge.sync.store import StateStore, open_store

NOW = T0 + timedelta(minutes=10)  # the first response is due at T0 + 1h: nothing to tag yet


def _evaluation() -> Evaluation:
    ticket = Ticket("1", T0, T0, "open", fields={"region": "eu", "list": ["a"]})
    return first_response_evaluator(ticket, NOW)


def _attempts(*edits: Any) -> list[str]:
    """Run each edit; the names of the exceptions they raised ("" for one that went through)."""
    raised = []
    for edit in edits:
        try:
            edit()
        except (dataclasses.FrozenInstanceError, TypeError, AttributeError) as error:
            raised.append(type(error).__name__)
        else:
            raised.append("")
    return raised


def _breach_it(evaluation: Evaluation) -> None:
    evaluation.metrics["first_response"].cycles[0].status = "breached"


class Vandal:
    """A plugin that tries to edit every argument it is given, and notes whether it could."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[str]] = {}

    @hookimpl
    def ticket_evaluated(self, ticket: Ticket, evaluation: Evaluation) -> None:
        self.outcomes["ticket_evaluated"] = _attempts(
            lambda: _breach_it(evaluation),
            lambda: evaluation.metrics.pop("first_response"),
            lambda: setattr(evaluation.metrics["first_response"], "cycles", ()),
            lambda: operator.setitem(ticket.fields, "region", "us"),  # type: ignore[call-overload]
        )

    @hookimpl
    def plan_actions(self, ticket: Ticket, evaluation: Evaluation, changes: ChangeSet) -> None:
        self.outcomes["plan_actions"] = _attempts(
            lambda: _breach_it(evaluation),
            lambda: operator.setitem(ticket.extra, "vip", True),  # type: ignore[call-overload]
        )


def test_a_hook_editing_its_arguments_changes_neither_write_back_nor_store(
    store: StateStore, memory: MemoryConnector, tmp_path: Any
) -> None:
    memory.add("1")
    vandal = Vandal()
    manager = create_plugin_manager()
    manager.register(vandal)
    summary = make_engine(store, NOW, plugin_manager=manager).sync("mem", memory)
    every_edit_refused = ["FrozenInstanceError", "AttributeError", "FrozenInstanceError"]
    assert vandal.outcomes["ticket_evaluated"] == [*every_edit_refused, "TypeError"]
    assert vandal.outcomes["plan_actions"] == ["FrozenInstanceError", "TypeError"]
    # What an untouched run writes and stores (a second store and helpdesk, same ticket).
    plain_memory = MemoryConnector()
    plain_memory.add("1")
    plain_store = open_store(f"sqlite:///{tmp_path / 'plain.db'}")
    make_engine(plain_store, NOW).sync("mem", plain_memory)
    assert memory.tickets["1"].tags == plain_memory.tickets["1"].tags == ("sla_policy_standard",)
    assert summary.changed == 1 and summary.errors == []
    [stored] = list(store.iter_evaluations())
    [plain] = list(plain_store.iter_evaluations())
    assert not stored.breached
    assert json.dumps(stored.result, sort_keys=True) == json.dumps(plain.result, sort_keys=True)
    plain_store.close()


def test_the_breach_hook_gets_a_read_only_cycle(store: StateStore, memory: MemoryConnector) -> None:
    seen: list[tuple[str, list[str]]] = []

    class Watcher:
        @hookimpl
        def sla_breached(self, cycle: Cycle) -> None:
            seen.append((cycle.status, _attempts(lambda: setattr(cycle, "status", "achieved"))))

    manager = create_plugin_manager()
    manager.register(Watcher())
    memory.add("1")
    make_engine(store, T0 + timedelta(hours=2), plugin_manager=manager).sync("mem", memory)
    assert seen == [("breached", ["FrozenInstanceError"])]
    assert "sla_breached" in memory.tickets["1"].tags


def test_frozen_copies_equal_their_originals_and_serialize_the_same() -> None:
    evaluation = _evaluation()
    frozen = frozen_evaluation(evaluation)
    assert frozen.to_json() == evaluation.to_json()
    cycle = evaluation.metrics["first_response"].cycles[0]
    assert frozen_cycle(cycle) == cycle and cycle == frozen_cycle(cycle)
    assert frozen.metrics["first_response"] == evaluation.metrics["first_response"]
    ticket = Ticket(
        "1",
        T0,
        T0,
        "open",
        fields={"list": ["a"]},
        customer=Customer("c", extra={"k": {"n": 1}}),
    )
    copy = frozen_ticket(ticket)
    assert copy.to_json() == ticket.to_json()
    copy.fields["list"].append("b")  # nested values are a deep copy: the original is safe
    assert ticket.fields == {"list": ["a"]}
    with pytest.raises(TypeError):
        copy.customer.extra["k"] = 2  # type: ignore[index, union-attr]


def test_hook_arguments_are_built_once_and_only_when_asked_for() -> None:
    evaluation = _evaluation()
    ticket = Ticket("1", T0, T0, "open")
    arguments = HookArguments(ticket, evaluation)
    assert arguments._frozen_ticket is None and arguments._frozen_evaluation is None
    assert arguments.evaluation is arguments.evaluation
    assert arguments.ticket is arguments.ticket
    assert (
        arguments.cycle("first_response", 0)
        is arguments.evaluation.metrics["first_response"].cycles[0]
    )


def test_the_hooks_of_one_ticket_share_one_copy_and_no_listener_means_no_copy(
    store: StateStore, memory: MemoryConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, list[object]] = {"evaluated": [], "breached": []}

    class Listener:
        @hookimpl
        def ticket_evaluated(self, evaluation: Evaluation) -> None:
            seen["evaluated"].append(evaluation)

        @hookimpl
        def sla_breached(self, evaluation: Evaluation) -> None:
            seen["breached"].append(evaluation)

    manager = create_plugin_manager()
    manager.register(Listener())
    memory.add("1")
    memory.add("2")
    make_engine(store, T0 + timedelta(hours=2), plugin_manager=manager).sync("mem", memory)
    assert [id(e) for e in seen["evaluated"]] == [id(e) for e in seen["breached"]]
    assert len(seen["evaluated"]) == 2
    # A plugin listening to other hooks only: no copies are made at all.
    built: list[str] = []
    monkeypatch.setattr(
        "slabridge.sync.frozen.frozen_evaluation", lambda evaluation: built.append("copy")
    )
    quiet = create_plugin_manager()
    quiet.register(type("OnlyRuns", (), {"sync_started": hookimpl(lambda self: None)})())
    memory.add("3")
    make_engine(store, T0 + timedelta(hours=3), plugin_manager=quiet).sync("mem", memory)
    assert built == []
