"""Plugins load on first use (a connector lookup), not when slabridge or its CLI is imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BUILT_IN_PLUGINS = ("slabridge_zendesk", "slabridge_freshdesk", "slabridge_jira")

# Prints the plugin packages (and their modules) imported by the code before it.
REPORT = (
    "\nimport sys\n"
    f"print(sorted({{m for m in sys.modules if m.split('.')[0] in {BUILT_IN_PLUGINS!r}}}))\n"
)

COMMAND_PLUGIN = """
import click
from slabridge.hookspecs import hookimpl

@click.command("hello")
def hello():
    click.echo("hello from a plugin")

@hookimpl
def register_commands(cli):
    cli.add_command(hello)
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("SLABRIDGE_")}
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def imported_plugins(code: str, **env: str) -> str:
    return run_python(code + REPORT, **env).stdout.strip().splitlines()[-1]


def test_importing_the_sync_engine_loads_no_plugin() -> None:
    code = "import slabridge.sync.engine, sys; assert 'slabridge_zendesk' not in sys.modules"
    run_python(code)
    assert imported_plugins("import slabridge.sync.engine") == "[]"


def test_importing_every_core_module_loads_no_plugin() -> None:
    code = textwrap.dedent(
        """
        import importlib, pkgutil, slabridge
        for module in pkgutil.walk_packages(slabridge.__path__, "slabridge."):
            if module.name != "slabridge.__main__":  # that one runs the CLI
                importlib.import_module(module.name)
        """
    )
    assert imported_plugins(code) == "[]"


def test_a_built_in_commands_help_imports_no_plugin_and_the_top_help_lists_plugins() -> None:
    code = textwrap.dedent(
        """
        from slabridge.cli import cli
        try:
            cli.main(["sync", "--help"], prog_name="slabridge")
        except SystemExit as exit_:
            assert exit_.code == 0, exit_.code
        """
    )
    assert imported_plugins(code) == "[]", "sync --help must not load the plugins"
    # `slabridge --help` lists every command, the plugins' too: it loads them to know.
    top = imported_plugins(code.replace('["sync", "--help"]', '["--help"]'))
    assert all(repr(package) in top for package in BUILT_IN_PLUGINS), top


def test_a_connector_lookup_loads_the_installed_plugins() -> None:
    code = "from slabridge.plugins import connector_types\nassert 'zendesk' in connector_types()"
    report = imported_plugins(code)
    assert all(repr(package) in report for package in BUILT_IN_PLUGINS), report


def test_a_plugin_command_is_found_when_named_with_the_output_options(tmp_path: Path) -> None:
    (tmp_path / "sb_hello.py").write_text(textwrap.dedent(COMMAND_PLUGIN))
    code = textwrap.dedent(
        """
        from slabridge.cli import cli
        try:
            cli.main(["hello", "--quiet"], prog_name="slabridge")
        except SystemExit as exit_:
            assert exit_.code == 0, exit_.code
        """
    )
    run = run_python(code, PYTHONPATH=str(tmp_path), SLABRIDGE_PLUGIN_MODULES="sb_hello")
    assert run.stdout == "hello from a plugin\n"


@pytest.mark.parametrize("argv", [["plugins"], ["plugins", "--format", "json"]])
def test_slabridge_plugins_still_lists_every_installed_plugin(argv: list[str]) -> None:
    code = textwrap.dedent(
        f"""
        from slabridge.cli import cli
        try:
            cli.main({argv!r}, prog_name="slabridge")
        except SystemExit as exit_:
            assert exit_.code == 0, exit_.code
        """
    )
    output = run_python(code).stdout
    for name in ("zendesk", "freshdesk", "jira"):
        assert name in output


def test_loading_the_plugins_does_not_import_their_fakes() -> None:
    code = "from slabridge.plugins import connector_types\nconnector_types()"
    report = imported_plugins(code)
    assert "'slabridge_zendesk'" in report and ".fake" not in report, report
    fakes = imported_plugins("from slabridge.plugins import fake_helpdesks\nfake_helpdesks()")
    assert all(f"'{package}.fake'" in fakes for package in BUILT_IN_PLUGINS), fakes
