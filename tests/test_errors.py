"""One root for slabridge's errors, each carrying its exit code; the CLI maps them in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from slabridge.cli import SlabridgeGroup, cli
from slabridge.errors import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_LOCKED,
    InputError,
    SlabridgeError,
)
from slabridge.plugins import PluginError
from slabridge.sync.migrations import SchemaTooNewError
from slabridge.sync.runtime import SetupError
from slabridge.sync.store import StateStoreError
from slabridge.sync.syncer import LockHeldError
from slabridge.testing.scaffold import ScaffoldError


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SetupError("no connectors"), EXIT_CONFIG),
        (StateStoreError("cannot open"), EXIT_CONFIG),
        (SchemaTooNewError("v9"), EXIT_CONFIG),
        (PluginError("two connectors claim type 'x'"), EXIT_CONFIG),
        (ScaffoldError("bad name"), EXIT_CONFIG),
        (LockHeldError("desk", "host:1", datetime(2026, 1, 1, tzinfo=UTC)), EXIT_LOCKED),
        (SlabridgeError("something failed"), EXIT_FAILURES),
    ],
)
def test_each_error_derives_from_the_root_and_carries_its_exit_code(
    error: SlabridgeError, code: int
) -> None:
    assert isinstance(error, SlabridgeError)
    assert error.exit_code == code


def test_errors_keep_the_builtin_bases_callers_catch() -> None:
    # Code that caught the old bases keeps working.
    assert issubclass(StateStoreError, RuntimeError)
    assert issubclass(LockHeldError, RuntimeError)
    assert issubclass(ScaffoldError, ValueError)
    assert issubclass(SetupError, InputError)


def _group_raising(error: Exception) -> click.Group:
    group = SlabridgeGroup("slabridge")

    @group.command("boom")
    def boom() -> None:
        raise error

    return group


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SetupError("connectors.desk: no such type"), 2),
        (LockHeldError("desk", None, None), 3),
        (SlabridgeError("a write failed"), 1),
    ],
)
def test_the_cli_maps_an_error_to_its_exit_code_in_one_place(
    error: SlabridgeError, code: int
) -> None:
    result = CliRunner().invoke(_group_raising(error), ["boom"])
    assert result.exit_code == code
    assert result.stderr == f"error: {error}\n"
    assert result.stdout == ""


def test_other_exceptions_are_not_mapped() -> None:
    result = CliRunner().invoke(_group_raising(KeyError("bug")), ["boom"])
    assert result.exit_code == 1
    assert isinstance(result.exception, KeyError)


@pytest.mark.parametrize("command", ["sync", "status"])
def test_a_config_that_cannot_drive_a_sync_exits_2(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(cli, [command, "--config", str(missing)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert str(missing) in result.stderr
