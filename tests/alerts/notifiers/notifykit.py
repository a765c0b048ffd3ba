"""Messages built by hand (the rules are another module's), a loopback receiver for them."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from slabridge.alerts.message import AlertItem, AlertMessage
from slabridge.alerts.notifiers.webhook import verify_signature
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse

WEBHOOK_SECRET = "whsec-0123456789abcdef-do-not-leak"
SLACK_TOKEN_PATH = "/services/T0SECRET/B0SECRET/xoxbsecrettoken123"


def item(number: int = 4821, *, url: bool = True) -> AlertItem:
    return AlertItem(
        connector="zendesk",
        ticket_id=str(number),
        ticket_url=f"https://acme.zendesk.com/agent/tickets/{number}" if url else None,
        subject=f"Printer <on fire> & smoking #{number}",
        metric="first_response",
        cycle=1,
        event="at_risk",
        due_at=datetime(2026, 12, 8, 16, 0, tzinfo=UTC),
        due_local="Tue 8 Dec 2026 17:00 CET (berlin)",
        policy="enterprise",
        priority="high",
        action="reply to the customer before 17:00 CET",
    )


def message(count: int = 1, channel: str = "hook") -> AlertMessage:
    title = "SLA at risk: zendesk #4821" if count == 1 else f"SLA at risk: {count} tickets"
    return AlertMessage(
        channel=channel,
        rule="enterprise-chain",
        level=1,
        title=title,
        items=tuple(item(4821 + n) for n in range(count)),
    )


class Receiver(FakeAPI):
    """An HTTP receiver on loopback: every POST path answers 200, a signed one only if genuine."""

    def __init__(self, secret: str | None = None, status: int = 200, body: str = "ok") -> None:
        super().__init__()
        self.secret = secret
        self.rejections: list[str] = []
        self.route("POST", r"/.*", self.receive)
        self.status = status
        self.body = body

    def receive(self, request: FakeRequest) -> FakeResponse:
        if self.secret is not None:
            reason = verify_signature(self.secret, request.headers, request.body)
            if reason is not None:
                self.rejections.append(reason)
                return FakeResponse(401, {"error": reason})
        return FakeResponse(self.status, raw=self.body.encode())


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
