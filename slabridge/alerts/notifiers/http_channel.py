"""What every HTTP channel (webhook, Slack, Teams) shares: a secret URL, one POST, clean errors.

A Slack or Teams webhook URL *is* the credential (its path holds the token), so the whole URL
is a secret: describe(), errors and logs show only its scheme and host.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.base import DeliveryError, Notifier, NotifierConfig
from slabridge.connectors.http import HttpClient, HttpError, is_loopback
from slabridge.logs import redact_text


class HttpChannelConfig(NotifierConfig):
    """``url`` (a secret, from ``${ENV}``), and how hard one delivery tries."""

    url: SecretStr
    timeout: float = Field(default=10.0, gt=0, le=120)
    # Attempts within one delivery (429/5xx/timeouts); the outbox retries later with backoff.
    max_attempts: int = Field(default=3, ge=1, le=10)
    # A longer Retry-After than this fails the delivery now; the outbox tries again later.
    max_retry_after: float = Field(default=60.0, ge=0, le=3600)

    @field_validator("url")
    @classmethod
    def _an_http_url(cls, value: SecretStr) -> SecretStr:
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an https:// URL")
        return value

    def secrets(self) -> list[str]:
        """The URL, and its path and query alone (HTTP errors and logs show the path)."""
        url = self.url.get_secret_value()
        parts = urlsplit(url)
        extra = [part for part in (parts.path, parts.query) if len(part) > 1]
        return [*super().secrets(), *extra]


def masked_url(url: str) -> str:
    """``https://hooks.slack.com/***``: where the channel posts, without its token."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/***"


class HttpNotifier(Notifier):
    """POSTs one JSON document per message to the channel's URL; subclasses build the body."""

    config: HttpChannelConfig

    @abstractmethod
    def payload(self, message: AlertMessage) -> dict[str, Any]:
        """The JSON document for ``message``."""

    def request_headers(self, body: bytes) -> Mapping[str, str]:
        """Headers for one delivery of ``body`` (the webhook signs it)."""
        return {}

    @property
    def url(self) -> str:
        return self.config.url.get_secret_value()

    def send(self, message: AlertMessage) -> None:
        body = json.dumps(self.payload(message), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        headers.update(self.request_headers(body))
        parts = urlsplit(self.url)
        try:
            client = HttpClient(
                f"{parts.scheme}://{parts.netloc}",
                timeout=self.config.timeout,
                connect_timeout=self.config.timeout,
                max_attempts=self.config.max_attempts,
                backoff_cap=10.0,
                max_retry_after=self.config.max_retry_after,
                secrets=self.config.secrets(),
                sleep=self.sleep,
                connector=f"alerts:{self.type_name}",
            )
        except ValueError as exc:
            raise DeliveryError(self._clean(f"{self._where()}: {exc}")) from None
        try:
            client.request("POST", self.url, data=body, headers=headers)
        except HttpError as exc:
            raise DeliveryError(self._clean(f"{self._where()}: {exc}")) from None
        finally:
            client.close()

    def check(self) -> list[str]:
        parts = urlsplit(self.url)
        if parts.scheme != "https" and not is_loopback(parts.hostname):
            return [f"the URL must use https:// (plain http only to loopback), got {parts.scheme}"]
        return []

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "url": masked_url(self.url)}

    def _where(self) -> str:
        return f"{self.type_name} channel {self.name} ({masked_url(self.url)})"

    def _clean(self, text: str) -> str:
        return redact_text(text, self.config.secrets())


__all__ = ["HttpChannelConfig", "HttpNotifier", "masked_url"]
