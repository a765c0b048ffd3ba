"""One root for slabridge's errors, each carrying its exit code; the CLI maps them in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from slabridge.cli import SlabridgeGroup, cli
from slabridge.config import ConfigError, ConfigIssue
from slabridge.connectors.http import HttpError
from slabridge.errors import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_LOCKED,
    InputError,
    SlabridgeError,
)
from slabridge.plugins import PluginError
from slabridge.sla.ticket import TicketError
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


# Packages whose modules define slabridge's errors: the core and the three bundled connectors.
ERROR_PACKAGES = ("slabridge", "slabridge_zendesk", "slabridge_freshdesk", "slabridge_jira")
# Control flow, not errors slabridge reports: each is caught where it is raised and never
# reaches a user (an HTTP answer of `serve`, a record skipped by a read, a round given up).
NOT_REPORTED: set[str] = {
    "slabridge.serve.app.TooLarge",  # answered 413
    "slabridge.serve.signatures.refusal.Unauthorized",  # answered 401
    "slabridge.sync.syncer.SyncedElsewhere",  # the round moves on to the next connector
    "slabridge_zendesk.mapping.SkipTicket",  # the record is logged and skipped
}


def _defined_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined (not imported) in a module of ERROR_PACKAGES."""
    found: dict[str, type[BaseException]] = {}
    for package_name in ERROR_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, BaseException)
                    and value.__module__ == info.name
                ):
                    found[f"{info.name}.{name}"] = value
    return found


def test_every_error_slabridge_defines_derives_from_the_one_root() -> None:
    defined = _defined_exceptions()
    # The walk must see the errors of every layer, or the test would pass on nothing.
    for expected in (
        "slabridge.config.errors.ConfigError",
        "slabridge.connectors.http.HttpError",
        "slabridge.sla.ticket.TicketError",
        "slabridge_freshdesk.connector.FreshdeskReadError",
    ):
        assert expected in defined, f"{expected} not found by the module walk"
    outside = sorted(
        name
        for name, error in defined.items()
        if not issubclass(error, SlabridgeError) and name not in NOT_REPORTED
    )
    assert outside == [], f"errors outside SlabridgeError (no exit code): {outside}"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError([ConfigIssue("policies[0].targets", "must be a list")]), EXIT_CONFIG),
        (TicketError("T-1", "created_at", "not an instant"), EXIT_CONFIG),
        (HttpError("GET", "/api/v2/tickets", 403, "forbidden", retryable=False), EXIT_FAILURES),
    ],
)
def test_config_ticket_and_http_errors_end_as_their_exit_code(
    error: SlabridgeError, code: int
) -> None:
    # Each keeps the base its callers catch (ValueError for input, HttpError for HTTP).
    result = CliRunner().invoke(_group_raising(error), ["boom"])
    assert result.exit_code == code
    assert result.stderr == f"error: {error}\n"


def test_input_errors_still_are_value_errors_for_their_callers() -> None:
    assert issubclass(ConfigError, ValueError)
    assert issubclass(TicketError, ValueError)
    assert not issubclass(HttpError, ValueError)
