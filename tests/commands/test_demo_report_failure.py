"""The demo stops when its report cannot be written, instead of pointing at a missing file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from slabridge.demo.run import write_report


def test_a_report_that_fails_stops_the_demo(tmp_path: Path) -> None:
    config = tmp_path / "slabridge.yaml"
    config.write_text("version: 1\npolicies: not-a-list\n", encoding="utf-8")
    report = tmp_path / "report.html"
    with pytest.raises(RuntimeError, match=r"the report failed \(exit 2\)"):
        write_report(config, report, datetime(2026, 12, 7, tzinfo=UTC))
    assert not report.exists()
