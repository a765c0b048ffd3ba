"""Fixtures for the POLICY.md conformance tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_helpers import Evaluator


@pytest.fixture
def sla(tmp_path: Path) -> Evaluator:
    return Evaluator(tmp_path)
