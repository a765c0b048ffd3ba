"""The slabridge pytest plugin: fixtures_dir, captured_logs and fake_api_factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import structlog

from slabridge.logs import register_secrets
from slabridge.testing import fixtures_dir
from slabridge.testing.fakeapi import FakeAPI
from slabridge.testing.pytest_plugin import CapturedLogs


def test_fixtures_dir_is_the_shared_directory_next_to_the_repo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLABRIDGE_FIXTURES", raising=False)
    repo = Path(__file__).resolve().parents[2]
    assert fixtures_dir() == (repo / ".." / "shared" / "fixtures").resolve()


def test_fixtures_dir_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLABRIDGE_FIXTURES", str(tmp_path))
    assert fixtures_dir() == tmp_path.resolve()


def test_captured_logs_sees_events_redacted_like_production(captured_logs: CapturedLogs) -> None:
    register_secrets(["captured-secret-42"])
    structlog.get_logger("x").warning("sync_failed", error="token captured-secret-42 refused")
    structlog.get_logger("x").info("http_request", authorization="Bearer abc", status=200)
    [failed] = captured_logs.events("sync_failed")
    assert failed["error"] == "token *** refused" and failed["log_level"] == "warning"
    assert captured_logs.events("http_request")[0]["authorization"] == "***"
    assert "captured-secret-42" not in captured_logs.text
    captured_logs.clear()
    assert captured_logs.entries == []


def test_fake_api_factory_starts_fakes_and_stops_them_after_the_test(
    fake_api_factory: Callable[..., Any],
) -> None:
    fake = fake_api_factory(FakeAPI, seed=5)
    assert isinstance(fake, FakeAPI) and fake.base_url.startswith("http://127.0.0.1:")


def test_shared_fixtures_fixture_points_at_an_existing_directory(shared_fixtures: Path) -> None:
    assert shared_fixtures.is_dir()


def test_registered_fake_starts_a_connector_type_s_fake_and_stops_it_at_teardown(
    registered_fake: Callable[..., Any],
) -> None:
    from slabridge.sla.ticket import Ticket
    from slabridge.testing.registered import RegisteredFake, sample_ticket

    running: RegisteredFake = registered_fake("zendesk")
    ticket_id = running.load(sample_ticket())
    [read] = list(running.connector(sleep=lambda _seconds: None).fetch([ticket_id]))
    assert isinstance(read, Ticket) and read.id == ticket_id
    assert running.config().model_dump()["type"] == "zendesk"
