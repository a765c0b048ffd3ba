"""The Zendesk connector: cursor export with sideloads, event history, bulk tag write-back."""

from __future__ import annotations

import json
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, ClassVar

import structlog

from slabridge.connectors.base import (
    Capabilities,
    ChangeSet,
    Checkpoint,
    CheckProblem,
    Connector,
    ConnectorConfig,
    ReadItem,
    Skipped,
    WriteOutcome,
    WriteResult,
)
from slabridge.connectors.helpdesk_sla import HelpdeskSla
from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge.connectors.oauth import OAuth2, OAuthError
from slabridge.connectors.paging import LinkPages, TokenPages
from slabridge.connectors.write_fields import HelpdeskField, write_field_problems
from slabridge.sla.ticket import Ticket
from slabridge_zendesk.auth import (
    api_token_notice,
    scope_problems,
    warn_if_api_token,
    zendesk_auth,
)
from slabridge_zendesk.condition_events import is_condition_field
from slabridge_zendesk.config import DEFAULT_PRIORITIES, ZendeskConfig
from slabridge_zendesk.helpdesk_sla import read_helpdesk_slas
from slabridge_zendesk.mapping import (
    SkipTicket,
    audits_from_ticket_events,
    custom_field_values,
    events_from_audits,
    is_merge_notice,
    normalize_ticket,
    zendesk_time,
)

log = structlog.get_logger("slabridge.zendesk")

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
TICKET_EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
MAX_IDS = 100  # show_many, update_many and users/show_many take at most 100 ids
# Last-seen ticket states (and cut-down histories) kept to skip no-op writes and audits calls,
# least recently used dropped first. About 1.7 KB each for a ticket with two audits and a few
# custom fields (measured): 10,000 bound the cache near 17 MB however many tickets a sync reads.
# A ticket no longer in it is written from its change set as given and gets its audits.
KNOWN_TICKETS = 10_000
# Users (requesters, comment authors) kept between pages; a page's own are always all kept.
KNOWN_USERS = 10_000
# Ids already yielded at the newest export second, kept to drop a copy a later page repeats.
# A bulk change can put any number of tickets on one second; past this many the oldest are
# forgotten, and a repeated copy of one of those is yielded again (the sync is idempotent).
SEEN_AT_BOUNDARY = 10_000
_EVENT_FIELDS = frozenset({"status", "priority"})
_CHILD_KEYS = ("type", "field_name", "value", "author_id", "public", "previous_value")
# A pruned audit: (id, created_at, ((type, field_name, value, author_id, public,
# previous_value), ...)).
_Audit = tuple[Any, Any, tuple[tuple[Any, ...], ...]]
_ABSENT: Any = object()  # a key the audit event did not have (``previous_value`` of a Create)
EXCLUSION_SECONDS = 60  # the export leaves out changes of the last minute
CACHE_CATCH_UP_SECONDS = 3600  # read the stream at most this far back for cached histories
# Per-ticket job errors that will not go away by retrying (anything else is retried).
PERMANENT_JOB_ERRORS = frozenset(
    {
        "RecordNotFound",
        "TicketNotFound",
        "RecordInvalid",
        "InvalidValue",
        "PermissionDenied",
        "Forbidden",
        "ClosedPreventsUpdate",
    }
)


@dataclass(slots=True)
class _Known:
    """The state of a ticket as last read or written, to skip changes that are already done."""

    tags: set[str]
    priority: str | None
    fields: dict[str, Any]
    updated_at: str | None
    # The ticket's history (audits cut down to what events are built from), complete before
    # the Unix second ``through``: with the ticket-events stream from then on it rebuilds the
    # whole history without an audits call (e.g. when our own write-back comes back changed).
    history: tuple[_Audit, ...] | None = None
    through: int = 0


@dataclass(slots=True)
class _Plan:
    """What is left of one change set once what the ticket already has is taken out."""

    index: int
    ticket_id: int
    add: frozenset[str]
    remove: frozenset[str]
    priority: str | None
    fields: dict[str, Any]
    stamp: str | None
    outcome: WriteOutcome | None = None
    error: str | None = None


