"""Zendesk: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(secret, timestamp + body)).

The timestamp is ``X-Zendesk-Webhook-Signature-Timestamp`` (ISO 8601); it is signed, so a
request outside the replay window is refused. Source: developer.zendesk.com/documentation/
webhooks/verifying/ (cited in docs/serve.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from slabridge.serve.settings import WebhookAuth
from slabridge.serve.signatures.refusal import Unauthorized

SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk sends (tests and the demo sign with it)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parse_timestamp(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 timestamp (or of plain epoch seconds)."""
    stripped = text.strip()
    if stripped.isdigit():
        return float(stripped)
    try:
        moment = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized("the signature timestamp is not a time") from None
    if moment.tzinfo is None:
        raise Unauthorized("the signature timestamp has no UTC offset")
    return moment.timestamp()


def verify(
    auth: WebhookAuth, headers: Mapping[str, str], body: bytes, *, now: float, window: int
) -> None:
    signature = headers.get(SIGNATURE)
    timestamp = headers.get(TIMESTAMP)
    if not signature or not timestamp:
        raise Unauthorized("unsigned: no X-Zendesk-Webhook-Signature(-Timestamp) header")
    assert auth.secret is not None  # required by the settings for this scheme
    expected = sign(auth.secret.get_secret_value(), timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise Unauthorized("wrong signature")
    if abs(now - parse_timestamp(timestamp)) > window:
        raise Unauthorized(f"replayed: the signature timestamp is more than {window}s away")


__all__ = ["SIGNATURE", "TIMESTAMP", "parse_timestamp", "sign", "verify"]
