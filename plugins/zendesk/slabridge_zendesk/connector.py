"""The Zendesk connector: cursor export with sideloads, event history, bulk tag write-back."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, ClassVar

import structlog

from slabridge.connectors.base import (
    Capabilities,
    Checkpoint,
    Connector,
    ConnectorConfig,
    ReadItem,
    Skipped,
)
from slabridge.connectors.helpdesk_sla import HelpdeskSla
from slabridge.connectors.http import HttpClient, HttpError
from slabridge.connectors.oauth import OAuth2
from slabridge.connectors.paging import TokenPages
from slabridge.sla.ticket import Ticket
from slabridge_zendesk.auth import (
    warn_if_api_token,
    zendesk_auth,
)
from slabridge_zendesk.config import DEFAULT_PRIORITIES, ZendeskConfig
from slabridge_zendesk.connector_check import ZendeskCheck
from slabridge_zendesk.connector_state import (
    MAX_IDS,
    _cursor_json,
    _event_second,
    _EventStream,
    _ExportRead,
    _Known,
    _merge,
    _newest_second,
    _next_audits_cursor,
    _next_export_cursor,
    _prune,
    _starts_at_creation,
    _version,
)
from slabridge_zendesk.connector_writes import PERMANENT_JOB_ERRORS, ZendeskWriteBack
from slabridge_zendesk.helpdesk_sla import read_helpdesk_slas
from slabridge_zendesk.mapping import (
    SkipTicket,
    audits_from_ticket_events,
    events_from_audits,
    normalize_ticket,
    zendesk_time,
)

log = structlog.get_logger("slabridge.zendesk")

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
TICKET_EVENTS_PATH = "/api/v2/incremental/ticket_events.json"
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
EXCLUSION_SECONDS = 60  # the export leaves out changes of the last minute
CACHE_CATCH_UP_SECONDS = 3600  # read the stream at most this far back for cached histories


class ZendeskConnector(ZendeskCheck, ZendeskWriteBack, Connector):
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


__all__ = ["MAX_IDS", "PERMANENT_JOB_ERRORS", "ZendeskConnector"]
