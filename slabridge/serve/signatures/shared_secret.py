"""Freshdesk (and any helpdesk that cannot sign): a shared secret in a header, or basic auth.

Freshdesk's "Trigger webhook" action sends custom headers and supports basic authentication
(support.freshdesk.com/support/solutions/articles/132589, cited in docs/serve.md). Nothing in
such a request is signed, so a replay cannot be told from a new event: harmless, because a
webhook only asks to re-read a ticket and the write-back is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping

from slabridge.serve.settings import WebhookAuth
from slabridge.serve.signatures.refusal import Unauthorized


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(username, password)`` of an ``Authorization: Basic ...`` header, else None."""
    if not header:
        return None
    kind, _, encoded = header.strip().partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def equal(given: str, expected: str) -> bool:
    """Constant-time text comparison."""
    return hmac.compare_digest(given.encode(), expected.encode())


def verify(auth: WebhookAuth, headers: Mapping[str, str]) -> None:
    given = headers.get(auth.header.lower())
    if auth.secret is not None and given is not None:
        if equal(given.strip(), auth.secret.get_secret_value()):
            return
        raise Unauthorized(f"wrong secret in {auth.header}")
    credentials = basic_credentials(headers.get("authorization"))
    if auth.password is not None and auth.username is not None and credentials is not None:
        user_ok = equal(credentials[0], auth.username)
        if user_ok & equal(credentials[1], auth.password.get_secret_value()):
            return
        raise Unauthorized("wrong basic auth credentials")
    raise Unauthorized(f"unsigned: no {auth.header} header and no basic auth")


__all__ = ["basic_credentials", "equal", "verify"]
