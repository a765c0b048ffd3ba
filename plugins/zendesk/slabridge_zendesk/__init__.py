"""slabridge-zendesk: the Zendesk Support connector plugin (entry point ``slabridge``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector

if TYPE_CHECKING:
    from slabridge.testing.fakes import FakeHelpdesk
    from slabridge_zendesk.fake import FakeZendesk


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(ZendeskConnector)


@hookimpl
def register_fakes(register: Callable[[FakeHelpdesk[Any]], None]) -> None:
    """Register the fake Zendesk (demo, ``slabridge init``, tests)."""
    # Imported here, so that loading the plugin does not import its fake.
    from slabridge.testing.fakes import SECRET, FakeHelpdesk
    from slabridge_zendesk.fake import FakeZendesk

    register(
        FakeHelpdesk(
            connector_type="zendesk",
            fake=FakeZendesk,
            connector_config=FakeZendesk.connector_config,
            load_ticket=FakeZendesk.load_normalized,
            set_clock=_follow_clock,
            sample_values={"subdomain": "acme", "email": "ops@acme.example", "token": SECRET},
            demo_order=10,
        )
    )


def _follow_clock(fake: FakeZendesk, clock: Callable[[], datetime]) -> None:
    fake.clock = clock


__all__ = ["ZendeskConfig", "ZendeskConnector", "register_connectors", "register_fakes"]
