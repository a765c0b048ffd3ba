"""A first sync says how many tickets are ahead, where the helpdesk's API can count them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakekit import Setup, make_setup

from slabridge.cli import cli


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    built = make_setup("zendesk", tmp_path)
    yield built
    built.fake.stop()


def sync_logs(setup: Setup) -> list[dict[str, object]]:
    result = CliRunner().invoke(
        cli, ["sync", "--config", str(setup.config_path), "--now", setup.clock.now.isoformat()]
    )
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]


def test_the_first_sync_logs_the_estimate_and_later_ones_do_not_ask(setup: Setup) -> None:
    first = [entry for entry in sync_logs(setup) if entry["event"] == "first_sync_estimate"]
    assert first == [
        {
            **first[0],
            "connector": "zendesk",
            "tickets": len(setup.ids),
            "hint": "set connectors.zendesk.start to read less history",
        }
    ]
    counted = len(setup.fake.requests_to("GET", "/tickets/count"))
    later = [entry for entry in sync_logs(setup) if entry["event"] == "first_sync_estimate"]
    assert later == []
    # Off a terminal, an incremental run costs no extra call for an estimate nobody watches.
    assert len(setup.fake.requests_to("GET", "/tickets/count")) == counted
