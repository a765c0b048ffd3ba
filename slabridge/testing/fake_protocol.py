"""What a connector's fake offers so that the standard suite can drive it through canonical cases.

The standard suite (``slabridge.testing.suite``) checks mechanics with the harness methods alone:
paging, cursors, retries, idempotent writes. To check *meaning* (an internal note is not a public
reply, a customer's reply is not an agent's, custom fields are merged, a malformed record is
skipped and the read goes on, nothing is lost at the cursor's boundary second or when a ticket
changes during the read) it needs to put a known ticket into the fake and read it back. A fake
that implements :class:`ScenarioFake` gets those tests; see docs/plugins/testing.md.

The signatures here are public API with the same stability promise as ``slabridge.connectors``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

from slabridge.sla.ticket import Ticket

# What a service may be unable to hold; a fake names these in ``scenario_limits`` and the suite
# then neither loads nor compares that part of a ticket.
LIMIT_PRIORITY_HISTORY = "priority_history"  # e.g. Freshdesk: no priority change history
LIMIT_INTERNAL_REPLIES = "internal_replies"  # a service without internal notes
LIMIT_CUSTOMER_REPLIES = "customer_replies"  # a service where customers cannot reply via the API
LIMIT_STATUS_HISTORY = "status_history"  # a service that keeps no status change history
SCENARIO_LIMITS: tuple[str, ...] = (
    LIMIT_PRIORITY_HISTORY,
    LIMIT_INTERNAL_REPLIES,
    LIMIT_CUSTOMER_REPLIES,
    LIMIT_STATUS_HISTORY,
)


@runtime_checkable
class ScenarioFake(Protocol):
    """The handful of methods a fake implements so the suite can load, break and race tickets.

    Attributes:
        scenario_limits: the :data:`SCENARIO_LIMITS` this service cannot hold (empty when it can
            hold all); the suite skips loading and comparing exactly those parts.
    """

    scenario_limits: frozenset[str]

    def load_ticket(self, ticket: Ticket) -> str:
        """Store ``ticket`` in the fake as the real service would hold it; return its id there.

        The record's creation and update times are the ticket's ``created_at``/``updated_at``
        (not the fake's clock), and its history is the ticket's ``events`` in the service's own
        shape: replies (public or internal, by an agent or the customer) as comments or
        conversations, status and priority changes as audits or changelog entries. ``status``,
        ``priority``, ``tags`` and ``fields`` (custom fields, keyed as the connector names them
        in the normalized ticket) are the record's current values. The ticket's ``id`` is a
        suggestion; a fake that numbers its own records returns the id the connector will read
        the ticket back under.
        """
        ...

    def corrupt_ticket(self, ticket_id: str) -> None:
        """Make that record malformed the way the API could send it (e.g. its creation time gone).

        The connector must yield :class:`~slabridge.connectors.base.Skipped` for it, with a
        reason, and go on reading: the cursor must move past it.
        """
        ...

    def touch_at(self, ticket_id: str, moment: datetime) -> None:
        """Change the ticket (a harmless edit, e.g. a tag) so that its update time is ``moment``.

        The suite uses this to put several changes into the cursor's boundary second.
        """
        ...

    def after_list_pages(self, pages: int, action: Callable[[], None]) -> None:
        """Run ``action`` once, right after the fake has served ``pages`` pages of the list read.

        "List read" is the incremental read the connector's ``read()`` pages through. The suite
        uses it to edit a ticket while a read is between pages.
        """
        ...

    def repeat_next_page(self) -> None:
        """From now on, answer every request for a next list page with the page just served.

        Whatever the API's paging style (tokens, cursor links, page numbers, offsets), the
        connector must notice that the page repeats and stop, yielding each ticket once.
        """
        ...


def missing_scenario_methods(fake: object) -> list[str]:
    """The :class:`ScenarioFake` members ``fake`` lacks, for a failure message that names them."""
    names = ["scenario_limits", "load_ticket", "corrupt_ticket", "touch_at", "after_list_pages"]
    names.append("repeat_next_page")
    return [name for name in names if not hasattr(fake, name)]
