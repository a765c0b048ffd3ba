"""Auth strategies the HTTP client takes: static headers, Basic, and the refresh-token store.

A strategy gives the headers of the next request (:meth:`AuthStrategy.headers`), says what
must never be printed (:meth:`AuthStrategy.secrets`), and may renew its credentials once when
the server answers 401 (:meth:`AuthStrategy.renew`). OAuth 2.0 grants live in
:mod:`slabridge.connectors.oauth`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Protocol


class AuthStrategy:
    """How an :class:`~slabridge.connectors.http.HttpClient` authenticates its requests.

    Subclasses override :meth:`headers`; a strategy whose credentials expire also overrides
    :meth:`renew` (the client calls it once after a 401 and retries if it returns True).
    """

    def headers(self) -> dict[str, str]:
        """The headers to add to the next request (fetching a fresh token first if needed)."""
        return {}

    def renew(self) -> bool:
        """Get new credentials after a 401; True when a retry may now succeed."""
        return False

    def secrets(self) -> list[str]:
        """Every value the client must scrub from logs and errors (current tokens included)."""
        return []


class StaticHeaders(AuthStrategy):
    """Fixed headers, e.g. ``Authorization: Bearer <personal access token>``."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)

    def headers(self) -> dict[str, str]:
        return dict(self._headers)

    def secrets(self) -> list[str]:
        values = [self._headers.get("Authorization", "")]
        _scheme, _, credential = values[0].partition(" ")
        if credential:
            values.append(credential)
        return [value for value in values if value]


class BearerToken(StaticHeaders):
    """A token that does not expire (or that something else renews): ``Bearer <token>``."""

    def __init__(self, token: str) -> None:
        super().__init__({"Authorization": f"Bearer {token}"})


class BasicAuth(StaticHeaders):
    """HTTP Basic: ``Authorization: Basic base64(user:password)``."""

    def __init__(self, user: str, password: str) -> None:
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        super().__init__({"Authorization": f"Basic {encoded}"})
        self._password = password

    def secrets(self) -> list[str]:
        return [*super().secrets(), self._password]


class TokenStore(Protocol):
    """Where a rotating refresh token survives restarts (the state store, encrypted)."""

    def load(self) -> str | None:
        """The refresh token saved last, or None when nothing is saved."""
        ...

    def save(self, token: str) -> None:
        """Keep ``token`` durably before it is used (the previous one is already void)."""
        ...


class TokenStores(Protocol):
    """What keeps tokens for connectors: the state store (``StateStore.token_store``)."""

    def token_store(self, connector: str, key: str, where: str) -> TokenStore:
        """The store of ``connector``'s refresh token, encrypted with ``key`` (named ``where``)."""
        ...


class MemoryTokenStore:
    """A :class:`TokenStore` that lasts as long as the process (tests, no state store)."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token

    def load(self) -> str | None:
        return self.token

    def save(self, token: str) -> None:
        self.token = token


__all__ = [
    "AuthStrategy",
    "BasicAuth",
    "BearerToken",
    "MemoryTokenStore",
    "StaticHeaders",
    "TokenStore",
    "TokenStores",
]
