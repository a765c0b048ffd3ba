"""The Example helpdesk as the command tests configure it: one `desk` connector, one token."""

from __future__ import annotations

import pytest

from slabridge.commands import check
from slabridge.connectors.base import Connector
from slabridge.plugins import pm
from slabridge.testing.example import ExampleConnector

TOKEN = "tok-a1b2c3d4"


def desk_config(url: str, *, policies: str | None = None, extra: str = "") -> str:
    """A slabridge.yaml with one 24x7 policy (or ``policies``) and the `desk` connector."""
    policies = policies or (
        "policies:\n"
        "  - name: default\n"
        "    calendar: 24x7\n"
        "    targets:\n"
        "      default: {first_response: 1h}\n"
    )
    connector = (
        "connectors:\n"
        "  desk:\n"
        "    type: example\n"
        f"    base_url: {url}\n"
        "    token: ${DESK_TOKEN}\n"
    )
    return f"version: 1\n{policies}{connector}{extra}"


def use_example_type(
    monkeypatch: pytest.MonkeyPatch, connector: type[Connector] = ExampleConnector
) -> None:
    """Make `type: example` the only installed connector type, for check and for sync."""
    types: dict[str, type[Connector]] = {"example": connector}
    monkeypatch.setattr(check, "connector_types", lambda: types)
    monkeypatch.setattr("slabridge.plugins.connector_types", lambda manager=None: types)
    monkeypatch.setattr(pm, "load_failures", [])


__all__ = ["TOKEN", "desk_config", "use_example_type"]
