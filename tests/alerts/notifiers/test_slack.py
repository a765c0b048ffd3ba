"""Slack: a Block Kit message with a header, a section per ticket with its link, a context."""

from __future__ import annotations

import json

from notifykit import SLACK_TOKEN_PATH, Receiver, item, message

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.registry import build_channels
from slabridge.alerts.notifiers.slack import MAX_BLOCKS, blocks


def test_one_alert_is_a_header_a_linked_section_and_the_due_time(plain_receiver: Receiver) -> None:
    url = f"{plain_receiver.base_url}{SLACK_TOKEN_PATH}"
    build_channels({"team": {"type": "slack", "url": url}})["team"].send(message())
    [request] = plain_receiver.requests_to("POST", SLACK_TOKEN_PATH)
    body = json.loads(request.body)
    assert body["text"] == "SLA at risk: zendesk #4821"
    header, section, context = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "SLA at risk: zendesk #4821"},
    }
    text = section["text"]["text"]
    assert section["text"]["type"] == "mrkdwn"
    assert text.startswith("*<https://acme.zendesk.com/agent/tickets/4821|zendesk #4821>*")
    # Ticket text cannot inject Slack markup: <, > and & are escaped.
    assert "Printer &lt;on fire&gt; &amp; smoking" in text
    assert "first response at risk: reply to the customer before 17:00 CET" in text
    assert context["type"] == "context"
    assert context["elements"][0]["text"] == (
        "Due Tue 8 Dec 2026 17:00 CET (berlin) · policy enterprise · priority high"
    )


def test_a_ticket_without_a_link_names_it() -> None:
    lone = AlertMessage("team", "r", 1, "SLA breached", (item(7, url=False),))
    assert blocks(lone)[1]["text"]["text"].startswith("*zendesk #7*")


def test_a_digest_fits_in_50_blocks_and_says_how_many_more() -> None:
    assert len(blocks(message(24))) == 49  # header + 2 per ticket: all shown
    assert len(blocks(message(25))) == 51 - 1  # 51 would be too many: 24 shown, "and 1 more"
    big = blocks(message(60))
    assert len(big) == MAX_BLOCKS == 50
    assert big[-1] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "… and 36 more tickets"},
    }
    assert sum(block["type"] == "context" for block in big) == 24
    assert blocks(message(25))[-1]["text"]["text"] == "… and 1 more ticket"


def test_a_long_title_is_cut_to_the_header_limit() -> None:
    long = AlertMessage("team", "r", 1, "x" * 400, (item(),))
    assert len(blocks(long)[0]["text"]["text"]) == 150
