"""``slabridge explain --connector NAME --id ID``: a real ticket, from the store or read live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from desk_example import TOKEN, desk_config, use_example_type

from slabridge.cli import cli
from slabridge.testing.example import ExampleFake

NOW = "2026-01-05T12:00:00Z"


@pytest.fixture(autouse=True)
def example_type(monkeypatch: pytest.MonkeyPatch) -> None:
    use_example_type(monkeypatch)


@pytest.fixture
def fake() -> Iterator[ExampleFake]:
    with ExampleFake(tokens={TOKEN: "admin"}) as server:
        yield server


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"DESK_TOKEN": TOKEN})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def synced(tmp_path: Path, fake: ExampleFake) -> tuple[Path, str]:
    ticket = fake.create_ticket()  # 09:01, no reply yet
    config = tmp_path / "slabridge.yaml"
    config.write_text(desk_config(fake.base_url))
    code, _, stderr = run("sync", "--config", str(config), "--now", "2026-01-05T09:30:00Z")
    assert code == 0, stderr
    return config, str(ticket["id"])


def test_explains_the_copy_the_last_sync_stored(
    synced: tuple[Path, str], fake: ExampleFake
) -> None:
    config, ticket_id = synced
    fake.add_reply(ticket_id)  # after the sync: the stored copy does not know it
    code, out, err = run(
        "explain", "--config", str(config), "--connector", "desk", "--id", ticket_id, "--now", NOW
    )
    assert code == 0, err
    assert out.startswith(f"Ticket {ticket_id} of desk, as the sync stored it at ")
    assert "✔ default: applies" in out
    assert "BREACHED" in out  # 09:01 + 1 h, no reply in the stored copy, judged at 12:00


def test_live_reads_the_helpdesk_now(synced: tuple[Path, str], fake: ExampleFake) -> None:
    config, ticket_id = synced
    fake.add_reply(ticket_id)  # 09:02-ish: a first reply within the hour
    code, out, err = run(
        "explain",
        "--config",
        str(config),
        "--connector",
        "desk",
        "--id",
        ticket_id,
        "--live",
        "--now",
        NOW,
    )
    assert code == 0, err
    assert out.startswith(f"Ticket {ticket_id} of desk, read live from desk just now.")
    assert "stopped Mon 2026-01-05 09:02 UTC: achieved" in out
    assert "Overall: on track." in out


def test_a_ticket_the_store_does_not_hold_exits_2_and_says_what_to_do(
    synced: tuple[Path, str],
) -> None:
    config, _ = synced
    code, out, err = run("explain", "--config", str(config), "--connector", "desk", "--id", "999")
    assert code == 2 and out == ""
    assert (
        "ticket '999' of connector 'desk' is not in the state store (1 tickets of desk are)" in err
    )
    assert "--live" in err


def test_an_unknown_connector_exits_2_naming_the_configured_ones(
    synced: tuple[Path, str],
) -> None:
    config, ticket_id = synced
    code, _, err = run("explain", "--config", str(config), "--connector", "dsk", "--id", ticket_id)
    assert code == 2
    assert "--connector 'dsk': no such connector" in err and "configured: desk" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ticket", "t.json", "--connector", "desk", "--id", "1"], "not both"),
        (["--connector", "desk"], "give --ticket FILE, or --connector NAME --id ID"),
        (["--ticket", "t.json", "--live"], "--live reads from a helpdesk"),
    ],
)
def test_contradicting_sources_are_usage_errors(args: list[str], message: str) -> None:
    code, _, err = run("explain", *args)
    assert code == 2 and message in err
