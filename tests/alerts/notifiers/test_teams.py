"""Teams: a Workflows webhook message with one Adaptive Card attachment."""

from __future__ import annotations

import json

from notifykit import Receiver, message

from slabridge.alerts.notifiers.registry import build_channels
from slabridge.alerts.notifiers.teams import ADAPTIVE_CARD, MAX_ITEMS, card

WORKFLOW_PATH = "/workflows/abc/triggers/manual/paths/invoke"


def test_the_card_has_the_title_each_linked_ticket_and_its_facts(plain_receiver: Receiver) -> None:
    url = f"{plain_receiver.base_url}{WORKFLOW_PATH}?api-version=1&sig=SECRETSIG1234"
    build_channels({"ops": {"type": "teams", "url": url}})["ops"].send(message(2))
    [request] = plain_receiver.requests_to("POST", WORKFLOW_PATH)
    assert request.arg("sig") == "SECRETSIG1234"
    body = json.loads(request.body)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.4"
    title, first, facts, second, _ = content["body"]
    assert title["text"] == "SLA at risk: 2 tickets" and title["weight"] == "Bolder"
    assert first["text"].startswith(
        "**[zendesk #4821](https://acme.zendesk.com/agent/tickets/4821)**"
    )
    assert "first response at risk" in first["text"]
    assert {"title": "Due", "value": "Tue 8 Dec 2026 17:00 CET (berlin)"} in facts["facts"]
    assert {"title": "To do", "value": "reply to the customer before 17:00 CET"} in facts["facts"]
    assert "zendesk #4822" in second["text"]


def test_a_long_digest_shows_the_first_tickets_and_counts_the_rest() -> None:
    body = card(message(MAX_ITEMS + 5))["body"]
    assert len(body) == 1 + 2 * MAX_ITEMS + 1
    assert body[-1]["text"] == "… and 5 more tickets"
