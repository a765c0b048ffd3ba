"""The connector contract: what every helpdesk connector implements, built-in or third-party.

A connector knows its API: how to page through changed tickets from a cursor, how to map the
helpdesk's fields onto the normalized :class:`~slabridge.sla.ticket.Ticket`, and how to apply a
:class:`ChangeSet`. Cursors, retries of failed writes and what is due when live in the sync engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from slabridge.sla.ticket import Ticket


class ConnectorConfig(BaseModel):
    """Base of every connector's config model (one entry under ``connectors:``).

    Override in a subclass: add the connector's own keys, with credentials typed ``SecretStr``
    so that they never print. Unknown keys are errors, so a typo is caught at load time.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    mapping: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a connector can write back; the config loader rejects actions it cannot do."""

    tags: bool = True
    priority: bool = True
    fields: bool = True
    bulk_tags: bool = False
    conflict_check: bool = False


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A point in the read where every ticket yielded before it is covered by ``cursor``."""

    cursor: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the API returned that could not become a ticket; logged, counted, never fatal."""

    ticket_id: str | None
    reason: str


ReadItem = Ticket | Checkpoint | Skipped


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """The difference between what slabridge wants on a ticket and what the ticket carries.

    ``fields`` maps the helpdesk's own field key (as configured under ``actions.fields``) to the
    value to set. ``expected_updated_at`` is the ``updated_at`` the plan was made against; a
    connector with a conflict check (Zendesk ``safe_update``) sends it and reports a conflict.
    """

    ticket_id: str
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    priority: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    expected_updated_at: datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.add_tags or self.remove_tags or self.priority or self.fields)

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "add_tags": sorted(self.add_tags),
            "remove_tags": sorted(self.remove_tags),
            "priority": self.priority,
            "fields": dict(self.fields),
            "expected_updated_at": (
                None if self.expected_updated_at is None else self.expected_updated_at.isoformat()
            ),
        }


WriteOutcome = Literal["applied", "conflict", "retry", "rejected"]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How one change set fared.

    ``applied``: done. ``conflict``: the ticket changed since it was read (re-read and re-plan).
    ``retry``: a transient failure (keep it in the outbox). ``rejected``: the API refused it for
    good (a 4xx); the sync parks it with ``error`` and reports it.
    """

    ticket_id: str
    outcome: WriteOutcome
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CheckProblem:
    """Something an admin must fix before a sync can work, said so they can act on it."""

    message: str
    hint: str | None = None


class Connector(ABC):
    """Base class of every helpdesk connector.

    Subclasses set ``type_name``, ``config_model`` and ``capabilities`` and implement
    :meth:`check`, :meth:`read`, :meth:`fetch` and :meth:`apply`. A connector is created once per
    configured instance (``connectors.<instance>`` in the file) and used from one thread.
    """

    type_name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, instance: str, config: ConnectorConfig) -> None:
        self.instance = instance
        self.config = config

    @abstractmethod
    def check(self) -> list[CheckProblem]:
        """Verify credentials, permissions and that mapped fields exist; [] when all is well."""

    @abstractmethod
    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        """Yield tickets changed since ``cursor`` (all tickets when None), in API order.

        Yield a :class:`Checkpoint` whenever every ticket yielded so far is covered by its
        cursor, and at least once at the end, even when nothing changed. Yield
        :class:`Skipped` for a record that cannot be normalized; never raise for one.
        """

    @abstractmethod
    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        """Yield the current state of the given tickets (deleted ones are skipped)."""

    @abstractmethod
    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        """Apply change sets, in bulk where the API allows; one result per change set.

        Must be idempotent: applying the same change set twice leaves the ticket as once.
        Only the tags named in the change set are added or removed; other tags stay.
        """

    def api_calls(self) -> int:
        """How many HTTP requests this connector has made (for the run summary)."""
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook, most connectors need nothing
        """Release sessions and sockets."""


__all__ = [
    "Capabilities",
    "ChangeSet",
    "CheckProblem",
    "Checkpoint",
    "Connector",
    "ConnectorConfig",
    "ReadItem",
    "Skipped",
    "WriteOutcome",
    "WriteResult",
]
