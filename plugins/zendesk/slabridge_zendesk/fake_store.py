"""FakeZendesk's ticket store: records as Zendesk shapes them, changes applied as audits."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
TOO_MANY_VALUES = {
    "error": "TooManyValues",
    "description": "Parameter  cannot specify more than 100 values",
    "max_count": 100,
}
CONFLICT = {"error": "DatabaseConflict", "description": "Database collision"}
STATUS_TO_NATIVE = {"on_hold": "hold"}
STATUS_FROM_NATIVE = {"hold": "on_hold"}
API_VIA: dict[str, Any] = {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fold_tags(tags: Iterable[str]) -> list[str]:
    """Tags as Zendesk stores them: lowercased, each once, in the order given."""
    return list(dict.fromkeys(str(tag).lower() for tag in tags))


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _error(code: int, error: str, description: str, /, **details: Any) -> FakeResponse:
    body: dict[str, Any] = {"error": error, "description": description}
    if details:
        body["details"] = details
    return FakeResponse(code, body)


def _record_invalid(field: str, description: str, error: str = "InvalidValue") -> FakeResponse:
    return _error(
        422,
        "RecordInvalid",
        "Record validation errors",
        **{field: [{"description": description, "error": error}]},
    )


class ZendeskStore(FakeAPI):
    """Tickets, audits and users in memory, and the one way a change reaches them (an audit)."""

    if TYPE_CHECKING:
        AGENT_ID: int
        subdomain: str
        clock: Callable[[], datetime]
        tickets: dict[int, dict[str, Any]]
        audits: dict[int, list[dict[str, Any]]]
        _next_object: int

    def _update(
        self,
        tid: int,
        update: Mapping[str, Any],
        author: int,
        *,
        extra_events: list[dict[str, Any]] | None = None,
        force: bool = False,
        via: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Apply field changes as one audit; bump updated_at when something changed."""
        ticket = self.tickets[tid]
        now = self.clock()
        previous = _parse(ticket["updated_at"])
        if now <= previous:
            now = previous + timedelta(seconds=1)
        at = _iso(now)
        events = self._apply(ticket, update) + list(extra_events or [])
        if not events and not force:
            return None
        audit = self._add_audit(tid, at, author, events, via=via)
        ticket["updated_at"] = at
        ticket["generated_timestamp"] = int(now.timestamp())
        return audit

    def _set_and_audit(self, tid: int, at: str, author: int, **update: Any) -> None:
        """Seeding: apply changes as an audit at a given time (no write counted)."""
        ticket = self.tickets[tid]
        events = self._apply(ticket, {k: v for k, v in update.items()})
        if events:
            self._add_audit(tid, at, author, events)
            ticket["updated_at"] = max(ticket["updated_at"], at)

    def _apply(self, ticket: dict[str, Any], update: Mapping[str, Any]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for name, value in update.items():
            if name.isdigit():
                fields = ticket.setdefault("custom_fields", [])
                entry = next((f for f in fields if str(f["id"]) == name), None)
                old = entry.get("value") if entry else None
                if old == value:
                    continue
                if entry is None:
                    fields.append({"id": int(name), "value": value})
                else:
                    entry["value"] = value
                ticket["fields"] = [dict(f) for f in fields]
            else:
                old = ticket.get(name)
                if old == value:
                    continue
                ticket[name] = value
            events.append(
                {"type": "Change", "field_name": name, "value": value, "previous_value": old}
            )
        return events

    def _add_audit(
        self,
        tid: int,
        at: str,
        author: int,
        events: list[dict[str, Any]],
        *,
        via: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        audit_id = self._new_id()
        for event in events:
            event.setdefault("id", self._new_id())
            if event.get("type") == "Comment":
                event["audit_id"] = audit_id
        audit = {
            "id": audit_id,
            "ticket_id": tid,
            "created_at": at,
            "author_id": author,
            "metadata": {"system": {}, "custom": {}},
            "events": events,
            "via": copy.deepcopy(dict(via or API_VIA)),
        }
        self.audits.setdefault(tid, []).append(audit)
        return audit

    def _ids(self, request: FakeRequest) -> list[int] | None:
        raw = [part for part in (request.arg("ids") or "").split(",") if part.strip()]
        if len(raw) > 100:
            return None
        return [int(part) for part in raw if part.strip().isdigit()]

    @staticmethod
    def _native_status(status: str) -> str:
        return STATUS_TO_NATIVE.get(status, status)

    def _native_ticket(
        self,
        ticket_id: int,
        *,
        created: str,
        status: str,
        priority: str | None,
        requester: int,
        org_id: int | None,
    ) -> dict[str, Any]:
        return {
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/tickets/{ticket_id}.json",
            "id": ticket_id,
            "external_id": None,
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": created,
            "updated_at": created,
            "type": None,
            "subject": f"Ticket {ticket_id}",
            "raw_subject": f"Ticket {ticket_id}",
            "description": "Ticket created",
            "priority": priority,
            "status": status,
            "recipient": None,
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": self.AGENT_ID,
            "organization_id": org_id,
            "group_id": None,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": True,
            "due_at": None,
            "tags": [],
            "custom_fields": [],
            "satisfaction_rating": None,
            "sharing_agreement_ids": [],
            "custom_status_id": None,
            "fields": [],
            "followup_ids": [],
            "ticket_form_id": 360000000100,
            "brand_id": 360000000200,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
            "generated_timestamp": int(_parse(created).timestamp()),
        }

    def _comment_event(self, author: int, body: str, public: bool) -> dict[str, Any]:
        return {
            "type": "Comment",
            "author_id": author,
            "body": body,
            "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{body}</p></div>',
            "plain_body": body,
            "public": public,
            "attachments": [],
        }

    def _user(self, user_id: int, name: str, email: str, role: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/users/{user_id}.json",
            "name": name,
            "email": email,
            "role": role,
            "active": True,
            "organization_id": None,
        }

    def _new_id(self) -> int:
        self._next_object += 1
        return self._next_object


__all__ = [
    "API_VIA",
    "CONFLICT",
    "NOT_FOUND",
    "STATUS_FROM_NATIVE",
    "STATUS_TO_NATIVE",
    "TOO_MANY_VALUES",
    "ZendeskStore",
    "fold_tags",
]
