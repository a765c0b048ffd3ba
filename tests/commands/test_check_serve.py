"""``slabridge check`` validates ``serve:`` as ``slabridge serve`` will read it: every bad key
exits 2 naming its key path, a variable that is not set too; other commands check the shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from slabridge.commands import check
from slabridge.config import ConfigError, load_config_text
from slabridge.connectors.base import Connector
from slabridge.plugins import pm
from slabridge.redaction import secrets_kept_apart
from slabridge.testing.example import ExampleConnector, ExampleFake

TOKEN = "tok-a1b2c3d4"
BOARD_TOKEN = "board-Token-0123456789"
HOOK_SECRET = "hook-Secret-0123456789"
ENVIRON = {"DESK_TOKEN": TOKEN, "BOARD_TOKEN": BOARD_TOKEN, "HOOK_SECRET": HOOK_SECRET}
GOOD_SERVE: dict[str, Any] = {
    "board": {"token": "${BOARD_TOKEN}", "team_field": "team"},
    "webhooks": {"desk": {"secret": "${HOOK_SECRET}"}},
    "sync_every": "5m",
    "replay_window": "5m",
    "max_body_bytes": 1_048_576,
    "max_pending": 1000,
}


@pytest.fixture(autouse=True)
def example_type(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    types: dict[str, type[Connector]] = {"example": ExampleConnector}
    monkeypatch.setattr(check, "connector_types", lambda: types)
    monkeypatch.setattr(pm, "load_failures", [])
    with secrets_kept_apart():
        yield


@pytest.fixture(scope="module")
def fake() -> Iterator[ExampleFake]:
    with ExampleFake(tokens={TOKEN: "admin"}) as server:
        yield server


def document(url: str, serve: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "policies": [
            {"name": "default", "calendar": "24x7", "targets": {"normal": {"first_response": "1h"}}}
        ],
        "connectors": {"desk": {"type": "example", "base_url": url, "token": "${DESK_TOKEN}"}},
        "serve": serve,
    }


def run_check(tmp_path: Path, url: str, serve: Any, environ: dict[str, str]) -> tuple[int, str]:
    path = tmp_path / "slabridge.yaml"
    path.write_text(yaml.safe_dump(document(url, serve), sort_keys=False))
    result = CliRunner().invoke(check.command, ["--config", str(path)], env=environ)
    return result.exit_code, result.output


def with_(key: str, value: Any) -> dict[str, Any]:
    """GOOD_SERVE with one key (``board.token`` for a nested one) set to ``value``."""
    section = {name: dict(v) if isinstance(v, dict) else v for name, v in GOOD_SERVE.items()}
    *parents, last = key.split(".")
    target = section
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
    return section


def test_a_good_serve_section_passes(tmp_path: Path, fake: ExampleFake) -> None:
    code, output = run_check(tmp_path, fake.base_url, GOOD_SERVE, ENVIRON)
    assert (code, output) == (0, "ok     desk (example)\n")


BAD = [
    (
        with_("port", 8787),
        "serve.port: unknown key (known: webhooks, board, max_body_bytes, replay_window, "
        "sync_every, max_pending); the port is `slabridge serve --port` (0-65535, default 8787)",
    ),
    (
        with_("host", "0.0.0.0"),
        "serve.host: unknown key (known: webhooks, board, max_body_bytes, replay_window, "
        "sync_every, max_pending); the address is `slabridge serve --host` (loopback unless told)",
    ),
    (with_("board.colour", "red"), "serve.board.colour: unknown key (known: token, username,"),
    (with_("max_body_bytes", -1), "serve.max_body_bytes: expected a whole number above 0"),
    (with_("max_pending", "many"), "serve.max_pending: expected a whole number above 0"),
    (with_("sync_every", 5), "serve.sync_every: 5 is not a duration (add a unit, try 5s)"),
    (with_("replay_window", "soon"), "serve.replay_window: 'soon' is not a duration"),
    (
        with_("webhooks.nowhere", {"secret": "${HOOK_SECRET}"}),
        "serve.webhooks.nowhere: no connector of that name in connectors: (configured: desk)",
    ),
    (
        with_("webhooks.desk", {"secret": "${HOOK_SECRET}", "scheme": "pigeon"}),
        "serve.webhooks.desk.scheme: expected one of: zendesk, jira, shared_secret",
    ),
    (
        with_("webhooks.desk", {"scheme": "zendesk"}),
        "serve.webhooks.desk.secret: required: the zendesk webhook's signing secret",
    ),
    (with_("webhooks", ["desk"]), "serve.webhooks: expected a mapping of connector names"),
    (
        with_("board", {"team_field": "team"}),
        "serve.board: set token (or username and password)",
    ),
    (
        with_("board", {"username": "lead"}),
        "serve.board: give both username and password (basic auth), or neither",
    ),
    (with_("board.token", ""), "serve.board.token: expected non-empty text"),
    (None, "serve.board: set token (or username and password)"),
    ("all of it", "serve: expected a mapping"),
]


@pytest.mark.parametrize(("serve", "expected"), BAD, ids=[text.split(":")[0] for _, text in BAD])
def test_each_bad_serve_key_exits_2_naming_its_key_path(
    tmp_path: Path, fake: ExampleFake, serve: Any, expected: str
) -> None:
    code, output = run_check(tmp_path, fake.base_url, serve, ENVIRON)
    assert code == 2, output
    assert f"the config is invalid:\n  {expected}" in output
    assert BOARD_TOKEN not in output and HOOK_SECRET not in output


def test_a_variable_that_is_not_set_exits_2_in_check_but_not_in_other_commands(
    tmp_path: Path, fake: ExampleFake
) -> None:
    environ = {"DESK_TOKEN": TOKEN, "BOARD_TOKEN": BOARD_TOKEN}  # HOOK_SECRET missing
    code, output = run_check(tmp_path, fake.base_url, GOOD_SERVE, environ)
    assert code == 2, output
    assert "  serve.webhooks.desk.secret: environment variable HOOK_SECRET is not set" in output
    # sync, report and cron jobs load the file without serve's variables (decision 93).
    text = yaml.safe_dump(document(fake.base_url, GOOD_SERVE))
    load_config_text(text, environ={"DESK_TOKEN": TOKEN})


def test_a_value_from_the_environment_that_is_wrong_is_named_not_quoted(
    tmp_path: Path, fake: ExampleFake
) -> None:
    environ = {**ENVIRON, "SYNC_EVERY": "every-Hour-123"}
    code, output = run_check(tmp_path, fake.base_url, with_("sync_every", "${SYNC_EVERY}"), environ)
    assert code == 2, output
    assert "  serve.sync_every: the value from the environment is not a duration" in output
    assert "every-Hour-123" not in output


def test_a_secret_written_in_the_file_is_a_warning(tmp_path: Path, fake: ExampleFake) -> None:
    serve = with_("board.token", "written-in-the-File-42")
    code, output = run_check(tmp_path, fake.base_url, serve, ENVIRON)
    assert code == 0, output
    assert "warning: serve.board.token: a secret written in the file" in output
    assert "written-in-the-File-42" not in output


def test_every_command_s_config_load_rejects_a_bad_serve_key(fake: ExampleFake) -> None:
    text = yaml.safe_dump(document(fake.base_url, with_("sync_evry", "5m")))
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, environ={"DESK_TOKEN": TOKEN})
    assert [str(issue) for issue in caught.value.issues] == [
        "serve.sync_evry: unknown key (known: webhooks, board, max_body_bytes, replay_window, "
        "sync_every, max_pending)"
    ]
    # A duration or a scheme still to come from the environment counts as given there.
    unread = with_("webhooks.desk", {"scheme": "${SCHEME}", "secret": "${HOOK_SECRET}"})
    unread["sync_every"] = "${SYNC_EVERY}"
    load_config_text(yaml.safe_dump(document(fake.base_url, unread)), environ={"DESK_TOKEN": TOKEN})
