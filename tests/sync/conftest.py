"""Fixtures of the sync tests: a fresh SQLite state store and an in-memory connector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from synckit import MemoryConnector

from slabridge.sync.store import StateStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    state = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield state
    state.close()


@pytest.fixture
def memory() -> MemoryConnector:
    return MemoryConnector()
