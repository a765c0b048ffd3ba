"""Refresh tokens kept in the state store, encrypted at rest (Fernet, key from the config).

OAuth servers that rotate refresh tokens (Zendesk, Atlassian) void the old one on every
refresh, so the new one must survive a restart: it is encrypted with the connector's
``token_key`` (a Fernet key given as ``${ENV}``) and upserted into ``auth_tokens``. The
database never sees the token in the clear, and a wrong key is a clear error, not a crash.
"""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from slabridge.connectors.token_keys import TokenKeyError, fernet_for, generate_key
from slabridge.sync import schema

auth_tokens = sa.Table(
    "auth_tokens",
    schema.metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("ciphertext", sa.Text, nullable=False),
    sa.Column("updated_at", schema.UTCDateTime, nullable=False),
)


class EncryptedTokenStore:
    """A :class:`~slabridge.connectors.auth.TokenStore` over the state store's ``auth_tokens``.

    Args:
        engine: the state store's engine (``StateStore.engine``), already migrated.
        connector: the connector instance the token belongs to.
        key: the Fernet key (from ``${ENV}``).
        name: which token of the connector (one connector could hold several).
        where: the config key of ``key``, for error messages.
    """

    def __init__(
        self,
        engine: sa.Engine,
        connector: str,
        key: str,
        *,
        name: str = "refresh_token",
        where: str = "token_key",
    ) -> None:
        self.engine = engine
        self.connector = connector
        self.name = name
        self.where = where
        self._fernet = fernet_for(key, where)

    def load(self) -> str | None:
        query = sa.select(auth_tokens.c.ciphertext).where(
            auth_tokens.c.connector == self.connector, auth_tokens.c.name == self.name
        )
        with self.engine.connect() as connection:
            ciphertext = connection.execute(query).scalar()
        if ciphertext is None:
            return None
        try:
            return self._fernet.decrypt(str(ciphertext).encode("ascii")).decode()
        except InvalidToken:
            raise TokenKeyError(
                f"connectors.{self.connector}.{self.where}: the stored {self.name} was encrypted "
                "with another key: put the previous key back, or authorize again, set the new "
                f"refresh_token and delete the auth_tokens row of connector {self.connector!r}"
            ) from None

    def save(self, token: str) -> None:
        ciphertext = self._fernet.encrypt(token.encode()).decode("ascii")
        values = {"ciphertext": ciphertext, "updated_at": schema.utcnow()}
        key = {"connector": self.connector, "name": self.name}
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(auth_tokens)
                .where(auth_tokens.c.connector == self.connector, auth_tokens.c.name == self.name)
                .values(**values)
            ).rowcount
            if not updated:
                connection.execute(sa.insert(auth_tokens).values(**key, **values))


__all__ = ["EncryptedTokenStore", "TokenKeyError", "auth_tokens", "fernet_for", "generate_key"]
