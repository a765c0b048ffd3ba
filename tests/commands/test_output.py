"""The options every command shares: --quiet, --verbose, --log-level, --format; NO_COLOR."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import structlog
from click.testing import CliRunner
from desk_example import TOKEN, desk_config, use_example_type

from slabridge import logs
from slabridge.cli import cli
from slabridge.testing.example import ExampleFake


@pytest.fixture(autouse=True)
def example_type(monkeypatch: pytest.MonkeyPatch) -> None:
    use_example_type(monkeypatch)
    monkeypatch.delenv("SLABRIDGE_LOG_LEVEL", raising=False)


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Path]:
    with ExampleFake(tokens={TOKEN: "admin"}) as fake:
        path = tmp_path / "slabridge.yaml"
        path.write_text(desk_config(fake.base_url))
        yield path


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"DESK_TOKEN": TOKEN, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def http_lines(stderr: str) -> list[dict[str, object]]:
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [entry for entry in entries if entry.get("event") == "http_request"]


def leaf_commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(leaf_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_every_command_takes_quiet_verbose_and_log_level() -> None:
    shared = {"--quiet", "--verbose", "--log-level"}
    commands = leaf_commands(cli)
    assert "export tickets" in commands  # subcommands of groups count too
    missing = {
        name: sorted(shared - options)
        for name, command in commands.items()
        if shared - (options := {opt for parameter in command.params for opt in parameter.opts})
    }
    assert missing == {}, f"commands without the shared output options: {missing}"


def test_check_logs_each_http_request_only_with_verbose(config: Path) -> None:
    code, stdout, stderr = run("check", "--config", str(config))
    assert code == 0 and stdout == "ok     desk (example)\n"
    assert http_lines(stderr) == []
    code, stdout, stderr = run("check", "--config", str(config), "--verbose")
    assert code == 0 and stdout == "ok     desk (example)\n"
    assert [entry["path"] for entry in http_lines(stderr)] != []


def test_log_level_and_the_environment_set_the_threshold(config: Path) -> None:
    _, _, stderr = run("check", "--config", str(config), "--log-level", "info")
    assert http_lines(stderr), "--log-level info shows the INFO request lines"
    _, _, stderr = run("check", "--config", str(config), env={"SLABRIDGE_LOG_LEVEL": "debug"})
    assert http_lines(stderr), "SLABRIDGE_LOG_LEVEL=debug does the same for a cron job"


def test_quiet_keeps_the_result_and_drops_the_logs(config: Path) -> None:
    state = ["--config", str(config), "--format", "json"]
    code, stdout, stderr = run("sync", *state)
    assert code == 0, stderr
    assert http_lines(stderr), "off a terminal, sync logs each request at INFO"
    code, stdout, stderr = run("sync", *state, "--quiet")
    assert code == 0
    assert json.loads(stdout)[0]["connector"] == "desk"  # the result is output, not a log
    assert stderr == ""


def test_quiet_and_verbose_together_are_a_usage_error(config: Path) -> None:
    code, _, stderr = run("check", "--config", str(config), "--quiet", "--verbose")
    assert code == 2
    assert "--quiet and --verbose contradict each other" in stderr


def test_the_choice_lasts_for_one_invocation(config: Path) -> None:
    run("check", "--config", str(config), "--verbose")
    assert logs.effective_level(logging.WARNING) == logging.WARNING
    assert not logs.is_quiet()


def test_format_json_is_the_one_name_and_json_stays_as_an_alias(config: Path) -> None:
    _, by_format, _ = run("check", "--config", str(config), "--format", "json")
    _, by_alias, _ = run("check", "--config", str(config), "--json")
    assert json.loads(by_format) == json.loads(by_alias)
    _, plugins_json, _ = run("plugins", "--format", "json")
    assert isinstance(json.loads(plugins_json), list)
    for name in ("sync", "check", "plugins", "status", "report", "backtest"):
        options = {opt for parameter in cli.commands[name].params for opt in parameter.opts}
        assert "--format" in options, f"{name} has no --format"


def test_no_color_turns_the_console_colours_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = structlog.get_config()
    try:
        monkeypatch.delenv("NO_COLOR", raising=False)
        logs.configure_logging(json=False)
        structlog.get_logger("t").warning("coloured", key="value")
        assert "\x1b[" in capsys.readouterr().err
        monkeypatch.setenv("NO_COLOR", "1")
        logs.configure_logging(json=False)
        structlog.get_logger("t").warning("plain", key="value")
        err = capsys.readouterr().err
        assert "plain" in err and "\x1b[" not in err
    finally:
        structlog.configure(**previous)
