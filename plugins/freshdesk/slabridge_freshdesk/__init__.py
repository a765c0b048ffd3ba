"""slabridge's Freshdesk (API v2) connector plugin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge_freshdesk.config import FreshdeskConfig
from slabridge_freshdesk.connector import FreshdeskConnector

if TYPE_CHECKING:
    from slabridge.testing.fakes import FakeHelpdesk
    from slabridge_freshdesk.fake import FakeFreshdesk


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register the Freshdesk connector under the type name ``freshdesk``."""
    register(FreshdeskConnector)


@hookimpl
def register_fakes(register: Callable[[FakeHelpdesk[Any]], None]) -> None:
    """Register the fake Freshdesk (demo, ``slabridge init``, tests)."""
    # Imported here, so that loading the plugin does not import its fake.
    from slabridge.testing.fakes import FakeHelpdesk
    from slabridge_freshdesk.fake import FakeFreshdesk

    register(
        FakeHelpdesk(
            connector_type="freshdesk",
            fake=FakeFreshdesk,
            connector_config=FakeFreshdesk.connector_config,
            load_ticket=FakeFreshdesk.load_normalized,
            set_clock=_follow_clock,
            sample_values={"domain": "acme"},
            demo_order=20,
        )
    )


def _follow_clock(fake: FakeFreshdesk, clock: Callable[[], datetime]) -> None:
    fake.clock = clock


__all__ = ["FreshdeskConfig", "FreshdeskConnector", "register_connectors", "register_fakes"]
