"""Fixtures: loopback HTTP receivers for the notifier tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notifykit import WEBHOOK_SECRET, Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
def plain_receiver() -> Iterator[Receiver]:
    with Receiver() as fake:
        yield fake
