"""Tests for what the report commands share."""

from __future__ import annotations

from datetime import UTC, datetime

from slabridge.report.running import settled_as_of


def test_a_period_in_progress_is_settled_as_of_now_not_its_end() -> None:
    end = datetime(2026, 1, 1, tzinfo=UTC)
    now = datetime(2025, 12, 7, 8, 0, tzinfo=UTC)
    assert settled_as_of(end, now) == now


def test_an_ended_period_is_settled_as_of_its_end() -> None:
    end = datetime(2025, 12, 1, tzinfo=UTC)
    now = datetime(2025, 12, 7, 8, 0, tzinfo=UTC)
    assert settled_as_of(end, now) == end
