"""slabridge-jira: the Jira Cloud / Jira Service Management connector plugin."""

from __future__ import annotations

from collections.abc import Callable

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge_jira.config import JiraConfig
from slabridge_jira.connector import JiraConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(JiraConnector)


__all__ = ["JiraConfig", "JiraConnector", "register_connectors"]
