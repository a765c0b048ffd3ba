"""The demo's alert receiver: a signed-webhook endpoint on loopback that keeps what it got.

The demo points two alert channels at it (the team at 75 % of a target, the lead at a breach),
so a newcomer sees which messages slabridge would send and to whom, without any account.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from slabridge.alerts.notifiers.webhook import verify_signature
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse

ALERTS_SECTION = """\
# Alerts: who hears what, and when (docs/alerts.md). The demo's channels are webhooks to a
# receiver it runs on loopback; point them at Slack, Teams or e-mail for real.
alerts:
  channels:
    team: {{type: webhook, url: "{url}/team", secret: "${{DEMO_ALERTS_SECRET}}"}}
    lead: {{type: webhook, url: "{url}/lead", secret: "${{DEMO_ALERTS_SECRET}}"}}
  rules:
    - name: enterprise-chain
      scope: {{tier: enterprise}}
      levels:
        - {{at: 75%, notify: team}}      # level 1: three quarters of the target used
        - {{at: breach, notify: lead}}   # level 2: breached
      digest: true                      # one message per channel and level per run
"""


class AlertInbox(FakeAPI):
    """Accepts signed POSTs on ``/<channel>``; refuses (401) any that does not verify."""

    def __init__(self) -> None:
        super().__init__()
        self.secret = secrets.token_urlsafe(32)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.route("POST", r"/(?P<channel>[a-z-]+)", self._receive)

    def _receive(self, request: FakeRequest, channel: str) -> FakeResponse:
        reason = verify_signature(self.secret, request.headers, request.body)
        if reason is not None:
            return FakeResponse(401, {"error": reason})
        with self.lock:
            self.received.append((channel, json.loads(request.body)))
        return FakeResponse(200, {"ok": True})


__all__ = ["ALERTS_SECTION", "AlertInbox"]
