"""The connector contract: what every helpdesk connector implements, built-in or third-party.

A connector knows its API: how to page through changed tickets from a cursor, how to map the
helpdesk's fields onto the normalized :class:`~slabridge.sla.ticket.Ticket`, and how to apply a
:class:`ChangeSet`. Cursors, retries of failed writes and what is due when live in the sync engine.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from slabridge.connectors.helpdesk_sla import HelpdeskSla
from slabridge.connectors.mapping import ConnectorMapping
from slabridge.sla.ticket import Ticket


class ConnectorConfig(BaseModel):
    """Base of every connector's config model (one entry under ``connectors:``).

    Override in a subclass: add the connector's own keys, with credentials typed ``SecretStr``
    so that they never print. Unknown keys are errors, so a typo is caught at load time.
    ``mapping`` is the shared mapping block (``connectors.mapping.ConnectorMapping``); a
    connector with extra mapping keys subclasses that model and redeclares ``mapping``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    mapping: ConnectorMapping = ConnectorMapping()

    def secrets(self) -> list[str]:
        """The plain values of every ``SecretStr`` field (top level), for log redaction."""
        values = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        return values


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a connector can write back; the config loader rejects actions it cannot do."""

    tags: bool = True
    priority: bool = True
    fields: bool = True
    bulk_tags: bool = False
    conflict_check: bool = False
    # The helpdesk stores tags lowercased (Zendesk): the sync compares and writes them so.
    folds_tag_case: bool = False
    # The ticket's events include its priority changes. Without them (Freshdesk) the sync adds
    # the priority changes it made itself (slabridge.sync.own_writes).
    priority_history: bool = True


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A point in the read where every ticket yielded before it is covered by ``cursor``."""

    cursor: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the API returned that could not become a ticket; logged, counted, never fatal.

    Set ``gone`` when the ticket no longer exists (deleted, spam, archived, not visible): the
    sync then stops tracking it and parks its pending writes. A malformed record (``gone``
    False) stays tracked and is tried again on the next run.
    """

    ticket_id: str | None
    reason: str
    gone: bool = False


ReadItem = Ticket | Checkpoint | Skipped


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """The difference between what slabridge wants on a ticket and what the ticket carries.

    ``fields`` maps the helpdesk's own field key (as configured under ``actions.fields``) to the
    value to set. ``expected_updated_at`` is the ``updated_at`` the plan was made against; a
    connector with a conflict check (Zendesk ``safe_update``) sends it and reports a conflict.
    ``raised_from`` is the ticket's priority when the ``priority`` raise was planned: a retry
    or a re-plan raises it only while the ticket still has that priority, so an agent who set
    another one meanwhile is not overruled (None: not known, from an older outbox entry).
    """

    ticket_id: str
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    priority: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    expected_updated_at: datetime | None = None
    raised_from: str | None = None

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
            "raised_from": self.raised_from,
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
    """Something an admin must fix before a sync can work, said so they can act on it.

    With ``warning``, the sync can run but may not count what the admin meant (an unmapped
    status, a mapping that leaves most tickets without a tier): ``check`` prints it as
    ``warn`` and still exits 0.
    """

    message: str
    hint: str | None = None
    warning: bool = False


class Connector(ABC):
    """Base class of every helpdesk connector.

    Subclasses set ``type_name``, ``config_model`` and ``capabilities`` and implement
    :meth:`check`, :meth:`read`, :meth:`fetch` and :meth:`apply`. A connector is created once per
    configured instance (``connectors.<instance>`` in the file) and used from one thread.

    Override:
        * ``type_name`` (always): the value of ``type:`` in the config, e.g. ``"zendesk"``; also
          what the connector puts in ``Ticket.source``.
        * ``config_model`` (always): a :class:`ConnectorConfig` subclass with the connector's keys.
        * ``capabilities`` (when the API cannot do something): the config loader rejects actions
          a connector cannot write back.
        * ``__init__`` (usually): call ``super().__init__(instance, config, sleep=sleep)`` first,
          then build the :class:`~slabridge.connectors.http.HttpClient` passing
          ``sleep=self.sleep`` so that tests can record waits instead of sleeping.
        * :meth:`api_calls` and :meth:`close` when the connector holds an HTTP client.

    Attributes:
        instance: the configured instance name (the key under ``connectors:``).
        config: the validated config, an instance of ``config_model``.
        sleep: how the connector waits (retries, rate limits); tests inject a recorder.
    """

    type_name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        instance: str,
        config: ConnectorConfig,
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.instance = instance
        self.config = config
        self.sleep: Callable[[float], None] = time.sleep if sleep is None else sleep

    @abstractmethod
    def check(self) -> list[CheckProblem]:
        """Verify credentials, permissions and that mapped fields exist.

        Always override. Make one or two cheap calls (who am I, list the custom fields) and turn
        every failure into a :class:`CheckProblem` an admin can act on, e.g. "the token lacks
        admin rights: incremental export needs them". Do not raise for bad credentials or
        missing rights; do let unexpected errors (a 5xx after retries) raise.

        Returns:
            The problems found; an empty list when a sync can run.
        """

    @abstractmethod
    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        """Yield tickets changed since ``cursor`` (all tickets when None), in API order.

        Always override. Yield a :class:`Checkpoint` whenever every ticket yielded so far is
        covered by its cursor, and at least once at the end, even when nothing changed (then
        with the cursor it was given, or a later one). Yield :class:`Skipped` for a record that
        cannot be normalized; never raise for one. The cursor is opaque to the sync: encode in
        it whatever resuming needs (:class:`~slabridge.connectors.cursor.InclusiveCursor` does
        the common "updated at or after, with de-duplication at the boundary" case).

        Args:
            cursor: a cursor from an earlier :class:`Checkpoint`, or None for a full read.

        Raises:
            HttpError: the API failed for good (4xx other than 429, or retries exhausted).
        """

    @abstractmethod
    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        """Yield the current state of the given tickets; deleted ones yield :class:`Skipped`.

        Always override. The sync calls it to re-evaluate tickets whose due time passed
        without a change in the helpdesk; use a bulk endpoint where there is one.
        """

    @abstractmethod
    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        """Apply change sets, in bulk where the API allows; one result per change set, in order.

        Always override. Must be idempotent: applying the same change set twice leaves the
        ticket as once. Only the tags named in the change set are added or removed; other tags
        stay. An empty change set sends nothing and is ``applied``. Report a 4xx as
        ``rejected`` (with the redacted error), a transient failure as ``retry`` and a failed
        conflict check as ``conflict``; do not raise for one ticket's failure.
        """

    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        """Why ``key`` cannot name a field this connector writes; None when it can.

        Override when the API constrains field keys (numeric ids, a ``cf_`` prefix, fields
        written another way). The config loader asks for every key under
        ``actions.fields.<instance>``, so a bad one is a config error at load time, naming its
        key path, rather than a rejected write at the first sync (POLICY.md §5). Say what a
        valid key looks like; never echo other config values.
        """
        return None

    def check_write_fields(self, wanted: Mapping[str, str]) -> list[CheckProblem]:
        """Problems with the fields ``actions.fields.<instance>`` writes; ``slabridge check`` asks.

        ``wanted`` maps a role (``due_at``: an ISO 8601 timestamp is written; ``breached``: a
        flag) to the helpdesk's field key. Override to list the helpdesk's fields and say which
        is missing, inactive or of a kind that cannot hold the value
        (:func:`slabridge.connectors.write_fields.write_field_problems` does the comparing).
        """
        return []

    def estimate_changed(self, cursor: str | None) -> int | None:
        """About how many tickets ``read(cursor)`` will yield, or None when the API has no count.

        Optional. One cheap API call at most; the sync asks before a read that a person
        watches (the progress bar then shows a total and the time left) and before a first
        sync (it says how many tickets are ahead). An upper bound is fine; never raise for it.
        """
        return None

    def helpdesk_slas(self, ticket_ids: Sequence[str]) -> Iterator[HelpdeskSla | Skipped] | None:
        """The helpdesk's own SLA verdict on each ticket, for ``slabridge shadow``; None if none.

        Optional. Override when the helpdesk computes SLAs and the API exposes them (Zendesk's
        ``include=slas``, Jira Service Management's SLA fields): one item per id, in any order,
        a :class:`Skipped` for an id the helpdesk does not know. Read-only; never writes.
        """
        return None

    @classmethod
    def tag_problem(cls, tag: str) -> str | None:
        """Why the helpdesk would refuse ``tag``; None when it accepts it.

        Override when the API limits tags (length, characters). The config loader asks for
        every tag ``actions.tags`` makes, those made from policy names included, so a tag the
        helpdesk refuses is a config error at load time, naming its key path, rather than a
        rejected write at the first sync.
        """
        return None

    def ticket_url(self, ticket_id: str) -> str | None:
        """The ticket's page in the helpdesk, for alerts to link to; None when not known."""
        return None

    def api_calls(self) -> int:
        """How many HTTP requests this connector has made (for the run summary).

        Override to return ``self.http.calls`` when the connector has an HTTP client.
        """
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook, most connectors need nothing
        """Release sessions and sockets."""

    def uses_state_store(self) -> bool:
        """True when the connector keeps credentials in the state store (rotating OAuth tokens).

        ``slabridge check`` opens the store only for such connectors; ``sync`` always has one.
        """
        return False

    def attach_state_store(self, store: Any) -> None:  # noqa: B027 - optional hook
        """Called once, before any API call, with the open ``StateStore``.

        Override to keep rotated refresh tokens there (see
        ``slabridge.connectors.oauth_settings.OAuthSettings.attach``).
        """


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
