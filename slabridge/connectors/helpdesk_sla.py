"""The helpdesk's own SLA verdict on a ticket, as a connector reads it for the parity audit.

Zendesk (SLA policies), Jira Service Management (SLA fields) and Freshdesk (due-by fields)
compute SLAs of their own. Before an admin lets slabridge enforce, ``slabridge shadow`` compares
the two verdicts ticket by ticket; a connector that can read its helpdesk's verdict overrides
:meth:`slabridge.connectors.base.Connector.helpdesk_slas` and returns these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slabridge.sla.results import METRICS


@dataclass(frozen=True, slots=True)
class HelpdeskTarget:
    """One SLA target as the helpdesk reports it, mapped onto a slabridge metric.

    Attributes:
        metric: the slabridge metric it corresponds to (``first_response``, ``next_response``,
            ``resolution``).
        name: the helpdesk's own name for it (``first_reply_time``, "Time to first response").
        due_at: when the helpdesk says it is (or was) due; None when it does not say (paused).
        breached: whether the helpdesk counts it as breached; None when it does not say.
        stopped: whether the helpdesk considers the target met or otherwise finished.
        paused: whether the helpdesk's clock is paused now.
    """

    metric: str
    name: str
    due_at: datetime | None
    breached: bool | None
    stopped: bool = False
    paused: bool = False

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"metric {self.metric!r} is not one of: {', '.join(METRICS)}")


@dataclass(frozen=True, slots=True)
class HelpdeskSla:
    """The helpdesk's verdict on one ticket.

    Attributes:
        ticket_id: the ticket, as the connector names it.
        targets: the targets the helpdesk measures that map onto a slabridge metric.
        unmapped: names of helpdesk metrics slabridge has no counterpart for (listed, not compared).
        policy: the helpdesk's SLA policy name, when it says.
    """

    ticket_id: str
    targets: tuple[HelpdeskTarget, ...]
    unmapped: tuple[str, ...] = ()
    policy: str | None = None


__all__ = ["HelpdeskSla", "HelpdeskTarget"]