@dataclass(slots=True)
class _EventStream:
    """The incremental ticket-events stream from ``start``, consumed only as far as needed."""

    start: int
    keep_from: int  # before this second, only events of tickets with a cached history are kept
    by_ticket: dict[int, list[Mapping[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    seen: set[Any] = field(default_factory=set)
    position: int = 0
    done: bool = False
    stalled: bool = False
    checked: int = 0  # the stream was read to its end after copies up to this second were made


@dataclass(slots=True)
class _ExportRead:
    """One read of the export: its window, what it yielded, and its ticket-events stream."""

    window_start: int  # the cursor's ``since``: tickets created from then have it all in the stream
    stream_start: int  # where the stream is read from (a little earlier for cached histories)
    newest_seen: int
    seen: dict[int, int] = field(default_factory=dict)  # ids at the newest second, see _dedupe
    stream: _EventStream | None = None

    def stream_usable(self) -> bool:
        """False once the stream stalled (the tickets still waiting get their audits)."""
        return self.stream is None or not self.stream.stalled

    def open_stream(self) -> _EventStream:
        """The read's stream, opened at ``stream_start`` when first needed."""
        if self.stream is None:
            self.stream = _EventStream(
                self.stream_start, self.window_start, position=self.stream_start
            )
        return self.stream


def _next_export_cursor(page: Any) -> str | None:
    """The cursor of the export page after ``page``; None at the end of the stream."""
    if not isinstance(page, Mapping) or page.get("end_of_stream", True):
        return None
    after = page.get("after_cursor")
    return after if isinstance(after, str) and after else None


def _next_audits_cursor(body: Any) -> str | None:
    """The ``page[after]`` of the audits page after ``body``; None when there are no more."""
    meta = body.get("meta") if isinstance(body, Mapping) else None
    if not isinstance(meta, Mapping) or not meta.get("has_more"):
        return None
    after = meta.get("after_cursor")
    return after if isinstance(after, str) and after else None


def _starts_at_creation(events: Sequence[Mapping[str, Any]], created: int | None) -> bool:
    """Whether the stream's events of a ticket reach back to its creation (a whole history).

    A ticket changed during a read comes again; its earlier events went with its first copy, so
    what is left starts after the creation second (the stream was read past that copy's
    version, which is at or after the creation). That copy then needs its cached history or its
    audits. Telling it by time keeps no set of the read's tickets (memory stays flat).
    """
    if created is None or not events:
        return False
    seconds = [second for second in map(_event_second, events) if second is not None]
    return bool(seconds) and min(seconds) <= created


def _cursor_json(after_cursor: str | None, start_time: int | None, since: int) -> str:
    return json.dumps(
        {"after_cursor": after_cursor, "start_time": start_time, "since": since}, sort_keys=True
    )


def _event_second(event: Mapping[str, Any]) -> int | None:
    """The Unix second of a ticket event (``timestamp``, else ``created_at``), None if unknown."""
    stamp = event.get("timestamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return stamp
    try:
        return int(zendesk_time(event.get("created_at"), "?", "created_at").timestamp())
    except SkipTicket:
        return None


def _prune(audits: Sequence[Mapping[str, Any]]) -> tuple[_Audit, ...]:
    """Audits cut down to what events are built from (status/priority changes, comments),
    as tuples: a cached history costs a few hundred bytes, not the audits' kilobytes."""
    kept: list[_Audit] = []
    for audit in audits:
        children = tuple(
            tuple(child.get(key, _ABSENT) for key in _CHILD_KEYS)
            for child in audit.get("events") or []
            if (child.get("type") == "Comment" and not is_merge_notice(audit, child))
            or (
                child.get("type") in ("Create", "Change")
                and (
                    child.get("field_name") in _EVENT_FIELDS
                    or is_condition_field(child.get("field_name"))
                )
            )
        )
        if children:
            kept.append((audit.get("id"), audit.get("created_at"), children))
    return tuple(kept)


def _expand(history: Sequence[_Audit]) -> list[dict[str, Any]]:
    """A pruned history back in the shape of audits."""
    return [
        {
            "id": audit_id,
            "created_at": created_at,
            "events": [
                {
                    key: value
                    for key, value in zip(_CHILD_KEYS, child, strict=True)
                    if value is not _ABSENT
                }
                for child in children
            ],
        }
        for audit_id, created_at, children in history
    ]


def _merge(
    history: Sequence[_Audit],
    stream_events: Sequence[Mapping[str, Any]],
    through: int,
) -> list[dict[str, Any]]:
    """A cached history (complete before the second ``through``) plus the stream's events,
    each audit once: older events are in the history already, same-second ones go by id."""
    merged = _expand(history)
    ids = {audit[0] for audit in history}
    for event in stream_events:
        second = _event_second(event)
        if (second is not None and second < through) or event.get("id") in ids:
            continue
        merged.extend(audits_from_ticket_events([event]))
    return merged


def _newest_second(audits: Sequence[Mapping[str, Any]]) -> int:
    """The newest audit's Unix second: audits just read hold every change up to then."""
    newest = 0
    for audit in audits:
        try:
            moment = zendesk_time(audit.get("created_at"), "?", "audit.created_at")
        except SkipTicket:
            return 0  # cannot tell how far the history goes: do not cache it
        newest = max(newest, int(moment.timestamp()))
    return newest


def _version(ticket: Mapping[str, Any]) -> int:
    """The export's ordering stamp; 0 for a record whose stamp is missing or not a number."""
    try:
        return int(ticket.get("generated_timestamp") or 0)
    except (TypeError, ValueError):
        return 0


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZendeskConnector(Connector):
    """Zendesk Support: cursor export reads, bulk tag writes, safe_update for the rest."""

    type_name: ClassVar[str] = "zendesk"
    config_model: ClassVar[type[ConnectorConfig]] = ZendeskConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        tags=True,
        priority=True,
        fields=True,
        bulk_tags=True,
        conflict_check=True,
        folds_tag_case=True,  # Zendesk stores every tag lowercased (docs/connectors/zendesk.md)
    )

    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        if key.isascii() and key.isdigit():
            return None
        return "Zendesk ticket fields are written by their numeric id (Admin Center, Ticket fields)"

    def __init__(
        self,
        instance: str,
        config: ConnectorConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        oauth_clock: Callable[[], float] | None = None,
    ) -> None:
        if not isinstance(config, ZendeskConfig):
            config = ZendeskConfig.model_validate(config.model_dump())
        super().__init__(instance, config)
        self.settings: ZendeskConfig = config
        self.rules = config.rules
        self._sleep = sleep
        self._clock = clock
        # One strategy for both clients, so that a renewed token serves both.
        self.auth = zendesk_auth(config, instance, sleep=sleep, clock=oauth_clock)
        warn_if_api_token(config, instance, clock())
        common: dict[str, Any] = {
            "auth": self.auth,
            "timeout": config.timeout,
            "max_attempts": config.max_attempts,
            "secrets": config.secrets(),
            "sleep": sleep,
            "connector": instance,
        }
        self.http = HttpClient(config.url, requests_per_minute=config.requests_per_minute, **common)
        # The incremental endpoints have their own budget (10/min): a separate, slower pacer.
        self.export_http = HttpClient(
            config.url, requests_per_minute=config.incremental_requests_per_minute, **common
        )
        self._users: OrderedDict[int, Mapping[str, Any]] = OrderedDict()
        self.user_limit = KNOWN_USERS
        self._through = 0  # the cached histories of the last complete read end here
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self.known_limit = KNOWN_TICKETS
        self.seen_limit = SEEN_AT_BOUNDARY
        native = {v: k for k, v in DEFAULT_PRIORITIES.items()}
        native.update({v: k for k, v in self.rules.priorities.items()})
        self._native_priority = native

    # -- contract -----------------------------------------------------------------------

    def estimate_changed(self, cursor: str | None) -> int | None:
        """For a first read, the account's ticket count (``GET /api/v2/tickets/count``).

        Zendesk calls it approximate (above 100,000 it is refreshed daily, and capped at
        100,000 while ``refreshed_at`` is null); the incremental export has no count, so a read
        from a cursor gets no estimate.
        """
        if cursor is not None:
            return None
        try:
            body = self.http.get_json("/api/v2/tickets/count.json")
            value = ((body or {}).get("count") or {}).get("value")
        except HttpError:
            return None
        return int(value) if isinstance(value, int) and value >= 0 else None

    def ticket_url(self, ticket_id: str) -> str | None:
        """The ticket in the agent interface: ``https://{sub}.zendesk.com/agent/tickets/{id}``."""
        return f"{self.settings.url.rstrip('/')}/agent/tickets/{ticket_id}"

    def api_calls(self) -> int:
        return self.http.calls + self.export_http.calls

    def close(self) -> None:
        self.http.close()
        self.export_http.close()

    def uses_state_store(self) -> bool:
        oauth = self.settings.oauth
        return oauth is not None and oauth.grant == "refresh_token"

    def attach_state_store(self, store: Any) -> None:
        if self.settings.oauth is not None and isinstance(self.auth, OAuth2):
            self.settings.oauth.attach(self.auth, store, self.instance)

    def check(self) -> list[CheckProblem]:
        me, problems = self._who_am_i()
        if problems:
            return problems
        problems = list(scope_problems(self.http, self.auth))
        if problems:
            return problems  # without `read` the field checks below would only repeat the 403
        return [
            *self._role_problems(me),
            *self._missing_ticket_fields(),
            *self._missing_organization_fields(),
        ]

    def _who_am_i(self) -> tuple[Mapping[str, Any], list[CheckProblem]]:
        """The user the credentials stand for (``users/me``), or why there is none."""
        try:
            me = self.http.get("/api/v2/users/me.json").json().get("user") or {}
        except OAuthError as exc:
            return {}, [CheckProblem(f"Zendesk OAuth: {exc}")]
        except HttpError as exc:
            return {}, self._who_am_i_failed(exc)
        if me.get("id") is None:  # Zendesk answers an anonymous user to unknown credentials
            return me, [self._bad_credentials()]
        return me, []

    def _who_am_i_failed(self, exc: HttpError) -> list[CheckProblem]:
        if exc.status == 401:
            return [self._bad_credentials()]
        if exc.status == 403 and self.settings.token is None:
            # An OAuth token without `read` (or `users:read`) cannot even ask who it is.
            return scope_problems(self.http, self.auth) or [CheckProblem(str(exc))]
        return [CheckProblem(f"cannot reach Zendesk at {self.settings.url}: {exc}")]

    @staticmethod
    def _role_problems(me: Mapping[str, Any]) -> list[CheckProblem]:
        if me.get("role") == "admin":
            return []
        return [
            CheckProblem(
                f"the user {me.get('email')!r} is a(n) {me.get('role')!r}: the incremental "
                "ticket export needs an Admin",
                hint="create the API token for an Admin (Admin Center > People > Team members)",
            )
        ]

    def _missing_ticket_fields(self) -> list[CheckProblem]:
        """The ``custom_fields.<id>`` the mapping reads that the account does not have."""
        wanted = {
            name: path.split(".", 1)[1]
            for name, path in self.rules.source_paths().items()
            if path.startswith("custom_fields.")
        }
        if not wanted:
            return []
        existing = self._ticket_field_ids()
        return [
            CheckProblem(
                f"mapping.{name} reads ticket field {field_id}, which does not exist",
                hint="create it under Admin Center > Objects and rules > "
                "Ticket fields, or fix the id in the mapping",
            )
            for name, field_id in sorted(wanted.items())
            if field_id not in existing
        ]

    def _missing_organization_fields(self) -> list[CheckProblem]:
        """The ``organization.fields.<key>`` the mapping reads that the account does not have."""
        wanted = {
            name: path.split(".")[2]
            for name, path in self.rules.source_paths().items()
            if path.startswith("organization.fields.") and path.count(".") == 2
        }
        if not wanted:
            return []
        existing = self._organization_field_keys()
        return [
            CheckProblem(
                f"mapping.{name} reads organization field {key!r}, which does not exist",
                hint="create it under Admin Center > People > Configuration > "
                "Organization fields, or fix the key in the mapping",
            )
            for name, key in sorted(wanted.items())
            if key not in existing
        ]

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        after_cursor, start_time, since = self._parse_cursor(cursor)
        if after_cursor is None:
            start_time = start_time or 0
            if start_time > int(self._clock().timestamp()) - EXCLUSION_SECONDS:
                # Nothing can be exported yet; keep the cursor as it is.
                yield Checkpoint(_cursor_json(None, start_time, since))
                return
        state = self._start_read(since)
        requested: list[str | None] = [None]

        def export_page(token: str | None) -> Any:
            requested[0] = token
            return self._export_page(token, start_time)

        pages = TokenPages(export_page, _next_export_cursor, first_token=after_cursor)
        for page in pages:
            # The cursor did not move: the same page served again (see _page_items).
            served_again = bool(requested[0]) and page.get("after_cursor") == requested[0]
            yield from self._page_items(state, page, served_again=served_again)
            after_cursor = page.get("after_cursor") or after_cursor
            yield Checkpoint(_cursor_json(after_cursor, start_time, state.newest_seen))
        if pages.repeated:
            # The API handed back a cursor it already gave: reading on would loop forever.
            log.warning("zendesk_cursor_repeated", connector=self.instance, cursor=after_cursor)
        elif state.stream is not None and not state.stream.stalled:
            self._carry_histories(state.stream)

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        numeric = [tid for tid in ticket_ids if str(tid).isdigit()]
        for tid in ticket_ids:
            if not str(tid).isdigit():
                yield Skipped(str(tid), "not a Zendesk ticket id")
        for start in range(0, len(numeric), MAX_IDS):
            chunk = numeric[start : start + MAX_IDS]
            self._forget_old_users()
            body = self.http.get(
                "/api/v2/tickets/show_many.json",
                params={"ids": ",".join(chunk), "include": "users,organizations"},
            ).json()
            self._remember_users(body.get("users") or [])
            organizations = {o["id"]: o for o in body.get("organizations") or [] if "id" in o}
            found = {t["id"]: t for t in body.get("tickets") or [] if isinstance(t.get("id"), int)}
            histories: dict[int, list[dict[str, Any]]] = {}
            for ticket_id, ticket in found.items():
                if ticket.get("status") != "deleted":
                    histories[ticket_id] = self._ticket_audits(ticket_id)
            self._load_authors(histories.values())
            for tid in chunk:
                ticket = found.get(int(tid))
                if ticket is None:
                    yield Skipped(tid, "not found (deleted or archived)", gone=True)
                else:
                    yield self._normalize(ticket, organizations, histories.get(int(tid)))

    def helpdesk_slas(self, ticket_ids: Sequence[str]) -> Iterator[HelpdeskSla | Skipped]:
        """Zendesk's own SLA verdicts (``include=slas``), for ``slabridge shadow``."""
        return read_helpdesk_slas(self.http, ticket_ids)

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        plans = [self._plan(index, change) for index, change in enumerate(changes)]
        for plan in plans:
            if plan.outcome is None and (plan.priority is not None or plan.fields):
                self._write_single(plan)
        groups: dict[tuple[frozenset[str], frozenset[str]], list[_Plan]] = defaultdict(list)
        for plan in plans:
            if plan.outcome is None and (plan.add or plan.remove):
                groups[(plan.add, plan.remove)].append(plan)
        for (add, remove), members in groups.items():
            for start in range(0, len(members), MAX_IDS):
                chunk = members[start : start + MAX_IDS]
                if len(chunk) == 1 and not (add and remove):
                    self._write_tags_single(chunk[0], add, remove)
                else:
                    self._write_tags_bulk(chunk, add, remove)
        results = []
        for plan, change in zip(plans, changes, strict=True):
            outcome: WriteOutcome = plan.outcome or "applied"
            results.append(WriteResult(change.ticket_id, outcome, plan.error))
        return results

    # -- reading helpers ----------------------------------------------------------------

    def _start_read(self, since: int) -> _ExportRead:
        """The state of a read whose window starts at ``since``.

        The stream starts where the cached histories end when that is a little earlier, so
        they can be used; much earlier would cost more stream pages than it saves.
        """
        stream_start = since
        if 0 < since - self._through <= CACHE_CATCH_UP_SECONDS:
            stream_start = self._through
        return _ExportRead(window_start=since, stream_start=stream_start, newest_seen=since)

    def _export_page(self, after_cursor: str | None, start_time: int | None) -> Any:
        """One export page: from ``after_cursor``, or the first one from ``start_time``."""
        params: dict[str, Any] = (
            {"cursor": after_cursor} if after_cursor is not None else {"start_time": start_time}
        )
        params.update(per_page=self.settings.per_page, include="users,organizations")
        self._forget_old_users()
        return self.export_http.get(EXPORT_PATH, params=params).json()

    def _page_items(
        self, state: _ExportRead, page: Mapping[str, Any], *, served_again: bool = False
    ) -> Iterator[ReadItem]:
        """The tickets of one export page, normalized with their histories, in export order.

        ``served_again``: the cursor did not move, so the page is one served before; its copies
        older than the newest second read were yielded already (the export is in stamp order).
        """
        self._remember_users(page.get("users") or [])
        organizations = {org["id"]: org for org in page.get("organizations") or [] if "id" in org}
        listed = page.get("tickets") or []
        if served_again:
            listed = [
                t for t in listed if not isinstance(t, Mapping) or _version(t) >= state.newest_seen
            ]
        tickets = self._dedupe(listed, state.seen)
        histories, throughs, gone = self._page_histories(state, tickets)
        self._load_authors(histories.values())
        for ticket in tickets:
            raw_id = ticket.get("id")
            state.newest_seen = max(state.newest_seen, _version(ticket))
            if raw_id in gone:
                yield Skipped(str(raw_id), "deleted", gone=True)
                continue
            history = histories.get(raw_id) if isinstance(raw_id, int) else None
            through = throughs.get(raw_id, 0) if isinstance(raw_id, int) else 0
            yield self._normalize(ticket, organizations, history, through)
        self._forget_seen(state.seen, state.newest_seen)

    def _page_histories(
        self, state: _ExportRead, tickets: Sequence[Mapping[str, Any]]
    ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, int], set[int]]:
        """The histories of a page's tickets, how far each is complete, and the deleted ones.

        Per page, like the page itself: held for the whole read they would grow with it.
        """
        histories: dict[int, list[dict[str, Any]]] = {}
        throughs: dict[int, int] = {}
        gone: set[int] = set()
        for ticket in tickets:
            ticket_id = ticket.get("id")
            if not isinstance(ticket_id, int) or ticket.get("status") == "deleted":
                continue
            found = self._history(state, ticket, ticket_id, tickets)
            if found is None:
                gone.add(ticket_id)  # deleted between the export and now
            else:
                histories[ticket_id], throughs[ticket_id] = found
        return histories, throughs, gone

    def _history(
        self,
        state: _ExportRead,
        ticket: Mapping[str, Any],
        ticket_id: int,
        tickets: Sequence[Mapping[str, Any]],
    ) -> tuple[list[dict[str, Any]], int] | None:
        """One ticket's history and the second before which it is complete; None: deleted.

        From the event stream alone when the ticket was created inside the read's window, from
        its cached history plus the stream's events since, else from its audits.
        """
        created = self._stream_created(ticket, state.window_start)
        streamable = created is not None and state.stream_usable()
        if streamable:
            self._advance(state.open_stream(), _version(ticket))
        stream = state.stream
        # Pop the stream's events of every ticket on the page, also of one that gets its
        # audits: held until the read ends they would grow with the number of tickets.
        popped = stream.by_ticket.pop(ticket_id, []) if stream is not None else []
        if (
            streamable
            and stream is not None
            and not stream.stalled
            and _starts_at_creation(popped, created)
        ):
            return audits_from_ticket_events(popped), stream.position
        cached = self._cached_history(state, ticket, ticket_id, popped, tickets)
        if cached is not None:
            return cached
        try:
            audits = self._ticket_audits(ticket_id)
        except HttpError as exc:
            if exc.status != 404:
                raise
            return None
        return audits, _newest_second(audits)

    def _cached_history(
        self,
        state: _ExportRead,
        ticket: Mapping[str, Any],
        ticket_id: int,
        popped: list[Mapping[str, Any]],
        tickets: Sequence[Mapping[str, Any]],
    ) -> tuple[list[dict[str, Any]], int] | None:
        """The ticket's known history plus the stream's events since; None: ask its audits."""
        known = self._known.get(str(ticket_id))
        if (
            known is None
            or known.history is None
            or self.settings.history == "audits"
            or known.through < state.stream_start
            or not state.stream_usable()
        ):
            return None
        stream = state.open_stream()
        version = _version(ticket)
        if stream.done and stream.position < version > stream.checked:
            # The stream ended before this copy was made: read on, once a page.
            stream.done = False
            stream.checked = max(_version(t) for t in tickets)
        self._advance(stream, version)
        if stream.stalled:
            return None
        newer = popped + stream.by_ticket.pop(ticket_id, [])
        return _merge(known.history, newer, known.through), stream.position

    def _parse_cursor(self, cursor: str | None) -> tuple[str | None, int | None, int]:
        if cursor is None:
            start = self.settings.start
            start_time = int(start.timestamp()) if start is not None else 0
            return None, start_time, start_time
        try:
            data = json.loads(cursor)
            after = data.get("after_cursor")
            start_time = data.get("start_time")
            since = int(data.get("since") or start_time or 0)
        except (ValueError, AttributeError, TypeError):
            raise ValueError(
                f"zendesk cursor {cursor[:80]!r} is not one this connector wrote "
                '(expected JSON like {"after_cursor": "...", "since": 1700000000})'
            ) from None
        if after is None and not isinstance(start_time, int):
            raise ValueError("zendesk cursor has neither 'after_cursor' nor 'start_time'")
        return after, start_time, since

    @staticmethod
    def _dedupe(tickets: list[Any], seen: dict[int, int]) -> list[Mapping[str, Any]]:
        """Keep the newest copy of each id; drop copies already yielded in this read."""
        latest: dict[Any, Mapping[str, Any]] = {}
        for ticket in tickets:
            if isinstance(ticket, Mapping):
                latest[ticket.get("id", id(ticket))] = ticket
        kept = []
        for key, ticket in latest.items():
            stamp = _version(ticket)
            if isinstance(key, int):
                if key in seen:
                    if seen[key] >= stamp:
                        continue
                    del seen[key]  # re-added below: the order is the order of yielding
                seen[key] = stamp
            kept.append(ticket)
        return kept

    def _forget_seen(self, seen: dict[int, int], newest: int) -> None:
        """Trim the ids yielded so far to those a later page could repeat (bounded memory).

        The export is in generated_timestamp order: only copies at the newest second can come
        again, and of those at most ``seen_limit`` are kept, the latest yielded.
        """
        for key in [key for key, stamp in seen.items() if stamp < newest]:
            del seen[key]
        for key in list(islice(seen, max(0, len(seen) - self.seen_limit))):
            del seen[key]

    def _stream_created(self, ticket: Mapping[str, Any], window_start: int) -> int | None:
        """The creation second of a ticket created inside the read's window, else None.

        Such a ticket has its whole history in the event stream.
        """
        if self.settings.history == "audits":
            return None
        try:
            created = zendesk_time(ticket.get("created_at"), str(ticket.get("id")), "created_at")
        except SkipTicket:
            return None
        second = int(created.timestamp())
        return second if second >= window_start else None

    def _advance(self, stream: _EventStream, until: int) -> None:
        """Read ticket-event pages until the stream has passed ``until`` (or ends)."""
        while not stream.done and stream.position <= until:
            body = self.export_http.get(
                TICKET_EVENTS_PATH,
                params={"start_time": stream.position, "include": "comment_events"},
            ).json()
            end_time = int(body.get("end_time") or stream.position)
            boundary: set[Any] = set()
            for event in body.get("ticket_events") or []:
                key = event.get("id")
                if key in stream.seen:  # time-based pages overlap at their boundary
                    continue
                if _event_second(event) in (None, end_time):
                    boundary.add(key)
                ticket_id = event.get("ticket_id")
                if not isinstance(ticket_id, int):
                    continue
                second = _event_second(event)
                if second is not None and second < stream.keep_from:
                    known = self._known.get(str(ticket_id))
                    if known is None or known.history is None or known.through > second:
                        continue  # only a cached history needs events before the window
                stream.by_ticket[ticket_id].append(event)
            # The next page starts at this page's last second: only its event ids can repeat.
            stream.seen = boundary
            if not body.get("end_of_stream", True) and end_time <= stream.position:
                # A full page within one second: the stream cannot move on. The tickets still
                # waiting for their history get it from their audits instead.
                log.warning(
                    "zendesk_ticket_events_stalled",
                    connector=self.instance,
                    start_time=stream.position,
                )
                stream.stalled = True
            if body.get("end_of_stream", True) or stream.stalled:
                stream.done = True
            stream.position = max(end_time, stream.position)

    def _carry_histories(self, stream: _EventStream) -> None:
        """At the end of a read: cached histories the stream covers are complete up to it.

        ``through`` is exclusive: a history holds every change before that second. A stream read
        to its end holds its last second whole too (it is a minute old at least).
        """
        end = stream.position + 1 if stream.done and not stream.stalled else stream.position
        for key, known in self._known.items():
            if known.history is None or known.through < stream.start:
                continue
            left = stream.by_ticket.pop(int(key), []) if key.isdigit() else []
            if left:
                known.history = _prune(_merge(known.history, left, known.through))
            known.through = max(known.through, end)
        stream.by_ticket.clear()
        self._through = end

    def _ticket_audits(self, ticket_id: int) -> list[dict[str, Any]]:
        def page(after: str | None) -> Any:
            params: dict[str, Any] = {"page[size]": 100}
            if after is not None:
                params["page[after]"] = after
            return self.http.get(f"/api/v2/tickets/{ticket_id}/audits.json", params=params).json()

        pages = TokenPages(page, _next_audits_cursor)
        return [audit for body in pages for audit in body.get("audits") or []]

    def _remember_users(self, users: Sequence[Any]) -> None:
        for user in users:
            if isinstance(user, Mapping) and isinstance(user.get("id"), int):
                self._users[user["id"]] = user
                self._users.move_to_end(user["id"])

    def _forget_old_users(self) -> None:
        """Drop the least recently sideloaded users beyond ``user_limit``.

        Called before a page or chunk is read, never while one is being normalized, so the
        users a ticket needs are there; one dropped comes again with the next page that needs it.
        """
        while len(self._users) > self.user_limit:
            self._users.popitem(last=False)

    def _load_authors(self, histories: Any) -> None:
        """Sideload comment authors whose role is not known yet (one call per 100 users)."""
        unknown = sorted(
            {
                child.get("author_id")
                for audits in histories
                for audit in audits
                for child in audit.get("events") or []
                if child.get("type") == "Comment"
                and isinstance(child.get("author_id"), int)
                and child.get("author_id") not in self._users
            }
        )
        for start in range(0, len(unknown), MAX_IDS):
            chunk = unknown[start : start + MAX_IDS]
            body = self.http.get(
                "/api/v2/users/show_many.json", params={"ids": ",".join(map(str, chunk))}
            ).json()
            self._remember_users(body.get("users") or [])

    def _normalize(
        self,
        ticket: Mapping[str, Any],
        organizations: Mapping[int, Mapping[str, Any]],
        audits: list[dict[str, Any]] | None,
        through: int = 0,
    ) -> Ticket | Skipped:
        raw_id = ticket.get("id")
        try:
            events = events_from_audits(audits or [], ticket, self._users, self.rules)
            org_id = ticket.get("organization_id")
            normalized = normalize_ticket(
                ticket,
                organization=organizations.get(org_id) if isinstance(org_id, int) else None,
                users=self._users,
                events=events,
                rules=self.rules,
            )
        except SkipTicket as exc:
            if str(exc) != "deleted":
                log.warning(
                    "ticket_skipped", connector=self.instance, ticket_id=raw_id, reason=str(exc)
                )
            skipped_id = None if raw_id is None else str(raw_id)
            return Skipped(skipped_id, str(exc), gone=str(exc) == "deleted")
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            # A wrong-typed value from the API: skip this record, never stop the read.
            reason = f"malformed record ({type(exc).__name__})"
            log.warning("ticket_skipped", connector=self.instance, ticket_id=raw_id, reason=reason)
            return Skipped(None if raw_id is None else str(raw_id), reason)
        self._remember_state(ticket)
        if audits is not None and through:
            known = self._known.get(str(raw_id))
            if known is not None:
                known.history, known.through = _prune(audits), through
        return normalized

    def _ticket_field_ids(self) -> set[str]:
        return {str(field.get("id")) for field in self._ticket_fields()}

    def _ticket_fields(self) -> list[Mapping[str, Any]]:
        return [
            item
            for body in self._linked_pages("/api/v2/ticket_fields.json")
            for item in body.get("ticket_fields") or []
            if isinstance(item, Mapping)
        ]

    def _linked_pages(self, first: str) -> Iterator[Any]:
        """The bodies of a list endpoint paged by ``next_page`` URLs, from ``first`` on."""

        def page(url: str | None) -> tuple[Any, str | None]:
            body = self.http.get(url or first).json()
            next_page = body.get("next_page")
            return body, next_page if isinstance(next_page, str) else None

        return (page.body for page in LinkPages(page))

    def check_write_fields(self, wanted: Mapping[str, str]) -> list[CheckProblem]:
        """The ticket fields ``actions.fields`` names exist, are active and fit the value.

        A ``date`` field keeps only the day of the timestamp slabridge writes, so the due time
        needs a text field; the breached flag fits a checkbox (or text).
        """
        if not wanted:
            return []
        try:
            listed = self._ticket_fields()
        except HttpError as exc:
            return [CheckProblem(f"cannot list ticket fields: {exc}")]
        found = {
            str(f.get("id")): HelpdeskField(
                str(f.get("id")), str(f.get("type")), bool(f.get("active", True))
            )
            for f in listed
        }
        accepts = {
            "due_at": frozenset({"text", "textarea"}),
            "breached": frozenset({"checkbox", "text"}),
        }
        return write_field_problems(self.instance, wanted, found, accepts, "Zendesk ticket field")

    def _organization_field_keys(self) -> set[str]:
        return {
            str(item.get("key"))
            for body in self._linked_pages("/api/v2/organization_fields.json")
            for item in body.get("organization_fields") or []
        }

    def _bad_credentials(self) -> CheckProblem:
        if self.settings.token is None:
            return CheckProblem(
                f"Zendesk at {self.settings.url} rejected the OAuth token",
                hint="check the OAuth client (Admin Center > Apps and integrations > APIs > "
                "OAuth clients) and that the token has not been revoked",
            )
        return CheckProblem(
            f"Zendesk at {self.settings.url} rejected the email/API token",
            hint="check the credentials, and that token access is enabled under Admin Center > "
            "Apps and integrations > APIs > Zendesk API; "
            + api_token_notice(self._clock().astimezone(UTC).date()),
        )

    # -- writing helpers ----------------------------------------------------------------

    def _plan(self, index: int, change: ChangeSet) -> _Plan:
        """Drop what the ticket already has (by its last known state): re-applying sends nothing."""
        known = self._known.get(change.ticket_id)
        # Zendesk lowercases tags: send them so, and compare them so with what it has.
        add = frozenset(tag.lower() for tag in change.add_tags)
        remove = frozenset(tag.lower() for tag in change.remove_tags)
        priority = self._native_priority.get(change.priority) if change.priority else None
        unknown_priority = change.priority is not None and priority is None
        fields = dict(change.fields)
        if known is not None:
            add = frozenset(add - known.tags)
            remove = frozenset(remove & known.tags)
            if priority == known.priority:
                priority = None
            fields = {k: v for k, v in fields.items() if known.fields.get(k) != v}
        stamp = None
        if change.expected_updated_at is not None:
            stamp = _stamp(change.expected_updated_at)
        elif known is not None:
            stamp = known.updated_at
        plan = _Plan(index, 0, add, remove, priority, fields, stamp)
        if not change.ticket_id.isdigit():
            plan.outcome, plan.error = "rejected", "not a Zendesk ticket id"
        elif unknown_priority:
            plan.outcome, plan.error = "rejected", f"unknown priority {change.priority!r}"
        elif any(not str(key).isdigit() for key in fields):
            bad = sorted(str(k) for k in fields if not str(k).isdigit())
            plan.outcome = "rejected"
            plan.error = f"field keys must be numeric Zendesk ticket field ids, got {bad}"
        else:
            plan.ticket_id = int(change.ticket_id)
        return plan

    def _single_body(self, plan: _Plan) -> dict[str, Any]:
        ticket: dict[str, Any] = {}
        if plan.priority is not None:
            ticket["priority"] = plan.priority
        if plan.fields:
            ticket["custom_fields"] = [
                {"id": int(key), "value": value} for key, value in sorted(plan.fields.items())
            ]
        if plan.stamp is not None:
            ticket["safe_update"] = True
            ticket["updated_stamp"] = plan.stamp
        return {"ticket": ticket}

    def _write_single(self, plan: _Plan) -> None:
        """PUT priority and custom fields with safe_update; on 409 re-read, re-plan, retry once."""
        path = f"/api/v2/tickets/{plan.ticket_id}.json"
        for attempt in (1, 2):
            try:
                body = self.http.put(path, json=self._single_body(plan)).json()
            except HttpError as exc:
                if exc.status == 409 and attempt == 1:
                    if not self._replan(plan):
                        return
                    continue
                self._fail(plan, exc)
                return
            self._remember_state(body.get("ticket") or {})
            return

    def _replan(self, plan: _Plan) -> bool:
        """After a 409: is the write still needed on the ticket as it is now? False when decided."""
        planned_priority = self._known.get(str(plan.ticket_id))
        try:
            current = self.http.get(f"/api/v2/tickets/{plan.ticket_id}.json").json()["ticket"]
        except HttpError as exc:
            self._fail(plan, exc)
            return False
        before = planned_priority.priority if planned_priority is not None else plan.priority
        if plan.priority is not None and current.get("priority") not in (before, plan.priority):
            # An agent set the priority meanwhile (or, with the ticket's earlier state no longer
            # in the bounded cache, may have): let the sync re-plan instead of overriding.
            plan.outcome, plan.error = "conflict", "an agent changed the priority meanwhile"
            return False
        self._remember_state(current)
        if plan.priority == current.get("priority"):
            plan.priority = None
        values = custom_field_values(current)
        plan.fields = {k: v for k, v in plan.fields.items() if values.get(k) != v}
        plan.stamp = current.get("updated_at")
        # Nothing left to write means the ticket is already as wanted: applied.
        return plan.priority is not None or bool(plan.fields)

    def _fail(self, plan: _Plan, exc: HttpError) -> None:
        if exc.status == 409:
            plan.outcome = "conflict"
        elif isinstance(exc, RetryableHttpError) or exc.retryable:
            plan.outcome = "retry"
        else:
            plan.outcome = "rejected"
        plan.error = str(exc)

    def _remember_state(self, ticket: Mapping[str, Any]) -> None:
        if not isinstance(ticket.get("id"), int):
            return
        key = str(ticket["id"])
        previous = self._known.get(key)
        self._known[key] = _Known(
            tags={str(tag).lower() for tag in ticket.get("tags") or []},
            priority=ticket.get("priority"),
            fields=custom_field_values(ticket),
            updated_at=ticket.get("updated_at"),
            # A write of ours does not change the history read so far; the stream brings it.
            history=previous.history if previous is not None else None,
            through=previous.through if previous is not None else 0,
        )
        self._known.move_to_end(key)
        while len(self._known) > self.known_limit:
            self._known.popitem(last=False)

    def _write_tags_single(self, plan: _Plan, add: frozenset[str], remove: frozenset[str]) -> None:
        """One ticket, one kind of tag change: the tags endpoint does it in a single call."""
        path = f"/api/v2/tickets/{plan.ticket_id}/tags.json"
        try:
            if add:
                body = self.http.put(path, json={"tags": sorted(add)}).json()
            else:
                body = self.http.delete(path, json={"tags": sorted(remove)}).json()
        except HttpError as exc:
            self._fail(plan, exc)
            return
        known = self._known.get(str(plan.ticket_id))
        if known is not None and isinstance(body.get("tags"), list):
            known.tags = {str(tag).lower() for tag in body["tags"]}

    def _write_tags_bulk(
        self, chunk: list[_Plan], add: frozenset[str], remove: frozenset[str]
    ) -> None:
        """update_many with additional_tags/remove_tags, then poll the job; check every result."""
        change: dict[str, Any] = {}
        if add:
            change["additional_tags"] = sorted(add)
        if remove:
            change["remove_tags"] = sorted(remove)
        ids = ",".join(str(plan.ticket_id) for plan in chunk)
        try:
            job = self.http.put(
                "/api/v2/tickets/update_many.json", params={"ids": ids}, json={"ticket": change}
            ).json()["job_status"]
            polls = 0
            while job.get("status") not in ("completed", "failed"):
                if polls >= self.settings.job_poll_attempts:
                    for plan in chunk:
                        plan.outcome = "retry"
                        plan.error = (
                            f"job {job.get('id')} still {job.get('status')} after {polls} polls"
                        )
                    return
                self._sleep(self.settings.job_poll_interval)
                polls += 1
                job = self.http.get(f"/api/v2/job_statuses/{job['id']}.json").json()["job_status"]
        except HttpError as exc:
            for plan in chunk:
                self._fail(plan, exc)
            return
        by_id = {r.get("id"): r for r in job.get("results") or [] if isinstance(r, Mapping)}
        for plan in chunk:
            result = by_id.get(plan.ticket_id)
            if result is not None and result.get("success") is True:
                known = self._known.get(str(plan.ticket_id))
                if known is not None:
                    known.tags = (known.tags | add) - remove
                continue
            if result is None:
                plan.outcome = "retry"
                plan.error = f"job {job.get('id')} {job.get('status')}: no result for this ticket"
                continue
            code = str(result.get("error") or result.get("status") or "failed")
            details = result.get("details") or result.get("errors") or ""
            plan.outcome = "rejected" if code in PERMANENT_JOB_ERRORS else "retry"
            plan.error = f"job {job.get('id')}: {code}: {details}".rstrip(": ")


__all__ = ["ZendeskConnector"]
