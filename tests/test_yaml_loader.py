"""Hostile slabridge.yaml files are config errors with a key path, never a hang or a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slabridge.config import ConfigError, load_config_text

BASE = """version: 1
calendars:
  always: {timezone: UTC, hours: 24x7}
policies:
  - {name: x, calendar: always, targets: {default: {first_response: 1h}}}
"""


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    return [str(issue) for issue in caught.value.issues]


def test_a_list_that_contains_itself_is_refused_at_its_path() -> None:
    assert issues(BASE + "settings:\n  loop: &a [*a]\n") == [
        "settings.loop[0]: the alias *a refers to a map or list that contains it"
    ]


def test_a_map_that_contains_itself_is_refused() -> None:
    [issue] = issues(BASE + "settings: &s {inner: *s}\n")
    assert issue == "settings.inner: the alias *s refers to a map or list that contains it"


def test_nesting_2500_levels_deep_is_refused_with_a_short_path() -> None:
    [issue] = issues(BASE + "settings: " + "[" * 2500 + "]" * 2500 + "\n")
    assert issue.startswith("settings[0][0]")
    assert issue.endswith("nested more than 64 levels deep")
    assert len(issue) < 120


def test_a_5000_digit_integer_is_refused_at_its_key() -> None:
    assert issues(BASE + "settings: {warn_at: " + "7" * 5000 + "}\n") == [
        "settings.warn_at: an integer of 5000 digits is not a setting"
    ]


def bomb(levels: int, width: int) -> str:
    lines = ['  l0: &l0 ["2026-12-24"]']
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    return "x-bomb:\n" + "\n".join(lines) + "\n"


def test_a_billion_laughs_file_is_refused_quickly(tmp_path: Path) -> None:
    # Run in a subprocess with a time limit: before the bound, this hung for minutes.
    text = BASE.replace(
        "always: {timezone: UTC, hours: 24x7}",
        "always: {timezone: UTC, hours: 24x7, holidays: {dates: *l8}}",
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(9, 9) + text)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from slabridge.cli import main; main()",
            "check",
            "--config",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "aliases expand to more than 20000 values" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_ordinary_anchors_and_aliases_still_work() -> None:
    text = BASE.replace(
        "  always: {timezone: UTC, hours: 24x7}",
        "  always: {timezone: UTC, hours: 24x7}\n"
        "  office: {timezone: UTC, hours: &hours {mon-fri: '09:00-17:00'}}\n"
        "  berlin: {timezone: Europe/Berlin, hours: *hours}",
    )
    config = load_config_text(text)
    assert set(config.calendars) >= {"office", "berlin"}
