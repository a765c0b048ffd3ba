"""``pause_when`` / ``stop_when`` in the policy file: conditions, and errors with key paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from slabridge.config import ConfigError, load_config_text
from slabridge.sla.conditions import Condition

HEAD = """
policies:
  - name: p
    targets:
      default:
"""


def _issues(metric_yaml: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(HEAD + metric_yaml)
    return [str(issue) for issue in caught.value.issues]


def test_conditions_load_onto_the_metric_target() -> None:
    config = load_config_text(
        HEAD
        + """        resolution:
          within: 3d
          pause_when: [{tag: waiting_vendor}, {field: waiting_on, equals: vendor}]
          stop_when: {field: 360001234, equals: [done, 5, true]}
        first_response: 1h
"""
    )
    targets = config.policy_set.policies[0].targets["default"]
    resolution = targets["resolution"]
    assert resolution.pause_when == (
        Condition("tag", "waiting_vendor"),
        Condition("field", "waiting_on", ("vendor",)),
    )
    # A single condition may be written without the list; numbers and booleans compare as text.
    assert resolution.stop_when == (Condition("field", "360001234", ("done", "5", "true")),)
    assert resolution.pause_on == frozenset({"pending"})  # the status pauses stay
    assert targets["first_response"].pause_when == targets["first_response"].stop_when == ()


def test_every_bad_condition_is_reported_with_its_key_path() -> None:
    issues = _issues(
        """        resolution:
          within: 3d
          pause_when:
            - {tag: x, equals: 1}
            - {field: y}
            - {tag: ""}
            - waiting_vendor
            - {tag: a, field: b}
            - {foo: 1}
            - {field: z, equals: []}
            - {field: z, equals: {a: 1}}
            - {}
          stop_when: waiting_vendor
"""
    )
    at = "policies[0].targets.default.resolution"
    assert issues == [
        f"{at}.pause_when[0].equals: not for a tag (it holds while the ticket has the tag)",
        f"{at}.pause_when[1].equals: required: the value (or list of values) the field must have",
        f"{at}.pause_when[2].tag: expected a tag name",
        f"{at}.pause_when[3]: expected {{tag: NAME}} or {{field: NAME, equals: VALUE}}",
        f"{at}.pause_when[4]: give exactly one of tag or field",
        f"{at}.pause_when[5].foo: unknown key (valid: tag, field, equals)",
        f"{at}.pause_when[6].equals: expected a value or a non-empty list of values",
        f"{at}.pause_when[7].equals: expected a value or a non-empty list of values",
        f"{at}.pause_when[8]: give exactly one of tag or field",
        f"{at}.stop_when: expected a list of conditions, "
        "e.g. [{tag: waiting_vendor}, {field: waiting_on, equals: vendor}]",
    ]


def test_a_single_bad_condition_is_named_by_its_key_and_values_are_never_quoted() -> None:
    issues = _issues(
        """        next_response: {within: 1h, stop_when: {field: t, equals: [s3cr3t-value, {}]}}
"""
    )
    assert issues == [
        "policies[0].targets.default.next_response.stop_when.equals: "
        "expected a value or a non-empty list of values"
    ]
    assert "s3cr3t" not in " ".join(issues)


def test_an_unknown_key_of_a_target_lists_the_condition_keys() -> None:
    issues = _issues("        resolution: {within: 3d, pause_if: [{tag: x}]}\n")
    assert issues == [
        "policies[0].targets.default.resolution.pause_if: unknown key "
        "(valid: within, calendar, pause_on, pause_when, stop_when)"
    ]


def test_the_example_in_the_policy_reference_loads() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "policy.md").read_text()
    section = text.split("### Pause and stop on conditions\n", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    indented = "".join(f"    {line}\n" for line in block.splitlines())
    config = load_config_text(f"policies:\n  - name: p\n{indented}")
    targets = config.policy_set.policies[0].targets["default"]
    assert targets["resolution"].pause_when == (
        Condition("tag", "waiting_vendor"),
        Condition("field", "waiting_on", ("vendor",)),
    )
    assert targets["next_response"].stop_when == (Condition("tag", "handed_to_vendor"),)
    assert targets["first_response"].pause_when == (
        Condition("field", "360001234", ("vendor", "partner")),
    )
