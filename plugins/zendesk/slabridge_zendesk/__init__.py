"""slabridge-zendesk: the Zendesk Support connector plugin (entry point ``slabridge``)."""

from __future__ import annotations

from collections.abc import Callable

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(ZendeskConnector)


__all__ = ["ZendeskConfig", "ZendeskConnector", "register_connectors"]
