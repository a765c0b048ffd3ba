"""Slack incoming webhooks with a Block Kit message: a header, then each ticket with its link.

Slack accepts at most 50 blocks in one message
(https://docs.slack.dev/reference/block-kit/blocks: "You can include up to 50 blocks in each
message"), a header's text at most 150 characters and a section's at most 3000; a longer digest
shows the first tickets and a last section "... and N more".
"""

from __future__ import annotations

from typing import Any, ClassVar

from slabridge.alerts.message import AlertItem, AlertMessage
from slabridge.alerts.notifiers.base import NotifierConfig
from slabridge.alerts.notifiers.http_channel import HttpChannelConfig, HttpNotifier

MAX_BLOCKS = 50
MAX_HEADER_CHARS = 150
MAX_SECTION_CHARS = 3000
BLOCKS_PER_ITEM = 2  # a section (link, what happened, what to do) and a context (due time)


class SlackConfig(HttpChannelConfig):
    """``alerts.channels.<name>`` of ``type: slack``: ``url`` is the incoming webhook URL."""


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: ``&``, ``<`` and ``>`` would otherwise start markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item_blocks(item: AlertItem) -> list[dict[str, Any]]:
    """The section and context blocks of one ticket's clock."""
    label = escape(f"{item.connector} #{item.ticket_id}")
    link = f"<{item.ticket_url}|{label}>" if item.ticket_url else label
    subject = f" {escape(item.subject)}" if item.subject else ""
    what = f"{item.metric.replace('_', ' ')} {item.event.replace('_', ' ')}"
    text = f"*{link}*{subject}\n{escape(what)}: {escape(item.action)}"
    facts = [f"Due {item.due_local}"]
    facts += [f"policy {item.policy}"] if item.policy else []
    facts += [f"priority {item.priority}"] if item.priority else []
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, MAX_SECTION_CHARS)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": escape(" · ".join(facts))}],
        },
    ]


def blocks(message: AlertMessage) -> list[dict[str, Any]]:
    """The Block Kit blocks of ``message``, at most :data:`MAX_BLOCKS`."""
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": _cut(message.title, MAX_HEADER_CHARS)},
    }
    items = list(message.items)
    if 1 + BLOCKS_PER_ITEM * len(items) > MAX_BLOCKS:
        shown = (MAX_BLOCKS - 2) // BLOCKS_PER_ITEM  # room for the header and "and N more"
        rest = len(items) - shown
        out = [header] + [block for item in items[:shown] for block in item_blocks(item)]
        more = f"… and {rest} more ticket{'s' if rest != 1 else ''}"
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": more}})
        return out
    return [header] + [block for item in items for block in item_blocks(item)]


class SlackNotifier(HttpNotifier):
    """Posts a Block Kit message to a Slack incoming webhook."""

    type_name: ClassVar[str] = "slack"
    config_model: ClassVar[type[NotifierConfig]] = SlackConfig

    def payload(self, message: AlertMessage) -> dict[str, Any]:
        # `text` is what notifications and clients without Block Kit show.
        return {"text": message.title, "blocks": blocks(message)}


__all__ = ["MAX_BLOCKS", "SlackConfig", "SlackNotifier", "blocks", "escape", "item_blocks"]
