"""What a plugin registers for its connector's fake (hook ``register_fakes``), and how it is used.

The demo, ``slabridge init`` and the standard suite find a connector's fake, the config that
points at it and example values through these registrations, the same way for a built-in
connector and a third-party one (docs/plugins/testing.md, "Registering your fake").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from slabridge.errors import InputError
from slabridge.sla.ticket import Ticket
from slabridge.testing.fakeapi import FakeAPI

FakeT = TypeVar("FakeT", bound=FakeAPI)
Clock = Callable[[], datetime]


class _Secret:
    """The type of :data:`SECRET`, so that it prints as what it means."""

    def __repr__(self) -> str:
        return "SECRET"


# In ``sample_values``: a credential ``slabridge init`` asks for as ``${ENV}`` even when the
# config model makes it optional (e.g. a token that could also be an OAuth block).
SECRET: Any = _Secret()


@dataclass(frozen=True, slots=True)
class FakeHelpdesk(Generic[FakeT]):
    """A connector type's fake helpdesk, as a plugin registers it through ``register_fakes``.

    Attributes:
        connector_type: the ``type_name`` of the connector the fake stands in for.
        fake: the :class:`~slabridge.testing.fakeapi.FakeAPI` subclass; it is called with no
            arguments, so its defaults must make a fake that accepts the credentials
            ``connector_config`` returns.
        connector_config: the ``connectors.<name>`` entry (``type`` included) for a started
            fake: its base URL, credentials it accepts, and the mapping that reads back what
            ``load_ticket`` stored. Credentials (the config model's ``SecretStr`` fields) are
            moved into environment variables by the demo.
        load_ticket: store one normalized ticket, with its history, in the fake as the service
            would hold it; return the id the connector reads it back under. The demo seeds
            with it.
        set_clock: make the fake's "now" follow a clock (stamps of new records and writes,
            the end of an incremental export). The demo sets a fixed instant while it seeds
            and syncs, and the wall clock when it keeps the fakes up (``--serve``).
        sample_values: example values, by config key, for the keys without a default that
            ``slabridge init`` writes into a sample config (``subdomain: acme``); :data:`SECRET`
            for a credential to ask for as ``${ENV}`` although it is optional.
        demo_order: where the demo lists this helpdesk among the others (lower first, ties by
            connector type).
    """

    connector_type: str
    fake: type[FakeT]
    connector_config: Callable[[FakeT], Mapping[str, Any]]
    load_ticket: Callable[[FakeT, Ticket], str]
    set_clock: Callable[[FakeT, Clock], None]
    sample_values: Mapping[str, Any] = field(default_factory=dict)
    demo_order: int = 100

    def start(self, clock: Clock | None = None) -> FakeT:
        """A new fake, its time following ``clock`` (when given), serving on loopback."""
        fake = self.fake()
        if clock is not None:
            self.set_clock(fake, clock)
        fake.start()
        return fake

    @contextmanager
    def running(self, clock: Clock | None = None) -> Iterator[FakeT]:
        """:meth:`start` a fake for the ``with`` block; stop it afterwards."""
        fake = self.start(clock)
        try:
            yield fake
        finally:
            fake.stop()

    def config_for(self, fake: FakeT, **overrides: Any) -> dict[str, Any]:
        """``connector_config(fake)`` with ``overrides``; ``type`` is always the connector's."""
        return {**self.connector_config(fake), **overrides, "type": self.connector_type}


class FakeRegistrationError(InputError):
    """A ``register_fakes`` call that cannot be used; the message names the plugin's object."""


class FakeTable:
    """Connector type → :class:`FakeHelpdesk`, filled by ``register_fakes``, refusing clashes."""

    def __init__(self) -> None:
        self.fakes: dict[str, FakeHelpdesk[Any]] = {}

    def register(self, helpdesk: FakeHelpdesk[Any]) -> None:
        if not isinstance(helpdesk, FakeHelpdesk):
            raise FakeRegistrationError(f"register_fakes got {helpdesk!r}, not a FakeHelpdesk")
        if not isinstance(helpdesk.connector_type, str) or not helpdesk.connector_type:
            raise FakeRegistrationError(f"{helpdesk!r} has no connector_type")
        if not (isinstance(helpdesk.fake, type) and issubclass(helpdesk.fake, FakeAPI)):
            raise FakeRegistrationError(
                f"register_fakes for {helpdesk.connector_type!r} got fake={helpdesk.fake!r}, "
                "not a FakeAPI subclass"
            )
        existing = self.fakes.get(helpdesk.connector_type)
        if existing is not None and existing != helpdesk:
            raise FakeRegistrationError(
                f"two fakes claim connector type {helpdesk.connector_type!r}: "
                f"{_name(existing.fake)} and {_name(helpdesk.fake)}"
            )
        self.fakes[helpdesk.connector_type] = helpdesk

    def in_demo_order(self) -> dict[str, FakeHelpdesk[Any]]:
        ordered = sorted(self.fakes.values(), key=lambda h: (h.demo_order, h.connector_type))
        return {helpdesk.connector_type: helpdesk for helpdesk in ordered}


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


__all__ = [
    "SECRET",
    "Clock",
    "FakeHelpdesk",
    "FakeRegistrationError",
    "FakeTable",
]
