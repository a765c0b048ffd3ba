"""Fixtures: loopback HTTP receivers for the notifier tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notifykit import WEBHOOK_SECRET, Receiver

from slabridge.redaction import secrets_kept_apart


@pytest.fixture(autouse=True)
def secrets_left_as_they_were() -> Iterator[None]:
    # A channel's URL is registered as a secret, with its long parts ("slabridge" of
    # ".../slabridge"): left registered, they would mask that word in a later test's output.
    with secrets_kept_apart():
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
def plain_receiver() -> Iterator[Receiver]:
    with Receiver() as fake:
        yield fake
