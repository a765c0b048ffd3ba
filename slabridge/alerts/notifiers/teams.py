"""Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received").

The body is a message with one Adaptive Card attachment, the shape Microsoft documents for the
Teams webhook trigger (https://learn.microsoft.com/en-us/connectors/teams/#microsoft-teams-webhook).
The old Office 365 connector webhooks (``webhook.office.com``) are retired
(https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/);
a Workflows URL carries its authorization in the ``sig=`` query parameter, so it is a secret.
"""

from __future__ import annotations

from typing import Any, ClassVar

from slabridge.alerts.message import AlertItem, AlertMessage
from slabridge.alerts.notifiers.base import NotifierConfig
from slabridge.alerts.notifiers.http_channel import HttpChannelConfig, HttpNotifier

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"  # the newest version Teams renders everywhere (desktop, web, mobile)
MAX_ITEMS = 30  # a card past ~28 KB is refused; a digest shows this many and counts the rest


class TeamsConfig(HttpChannelConfig):
    """``alerts.channels.<name>`` of ``type: teams``: ``url`` is the Workflows webhook URL."""


def _markdown(text: str) -> str:
    # Adaptive Card TextBlocks render a subset of Markdown; keep ticket text literal.
    for mark in ("\\", "*", "_", "[", "]", "`"):
        text = text.replace(mark, f"\\{mark}")
    return text


def item_elements(item: AlertItem) -> list[dict[str, Any]]:
    """A line with the ticket (linked) and what happened, and the facts below it."""
    label = _markdown(f"{item.connector} #{item.ticket_id}")
    link = f"[{label}]({item.ticket_url})" if item.ticket_url else label
    subject = f" {_markdown(item.subject)}" if item.subject else ""
    what = f"{item.metric.replace('_', ' ')} {item.event.replace('_', ' ')}"
    facts = [{"title": "Due", "value": item.due_local}, {"title": "To do", "value": item.action}]
    facts += [{"title": "Policy", "value": item.policy}] if item.policy else []
    facts += [{"title": "Priority", "value": item.priority}] if item.priority else []
    return [
        {
            "type": "TextBlock",
            "text": f"**{link}**{subject}: {_markdown(what)}",
            "wrap": True,
            "separator": True,
        },
        {"type": "FactSet", "facts": facts},
    ]


def card(message: AlertMessage) -> dict[str, Any]:
    """The Adaptive Card of ``message``."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "size": "Large",
            "weight": "Bolder",
            "wrap": True,
        }
    ]
    for item in message.items[:MAX_ITEMS]:
        body += item_elements(item)
    rest = len(message.items) - MAX_ITEMS
    if rest > 0:
        more = f"… and {rest} more ticket{'s' if rest != 1 else ''}"
        body.append({"type": "TextBlock", "text": more, "wrap": True, "isSubtle": True})
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }


class TeamsNotifier(HttpNotifier):
    """Posts an Adaptive Card to a Teams Workflows webhook."""

    type_name: ClassVar[str] = "teams"
    config_model: ClassVar[type[NotifierConfig]] = TeamsConfig

    def payload(self, message: AlertMessage) -> dict[str, Any]:
        return {
            "type": "message",
            "attachments": [
                {"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card(message)}
            ],
        }


__all__ = ["TeamsConfig", "TeamsNotifier", "card", "item_elements"]
