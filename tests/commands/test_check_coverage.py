"""``check`` samples real tickets and warns when the mapping leaves policies without their keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from desk_example import TOKEN, desk_config, use_example_type

from slabridge.commands import check
from slabridge.testing.example import ExampleFake

POLICIES = """\
policies:
  - name: enterprise
    match: {tier: enterprise}
    calendar: 24x7
    targets: {default: {first_response: 1h}}
  - name: standard
    calendar: 24x7
    targets: {default: {first_response: 8h}}
"""


@pytest.fixture(autouse=True)
def example_type(monkeypatch: pytest.MonkeyPatch) -> None:
    use_example_type(monkeypatch)


@pytest.fixture
def fake() -> Iterator[ExampleFake]:
    with ExampleFake(tokens={TOKEN: "admin"}, custom_fields=("region", "plan")) as server:
        for number in range(10):
            # Seven tickets without a plan, three with one: most lack a tier without mapping.
            server.create_ticket(
                custom={"region": "emea", **({"plan": "gold"} if number < 3 else {})}
            )
        yield server


def run(tmp_path: Path, fake: ExampleFake, mapping: str = "", *args: str) -> tuple[int, str]:
    path = tmp_path / "slabridge.yaml"
    path.write_text(desk_config(fake.base_url, policies=POLICIES) + mapping)
    result = CliRunner().invoke(
        check.command, ["--config", str(path), *args], env={"DESK_TOKEN": TOKEN}
    )
    return result.exit_code, result.stdout


def test_no_tier_mapping_is_a_warning_naming_the_key_the_count_and_where_tickets_land(
    tmp_path: Path, fake: ExampleFake
) -> None:
    code, output = run(tmp_path, fake)
    assert code == 0, output  # a warning: the sync can run
    assert output.splitlines() == [
        "warn   desk (example): 10 of 10 sampled tickets have no tier, which policies "
        "enterprise match on; they fall through to: standard (10). "
        "Map it under connectors.desk.mapping (see the connector's docs)",
        "ok     desk (example)",
    ]


def test_a_mapping_that_covers_most_tickets_gives_no_warning(
    tmp_path: Path, fake: ExampleFake
) -> None:
    mapping = (
        "    mapping:\n"
        "      tier: {from: custom.plan, values: {gold: enterprise}, default: basic}\n"
    )
    code, output = run(tmp_path, fake, mapping)
    assert (code, output) == (0, "ok     desk (example)\n")


def test_a_mapping_that_leaves_most_tickets_without_the_key_still_warns(
    tmp_path: Path, fake: ExampleFake
) -> None:
    mapping = "    mapping:\n      tier: {from: custom.plan, values: {gold: enterprise}}\n"
    code, output = run(tmp_path, fake, mapping, "--format", "json")
    assert code == 0
    warnings = json.loads(output)["connectors"][0]["warnings"]
    assert len(warnings) == 1
    assert warnings[0].startswith("7 of 10 sampled tickets have no tier")
    assert "fall through to: standard (7)" in warnings[0]
