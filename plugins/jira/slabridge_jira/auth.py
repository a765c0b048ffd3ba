"""How the Jira connector authenticates, and what ``check`` says when Jira refuses it.

* Cloud, API token (classic or scoped): Basic ``email:token``. A scoped token works only
  through the API gateway (``cloud_id``); a classic one works against the site too.
* Cloud, ``oauth``: OAuth 2.0 (3LO) with rotating refresh tokens, or a service account's
  client credentials, from ``auth.atlassian.com/oauth/token``; calls go through the gateway.
* Data Center / Server: a personal access token as ``Authorization: Bearer``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from slabridge.connectors.auth import AuthStrategy, BasicAuth, BearerToken
from slabridge.connectors.base import CheckProblem
from slabridge_jira.config import ATLASSIAN_TOKEN_URL, JiraConfig


def jira_auth(
    config: JiraConfig,
    instance: str,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float] | None = None,
) -> AuthStrategy:
    """The auth strategy of the configured credentials (the config model allows one kind)."""
    if config.oauth is not None:
        return config.oauth.strategy(
            ATLASSIAN_TOKEN_URL, connector=instance, sleep=sleep, clock=clock
        )
    assert config.token is not None
    token = config.token.get_secret_value()
    if config.deployment == "data_center":
        return BearerToken(token)
    assert config.email is not None
    return BasicAuth(config.email, token)


def _is_atlassian_cloud(url: str) -> bool:
    host = (urlsplit(url).hostname or "").casefold()
    return host.endswith(".atlassian.net") or host.endswith(".jira.com")


def rejected_credentials(config: JiraConfig, status: int | None) -> CheckProblem:
    """The problem ``check`` reports when ``/myself`` answers 401 or 403, per auth mode."""
    where = f"{config.url} (HTTP {status})"
    if config.deployment == "data_center":
        return CheckProblem(
            f"Jira Data Center rejected the personal access token for {where}",
            hint="create a personal access token under Profile > Personal Access Tokens for the "
            "sync user, and pass it as token: ${JIRA_PAT}",
        )
    if config.oauth is not None:
        return CheckProblem(
            f"Jira rejected the OAuth access token for {where}",
            hint="check that the app was granted access to this site (cloud_id) with scopes "
            "read:jira-work, write:jira-work and read:jira-user (and offline_access for "
            "refresh tokens)",
        )
    if config.cloud_id is not None:
        return CheckProblem(
            f"Jira rejected the email and API token through the API gateway for {where}",
            hint="for a scoped API token, check that it was made for this site and has the "
            "scopes read:jira-work, write:jira-work and read:jira-user; for a service account, "
            "use its own email; the token is passed as token: ${JIRA_TOKEN}",
        )
    if config.site is not None and not _is_atlassian_cloud(config.site):
        return CheckProblem(
            f"Jira rejected the email and API token for {where}",
            hint="if this is Jira Data Center or Server, set `deployment: data_center` and "
            "give a personal access token as token: ${JIRA_PAT} (no email); on Jira Cloud, "
            "check the token and the account in `email`",
        )
    return CheckProblem(
        f"Jira rejected the email and API token for {where}",
        hint="check the token and the account in `email` (id.atlassian.com > Security > API "
        "tokens); a scoped API token (or a service account's) only works through the API "
        "gateway: set cloud_id to your site's cloud id",
    )


__all__ = ["jira_auth", "rejected_credentials"]
