"""The hooks a slabridge plugin can implement (reference: docs/plugins/hooks.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from slabridge.alerts.notifiers.base import Notifier
    from slabridge.connectors.base import ChangeSet, Connector
    from slabridge.sla.results import Cycle, Evaluation
    from slabridge.sla.ticket import Ticket
    from slabridge.testing.fakes import FakeHelpdesk

hookspec = pluggy.HookspecMarker("slabridge")
hookimpl = pluggy.HookimplMarker("slabridge")


@hookspec
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register connector classes: call ``register(MyConnector)`` once per class.

    Called whenever slabridge needs the table of connector types (config loading,
    ``slabridge check``, ``slabridge plugins``). Two classes with the same ``type_name`` are an
    error naming both.
    """


@hookspec
def register_notifiers(register: Callable[[type[Notifier]], None]) -> None:
    """Register alert channel types: call ``register(MyNotifier)`` once per class.

    Called whenever slabridge needs the table of channel types (``alerts.channels`` in the
    config, ``slabridge check``, ``slabridge alerts test``). The class's ``type_name`` is the
    value of ``type:`` in a channel entry; a type claimed twice (or a built-in one: webhook,
    slack, teams, email) is an error naming both classes.
    """


@hookspec
def register_fakes(register: Callable[[FakeHelpdesk[Any]], None]) -> None:
    """Register a connector's fake helpdesk: ``register(FakeHelpdesk(...))`` once per type.

    A :class:`~slabridge.testing.fakes.FakeHelpdesk` names the connector type, the fake (a
    ``FakeAPI`` subclass), the config entry that points at a started fake, how to seed it with
    a normalized ticket, how to set its clock, and example values for ``slabridge init``.
    Called whenever slabridge needs the table of fakes: ``slabridge demo`` (every registered
    fake joins it), ``slabridge init``, the test kit's ``registered_fake`` fixture. Import the
    fake inside the implementation, so that loading the plugin does not import it. Two fakes
    for the same connector type are an error naming both.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``slabridge`` command line: ``cli.add_command(my_command)``.

    Called once, the first time the command line is asked for a command that is not built in
    (plugins load lazily: ``slabridge --help`` imports none and lists the built-in commands).
    """


@hookspec
def ticket_evaluated(connector: Connector, ticket: Ticket, evaluation: Evaluation) -> None:
    """Observe every evaluation the sync makes (for metrics, audit trails, dashboards).

    Called by the sync once per ticket per run, right after the engine evaluated it and before
    write-back is planned; also for tickets re-evaluated because their due time passed. Return
    value ignored. ``ticket`` and ``evaluation`` are read-only copies (setting an attribute or a
    mapping key raises), so a hook cannot change what is written back.
    """


@hookspec
def sla_breached(
    connector: Connector, ticket: Ticket, evaluation: Evaluation, metric: str, cycle: Cycle
) -> None:
    """React to a NEW breach: ``metric`` (first_response|next_response|resolution) of ``ticket``.

    Called by the sync at most once per breached cycle, in the run that first sees it
    breached (the state store remembers it), after ``ticket_evaluated``. A ticket breaching two
    metrics, or two cycles of ``next_response``, gives one call each. Not called in dry runs.
    ``ticket``, ``evaluation`` and ``cycle`` are read-only copies.

    Best-effort: a process that dies between the commit and this call loses the call. Alerts
    that must arrive are ``alerts.rules`` (the durable notification outbox, docs/alerts.md).
    """


@hookspec
def sync_started(connector: Connector, run_id: str, dry_run: bool) -> None:
    """A sync run for ``connector`` is starting; ``run_id`` identifies it in the state store."""


@hookspec
def sync_finished(connector: Connector, run_id: str, summary: dict[str, Any]) -> None:
    """A sync run ended (also after a failure); ``summary`` is the run summary the CLI prints.

    ``summary`` holds at least ``status`` ("ok" or "failed") and the run's counters; treat it as
    read-only.
    """


@hookspec
def plan_actions(
    connector: Connector, ticket: Ticket, evaluation: Evaluation, changes: ChangeSet
) -> ChangeSet | None:
    """Add to, change or veto the write-back planned for one ticket.

    The sync plans ``changes`` (tags, priority, fields) for every evaluated ticket, even
    when the plan is empty, and passes it through the implementations in pluggy's call order
    with :func:`slabridge.plugins.apply_plan_actions`: each implementation receives the current
    ChangeSet (the output of the one before) and returns a replacement, or None to keep it as
    it is. Returning an empty ``ChangeSet(ticket_id)`` vetoes all writes for this ticket (later
    implementations may still add to it). The replacement must have the same ``ticket_id``.
    Dry runs call it too, so that they show what would be written. ``ticket`` and
    ``evaluation`` are read-only copies. A wrapper (``hookwrapper``/``wrapper=True``) is refused
    at registration: the implementations are chained one by one, so it would never run.
    """


__all__ = [
    "hookimpl",
    "hookspec",
    "plan_actions",
    "register_commands",
    "register_connectors",
    "register_fakes",
    "register_notifiers",
    "sla_breached",
    "sync_finished",
    "sync_started",
    "ticket_evaluated",
]
