"""Jira: ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` (WebSub style).

Jira signs only the body; the body's ``timestamp`` (milliseconds, inside the signed bytes)
bounds a replay when present. Source: developer.atlassian.com/cloud/jira/platform/webhooks/
#secure-admin-webhooks (cited in docs/serve.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from slabridge.serve.settings import WebhookAuth
from slabridge.serve.signatures.refusal import Unauthorized

SIGNATURE = "x-hub-signature"


def sign(secret: str, body: bytes) -> str:
    """The header value Jira sends (tests sign with it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed_timestamp(body: bytes) -> float | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    stamp = data.get("timestamp") if isinstance(data, dict) else None
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    return float(stamp) / 1000


def verify(
    auth: WebhookAuth, headers: Mapping[str, str], body: bytes, *, now: float, window: int
) -> None:
    signature = (headers.get(SIGNATURE) or "").strip()
    if not signature:
        raise Unauthorized("unsigned: no X-Hub-Signature header")
    method, _, given = signature.partition("=")
    if method.lower() != "sha256" or not given:
        raise Unauthorized("X-Hub-Signature is not sha256=<hex>")
    assert auth.secret is not None  # required by the settings for this scheme
    expected = sign(auth.secret.get_secret_value(), body)
    if not hmac.compare_digest(expected.encode(), f"sha256={given.lower()}".encode()):
        raise Unauthorized("wrong signature")
    stamp = _signed_timestamp(body)
    if stamp is not None and abs(now - stamp) > window:
        raise Unauthorized(f"replayed: the event's timestamp is more than {window}s away")


__all__ = ["SIGNATURE", "sign", "verify"]
