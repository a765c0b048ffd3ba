"""The Freshdesk connector: incremental read with stats and conversations, tag-safe write-back."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

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
    WriteResult,
)
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.connectors.helpdesk_sla import HelpdeskSla
from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge.connectors.paging import LinkPages
from slabridge.connectors.write_fields import HelpdeskField, write_field_problems
from slabridge.errors import SlabridgeError
from slabridge.logs import register_secrets
from slabridge.sla.ticket import Ticket, TicketError, format_timestamp
from slabridge_freshdesk.config import FreshdeskConfig
from slabridge_freshdesk.cursor import ReadCursor, decode_cursor
from slabridge_freshdesk.helpdesk_sla import verdict_of
from slabridge_freshdesk.journal import StatusJournal
from slabridge_freshdesk.mapping import Lookups, map_ticket, needs_conversations, stats_marks
from slabridge_freshdesk.statuses import StatusChoice, status_choices
from slabridge_freshdesk.writeback import error_summary, failure_result, update_body

log = structlog.get_logger("slabridge.freshdesk")
# How one listing of a read ended (see FreshdeskConnector._read_from).
_PassEnding = Literal["done", "keyset", "restart"]

PAGE_CAP_MESSAGE = "beyond the 300th page"
MAX_TAG_LENGTH = 32


class FreshdeskReadError(SlabridgeError, RuntimeError):
    """A read that cannot make progress (not a single bad record: those are skipped)."""


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _api_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_page_cap(exc: HttpError) -> bool:
    return exc.status == 400 and PAGE_CAP_MESSAGE in exc.detail


class FreshdeskConnector(Connector):
    """Freshdesk API v2.

    Reads ``GET /api/v2/tickets`` ordered by ``updated_at`` with ``include=stats``, follows the
    ``Link`` header and restarts from the last seen ``updated_at`` at the 300-page cap. Fetches a
    ticket's conversations only when ``stats`` cannot tell its clocks (see
    :func:`~slabridge_freshdesk.mapping.needs_conversations`). Writes with one GET and at most
    one PUT per ticket, comparing ``updated_at`` first (Freshdesk has no conflict token).
    """

    type_name: ClassVar[str] = "freshdesk"
    config_model: ClassVar[type[ConnectorConfig]] = FreshdeskConfig
    # Freshdesk v2 keeps no priority history: the sync adds the raises it wrote itself.
    capabilities: ClassVar[Capabilities] = Capabilities(
        tags=True,
        priority=True,
        fields=True,
        bulk_tags=False,
        conflict_check=True,
        priority_history=False,
    )

    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        if key.startswith("cf_") and len(key) > 3:
            return None
        return "Freshdesk custom ticket fields are written by their API name, e.g. cf_sla_due_at"

    @classmethod
    def tag_problem(cls, tag: str) -> str | None:
        # Freshdesk's API validates each ticket tag to at most 32 characters, without commas.
        if len(tag) > MAX_TAG_LENGTH:
            return (
                f"Freshdesk tags hold at most {MAX_TAG_LENGTH} characters (this one has {len(tag)})"
            )
        if "," in tag:
            return "Freshdesk tags cannot contain a comma"
        return None

    def __init__(
        self,
        instance: str,
        config: ConnectorConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not isinstance(config, FreshdeskConfig):
            config = FreshdeskConfig.model_validate(config.model_dump())
        super().__init__(instance, config)
        self.settings: FreshdeskConfig = config
        key = config.api_key.get_secret_value()
        register_secrets([key])
        self.http = HttpClient(
            config.api_root,
            auth=(key, "X"),
            timeout=config.timeout,
            max_attempts=config.max_attempts,
            requests_per_minute=config.requests_per_minute,
            secrets=[key],
            sleep=sleep,
            connector=instance,
        )
        self.journal = (
            StatusJournal(config.status_journal, config.api_root) if config.status_journal else None
        )
        self._companies: dict[int, Mapping[str, Any] | None] = {}
        self._groups: dict[int, str] | None = None
        self._products: dict[int, str] | None = None
        self._statuses: dict[int, StatusChoice] | None = None
        self._warned_statuses: set[int] = set()

    # -- plumbing -------------------------------------------------------------------------

    def _get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        # HttpClient paces on X-RateLimit-Remaining (Freshdesk's window is a minute), retries
        # 429 after Retry-After, 5xx, timeouts and malformed bodies.
        return self.http.get_json(path, params=params)

    def _get_page(self, url: str, params: Mapping[str, Any] | None) -> tuple[list[Any], str | None]:
        """One list page and its ``Link: rel="next"`` URL; a malformed body is asked again."""
        shown = url.split("?")[0]
        for attempt in range(1, self.settings.max_attempts + 1):
            response = self.http.get(url, params=params)
            try:
                body = response.json()
            except ValueError:
                log.warning("freshdesk_malformed_page", path=shown, attempt=attempt)
                continue
            if not isinstance(body, list):
                raise FreshdeskReadError(f"GET {shown}: expected a JSON array")
            next_url: str | None = response.links.get("next", {}).get("url")
            return body, next_url
        raise RetryableHttpError("GET", shown, 200, "the body was not JSON every time", None)

    def _pages(
        self, path: str, params: Mapping[str, Any] | None
    ) -> Iterator[tuple[int, list[Any], bool]]:
        """Yield ``(page number, items, has_next)`` following the ``Link: rel="next"`` header.

        A broken Link that points back at a page already read ends the read there (the kit's
        :class:`~slabridge.connectors.paging.LinkPages` guard) instead of looping forever.
        """
        pages = LinkPages(lambda url: self._get_page(url or path, None if url else params))
        for page in pages:
            if pages.repeated:
                log.warning("freshdesk_repeated_link", path=path, page=page.number)
            yield page.number, page.body, page.has_next

    def _all(self, path: str) -> list[Any]:
        return [item for _, items, _ in self._pages(path, {"per_page": 100}) for item in items]

    # -- lookups --------------------------------------------------------------------------

    def _reset_lookups(self) -> None:
        self._companies = {}
        self._groups = None
        self._products = None
        self._statuses = None
        self._warned_statuses = set()

    def _status_choices(self) -> dict[int, StatusChoice]:
        """The account's statuses (``GET /ticket_fields``), read at most once per read."""
        if self._statuses is None:
            try:
                fields = self._get_json("ticket_fields")
            except HttpError as exc:
                if exc.retryable:
                    raise
                log.warning("freshdesk_statuses_unreadable", error=str(exc))
                fields = []
            self._statuses = status_choices(fields if isinstance(fields, list) else [])
        return self._statuses

    def _statuses_for(self, raw: Mapping[str, Any]) -> dict[int, StatusChoice]:
        """The statuses a ticket's mapping needs: none unless its status is a custom one that
        the config does not map (so accounts without custom statuses pay no extra call)."""
        native = raw.get("status")
        if isinstance(native, bool) or not isinstance(native, int):
            return {}
        if self.settings.mapping.maps_status(native):
            return {}
        choices = self._status_choices()
        choice = choices.get(native)
        if (choice is None or choice.stops_sla_timer is None) and (
            native not in self._warned_statuses
        ):
            self._warned_statuses.add(native)
            log.warning(
                "freshdesk_status_unmapped",
                status=native,
                name=choice.name if choice else None,
                counted_as=self.settings.mapping.other_statuses,
                advice="map it under mapping.statuses",
            )
        return choices

    def _named(self, path: str) -> dict[int, str]:
        try:
            items = self._all(path)
        except HttpError as exc:
            if exc.retryable:
                raise
            log.warning("freshdesk_lookup_failed", path=path, error=str(exc))
            return {}
        return {
            int(item["id"]): str(item.get("name"))
            for item in items
            if isinstance(item, Mapping) and isinstance(item.get("id"), int)
        }

    def _lookups(self, raw: Mapping[str, Any]) -> Lookups:
        mapping = self.settings.mapping
        company_id = raw.get("company_id")
        if isinstance(company_id, int) and company_id not in self._companies:
            try:
                company = self._get_json(f"companies/{company_id}")
            except HttpError as exc:
                if exc.retryable:
                    raise
                log.warning("freshdesk_company_unreadable", company_id=company_id, error=str(exc))
                company = None
            self._companies[company_id] = company if isinstance(company, Mapping) else None
        if raw.get("group_id") is not None and self._groups is None and mapping.needs("group"):
            self._groups = self._named("groups")
        if (
            raw.get("product_id") is not None
            and self._products is None
            and mapping.needs("product")
        ):
            self._products = self._named("products")
        companies = {k: v for k, v in self._companies.items() if v is not None}
        return Lookups(companies, self._groups or {}, self._products or {}, self._statuses_for(raw))

    def _conversations(self, ticket_id: int | str) -> list[Mapping[str, Any]]:
        items: list[Mapping[str, Any]] = []
        for _, page_items, _ in self._pages(
            f"tickets/{ticket_id}/conversations", {"per_page": 100}
        ):
            items.extend(item for item in page_items if isinstance(item, Mapping))
        return items

    def _normalize(self, raw: Any) -> Ticket | Skipped:
        ticket_id = str(raw.get("id")) if isinstance(raw, Mapping) else None
        if not isinstance(raw, Mapping):
            log.warning("freshdesk_ticket_skipped", reason="not a JSON object")
            return Skipped(None, "not a JSON object")
        if raw.get("spam") is True or raw.get("deleted") is True:
            # Spam and trashed tickets are out of SLA scope (the list leaves them out too).
            return Skipped(ticket_id, "marked as spam" if raw.get("spam") else "deleted", gone=True)
        try:
            conversations = None
            if needs_conversations(raw, self.settings.conversations):
                if not str(raw["id"]).isdigit():
                    raise TicketError(ticket_id, "id", "not a Freshdesk ticket number")
                conversations = self._conversations(raw["id"])
            known = self.journal.marks(str(ticket_id)) if self.journal else []
            ticket = map_ticket(
                raw, self.settings.mapping, self._lookups(raw), conversations, known
            )
            if self.journal is not None:
                stats = raw.get("stats")
                self.journal.record(
                    ticket.id,
                    stats_marks(
                        ticket.created_at,
                        ticket.status,
                        stats if isinstance(stats, Mapping) else None,
                        ticket.id,
                    ),
                )
            return ticket
        except (TicketError, KeyError) as exc:
            reason = str(exc) if isinstance(exc, TicketError) else f"missing key {exc}"
        except (TypeError, AttributeError, ValueError) as exc:
            # A record of an unexpected shape: skip it rather than stop every later read.
            reason = f"malformed ticket ({type(exc).__name__}: {exc})"
        except HttpError as exc:
            if exc.retryable or exc.status != 404:
                raise
            reason = "deleted while being read (conversations answered 404)"
            log.warning("freshdesk_ticket_skipped", ticket_id=ticket_id, reason=reason)
            return Skipped(ticket_id, reason, gone=True)
        log.warning("freshdesk_ticket_skipped", ticket_id=ticket_id, reason=reason)
        return Skipped(ticket_id, reason)

    # -- the contract ---------------------------------------------------------------------

    def check(self) -> list[CheckProblem]:
        unreachable = self._agent_problem()
        if unreachable is not None:
            return [unreachable]
        problems = self._ticket_list_problems()
        wanted_ticket, wanted_company = self._mapped_field_names()
        # Ticket fields are always read: they list the statuses.
        problems += self._field_problems("ticket_fields", wanted_ticket, "ticket")
        if wanted_company:
            problems += self._field_problems("company_fields", wanted_company, "company")
        return problems

    def _agent_problem(self) -> CheckProblem | None:
        """Why ``agents/me`` fails (a rejected key, an unreachable account), if it does."""
        try:
            self._get_json("agents/me")
        except HttpError as exc:
            if exc.status == 401:
                return CheckProblem(
                    "Freshdesk rejected the API key (401)",
                    hint="copy the key from the agent's Profile settings → 'Your API Key' "
                    "and check the account domain",
                )
            return CheckProblem(f"cannot reach Freshdesk at {self.settings.api_root}: {exc}")
        return None

    def _ticket_list_problems(self) -> list[CheckProblem]:
        try:
            self._get_json(
                "tickets",
                {"updated_since": _api_time(datetime.now(UTC)), "per_page": 1, "include": "stats"},
            )
        except HttpError as exc:
            return [
                CheckProblem(
                    f"the agent cannot list tickets: {error_summary(exc)}",
                    hint="the incremental read needs an agent who can view all tickets",
                )
            ]
        return []

    def _mapped_field_names(self) -> tuple[set[str], set[str]]:
        """The ticket and company custom fields the mapping reads."""
        wanted_ticket: set[str] = set()
        wanted_company: set[str] = set()
        for path in self.settings.mapping.source_paths().values():
            head, _, rest = path.partition(".")
            if head == "custom_fields" and rest:
                wanted_ticket.add(rest.split(".")[0])
            elif head == "company" and rest:
                name = rest.removeprefix("custom_fields.").split(".")[0]
                if name not in ("id", "name", "domains", "custom_fields"):
                    wanted_company.add(name)
        return wanted_ticket, wanted_company

    def _field_problems(self, path: str, wanted: set[str], what: str) -> list[CheckProblem]:
        """The ``wanted`` fields missing from the ``path`` list; for tickets, the statuses too."""
        try:
            fields = self._all(path)
        except HttpError as exc:
            return [CheckProblem(f"cannot list {what} fields: {error_summary(exc)}")]
        problems = self._status_problems(status_choices(fields)) if what == "ticket" else []
        names = {str(f.get("name")) for f in fields if isinstance(f, Mapping)}
        problems += [
            CheckProblem(
                f"mapping refers to {what} field {name!r}, which does not exist",
                hint=f"create it in Admin → {what.title()} Fields, or fix the mapping; "
                f"existing: {', '.join(sorted(names)[:12])}",
            )
            for name in sorted(wanted - names)
        ]
        return problems

    def check_write_fields(self, wanted: Mapping[str, str]) -> list[CheckProblem]:
        """The ticket fields ``actions.fields`` names (``cf_...``) exist and fit the value.

        A ``custom_date`` field holds a day only, so the due time needs a text field; the
        breached flag fits a checkbox (or text). Freshdesk lists no "inactive" state for them.
        """
        if not wanted:
            return []
        try:
            listed = self._all("ticket_fields")
        except HttpError as exc:
            return [CheckProblem(f"cannot list ticket fields: {error_summary(exc)}")]
        found = {
            str(f.get("name")): HelpdeskField(str(f.get("name")), str(f.get("type")))
            for f in listed
            if isinstance(f, Mapping)
        }
        accepts = {
            "due_at": frozenset({"custom_text", "custom_paragraph"}),
            "breached": frozenset({"custom_checkbox", "custom_text"}),
        }
        return write_field_problems(self.instance, wanted, found, accepts, "Freshdesk ticket field")

    def _status_problems(self, choices: Mapping[int, StatusChoice]) -> list[CheckProblem]:
        """A problem for each custom status neither the config nor Freshdesk's SLA-timer
        setting tells how to count."""
        mapping = self.settings.mapping
        problems = []
        for number, choice in sorted(choices.items()):
            if mapping.maps_status(number) or choice.stops_sla_timer is not None:
                continue
            problems.append(
                CheckProblem(
                    f"Freshdesk status {number} ({choice.name!r}) is not mapped and the "
                    "ticket-fields API does not say whether its SLA timer stops: it counts as "
                    f"{mapping.other_statuses!r}"
                    + (" (the clock keeps running)" if mapping.other_statuses == "open" else ""),
                    hint=f'map it under mapping.statuses, e.g. statuses: {{"{number}": on_hold}} '
                    "when the clock should stop in it",
                    warning=True,  # the sync runs; it may count the status other than meant
                )
            )
        return problems

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        settings = self.settings
        state = decode_cursor(cursor, settings.start)
        self._reset_lookups()
        since = state.start or settings.start
        previous_restart: datetime | None = None
        while True:
            ending = yield from self._read_from(state, since)
            last_at = state.start or since
            if ending == "keyset":
                since = last_at
                continue
            if ending == "done":
                break
            if previous_restart is not None and last_at <= previous_restart:
                raise FreshdeskReadError(
                    f"more than {settings.page_cap} pages of tickets share updated_at "
                    f"{format_timestamp(last_at)}; cannot page past them"
                )
            log.info("freshdesk_page_cap_restart", updated_since=format_timestamp(last_at))
            previous_restart = since = last_at
        yield Checkpoint(state.encode())

    def _read_from(
        self, state: InclusiveCursor, since: datetime
    ) -> Generator[ReadItem, None, _PassEnding]:
        """One listing ``updated_since`` ``since``, ascending; how it ended.

        ``keyset``: a page moved the cursor on and more follow, so the listing is asked again
        from there. Page numbers on a live list shift when a ticket already read is edited (it
        moves to the end) or deleted, which would skip the ticket that slid back across the
        page boundary; asking again from the last updated_at seen (inclusive, seen versions
        dropped) cannot skip any. ``restart``: the page cap came (ours or the API's) within
        one second. ``done``: the last page was read.
        """
        params = {
            "updated_since": _api_time(since),
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": self.settings.per_page,
            "include": "stats",
        }
        pages = self._pages("tickets", params)
        while True:
            try:
                page, items, has_next = next(pages)
            except StopIteration:
                return "done"
            except HttpError as exc:
                if not _is_page_cap(exc):
                    raise
                return "restart"  # the API's cap came before ours
            yield from self._new_tickets(state, items)
            yield Checkpoint(state.encode())
            if has_next and (state.start or since) > since:
                return "keyset"
            if has_next and page >= self.settings.page_cap:
                return "restart"

    def _new_tickets(self, state: InclusiveCursor, items: Sequence[Any]) -> Iterator[ReadItem]:
        """The page's tickets the cursor has not delivered yet, normalized."""
        for raw in items:
            at = _parse_time(raw.get("updated_at")) if isinstance(raw, Mapping) else None
            raw_id = str(raw.get("id")) if isinstance(raw, Mapping) else None
            if at is None:
                log.warning("freshdesk_ticket_skipped", ticket_id=raw_id, reason="bad updated_at")
                yield Skipped(raw_id, "updated_at missing or not a timestamp")
                continue
            if not state.admit(str(raw_id), at):
                continue  # seen already (cursor boundary or the seam of a restart)
            yield self._normalize(raw)

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        self._reset_lookups()
        for ticket_id in ticket_ids:
            if not str(ticket_id).isdigit():
                yield Skipped(str(ticket_id), "not a Freshdesk ticket number")
                continue
            try:
                raw = self._get_json(f"tickets/{ticket_id}", {"include": "stats"})
            except HttpError as exc:
                if exc.status == 404:
                    yield Skipped(str(ticket_id), "not found (deleted or spam)", gone=True)
                    continue
                raise
            yield self._normalize(raw)

    def helpdesk_slas(self, ticket_ids: Sequence[str]) -> Iterator[HelpdeskSla | Skipped]:
        """Freshdesk's own due times and escalation flags, for ``slabridge shadow``."""
        for ticket_id in ticket_ids:
            if not str(ticket_id).isdigit():
                yield Skipped(str(ticket_id), "not a Freshdesk ticket number")
                continue
            try:
                raw = self._get_json(f"tickets/{ticket_id}", {"include": "stats"})
            except HttpError as exc:
                if exc.status == 404:
                    yield Skipped(str(ticket_id), "not found (deleted or spam)", gone=True)
                    continue
                raise
            yield verdict_of(raw)

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        return [self._apply_one(change) for change in changes]

    def _apply_one(self, change: ChangeSet) -> WriteResult:
        ticket_id = change.ticket_id
        if not ticket_id.isdigit():
            return WriteResult(ticket_id, "rejected", "not a Freshdesk ticket number")
        try:
            current = self._get_json(f"tickets/{ticket_id}")
        except HttpError as exc:
            return failure_result(ticket_id, exc)
        if not isinstance(current, Mapping):
            return WriteResult(ticket_id, "retry", "GET answered without a ticket object")
        try:
            body = update_body(current, change, self.settings.mapping)
        except ValueError as exc:
            return WriteResult(ticket_id, "rejected", str(exc))
        if not body:
            return WriteResult(ticket_id, "applied")  # already as wanted: nothing to clobber
        expected = change.expected_updated_at
        actual = _parse_time(current.get("updated_at"))
        if expected is not None and actual != expected.astimezone(UTC).replace(microsecond=0):
            log.info(
                "freshdesk_write_conflict",
                ticket_id=ticket_id,
                expected=format_timestamp(expected),
                actual=current.get("updated_at"),
            )
            return WriteResult(
                ticket_id,
                "conflict",
                f"ticket changed at {current.get('updated_at')} after the plan was made",
            )
        try:
            self.http.put(f"tickets/{ticket_id}", json=body)
        except HttpError as exc:
            return failure_result(ticket_id, exc)
        return WriteResult(ticket_id, "applied")

    def ticket_url(self, ticket_id: str) -> str | None:
        """The ticket in the agent interface: ``{base}/a/tickets/{id}``."""
        return f"{self.settings.api_root.removesuffix('/api/v2')}/a/tickets/{ticket_id}"

    def api_calls(self) -> int:
        return self.http.calls

    def close(self) -> None:
        self.http.close()
        if self.journal is not None:
            self.journal.close()


__all__ = ["FreshdeskConnector", "FreshdeskReadError", "ReadCursor"]
