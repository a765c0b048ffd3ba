"""Refresh tokens in the state store: encrypted at rest, durable, a wrong key is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from slabridge.sync.credentials import (
    EncryptedTokenStore,
    TokenKeyError,
    auth_tokens,
    generate_key,
)
from slabridge.sync.store import open_store


def test_a_saved_token_is_read_back_after_reopening_and_is_not_in_the_clear(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    key = generate_key()
    store = open_store(url)
    EncryptedTokenStore(store.engine, "zd", key).save("refresh-abc-123")
    EncryptedTokenStore(store.engine, "zd", key).save("refresh-def-456")  # an upsert
    store.close()
    reopened = open_store(url)
    assert EncryptedTokenStore(reopened.engine, "zd", key).load() == "refresh-def-456"
    assert EncryptedTokenStore(reopened.engine, "other", key).load() is None
    with reopened.engine.connect() as connection:
        rows = connection.execute(sa.select(auth_tokens)).all()
    assert len(rows) == 1
    assert "refresh-def-456" not in rows[0].ciphertext
    assert b"refresh-def-456" not in (tmp_path / "state.db").read_bytes()


def test_a_wrong_key_is_an_error_naming_the_key_not_its_value() -> None:
    store = open_store("sqlite://")
    EncryptedTokenStore(store.engine, "zd", generate_key()).save("refresh-abc-123")
    other = generate_key()
    with pytest.raises(TokenKeyError) as caught:
        EncryptedTokenStore(store.engine, "zd", other, where="token_key").load()
    assert "connectors.zd.token_key" in str(caught.value)
    assert other not in str(caught.value)


def test_a_malformed_key_is_an_error() -> None:
    store = open_store("sqlite://")
    with pytest.raises(TokenKeyError, match="not a Fernet key"):
        EncryptedTokenStore(store.engine, "zd", "short", where="connectors.zd.token_key")
