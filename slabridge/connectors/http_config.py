"""The config keys every HTTP connector shares: where the API is, where a first read starts, pacing.

Subclass :class:`HttpConnectorConfig` instead of :class:`~slabridge.connectors.base.ConnectorConfig`
when the connector talks to an HTTP API through :class:`~slabridge.connectors.http.HttpClient`;
the built-in Zendesk, Freshdesk and Jira configs do. One rule per key for all of them:

* ``base_url``: ``https://`` (plain ``http://`` only to loopback), trailing slashes removed.
* ``start``: an instant with a UTC offset (``2025-01-01T00:00:00Z``); one without is refused,
  since the admin's local time and the API's time zone would each read it differently.
  Stored in UTC.
* ``timeout``: seconds per request, more than 0. ``max_attempts``: tries per request for
  429/5xx/timeouts, 1 to :data:`MAX_ATTEMPTS`. ``requests_per_minute``: client-side pacing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field, field_validator

from slabridge.connectors.base import ConnectorConfig
from slabridge.connectors.http import require_https

# More tries than this only hide an outage: with the client's backoff cap of 60 s, 20 tries
# already wait up to about a quarter of an hour for one request.
MAX_ATTEMPTS = 20


def safe_base_url(value: str) -> str:
    """``value`` with its trailing slashes removed, once it is ``https://`` (or loopback http).

    Raises:
        ValueError: the URL is plain ``http://`` to another host, or not absolute.
    """
    require_https(value)
    return value.rstrip("/")


def aware_start(value: datetime) -> datetime:
    """``value`` in UTC; refused without a UTC offset.

    Raises:
        ValueError: ``value`` has no offset.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("start needs a UTC offset, e.g. 2025-01-01T00:00:00Z")
    return value.astimezone(UTC)


class HttpConnectorConfig(ConnectorConfig):
    """Base of the config of a connector that reads an HTTP API.

    Override in a subclass: add the connector's own keys (the account, its credentials typed
    ``SecretStr``, read options). Redeclare ``start`` to give it a default (Freshdesk does:
    its API reads only the last 30 days without one); the checks here still apply. A
    connector that finds its API another way too (Zendesk's ``subdomain``) keeps ``base_url``
    optional and says in a model validator which one is needed.

    Attributes:
        base_url: the API root, instead of the connector's own account key (a proxy, a fake).
        start: where a first read (no cursor) starts; None: the connector's default.
        timeout: seconds per request.
        max_attempts: tries per request for 429, 5xx and timeouts.
        requests_per_minute: client-side pacing; None: only what the API's headers ask.
    """

    base_url: str | None = Field(
        default=None, description="the API root instead of the account (proxies, tests)"
    )
    start: datetime | None = Field(default=None, description="where a first read starts")
    timeout: float = Field(default=30.0, gt=0, description="seconds per request")
    max_attempts: int = Field(
        default=6, ge=1, le=MAX_ATTEMPTS, description="tries per request (429/5xx/timeouts)"
    )
    requests_per_minute: float | None = Field(default=None, gt=0, description="client-side pacing")

    @field_validator("base_url")
    @classmethod
    def _safe_base_url(cls, value: str | None) -> str | None:
        return None if value is None else safe_base_url(value)

    @field_validator("start")
    @classmethod
    def _aware_start(cls, value: datetime | None) -> datetime | None:
        return None if value is None else aware_start(value)

    def secrets(self) -> list[str]:
        """The top-level secrets and those of nested blocks with secrets (an ``oauth:`` block)."""
        found = super().secrets()
        for name in type(self).model_fields:
            nested = getattr(getattr(self, name), "secrets", None)
            if isinstance(getattr(self, name), BaseModel) and callable(nested):
                found.extend(secret for secret in nested() if isinstance(secret, str) and secret)
        return found


__all__ = ["MAX_ATTEMPTS", "HttpConnectorConfig", "aware_start", "safe_base_url"]
