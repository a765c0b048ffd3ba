"""How the Zendesk connector authenticates: OAuth (renewed), a bearer token, or an API token.

Zendesk's migration from API tokens to OAuth (docs/connectors/zendesk.md): no new API tokens
since 2026-10-27, all stop working on 2027-04-30; OAuth access tokens now expire (30 minutes
by default, 48 hours at most) and every refresh rotates the refresh token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import structlog

from slabridge.connectors.auth import AuthStrategy, BasicAuth, BearerToken
from slabridge.connectors.base import CheckProblem
from slabridge.connectors.http import HttpClient, HttpError
from slabridge.connectors.oauth import OAuth2
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.scopes import missing_scopes

log = structlog.get_logger("slabridge.zendesk")

API_TOKENS_END = date(2027, 4, 30)  # the last day Zendesk accepts API tokens


def zendesk_auth(
    config: ZendeskConfig,
    instance: str,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float] | None = None,
) -> AuthStrategy:
    """The auth strategy of the configured credentials (one of them is set, the model says)."""
    if config.oauth is not None:
        return config.oauth.strategy(
            f"{config.url}/oauth/tokens", connector=instance, sleep=sleep, clock=clock
        )
    if config.oauth_token is not None:
        return BearerToken(config.oauth_token.get_secret_value())
    assert config.email is not None and config.token is not None
    return BasicAuth(f"{config.email}/token", config.token.get_secret_value())


def api_token_notice(today: date) -> str:
    """What to tell an admin still on an API token, on ``today``."""
    if today > API_TOKENS_END:
        return (
            f"Zendesk switched API tokens off on {API_TOKENS_END.isoformat()}: configure "
            "`oauth:` (refresh-token or client-credentials grant) instead of email + token"
        )
    days = (API_TOKENS_END - today).days
    return (
        f"Zendesk API tokens are deprecated and stop working on {API_TOKENS_END.isoformat()} "
        f"({days} days from now): configure `oauth:` instead of email + token"
    )


def warn_if_api_token(config: ZendeskConfig, instance: str, now: datetime) -> None:
    """Log the deprecation warning when the connector authenticates with an API token."""
    if config.token is not None:
        log.warning(
            "zendesk_api_token_deprecated",
            connector=instance,
            advice=api_token_notice(now.astimezone(UTC).date()),
        )


def granted_scopes(http: HttpClient, strategy: AuthStrategy) -> list[str] | None:
    """The scopes of the OAuth token in use: from the grant, else from Zendesk (None: unknown)."""
    if isinstance(strategy, OAuth2) and strategy.granted_scopes is not None:
        return strategy.granted_scopes
    try:
        body = http.get_json("/api/v2/oauth/tokens/current.json")
    except HttpError:
        return None
    scopes = (body or {}).get("token", {}).get("scopes")
    return [str(scope) for scope in scopes] if isinstance(scopes, list) else None


def scope_problems(http: HttpClient, strategy: AuthStrategy) -> list[CheckProblem]:
    """A problem per scope the OAuth token lacks, naming it and what needs it."""
    if isinstance(strategy, BasicAuth):
        return []
    scopes = granted_scopes(http, strategy)
    if scopes is None:
        # The token cannot even read its own scopes: probe an endpoint that needs `read`.
        try:
            http.get("/api/v2/ticket_fields.json", params={"per_page": 1})
        except HttpError as exc:
            if exc.status == 403:
                scopes = []
            else:
                raise
        else:
            return []
    return [
        CheckProblem(
            f"the OAuth token lacks the {scope!r} scope, needed for {uses}",
            hint=f"authorize the OAuth client again with scope {scope!r} (resource scopes such "
            "as tickets:read do not cover audits, ticket fields or the incremental export)",
        )
        for scope, uses in missing_scopes(scopes)
    ]


__all__ = [
    "API_TOKENS_END",
    "api_token_notice",
    "granted_scopes",
    "scope_problems",
    "warn_if_api_token",
    "zendesk_auth",
]
