"""slabridge's Freshdesk (API v2) connector plugin."""

from __future__ import annotations

from collections.abc import Callable

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge_freshdesk.config import FreshdeskConfig
from slabridge_freshdesk.connector import FreshdeskConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register the Freshdesk connector under the type name ``freshdesk``."""
    register(FreshdeskConnector)


__all__ = ["FreshdeskConfig", "FreshdeskConnector", "register_connectors"]
