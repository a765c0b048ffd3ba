"""``slabridge test``: golden tickets pass, fail with the differing value named, or exit 2.

The figures are worked by hand on docs/examples/slabridge.yaml's ``standard`` policy (Berlin
hours mon-fri 09-12 + 13-17, sat 10-14; first response 8 h): a ticket opened Friday 4 December
2026 at 16:00 Berlin (15:00Z) has 1 h on Friday (16-17), 4 h on Saturday (10-14), none on Sunday,
and reaches 8 h at Monday 12:00 Berlin = 2026-12-07T11:00:00Z. At Monday 11:00 Berlin (10:00Z)
it has used 1 + 4 + 2 = 7 h (25,200 s), 1 h (3,600 s) left, at risk (75 % of 8 h is 6 h).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from slabridge.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "slabridge.yaml"

TICKET = """\
ticket:
  id: "77"
  created_at: 2026-12-04T15:00:00Z
  status: open
  customer: {id: c1, name: Acme GmbH, tier: free}
  events:
    - {at: 2026-12-04T15:00:00Z, type: status, status: new}
"""


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "slabridge.yaml"
    shutil.copy(EXAMPLE, config)
    return config


def _run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["test", "--config", str(config), *args])


def _case(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_a_hand_checked_case_passes_with_exit_0(tmp_path: Path) -> None:
    config = _config(tmp_path)
    case = _case(
        tmp_path,
        "weekend.yaml",
        "name: weekend first reply\nnow: 2026-12-07T10:00:00Z\n"
        + TICKET
        + """\
expect:
  policy: standard
  breached: false
  at_risk: true
  metrics:
    first_response:
      status: active
      due_at: 2026-12-07T12:00:00+01:00   # the same instant as 11:00:00Z
      elapsed_seconds: 25200
      remaining_seconds: 3600
      cycles: [{status: active, breached_at: null}]
    next_response: absent
""",
    )
    result = _run(config, str(case))
    assert result.exit_code == 0, result.output
    assert "PASS  weekend first reply" in result.stdout
    assert "1 golden ticket: 1 passed, 0 failed" in result.stdout


def test_a_wrong_expectation_fails_with_exit_1_naming_each_differing_value(tmp_path: Path) -> None:
    config = _config(tmp_path)
    case = _case(
        tmp_path,
        "wrong.yaml",
        "now: 2026-12-07T10:00:00Z\n"
        + TICKET
        + """\
expect:
  at_risk: false
  metrics:
    first_response: {due_at: 2026-12-07T12:00:00Z, elapsed_seconds: 25200}
    resolution: absent
""",
    )
    result = _run(config, str(case))
    assert result.exit_code == 1, result.output
    assert "FAIL  wrong" in result.stdout  # the file's name when the case has none
    assert "at_risk: expected false, got true" in result.stdout
    assert (
        "metrics.first_response.due_at: expected 2026-12-07T12:00:00Z, got 2026-12-07T11:00:00Z"
        in result.stdout
    )
    # standard's resolution target is 5d: present, so "absent" is wrong
    assert "metrics.resolution: expected no target (absent), got active" in result.stdout
    assert "elapsed_seconds" not in result.stdout  # the value that matched is not listed
    assert "1 golden ticket: 0 passed, 1 failed" in result.stdout


def test_cases_in_one_file_a_ticket_file_and_json_output(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (tmp_path / "t.json").write_text(
        json.dumps(
            {"id": "5", "created_at": "2026-12-04T15:00:00Z", "status": "open",
             "customer": {"tier": "enterprise"}}
        )
    )  # fmt: skip
    # enterprise, normal priority: first response 4h on the 24x7 calendar: due 19:00Z
    case = _case(
        tmp_path,
        "many.yaml",
        """\
cases:
  - now: 2026-12-04T16:00:00Z
    ticket_file: t.json
    expect: {policy: enterprise, metrics: {first_response: {due_at: 2026-12-04T19:00:00Z}}}
  - now: 2026-12-04T20:00:00Z
    ticket_file: t.json
    expect: {breached: false}
