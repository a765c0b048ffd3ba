"""Fixtures of the sync tests: state stores (SQLite, PostgreSQL) and an in-memory connector."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgkit import PostgresUnavailable, postgres_server
from synckit import MemoryConnector

from slabridge.sync.store import StateStore, normalize_url, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    state = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield state
    state.close()


@pytest.fixture
def memory() -> MemoryConnector:
    return MemoryConnector()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL; skipped where none is installed, but a failure in CI."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(str(error))


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[StateStore]:
    """A state store in a fresh PostgreSQL database (one per test)."""
    import sqlalchemy as sa

    name = f"t{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalize_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    state = open_store(postgres_url.replace("/postgres?", f"/{name}?"))
    yield state
    state.close()
