"""Any connector's registered fake, started by connector type, and the checks every one passes.

A plugin registers its fake with the ``register_fakes`` hook (:class:`FakeHelpdesk`); the
demo, ``slabridge init`` and tests then find it by connector type alone. In a connector's
tests::

    from slabridge.testing.registered import StandardFakeTests

    class TestAcmeFake(StandardFakeTests):
        connector_type = "acme"

checks that the registration gives the demo what it needs (docs/plugins/testing.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from slabridge.connectors.base import ChangeSet, Connector, ConnectorConfig
from slabridge.errors import InputError
from slabridge.plugins import SlabridgePluginManager, connector_types, fake_helpdesks
from slabridge.sla.ticket import Customer, Event, Ticket
from slabridge.testing.fakeapi import FakeAPI
from slabridge.testing.fakes import Clock, FakeHelpdesk


class NoRegisteredFake(InputError, LookupError):
    """No installed plugin registers a fake (or a connector) for the connector type asked for."""


@dataclass(slots=True)
class RegisteredFake:
    """A started registered fake, and the connector class it stands in for."""

    helpdesk: FakeHelpdesk[Any]
    fake: FakeAPI
    connector_class: type[Connector]

    def config(self, **overrides: Any) -> ConnectorConfig:
        """The registered config entry for this fake (with ``overrides``), validated."""
        entry = self.helpdesk.config_for(self.fake, **overrides)
        return self.connector_class.config_model.model_validate(entry)

    def connector(
        self,
        instance: str = "test",
        *,
        sleep: Callable[[float], None] | None = None,
        **overrides: Any,
    ) -> Connector:
        """A connector reading this fake; ``sleep`` replaces its waits (when given)."""
        options: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        return self.connector_class(instance, self.config(**overrides), **options)

    def load(self, ticket: Ticket) -> str:
        """Seed one normalized ticket, as the demo does; return its id in the fake."""
        return self.helpdesk.load_ticket(self.fake, ticket)

    def stop(self) -> None:
        self.fake.stop()


def start_registered_fake(
    connector_type: str,
    *,
    clock: Clock | None = None,
    manager: SlabridgePluginManager | None = None,
) -> RegisteredFake:
    """Start the fake a plugin registered for ``connector_type``; the caller stops it.

    Raises:
        NoRegisteredFake: no plugin registers a fake, or a connector, of that type; the
            message lists the types that have one.
    """
    fakes = fake_helpdesks(manager)
    types = connector_types(manager)
    if connector_type not in fakes or connector_type not in types:
        known = ", ".join(sorted(set(fakes) & set(types))) or "none"
        raise NoRegisteredFake(
            f"no fake is registered for connector type {connector_type!r} (registered: "
            f"{known}); a plugin registers one with the register_fakes hook"
        )
    helpdesk = fakes[connector_type]
    return RegisteredFake(helpdesk, helpdesk.start(clock), types[connector_type])


# The demo's seeding, in miniature: an answered open ticket of a known customer.
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CREATED = NOW - timedelta(hours=5)


def sample_ticket() -> Ticket:
    """An open, answered ticket of an enterprise customer in EMEA, updated an hour ago."""
    events = (
        Event(CREATED, "status", status="new"),
        Event(CREATED + timedelta(hours=3), "reply", author="agent", public=True),
        Event(CREATED + timedelta(hours=3), "status", status="open"),
        Event(CREATED + timedelta(hours=4), "reply", author="customer", public=True),
    )
    return Ticket(
        id="1001",
        created_at=CREATED,
        updated_at=events[-1].at,
        status="open",
        priority="high",
        product="payments",
        tags=("billing",),
        customer=Customer("org-acme", "Acme GmbH", "enterprise", "emea"),
        events=events,
    )


class StandardFakeTests:
    """What the demo, ``init`` and the test kit rely on from a ``register_fakes`` registration.

    Set ``connector_type``; override :meth:`plugin_manager` to use a manager of your own (the
    default is slabridge's, with the installed plugins). The class name does not start with
    ``Test`` so pytest collects it only through subclasses.
    """

    connector_type: ClassVar[str] = ""

    def plugin_manager(self) -> SlabridgePluginManager | None:
        return None

    @pytest.fixture
    def clock(self) -> list[datetime]:
        """The fake's time: ``clock[0]``, which a test may move."""
        return [NOW]

    @pytest.fixture
    def registered(self, clock: list[datetime]) -> Iterator[RegisteredFake]:
        assert self.connector_type, f"{type(self).__name__} must set connector_type"
        started = start_registered_fake(
            self.connector_type, clock=lambda: clock[0], manager=self.plugin_manager()
        )
        try:
            yield started
        finally:
            started.stop()

    def test_the_registered_config_passes_check(self, registered: RegisteredFake) -> None:
        connector = registered.connector(sleep=lambda _seconds: None)
        try:
            problems = connector.check()
        finally:
            connector.close()
        assert problems == [], [str(problem) for problem in problems]

    def test_sample_values_name_keys_of_the_config_model(self, registered: RegisteredFake) -> None:
        fields = registered.connector_class.config_model.model_fields
        unknown = sorted(set(registered.helpdesk.sample_values) - set(fields))
        assert unknown == [], f"sample_values names keys the config does not have: {unknown}"

    def test_a_loaded_ticket_reads_back_under_its_id(self, registered: RegisteredFake) -> None:
        original = sample_ticket()
        ticket_id = registered.load(original)
        connector = registered.connector(sleep=lambda _seconds: None)
        try:
            [read] = list(connector.fetch([ticket_id]))
        finally:
            connector.close()
        assert isinstance(read, Ticket), read
        assert (read.id, read.created_at, read.status) == (ticket_id, CREATED, "open")
        assert read.priority == "high" and set(original.tags) <= set(read.tags)
        assert read.product == "payments", "the registered config must map the product back"
        assert read.customer is not None
        assert (read.customer.tier, read.customer.region) == ("enterprise", "emea")
        replies = [(e.at, e.author) for e in read.events if e.type == "reply" and e.public]
        assert replies == [(e.at, e.author) for e in original.events if e.type == "reply"]

    def test_writes_are_stamped_by_the_clock_it_was_given(
        self, registered: RegisteredFake, clock: list[datetime]
    ) -> None:
        ticket_id = registered.load(sample_ticket())
        clock[0] = NOW + timedelta(days=3)
        connector = registered.connector(sleep=lambda _seconds: None)
        try:
            change = ChangeSet(ticket_id, add_tags=frozenset({"slabridge_clock_check"}))
            [result] = connector.apply([change])
            [read] = list(connector.fetch([ticket_id]))
        finally:
            connector.close()
        assert result.outcome == "applied", result
        assert isinstance(read, Ticket) and "slabridge_clock_check" in read.tags
        assert clock[0] <= read.updated_at < clock[0] + timedelta(hours=1), read.updated_at


__all__ = [
    "NoRegisteredFake",
    "RegisteredFake",
    "StandardFakeTests",
    "sample_ticket",
    "start_registered_fake",
]
