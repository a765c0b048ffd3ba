"""slabridge-jira: the Jira Cloud / Jira Service Management connector plugin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge_jira.config import JiraConfig
from slabridge_jira.connector import JiraConnector

if TYPE_CHECKING:
    from slabridge.testing.fakes import FakeHelpdesk
    from slabridge_jira.fake import FakeJira


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(JiraConnector)


@hookimpl
def register_fakes(register: Callable[[FakeHelpdesk[Any]], None]) -> None:
    """Register the fake Jira (demo, ``slabridge init``, tests)."""
    # Imported here, so that loading the plugin does not import its fake.
    from slabridge.testing.fakes import SECRET, FakeHelpdesk
    from slabridge_jira.fake import FakeJira

    register(
        FakeHelpdesk(
            connector_type="jira",
            fake=FakeJira,
            connector_config=FakeJira.connector_config,
            load_ticket=FakeJira.load_normalized,
            set_clock=_follow_clock,
            sample_values={
                "site": "https://acme.atlassian.net",
                "email": "ops@acme.example",
                "token": SECRET,
                "projects": ["HELP"],
            },
            demo_order=30,
        )
    )


def _follow_clock(fake: FakeJira, clock: Callable[[], datetime]) -> None:
    fake.clock = clock


__all__ = ["JiraConfig", "JiraConnector", "register_connectors", "register_fakes"]
