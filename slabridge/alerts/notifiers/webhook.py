"""The generic webhook: the message as JSON, signed with HMAC-SHA256 over timestamp and body.

Headers on every POST:

- ``X-Slabridge-Timestamp``: unix seconds when the request was signed;
- ``X-Slabridge-Signature``: ``sha256=`` + hex HMAC-SHA256(secret, ``f"{timestamp}.{body}"``).

A receiver recomputes the HMAC over the raw body it received, compares in constant time, and
rejects a timestamp more than :data:`REPLAY_WINDOW_SECONDS` away from its clock (a replay):
:func:`verify_signature` does exactly that and is what the tests' receiver uses.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.base import NotifierConfig
from slabridge.alerts.notifiers.http_channel import HttpChannelConfig, HttpNotifier

TIMESTAMP_HEADER = "X-Slabridge-Timestamp"
SIGNATURE_HEADER = "X-Slabridge-Signature"
REPLAY_WINDOW_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Slabridge-Signature`` value of ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    window: float = REPLAY_WINDOW_SECONDS,
) -> str | None:
    """Why a received webhook must be rejected, or None when it is genuine and fresh.

    ``headers`` are matched case-insensitively; ``body`` must be the raw bytes received.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower())
    given = lowered.get(SIGNATURE_HEADER.lower())
    if raw_timestamp is None or given is None:
        return "missing signature headers"
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        return "the timestamp is not unix seconds"
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        return "bad signature"
    current = time.time() if now is None else now
    if abs(current - timestamp) > window:
        return "stale timestamp (a replay?)"
    return None


class WebhookConfig(HttpChannelConfig):
    """``alerts.channels.<name>`` of ``type: webhook``: ``url`` and the signing ``secret``."""

    secret: SecretStr = Field(min_length=16)


class WebhookNotifier(HttpNotifier):
    """POSTs :meth:`AlertMessage.to_json` with a timestamped HMAC-SHA256 signature."""

    type_name: ClassVar[str] = "webhook"
    config_model: ClassVar[type[NotifierConfig]] = WebhookConfig
    config: WebhookConfig

    def payload(self, message: AlertMessage) -> dict[str, Any]:
        return message.to_json()

    def request_headers(self, body: bytes) -> Mapping[str, str]:
        timestamp = int(time.time())
        secret = self.config.secret.get_secret_value()
        return {
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
        }


__all__ = [
    "REPLAY_WINDOW_SECONDS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookConfig",
    "WebhookNotifier",
    "signature",
    "verify_signature",
]
