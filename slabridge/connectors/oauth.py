"""OAuth 2.0 for the HTTP client: the client-credentials and the (rotating) refresh-token grants.

The access token lives in memory only. It is renewed shortly before it expires and once more
when the API answers 401. A rotated refresh token is saved to the :class:`TokenStore` the
moment it arrives (the old one is void from then on), so a restart reads the new one.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import structlog

from slabridge.connectors.auth import AuthStrategy, MemoryTokenStore, TokenStore
from slabridge.connectors.http import HttpClient, HttpError
from slabridge.logs import register_secrets

log = structlog.get_logger("slabridge.oauth")

Grant = Literal["client_credentials", "refresh_token"]


class OAuthError(HttpError):
    """The token endpoint refused the grant; the message names the grant, never a token."""


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class OAuth2(AuthStrategy):
    """Bearer tokens from an OAuth 2.0 token endpoint, renewed before they expire.

    Args:
        token_url: the token endpoint, e.g. ``https://acme.zendesk.com/oauth/tokens`` or
            ``https://auth.atlassian.com/oauth/token``.
        grant: ``client_credentials`` or ``refresh_token``.
        client_id: the OAuth client's identifier.
        client_secret: the OAuth client's secret.
        refresh_token: the refresh token first issued (``refresh_token`` grant); once a
            rotated one is in ``store`` that one is used, unless this one changed since (the
            admin authorized again).
        scope: space-separated scopes to ask for (client credentials), if the server wants them.
        store: where rotated refresh tokens are kept; in memory when not given.
        extra: more body parameters (e.g. Zendesk's ``expires_in``).
        margin: renew this many seconds before expiry (at most half the token's lifetime).
        clock: seconds since the epoch; tests inject a fake one.
        connector: instance name for log lines.
        sleep: how retries of the token endpoint wait.
    """

    def __init__(
        self,
        token_url: str,
        *,
        grant: Grant,
        client_id: str,
        client_secret: str,
        refresh_token: str | None = None,
        scope: str | None = None,
        store: TokenStore | None = None,
        extra: Mapping[str, Any] | None = None,
        margin: float = 60.0,
        clock: Callable[[], float] = time.time,
        connector: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        max_attempts: int = 4,
    ) -> None:
        if grant == "refresh_token" and not refresh_token and store is None:
            raise ValueError("the refresh_token grant needs a refresh token")
        parts = urlsplit(token_url)
        self.token_url = token_url
        self.grant: Grant = grant
        self.client_id = client_id
        self._client_secret = client_secret
        self._seed = refresh_token
        self.scope = scope
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        self.extra = dict(extra or {})
        self.margin = margin
        self._clock = clock
        self.connector = connector
        self._lock = threading.Lock()
        self._access: str | None = None
        self._expires_at: float | None = None
        self._refresh: str | None = None
        self._spent: list[str] = []
        self.granted_scopes: list[str] | None = None
        self.renewals = 0
        self._http = HttpClient(
            f"{parts.scheme}://{parts.netloc}",
            secrets=[client_secret, *([refresh_token] if refresh_token else [])],
            sleep=sleep,
            timeout=timeout,
            max_attempts=max_attempts,
            connector=connector,
        )
        register_secrets([client_secret, *([refresh_token] if refresh_token else [])])

    # -- AuthStrategy -------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._access is None or self._expiring():
                self._obtain()
            return {"Authorization": f"Bearer {self._access}"}

    def renew(self) -> bool:
        with self._lock:
            self._access = None
            self._obtain()
            return True

    def secrets(self) -> list[str]:
        values = [self._client_secret, *self._spent]
        for value in (self._access, self._refresh, self._seed):
            if value:
                values.append(value)
        return values

    # -- the grant ---------------------------------------------------------------------------

    def _expiring(self) -> bool:
        if self._expires_at is None:
            return False
        return self._clock() >= self._expires_at

    def _current_refresh_token(self) -> str:
        if self._refresh is not None:
            return self._refresh
        stored = self.store.load()
        if stored is not None:
            payload = json.loads(stored)
            seed_changed = self._seed is not None and payload.get("seed") != _fingerprint(
                self._seed
            )
            if not seed_changed:
                self._refresh = str(payload["token"])
                register_secrets([self._refresh])
                return self._refresh
        if not self._seed:
            raise OAuthError(
                "POST",
                urlsplit(self.token_url).path,
                None,
                "no refresh token: set refresh_token in the connector config",
                retryable=False,
            )
        self._refresh = self._seed
        return self._refresh

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "grant_type": self.grant,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            **self.extra,
        }
        if self.grant == "refresh_token":
            body["refresh_token"] = self._current_refresh_token()
        if self.scope:
            body["scope"] = self.scope
        return body

    def _post(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        path = urlsplit(self.token_url).path or "/"
        answer = self._http.request_json("POST", path, json=dict(body))
        if not isinstance(answer, Mapping) or not isinstance(answer.get("access_token"), str):
            raise OAuthError("POST", path, 200, "the answer has no access_token", retryable=False)
        return answer

    def _obtain(self) -> None:
        """Run the grant; on a refused refresh token, retry once with a newer stored one."""
        path = urlsplit(self.token_url).path or "/"
        try:
            answer = self._post(self._body())
        except HttpError as exc:
            if self.grant != "refresh_token" or exc.status not in (400, 401, 403):
                raise self._refused(path, exc) from None
            # Another worker may have rotated the token meanwhile: re-read the store once.
            used = self._refresh
            self._refresh = None
            if used is not None:
                self._spent.append(used)
            try:
                fresher = self._current_refresh_token() != used
            except OAuthError:
                fresher = False
            if not fresher:
                raise self._refused(path, exc) from None
            try:
                answer = self._post(self._body())
            except HttpError as again:
                raise self._refused(path, again) from None
        self._accept(answer)

    def _refused(self, path: str, exc: HttpError) -> OAuthError:
        what = "client credentials" if self.grant == "client_credentials" else "refresh token"
        hint = (
            "check client_id and client_secret"
            if self.grant == "client_credentials"
            else "authorize again and set the new refresh_token in the connector config"
        )
        return OAuthError(
            "POST",
            path,
            exc.status,
            f"the token endpoint refused the {what} ({exc.detail or 'no detail'}): {hint}",
            retryable=False,
        )

    def _accept(self, answer: Mapping[str, Any]) -> None:
        access = str(answer["access_token"])
        rotated = answer.get("refresh_token")
        register_secrets([access, *([rotated] if isinstance(rotated, str) else [])])
        if isinstance(rotated, str) and rotated and rotated != self._refresh:
            # Saved before anything else: the token just used is void from now on.
            seed = _fingerprint(self._seed) if self._seed else None
            self.store.save(json.dumps({"token": rotated, "seed": seed}))
            if self._refresh:
                self._spent.append(self._refresh)
            self._refresh = rotated
        self._access = access
        lifetime = answer.get("expires_in")
        if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0:
            early = min(self.margin, float(lifetime) / 2)
            self._expires_at = self._clock() + float(lifetime) - early
        else:
            self._expires_at = None
        scope = answer.get("scope")
        self.granted_scopes = scope.split() if isinstance(scope, str) else None
        self.renewals += 1
        log.info(
            "oauth_token_obtained",
            connector=self.connector,
            grant=self.grant,
            expires_in=lifetime if isinstance(lifetime, int | float) else None,
            rotated=isinstance(rotated, str),
        )

    def close(self) -> None:
        self._http.close()


__all__ = ["Grant", "OAuth2", "OAuthError"]
