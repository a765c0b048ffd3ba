"""FakeZendesk's side of the scenario protocol (``slabridge.testing.fake_protocol``).

A loaded ticket is stored as Zendesk holds it: the ticket record (tags lowercased, custom
fields as ``custom_fields[{id, value}]`` by numeric field id) and its audits, where replies are
``Comment`` events with a ``public`` flag by an agent or an end-user (the connector tells them
apart by the author's role) and status and priority changes are ``Change`` events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slabridge.sla.ticket import Ticket
from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge.testing.scenario_pages import ListPageHooks

EXPORT_PATHS = ("/api/v2/incremental/tickets/cursor", "/api/v2/incremental/tickets/cursor.json")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZendeskScenarios(ListPageHooks):
    """Loads, breaks and races tickets for the standard suite; Zendesk can hold every part."""

    scenario_limits: frozenset[str] = frozenset()

    if TYPE_CHECKING:
        tickets: dict[int, dict[str, Any]]
        audits: dict[int, list[dict[str, Any]]]
        AGENT_ID: int

        def load_normalized(self, ticket: Ticket) -> str: ...

        def _add_audit(
            self, tid: int, at: str, author: int, events: list[dict[str, Any]]
        ) -> dict[str, Any]: ...

    def load_ticket(self, ticket: Ticket) -> str:
        """Store ``ticket`` with its audits as Zendesk records it; return the Zendesk id.

        Custom fields must be keyed by Zendesk ticket field id (digits), as the connector
        names them; ``product`` goes to the fake's product field. Raises ValueError naming a
        field key Zendesk could not hold.
        """
        for key in ticket.fields:
            if not key.isdigit():
                raise ValueError(
                    f"FakeZendesk.load_ticket: fields[{key!r}]: Zendesk custom fields are keyed "
                    "by their numeric ticket field id"
                )
        return self.load_normalized(ticket)

    def corrupt_ticket(self, ticket_id: str) -> None:
        """Drop the record's ``created_at`` (null), leaving its place in the export unchanged."""
        with self.lock:
            self.tickets[int(ticket_id)]["created_at"] = None

    def touch_at(self, ticket_id: str, moment: datetime) -> None:
        """Edit the subject at ``moment`` (an agent's audit); ``updated_at`` and the export's
        ``generated_timestamp`` become that second."""
        with self.lock:
            tid = int(ticket_id)
            ticket = self.tickets[tid]
            old = ticket.get("subject")
            new = f"{old} (edited {_iso(moment)})"
            at = _iso(moment)
            event = {"type": "Change", "field_name": "subject", "value": new, "previous_value": old}
            self._add_audit(tid, at, self.AGENT_ID, [event])
            self.audits[tid].sort(key=lambda audit: str(audit["created_at"]))
            ticket.update(subject=new, raw_subject=new, updated_at=at)
            ticket["generated_timestamp"] = int(moment.timestamp())

    def is_list_page(self, request: FakeRequest) -> bool:
        return request.method == "GET" and request.path in EXPORT_PATHS

    def is_next_list_page(self, request: FakeRequest) -> bool:
        return bool(request.arg("cursor"))  # the first page is asked by start_time

    def list_page_has_more(self, response: FakeResponse) -> bool:
        body = response.body
        return isinstance(body, dict) and body.get("end_of_stream") is False


__all__ = ["ZendeskScenarios"]
