"""The connector author's kit: shared fixtures, the fake-API toolkit and the standard test suite."""

from __future__ import annotations

import os
from pathlib import Path

import slabridge
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse, Fault


def fixtures_dir() -> Path:
    """The shared recorded fixtures: ``$SLABRIDGE_FIXTURES`` or ``<repo>/../shared/fixtures``.

    Tests read fixtures in place from there; they are never copied into the repository.
    """
    override = os.environ.get("SLABRIDGE_FIXTURES")
    if override:
        return Path(override).expanduser().resolve()
    repo_root = Path(slabridge.__file__).resolve().parents[1]
    return (repo_root / ".." / "shared" / "fixtures").resolve()


__all__ = ["FakeAPI", "FakeRequest", "FakeResponse", "Fault", "fixtures_dir"]
