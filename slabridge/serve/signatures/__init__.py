"""Is this webhook from the helpdesk? One small module per scheme, one entry point here."""

from __future__ import annotations

from collections.abc import Mapping

from slabridge.serve.settings import WebhookAuth
from slabridge.serve.signatures import jira, shared_secret, zendesk
from slabridge.serve.signatures.refusal import Unauthorized


def verify(
    auth: WebhookAuth, headers: Mapping[str, str], body: bytes, *, now: float, window: int
) -> None:
    """Check one request; ``headers`` are keyed in lower case.

    Raises :class:`Unauthorized` (answer 401) when the proof is missing or wrong, or when the
    signed time is more than ``window`` seconds from ``now`` (a replay). A copy replayed
    inside the window is let through: it only asks to re-read a ticket, which changes nothing
    that is already right, while refusing exact copies would drop a genuine second event the
    helpdesk signed in the same second (docs/serve.md, "Replays").
    """
    if auth.scheme == "zendesk":
        zendesk.verify(auth, headers, body, now=now, window=window)
    elif auth.scheme == "jira":
        jira.verify(auth, headers, body, now=now, window=window)
    else:
        shared_secret.verify(auth, headers)


__all__ = ["Unauthorized", "verify"]
