"""Is this webhook from the helpdesk? One small module per scheme, one entry point here."""

from __future__ import annotations

from collections.abc import Mapping

from slabridge.serve.settings import WebhookAuth
from slabridge.serve.signatures import jira, shared_secret, zendesk
from slabridge.serve.signatures.replay import ReplayGuard, Unauthorized


def verify(
    auth: WebhookAuth,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    window: int,
    guard: ReplayGuard,
) -> str | None:
    """Check one request; return its replay key (None: the scheme cannot tell a replay).

    ``headers`` are keyed in lower case. Raises :class:`Unauthorized` (answer 401) when the
    proof is missing, wrong, outside the ``window`` seconds around ``now``, or already used;
    the caller records the key with ``guard.remember`` once the webhook is accepted.
    """
    if auth.scheme == "zendesk":
        key: str | None = zendesk.verify(auth, headers, body, now=now, window=window)
    elif auth.scheme == "jira":
        key = jira.verify(auth, headers, body, now=now, window=window)
    else:
        shared_secret.verify(auth, headers)
        key = None
    if key is not None and guard.seen(key, now):
        raise Unauthorized("replayed: this signature was accepted before")
    return key


__all__ = ["ReplayGuard", "Unauthorized", "verify"]
