"""An OAuth 2.0 token issuer that fakes embed, as strict as the real servers.

Access tokens expire (``expires_in``, the clock is injectable), refresh tokens rotate (the
one used is void at once, as Zendesk and Atlassian do), a refused grant answers 400
``invalid_grant``, and :meth:`FakeTokenIssuer.check_bearer` gives the 401 an expired or unknown
token gets and the 403 a token without the needed scope gets.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slabridge.testing.fakeapi import FakeRequest, FakeResponse


@dataclass(slots=True)
class IssuedToken:
    """An access token the issuer handed out."""

    value: str
    scopes: frozenset[str]
    expires_at: float | None


class FakeTokenIssuer:
    """Grants tokens to one OAuth client and checks the bearer tokens sent with API calls.

    Args:
        client_id: the only client it knows.
        client_secret: that client's secret.
        refresh_token: the refresh token first issued (the admin's authorization).
        scopes: the scopes every token it issues carries.
        expires_in: access-token lifetime in seconds (None: tokens never expire).
        clock: seconds since the epoch; tests move it to expire tokens.
        prefix: text at the start of every token (makes leaks easy to grep for).
    """

    def __init__(
        self,
        *,
        client_id: str = "slabridge",
        client_secret: str = "fake-client-secret",
        refresh_token: str | None = "fake-refresh-0",
        scopes: Iterable[str] = ("read", "write"),
        expires_in: int | None = 1800,
        clock: Callable[[], float] = time.time,
        prefix: str = "fake",
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = frozenset(scopes)
        self.expires_in = expires_in
        self.clock = clock
        self.prefix = prefix
        self._counter = itertools.count(1)
        self.access_tokens: dict[str, IssuedToken] = {}
        self.refresh_tokens: set[str] = {refresh_token} if refresh_token else set()
        self.grants: list[str] = []

    @property
    def current_refresh_token(self) -> str | None:
        """The one refresh token still valid (the latest rotation)."""
        return next(iter(self.refresh_tokens), None)

    def grant(self, body: object) -> FakeResponse:
        """Answer a token request (JSON body with ``grant_type`` etc.)."""
        if not isinstance(body, dict):
            return _oauth_error(400, "invalid_request", "the body must be JSON")
        if body.get("client_id") != self.client_id or body.get("client_secret") != (
            self.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Client authentication failed.")
        kind = body.get("grant_type")
        self.grants.append(str(kind))
        answer: dict[str, object]
        if kind == "client_credentials":
            answer = self._issue(self.scopes)
        elif kind == "refresh_token":
            given = body.get("refresh_token")
            if given not in self.refresh_tokens:
                return _oauth_error(400, "invalid_grant", "Unknown or invalid refresh token.")
            # Rotation: the one used is void at once, whatever happens next.
            self.refresh_tokens.discard(str(given))
            rotated = f"{self.prefix}-refresh-{next(self._counter)}"
            self.refresh_tokens = {rotated}
            answer = {**self._issue(self.scopes), "refresh_token": rotated}
        else:
            return _oauth_error(400, "unsupported_grant_type", f"{kind!r} is not supported")
        return FakeResponse(200, answer)

    def _issue(self, scopes: frozenset[str]) -> dict[str, object]:
        value = f"{self.prefix}-access-{next(self._counter)}"
        expires = None if self.expires_in is None else self.clock() + self.expires_in
        self.access_tokens[value] = IssuedToken(value, scopes, expires)
        answer: dict[str, object] = {
            "access_token": value,
            "token_type": "bearer",
            "scope": " ".join(sorted(scopes)),
        }
        if self.expires_in is not None:
            answer["expires_in"] = self.expires_in
        return answer

    def token_of(self, request: FakeRequest) -> IssuedToken | None:
        """The issued token a request carries, if it is one of this issuer's and unexpired."""
        header = request.headers.get("Authorization") or request.headers.get("authorization")
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = self.access_tokens.get(value)
        if token is None:
            return None
        if token.expires_at is not None and self.clock() >= token.expires_at:
            return None
        return token

    def expire_all(self) -> None:
        """Expire every access token now (an expiry in the middle of a sync)."""
        for token in self.access_tokens.values():
            token.expires_at = self.clock() - 1


def _oauth_error(status: int, code: str, description: str) -> FakeResponse:
    return FakeResponse(status, {"error": code, "error_description": description})


__all__ = ["FakeTokenIssuer", "IssuedToken"]
