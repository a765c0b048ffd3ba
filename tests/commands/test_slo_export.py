"""`slabridge slo export --format openslo`: one OpenSLO v1 SLO document per goal."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from slabridge.cli import cli

CONFIG = """\
version: 1
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
  always: {timezone: UTC, hours: 24x7}
policies:
  - name: enterprise
    match: {tier: enterprise}
    calendar: always
    targets:
      default: {first_response: 1h, resolution: {within: 2d, calendar: berlin}}
  - name: standard
    calendar: berlin
    targets:
      default: {first_response: 8h}
goals:
  - {metric: first_response, share: 90%}
  - name: "enterprise resolved in 6h"
    metric: resolution
    share: 99.5%
    within: 6h
    period: quarter
    scope: {tier: enterprise}
  - {metric: next_response, share: 100%}
"""


def export(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    config = tmp_path / "slabridge.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["slo", "export", "--config", str(config), *args], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_each_goal_becomes_an_openslo_v1_slo(tmp_path: Path) -> None:
    code, out, err = export(tmp_path, "--format", "openslo", "--timezone", "Europe/Berlin")
    assert code == 0
    first, _ = list(yaml.safe_load_all(out))
    assert (first["apiVersion"], first["kind"]) == ("openslo/v1", "SLO")
    assert first["metadata"]["name"] == "first-response-90"
    assert first["metadata"]["displayName"] == "first_response 90%"
    spec = first["spec"]
    assert spec["service"] == "support"
    assert spec["budgetingMethod"] == "Occurrences"
    assert spec["objectives"] == [{"displayName": "first_response 90%", "target": 0.9}]
    [window] = spec["timeWindow"]
    assert (window["duration"], window["isRolling"]) == ("1M", False)
    assert window["calendar"]["timeZone"] == "Europe/Berlin"
    assert window["calendar"]["startTime"].endswith("-01-01 00:00:00")
    ratio = spec["indicator"]["spec"]["ratioMetric"]
    assert ratio["counter"] is True
    assert ratio["good"]["metricSource"] == {
        "type": "Prometheus",
        "spec": {"query": 'sum(slabridge_goal_good_cycles_total{goal="first_response 90%"})'},
    }
    assert ratio["total"]["metricSource"]["spec"]["query"] == (
        'sum(slabridge_goal_cycles_total{goal="first_response 90%"})'
    )
    notes = first["metadata"]["annotations"]
    assert notes["slabridge.dev/time"] == "business"
    # first_response runs on `always` (enterprise) and `berlin` (standard).
    assert notes["slabridge.dev/calendars"] == "always,berlin"
    assert notes["slabridge.dev/good"] == "achieved: met its policy target"
    # The 100% goal has no error budget and OpenSLO targets lie in [0, 1): skipped, said why.
    assert "skipped: goals[2]: a 100% goal allows no miss" in err


def test_within_scope_and_quarter_are_annotated(tmp_path: Path) -> None:
    _, out, _ = export(tmp_path)
    second = list(yaml.safe_load_all(out))[1]
    assert second["metadata"]["name"] == "enterprise-resolved-in-6h"
    notes = second["metadata"]["annotations"]
    assert notes["slabridge.dev/within-seconds"] == "21600"
    assert notes["slabridge.dev/good"] == "stopped within 21600 business seconds"
    assert notes["slabridge.dev/scope"] == '{"tier": ["enterprise"]}'
    # resolution has a target only in `enterprise`, on its own calendar `berlin`.
    assert notes["slabridge.dev/calendars"] == "berlin"
    assert second["spec"]["timeWindow"][0]["duration"] == "1Q"
    assert second["spec"]["objectives"][0]["target"] == 0.995


def test_bad_input_exits_2_naming_the_option(tmp_path: Path) -> None:
    code, _, err = export(tmp_path, "--timezone", "Mars/Olympus")
    assert code == 2 and "--timezone: unknown time zone 'Mars/Olympus'" in err
    code, _, err = export(tmp_path, "--format", "sloth")
    assert code == 2 and "--format" in err
    empty = tmp_path / "empty.yaml"
    empty.write_text(CONFIG.split("goals:")[0], encoding="utf-8")
    result = CliRunner().invoke(cli, ["slo", "export", "--config", str(empty)])
    assert result.exit_code == 2 and "no goals: to export" in result.stderr
