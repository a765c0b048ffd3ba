"""Plugin loading: entry points, SLABRIDGE_LOAD_PLUGINS, failures reported by name, versions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from slabridge.plugins import (
    LOAD_PLUGINS_ENV,
    PLUGIN_MODULES_ENV,
    PluginError,
    SlabridgePluginManager,
    connector_types,
    create_plugin_manager,
    get_plugins,
    load_plugins,
)
from slabridge.testing.example import ExampleConnector

GOOD = """
from slabridge.hookspecs import hookimpl
from slabridge.testing.example import ExampleConnector

@hookimpl
def register_connectors(register):
    register(ExampleConnector)

@hookimpl
def sync_started(connector, run_id):
    pass
"""
BROKEN = "import slabridge_module_that_does_not_exist\n"
TYPO = """
from slabridge.hookspecs import hookimpl

@hookimpl
def register_conectors(register):
    pass
"""
NOT_A_CONNECTOR = """
from slabridge.hookspecs import hookimpl

@hookimpl
def register_connectors(register):
    register(dict)
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on sys.path holding plugin modules and a distribution declaring them."""
    modules = {"sb_good": GOOD, "sb_broken": BROKEN, "sb_typo": TYPO, "sb_bad": NOT_A_CONNECTOR}
    for name, source in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    dist = tmp_path / "sb_testplugins-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sb-testplugins\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text(
        "[slabridge]\nsbgood = sb_good\nsbbroken = sb_broken\nsbtypo = sb_typo\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def load(environ: dict[str, str]) -> SlabridgePluginManager:
    return load_plugins(create_plugin_manager(), environ=environ)


def only(*names: str) -> dict[str, str]:
    return {LOAD_PLUGINS_ENV: ",".join(names)}


def test_entry_point_plugins_load_with_their_distribution_version(site: Path) -> None:
    manager = load(only("sbgood"))
    assert get_plugins(manager) == [
        {
            "name": "sbgood",
            "version": "1.2.3",
            "hooks": ["register_connectors", "sync_started"],
            "connectors": ["example"],
        }
    ]
    assert connector_types(manager) == {"example": ExampleConnector}
    assert manager.load_failures == []


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load(site: Path) -> None:
    manager = load(only("sbgood", "sbbroken"))
    assert [plugin["name"] for plugin in get_plugins(manager)] == ["sbgood"]
    [failure] = manager.load_failures
    assert failure.name == "sbbroken"
    assert "ModuleNotFoundError" in failure.error
    assert "slabridge_module_that_does_not_exist" in failure.error
    assert str(failure).startswith("plugin 'sbbroken' failed to load")


def test_a_misspelled_hook_implementation_is_a_load_failure(site: Path) -> None:
    manager = load(only("sbgood", "sbtypo"))
    assert not manager.has_plugin("sbtypo")
    [failure] = manager.load_failures
    assert failure.name == "sbtypo" and "register_conectors" in failure.error
    assert connector_types(manager) == {"example": ExampleConnector}  # the rest keep working


def test_load_plugins_env_chooses_which_plugins_load(site: Path) -> None:
    assert get_plugins(load(only("sbgood"))) == get_plugins(load(only(" sbgood ,")))
    nothing = load({LOAD_PLUGINS_ENV: ""})
    assert get_plugins(nothing) == [] and nothing.load_failures == []
    assert connector_types(nothing) == {}


def test_a_plugin_named_in_the_env_but_not_installed_is_reported(site: Path) -> None:
    manager = load(only("sbgood", "nosuchplugin"))
    [failure] = manager.load_failures
    assert failure.name == "nosuchplugin" and "not installed" in failure.error


def test_without_the_env_every_entry_point_is_loaded(site: Path) -> None:
    manager = load({})
    names = {plugin["name"] for plugin in get_plugins(manager)}
    assert "sbgood" in names
    assert {failure.name for failure in manager.load_failures} >= {"sbbroken", "sbtypo"}


def test_plugin_modules_env_registers_modules_without_an_entry_point(site: Path) -> None:
    manager = load({LOAD_PLUGINS_ENV: "", PLUGIN_MODULES_ENV: "sb_good, slabridge.testing.example"})
    assert [plugin["name"] for plugin in get_plugins(manager)] == [
        "sb_good",
        "slabridge.testing.example",
    ]
    assert get_plugins(manager)[1]["version"] == "0.1.0"
    # Both register the same class: one type, no conflict (a different class would be one).
    assert connector_types(manager) == {"example": ExampleConnector}


def test_registering_a_non_connector_is_an_error_naming_it(site: Path) -> None:
    manager = load({LOAD_PLUGINS_ENV: "", PLUGIN_MODULES_ENV: "sb_bad"})
    with pytest.raises(PluginError, match="not a Connector subclass"):
        connector_types(manager)


def test_loading_twice_does_not_register_twice(site: Path) -> None:
    manager = load(only("sbgood"))
    load_plugins(manager, environ=only("sbgood"))
    assert len(get_plugins(manager)) == 1 and manager.load_failures == []