""",
    )
    result = _run(config, str(case), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert (data["passed"], data["failed"]) == (1, 1)
    assert [c["name"] for c in data["cases"]] == ["many[0]", "many[1]"]
    assert data["cases"][1]["mismatches"] == [
        {"path": "breached", "expected": False, "actual": True}
    ]


def test_the_default_directory_beside_the_config(tmp_path: Path) -> None:
    config = _config(tmp_path)
    folder = tmp_path / "tests" / "sla"
    folder.mkdir(parents=True)
    _case(folder, "a.yaml", "now: 2026-12-07T10:00:00Z\n" + TICKET + "expect: {policy: standard}\n")
    result = _run(config)
    assert result.exit_code == 0, result.output
    assert "PASS  a" in result.stdout


def test_no_cases_is_an_input_error(tmp_path: Path) -> None:
    result = _run(_config(tmp_path))
    assert result.exit_code == 2
    assert "no golden tickets: give files or directories" in result.stderr


def test_bad_cases_exit_2_naming_the_file_and_key_path(tmp_path: Path) -> None:
    config = _config(tmp_path)
    unknown = _case(
        tmp_path,
        "u.yaml",
        "now: 2026-12-07T10:00:00Z\n" + TICKET + "expect: {metrics: {first_response: {due: x}}}\n",
    )
    result = _run(config, str(unknown))
    assert result.exit_code == 2
    assert f"{unknown}: expect.metrics.first_response.due: unknown key; valid: status" in (
        result.stderr
    )
    naive = _case(tmp_path, "n.yaml", "now: 2026-12-07T10:00:00\n" + TICKET + "expect: {}\n")
    result = _run(config, str(naive))
    assert result.exit_code == 2
    assert "n.yaml: now: the instant has no offset: add Z or +hh:mm" in result.stderr
    bad_ticket = _case(
        tmp_path,
        "b.yaml",
        "now: 2026-12-07T10:00:00Z\nticket: {id: '1', status: open}\nexpect: {policy: x}\n",
    )
    result = _run(config, str(bad_ticket))
    assert result.exit_code == 2
    assert "b.yaml: ticket: ticket '1': created_at: missing required key" in result.stderr
    status = _case(
        tmp_path,
        "s.yaml",
        "now: 2026-12-07T10:00:00Z\n"
        + TICKET
        + "expect: {metrics: {resolution: {status: late}}}\n",
    )
    result = _run(config, str(status))
    assert result.exit_code == 2
    assert "expected one of active, paused, achieved, breached, got 'late'" in result.stderr
    assert _run(config, str(tmp_path / "missing.yaml")).exit_code == 2


def _against_configs(tmp_path: Path) -> tuple[Path, Path]:
    """Old: first response 8h; new: 4h. Credits for tier free: below 100 % earns 10 %."""
    common = """\
calendars: {always: {timezone: UTC, hours: 24x7}}
credits:
  tiers:
    free: {schedule: [{below: 100%, credit: 10%}], metrics: [first_response]}
"""
    old = tmp_path / "old.yaml"
    old.write_text(
        common
        + "policies: [{name: p, calendar: always, targets: {default: {first_response: 8h}}}]\n"
    )
    new = tmp_path / "new.yaml"
    new.write_text(
        common
        + "policies: [{name: p, calendar: always, targets: {default: {first_response: 4h}}}]\n"
    )
    return old, new


def test_against_old_config_prints_the_backtest_diff(tmp_path: Path) -> None:
    old, new = _against_configs(tmp_path)
    # Two golden tickets of one customer in 2026-11, each answered 6 h after opening: under
    # the old 8 h target both are achieved (100 %, no credit); under the new 4 h both breach
    # (0 % < 100 %: credit 10 %). A third, answered after 1 h, is achieved under both.
    cases = []
    for number, (opened, replied) in enumerate(
        [("2026-11-02T09:00:00Z", "2026-11-02T15:00:00Z"),
         ("2026-11-03T09:00:00Z", "2026-11-03T15:00:00Z"),
         ("2026-11-04T09:00:00Z", "2026-11-04T10:00:00Z")]
    ):  # fmt: skip
        cases.append(
            {
                "now": "2026-11-30T00:00:00Z",
                "ticket": {
                    "id": str(number),
                    "source": "desk",
                    "created_at": opened,
                    "status": "open",
                    "customer": {"id": "c1", "name": "Acme GmbH", "tier": "free"},
                    "events": [{"at": replied, "type": "reply", "author": "agent"}],
                },
                "expect": {"policy": "p"},
            }
        )
    golden = tmp_path / "golden.json"
    golden.write_text(json.dumps({"cases": cases}))
    result = _run(new, str(golden), "--against", str(old), "--period", "2026-11")
    assert result.exit_code == 0, result.output
    assert "Against" in result.stdout
    assert (
        "2 tickets change state; Acme GmbH (desk:c1)'s 2026-11 credit moves from 0% to 10%"
        in result.stdout
    ), result.stdout
    assert not (tmp_path / "slabridge.db").exists()  # looking for a store created none
    data = json.loads(
        _run(
            new, str(golden), "--against", str(old), "--period", "2026-11", "--format", "json"
        ).stdout
    )
    assert data["against"]["credit_moves"] == [
        {"customer": "desk:c1", "name": "Acme GmbH (desk:c1)", "before": 0.0, "after": 0.1}
    ]
    assert len(data["against"]["backtest"]["changes"]) == 2


def test_period_without_against_is_an_input_error(tmp_path: Path) -> None:
    result = _run(_config(tmp_path), "--period", "2026-11")
    assert result.exit_code == 2
    assert "--period and --tickets go with --against" in result.stderr
