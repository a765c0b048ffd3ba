"""What an alert says: the contract between alert rules (who hears what) and notifiers (how).

Rules turn ``sla_events`` into :class:`AlertMessage` objects; the outbox stores each as JSON
(:meth:`AlertMessage.to_json`) in the same transaction as the events; a notifier delivers one
message, read back with :meth:`AlertMessage.from_json`. A digest is one message with several
items. Times are UTC instants; ``due_local`` is the due time already written in the calendar's
local time, so that every channel shows the same words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from slabridge.errors import SlabridgeError


class DeliveryError(SlabridgeError):
    """A notifier could not deliver; its message must already be free of secrets."""


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One ticket's clock that tripped a rule."""

    connector: str
    ticket_id: str
    ticket_url: str | None  # the ticket in its helpdesk, when the connector can link it
    subject: str | None
    metric: str  # first_response | next_response | resolution
    cycle: int
    event: str  # at_risk | breached
    due_at: datetime
    due_local: str  # e.g. "Tue 8 Dec 2026 17:00 CET (berlin)"
    policy: str | None
    priority: str | None
    action: str  # what to do, in words: "reply to the customer before 17:00 CET"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["due_at"] = self.due_at.isoformat().replace("+00:00", "Z")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertItem:
        values = dict(data)
        values["due_at"] = datetime.fromisoformat(str(values["due_at"]).replace("Z", "+00:00"))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """One message to one channel: a single alert, or a digest of several."""

    channel: str  # the name under alerts.channels
    rule: str  # the name of the rule that fired
    level: int  # escalation level, 1 = first
    title: str  # one line: "SLA at risk: 3 tickets" / "SLA breached: zendesk #4821"
    items: tuple[AlertItem, ...] = field(default_factory=tuple)

    @property
    def is_digest(self) -> bool:
        return len(self.items) > 1

    def text(self) -> str:
        """Plain text for channels without formatting (e-mail body, fallbacks)."""
        lines = [self.title, ""]
        for item in self.items:
            where = item.ticket_url or f"{item.connector} ticket {item.ticket_id}"
            lines.append(
                f"- {item.metric} {item.event.replace('_', ' ')} on {where}"
                f"{f' ({item.subject})' if item.subject else ''}: due {item.due_local}. "
                f"{item.action}"
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "rule": self.rule,
            "level": self.level,
            "title": self.title,
            "items": [item.to_json() for item in self.items],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertMessage:
        return cls(
            channel=str(data["channel"]),
            rule=str(data["rule"]),
            level=int(data["level"]),
            title=str(data["title"]),
            items=tuple(AlertItem.from_json(item) for item in data.get("items", [])),
        )


__all__ = ["AlertItem", "AlertMessage", "DeliveryError"]
