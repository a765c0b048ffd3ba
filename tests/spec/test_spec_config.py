"""POLICY.md §1 config errors and ``${ENV}`` substitution: all at once, with paths, exit 2."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from spec_helpers import Evaluator, policy_file, ticket

from slabridge.config import ConfigError, load_config

GOOD_TICKET = ticket("10:00")

BAD_FILE = textwrap.dedent(
    """\
    version: 1
    calendars:
      always: {timezone: UTC, hours: 24x7}
      mars: {timezone: Mars/Olympus, hours: 24x7}
      overlap: {timezone: UTC, hours: {mon-fri: ["09:00-13:00", "12:00-17:00"]}}
      backwards: {timezone: UTC, hours: {mon: "17:00-09:00"}}
    settings: {warn_at: 75%, default_priority: normal, reopen: resume}
    policies:
      - name: a
        calendar: nowhere
        targets:
          critical: {first_response: 1h}
          default: {first_reply: 1h, resolution: {within: 3d, calendar: atlantis}}
      - name: b
        calendar: always
        targets:
          high: {first_response: 1 hour}
    """
)

# (path the error line starts with, a word that must be on the same line)
EXPECTED_ISSUES = [
    ("calendars.mars.timezone", "Mars/Olympus"),
    ("calendars.overlap.hours", "12:00-17:00"),
    ("calendars.backwards.hours", "17:00-09:00"),
    ("policies[0].calendar", "nowhere"),
    ("policies[0].targets.critical", "priority"),
    ("policies[0].targets.default.first_reply", "metric"),
    ("policies[0].targets.default.resolution.calendar", "atlantis"),
]
SPEC_EXAMPLE_LINE = "policies[1].targets.high.first_response: '1 hour' is not a duration (try 1h)"


def error_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip()]


def test_every_config_error_is_reported_at_once_with_its_path_and_nothing_runs(
    sla: Evaluator,
) -> None:
    outcome = sla.run(BAD_FILE, GOOD_TICKET)
    assert outcome.exit_code == 2
    assert outcome.stdout.strip() == ""
    lines = error_lines(outcome.stderr)
    assert SPEC_EXAMPLE_LINE in lines
    for path, word in EXPECTED_ISSUES:
        matching = [line for line in lines if line.startswith(path) and word in line]
        assert matching, f"no error line for {path} mentioning {word!r} in:\n{outcome.stderr}"


def test_the_loader_lists_all_issues_with_the_spec_path_format(tmp_path: Path) -> None:
    path = tmp_path / "slabridge.yaml"
    path.write_text(BAD_FILE, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, engine_only=True)
    issues = [str(issue) for issue in caught.value.issues]
    assert SPEC_EXAMPLE_LINE in issues
    assert len(issues) >= len(EXPECTED_ISSUES) + 1
    for path_prefix, word in EXPECTED_ISSUES:
        assert any(issue.startswith(path_prefix) and word in issue for issue in issues), issues


@pytest.mark.parametrize(
    ("change", "path", "word"),
    [
        (
            {"calendars": {"x": {"timezone": "Europe/Berlln", "hours": "24x7"}}},
            "calendars.x",
            "Berlln",
        ),
        (
            {
                "calendars": {
                    "x": {"timezone": "UTC", "hours": {"mon": ["09:00-12:00", "11:00-14:00"]}}
                }
            },
            "calendars.x.hours",
            "11:00-14:00",
        ),
        (
            {"calendars": {"x": {"timezone": "UTC", "hours": {"tue": "18:00-08:00"}}}},
            "calendars.x.hours",
            "18:00-08:00",
        ),
        ({"calendar": "nope"}, "policies[0].calendar", "nope"),
        (
            {"targets": {"default": {"first_response": "soon"}}},
            "policies[0].targets.default.first_response",
            "soon",
        ),
        (
            {"targets": {"default": {"resolution": {"within": "2 days"}}}},
            "policies[0].targets.default.resolution",
            "2 days",
        ),
        (
            {"targets": {"default": {"time_to_fix": "1h"}}},
            "policies[0].targets.default.time_to_fix",
            "metric",
        ),
        (
            {"targets": {"blocker": {"first_response": "1h"}}},
            "policies[0].targets.blocker",
            "priority",
        ),
        (
            {"targets": {"default": {"resolution": {"within": "1h", "calendar": "mars"}}}},
            "policies[0].targets.default.resolution.calendar",
            "mars",
        ),
    ],
)
def test_each_kind_of_config_error_exits_2_naming_its_path(
    sla: Evaluator, change: dict[str, Any], path: str, word: str
) -> None:
    policy = {"name": "p", "calendar": "always", "targets": {"default": {"first_response": "1h"}}}
    calendars = change.pop("calendars", None)
    policy.update(change)
    outcome = sla.run(policy_file(calendars=calendars, policies=[policy]), GOOD_TICKET)
    assert outcome.exit_code == 2
    assert outcome.stdout.strip() == ""
    lines = error_lines(outcome.stderr)
    assert any(line.startswith(path) and word in line for line in lines), outcome.stderr


def test_an_env_variable_is_substituted_into_the_file(sla: Evaluator) -> None:
    text = textwrap.dedent(
        """\
        version: 1
        calendars:
          here: {timezone: "${SPEC_TZ}", hours: 24x7}
        settings: {warn_at: 75%, default_priority: normal, reopen: resume}
        policies:
          - name: p
            calendar: here
            targets:
              default: {first_response: "${SPEC_TARGET}"}
        """
    )
    outcome = sla.run(text, GOOD_TICKET, env={"SPEC_TZ": "UTC", "SPEC_TARGET": "15m"})
    assert outcome.exit_code == 0, outcome.stderr
    metric = outcome.json["metrics"]["first_response"]
    # 15m = 900 s from 10:00 on a UTC 24x7 clock
    assert metric["target_seconds"] == 900
    assert metric["due_at"] == "2025-03-03T10:15:00Z"


def test_an_unset_env_variable_is_a_config_error_naming_it(sla: Evaluator) -> None:
    text = textwrap.dedent(
        """\
        version: 1
        calendars:
          always: {timezone: UTC, hours: 24x7}
        settings: {warn_at: 75%, default_priority: normal, reopen: resume}
        policies:
          - name: p
            calendar: always
            targets:
              default: {first_response: "${SPEC_UNSET_TARGET_VARIABLE}"}
        """
    )
    outcome = sla.run(text, GOOD_TICKET, env={})
    assert outcome.exit_code == 2
    assert outcome.stdout.strip() == ""
    assert "SPEC_UNSET_TARGET_VARIABLE" in outcome.stderr


def test_a_valid_file_with_the_spec_layout_loads(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "slabridge.yaml"
    config = load_config(example, engine_only=True)
    assert [policy.name for policy in config.policies] == ["enterprise", "payments", "standard"]
