"""``slabridge plugins``: installed plugins, versions, hooks, connectors and load failures."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from slabridge.commands import plugins as plugins_command
from slabridge.plugins import (
    LoadFailure,
    SlabridgePluginManager,
    create_plugin_manager,
    get_plugins,
    register_plugin,
)
from slabridge.testing import example


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> SlabridgePluginManager:
    fresh = create_plugin_manager()
    fresh.loaded = True
    register_plugin(fresh, example, "example", "0.1.0")
    monkeypatch.setattr(plugins_command, "pm", fresh)
    monkeypatch.setattr(plugins_command, "get_plugins", lambda: get_plugins(fresh))
    return fresh


def test_plugins_lists_names_versions_connectors_and_hooks(manager: SlabridgePluginManager) -> None:
    result = CliRunner().invoke(plugins_command.command, [])
    assert result.exit_code == 0
    assert result.output == (
        "example 0.1.0\n  connectors: example\n  hooks: register_connectors, register_fakes\n"
    )


def test_plugins_json(manager: SlabridgePluginManager) -> None:
    result = CliRunner().invoke(plugins_command.command, ["--json"])
    assert json.loads(result.output) == [
        {
            "name": "example",
            "version": "0.1.0",
            "hooks": ["register_connectors", "register_fakes"],
            "connectors": ["example"],
            "error": None,
        }
    ]


def test_load_failures_are_shown_and_exit_1(manager: SlabridgePluginManager) -> None:
    manager.load_failures.append(LoadFailure("broken", "ImportError: no module x"))
    result = CliRunner().invoke(plugins_command.command, ["--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)[1] == {
        "name": "broken",
        "version": None,
        "hooks": [],
        "connectors": [],
        "error": "ImportError: no module x",
    }
    text = CliRunner().invoke(plugins_command.command, [])
    assert "error: plugin 'broken' failed to load: ImportError: no module x" in text.output
