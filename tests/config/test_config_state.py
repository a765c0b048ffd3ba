"""A malformed ``state:`` URL is a config error naming ``state`` in every command that reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.config import ConfigError, load_config_text

BAD_URL = "postgresql://slabridge:hunter2secret@db.example:5432:1/slabridge"


def test_a_stray_port_suffix_is_an_issue_under_state_without_the_password() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"state: {BAD_URL}\n")
    [issue] = caught.value.issues
    assert issue.path == "state"
    assert "not a valid database URL" in issue.message
    assert "hunter2secret" not in str(caught.value)


@pytest.mark.parametrize(
    "command",
    [["sync"], ["sync", "--dry-run"], ["report", "--period", "2025-03"], ["check"]],
    ids=["sync", "sync-dry-run", "report", "check"],
)
def test_every_command_exits_2_naming_state(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "slabridge.yaml"
    config.write_text(f"state: {BAD_URL}\n")
    result = CliRunner().invoke(cli, [*command, "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "state: not a valid database URL" in result.output
    assert "hunter2secret" not in result.output
    assert "Traceback" not in result.output
