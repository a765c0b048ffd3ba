"""FakeFreshdesk's side of the scenario protocol (``slabridge.testing.fake_protocol``).

A loaded ticket is stored as Freshdesk holds it: the ticket (status and priority as numbers,
custom fields under ``cf_*``, a priority always set: Low when the ticket has none) with its
``stats`` timestamps, and its replies as conversations (``incoming`` from the requester,
``private`` for a note, ``user_id`` the agent or the contact). Freshdesk keeps no priority
history and no status history beyond the latest of each kind in ``stats``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from slabridge.sla.ticket import Ticket
from slabridge.testing.fake_protocol import LIMIT_PRIORITY_HISTORY, LIMIT_STATUS_HISTORY
from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge.testing.scenario_pages import ListPageHooks
from slabridge_freshdesk.fake_payloads import stamp

LIST_PATH = "/api/v2/tickets"


class FreshdeskScenarios(ListPageHooks):
    """Loads, breaks and races tickets for the standard suite.

    Freshdesk v2 has no change history: a priority change leaves no trace, and of the status
    history only ``stats`` remain (the latest ``pending_since``, ``resolved_at``,
    ``closed_at``, ``reopened_at`` and ``status_updated_at``), so neither is held as given.
    """

    scenario_limits: frozenset[str] = frozenset({LIMIT_PRIORITY_HISTORY, LIMIT_STATUS_HISTORY})

    if TYPE_CHECKING:
        tickets: dict[int, dict[str, Any]]

        def load_normalized(self, ticket: Ticket) -> str: ...

    def load_ticket(self, ticket: Ticket) -> str:
        """Store ``ticket`` with its conversations as Freshdesk records it; return its id.

        Custom fields must be keyed ``cf_*``, as the connector names them (each becomes a
        declared ticket field). Raises ValueError naming a field key Freshdesk could not hold.
        """
        for key in ticket.fields:
            if not key.startswith("cf_"):
                raise ValueError(
                    f"FakeFreshdesk.load_ticket: fields[{key!r}]: Freshdesk custom fields are "
                    "keyed cf_<name>"
                )
        return self.load_normalized(ticket)

    def corrupt_ticket(self, ticket_id: str) -> None:
        """Drop the record's ``created_at`` (null); its ``updated_at`` keeps its list place."""
        with self.lock:
            self.tickets[int(ticket_id)]["created_at"] = None

    def touch_at(self, ticket_id: str, moment: datetime) -> None:
        """Edit the subject; ``updated_at`` becomes ``moment`` (whole seconds, as Freshdesk)."""
        with self.lock:
            ticket = self.tickets[int(ticket_id)]
            ticket["subject"] = f"{ticket.get('subject')} (edited)"
            ticket["updated_at"] = stamp(moment)

    def is_list_page(self, request: FakeRequest) -> bool:
        return request.method == "GET" and request.path == LIST_PATH

    def is_next_list_page(self, request: FakeRequest) -> bool:
        # A page number past one, or a keyset continuation: ``page=1`` again with a later
        # ``updated_since`` right after a page whose Link said more was coming.
        try:
            if int(request.arg("page") or 1) > 1:
                return True
        except ValueError:
            return False
        return self.last_list_page_had_more

    def list_page_has_more(self, response: FakeResponse) -> bool:
        return 'rel="next"' in response.headers.get("Link", "")


__all__ = ["FreshdeskScenarios"]
