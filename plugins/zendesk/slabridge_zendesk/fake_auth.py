"""FakeZendesk's authentication and limits: Basic/Bearer/OAuth, scopes, per-minute windows."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_zendesk.fake_store import ZendeskStore
from slabridge_zendesk.scopes import allowed

UNAUTHORIZED = {"error": "Couldn't authenticate you"}
# An expired, revoked or unknown OAuth access token (Doorkeeper's shape, as Zendesk sends it).
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed or invalid "
    "for other reasons.",
}
FORBIDDEN = {
    "error": "Forbidden",
    "description": "You do not have access to this page. Please contact the account owner of "
    "this help desk for further help.",
}


class ZendeskAuth(ZendeskStore):
    """Accepts the credentials the fake was built with; enforces the rate-limit windows."""

    if TYPE_CHECKING:
        email: str
        token: str
        oauth_token: str | None
        oauth: FakeTokenIssuer | None
        role: str
        incremental_per_minute: int | None
        account_per_minute: int
        monotonic: Callable[[], float]
        _window: dict[str, tuple[float, int]]

    def enable_oauth(self, issuer: FakeTokenIssuer | None = None) -> FakeTokenIssuer:
        """Accept OAuth clients at ``POST /oauth/tokens`` (30-minute tokens by default)."""
        self.oauth = issuer or FakeTokenIssuer(prefix="zd", expires_in=1800)
        return self.oauth

    def _authorize_oauth(self, request: FakeRequest) -> FakeResponse | None:
        assert self.oauth is not None
        token = self.oauth.token_of(request)
        if token is None:
            return FakeResponse(401, dict(INVALID_TOKEN))
        if not allowed(request.method, request.path, token.scopes):
            return FakeResponse(403, dict(FORBIDDEN))
        return None

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        header = request.headers.get("Authorization") or request.headers.get("authorization")
        if request.path == "/oauth/tokens":
            return None  # the grant authenticates the client itself
        if self.oauth is not None and header and header.startswith("Bearer "):
            denied = self._authorize_oauth(request)
            if denied is not None:
                return denied
            return self._limits(request)
        ok = False
        if header and header.startswith("Bearer ") and self.oauth_token is not None:
            ok = secrets.compare_digest(header[7:], self.oauth_token)
        elif header and header.startswith("Basic ") and self.oauth_token is None:
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            ok = secrets.compare_digest(decoded, f"{self.email}/token:{self.token}")
        if not ok:
            return FakeResponse(401, UNAUTHORIZED)
        return self._limits(request)

    def _limits(self, request: FakeRequest) -> FakeResponse | None:
        if "/incremental/" in request.path:
            if self.role != "admin":
                return FakeResponse(403, FORBIDDEN)
            limited = self._over_limit("incremental", self.incremental_per_minute)
            if limited is not None:
                return limited
        return self._over_limit("account", self.account_per_minute, count=False)

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        with self.lock:
            started, used = self._window.get("account", (self.monotonic(), 0))
            used += 1
            if self.monotonic() - started >= 60:
                started, used = self.monotonic(), 1
            self._window["account"] = (started, used)
        remaining = max(0, self.account_per_minute - used)
        reset = max(1, int(60 - (self.monotonic() - started)))
        return {
            "x-rate-limit": str(self.account_per_minute),
            "x-rate-limit-remaining": str(remaining),
            "ratelimit-limit": str(self.account_per_minute),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
            "x-zendesk-api-version": "v2",
        }

    # -- OAuth ---------------------------------------------------------------------------

    def _oauth_grant(self, request: FakeRequest) -> FakeResponse:
        if self.oauth is None:
            return FakeResponse(400, {"error": "invalid_client"})
        try:
            body = request.json()
        except ValueError:
            body = None
        return self.oauth.grant(body)

    def _current_token(self, request: FakeRequest) -> FakeResponse:
        token = self.oauth.token_of(request) if self.oauth is not None else None
        if token is None:  # the static oauth_token of the older mode: full access
            return FakeResponse(200, {"token": {"id": 1, "scopes": ["read", "write"]}})
        return FakeResponse(200, {"token": {"id": 1, "scopes": sorted(token.scopes)}})

    def _over_limit(
        self, name: str, limit: int | None, *, count: bool = True
    ) -> FakeResponse | None:
        if limit is None:
            return None
        with self.lock:
            started, used = self._window.get(name, (self.monotonic(), 0))
            if self.monotonic() - started >= 60:
                started, used = self.monotonic(), 0
            if count:
                used += 1
                self._window[name] = (started, used)
        if used > limit:
            retry = max(1, int(60 - (self.monotonic() - started)))
            return FakeResponse(
                429,
                {"error": "TooManyRequests", "description": "Rate limit exceeded"},
                headers={"Retry-After": str(retry)},
            )
        return None


__all__ = ["FORBIDDEN", "INVALID_TOKEN", "UNAUTHORIZED", "ZendeskAuth"]
