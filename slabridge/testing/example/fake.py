"""A fake Example helpdesk API: in-memory tickets served over real HTTP on loopback."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge.sla.ticket import Event, Ticket, format_timestamp, parse_timestamp
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse
from slabridge.testing.fakes import FakeHelpdesk

from .connector import DEFAULT_PRIORITIES, DEFAULT_STATUSES, NATIVE_PRIORITIES

NATIVE_STATUSES = {normalized: native for native, normalized in DEFAULT_STATUSES.items()}


class ExampleFake(FakeAPI):
    """The Example helpdesk in memory: tokens, tickets, a clock moving one minute per change.

    It implements :class:`~slabridge.testing.fake_protocol.ScenarioFake`, so the standard suite
    can load canonical tickets into it, corrupt one, edit one mid-read and repeat a page.
    """

    # The Example API holds every part of a canonical ticket.
    scenario_limits: frozenset[str] = frozenset()

    def __init__(
        self,
        *,
        tokens: dict[str, str] | None = None,
        custom_fields: Sequence[str] = ("region",),
        seed: int = 0,
    ) -> None:
        super().__init__(seed=seed)
        self.tokens = {"good-token": "admin"} if tokens is None else dict(tokens)
        self.custom_fields = list(custom_fields)
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        # When set (the demo's clock), the fake's time never runs behind it.
        self.clock: Callable[[], datetime] | None = None
        self.tickets: dict[str, dict[str, Any]] = {}
        self.repeat_page_tokens = False
        self._ids = itertools.count(1001)
        # The scenario protocol's list-read hooks: a repeated page, an action between pages.
        self._repeat_pages = False
        self._last_page: dict[str, Any] | None = None
        self._list_pages_served = 0
        self._page_actions: list[tuple[int, Callable[[], None]]] = []
        self.route("GET", "/api/me", self._me)
        self.route("GET", "/api/fields", self._fields)
        self.route("GET", "/api/tickets", self._list)
        self.route("GET", r"/api/tickets/(?P<ticket_id>\d+)", self._get)
        self.route("PUT", r"/api/tickets/(?P<ticket_id>\d+)", self._put)

    # -- state helpers (tests and the demo call these) ------------------------------------

    def tick(self) -> datetime:
        with self.lock:
            self.now += timedelta(minutes=1)
            if self.clock is not None:
                self.now = max(self.now, self.clock())
            return self.now

    def create_ticket(self, **values: Any) -> dict[str, Any]:
        with self.lock:
            at = format_timestamp(self.tick())
            record: dict[str, Any] = {
                "id": next(self._ids),
                "subject": "Printer on fire",
                "status": "open",
                "priority": "p3",
                "tags": [],
                "custom": {},
                "replies": [],
                "history": [],
                "org_id": 7,
                "created_at": at,
                "updated_at": at,
            }
            record.update(values)
            self.tickets[str(record["id"])] = record
            return record

    def update_ticket(self, ticket_id: str, **values: Any) -> dict[str, Any]:
        with self.lock:
            record = self.tickets[ticket_id]
            record.update(values)
            record["updated_at"] = format_timestamp(self.tick())
            return record

    def add_reply(self, ticket_id: str, by: str = "agent", public: bool = True) -> dict[str, Any]:
        """A reply by ``agent`` or ``customer``, now; it updates the ticket."""
        with self.lock:
            record = self.tickets[ticket_id]
            at = format_timestamp(self.tick())
            record["replies"] = [*record["replies"], {"at": at, "by": by, "public": public}]
            record["updated_at"] = at
            return record

    # -- the scenario protocol (slabridge.testing.fake_protocol.ScenarioFake) --------------

    def load_ticket(self, ticket: Ticket) -> str:
        """Store a normalized ticket as the Example API holds it; return its id here."""
        with self.lock:
            ticket_id = ticket.id
            if not ticket_id.isdigit() or ticket_id in self.tickets:
                ticket_id = str(next(self._ids))
            customer_id = ticket.customer.id if ticket.customer is not None else None
            self.tickets[ticket_id] = {
                "id": int(ticket_id),
                "subject": "Scenario ticket",
                "status": NATIVE_STATUSES[ticket.status],
                "priority": None if ticket.priority is None else NATIVE_PRIORITIES[ticket.priority],
                "tags": list(ticket.tags),
                "custom": dict(ticket.fields),
                "replies": [
                    {"at": format_timestamp(e.at), "by": e.author, "public": e.public}
                    for e in ticket.events
                    if e.type == "reply"
                ],
                "history": [_history_entry(e) for e in ticket.events if e.type != "reply"],
                "org_id": 7 if customer_id is None else customer_id,
                "created_at": format_timestamp(ticket.created_at),
                "updated_at": format_timestamp(ticket.updated_at),
            }
            return ticket_id

    def corrupt_ticket(self, ticket_id: str) -> None:
        """Drop the record's creation time, as a broken export could."""
        with self.lock:
            del self.tickets[ticket_id]["created_at"]

    def touch_at(self, ticket_id: str, moment: datetime) -> None:
        """A harmless edit (the subject) whose update time is ``moment``."""
        with self.lock:
            record = self.tickets[ticket_id]
            record["subject"] = f"{record['subject']} (edited)"
            record["updated_at"] = format_timestamp(moment)

    def after_list_pages(self, pages: int, action: Callable[[], None]) -> None:
        """Run ``action`` once, right after ``pages`` more pages of ``GET /api/tickets``."""
        with self.lock:
            self._page_actions.append((self._list_pages_served + pages, action))

    def repeat_next_page(self) -> None:
        """Answer every later next-page request (token or page number) with the last page."""
        with self.lock:
            self._repeat_pages = True
    def load_normalized(self, ticket: Ticket) -> str:
        """Store a normalized ticket as the API would hold it; return its id here.

        Replies keep their time, author and visibility; product, tier and region go into the
        custom fields of those names (created when missing), which :meth:`connector_config`
        maps back. The record's times are the ticket's; status history is not kept.
        """
        customer = ticket.customer
        custom: dict[str, Any] = dict(ticket.fields)
        for key, value in (
            ("product", ticket.product),
            ("tier", customer.tier if customer else None),
            ("region", customer.region if customer else None),
        ):
            if value is not None:
                custom[key] = value
        replies = [
            {"at": format_timestamp(event.at), "by": event.author, "public": event.public}
            for event in ticket.events
            if event.type == "reply"
        ]
        with self.lock:
            self.custom_fields += [key for key in custom if key not in self.custom_fields]
            record = self.create_ticket(
                status=NATIVE_STATUSES.get(ticket.status, "open"),
                priority=NATIVE_PRIORITIES.get(ticket.priority or "normal", "p3"),
                tags=list(ticket.tags),
                custom=custom,
                replies=replies,
                org_id=customer.id if customer and customer.id is not None else None,
                created_at=format_timestamp(ticket.created_at),
                updated_at=format_timestamp(ticket.updated_at),
            )
            return str(record["id"])

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        """The ``connectors:`` entry pointing at this fake, with an admin token.

        It maps product, tier and region from the custom fields :meth:`load_normalized` writes,
        and creates those fields in the fake, so that ``check()`` finds them.
        """
        admin = next(token for token, role in self.tokens.items() if role == "admin")
        mapped = ("product", "tier", "region")
        with self.lock:
            self.custom_fields += [key for key in mapped if key not in self.custom_fields]
        config: dict[str, Any] = {
            "type": "example",
            "base_url": self.base_url,
            "token": admin,
            "mapping": {key: {"from": f"custom.{key}"} for key in mapped},
        }
        config.update(overrides)
        return config

    # -- API ------------------------------------------------------------------------------

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if token not in self.tokens:
            return FakeResponse(401, {"error": "invalid token"})
        return None

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        return {"X-RateLimit-Remaining": "1000", "X-RateLimit-Reset-After": "60"}

    def _me(self, request: FakeRequest) -> FakeResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return FakeResponse(200, {"name": "Test Agent", "role": self.tokens[token]})

    def _fields(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, [{"key": key} for key in self.custom_fields])

    def _list(self, request: FakeRequest) -> FakeResponse:
        since_text = request.arg("updated_since")
        try:
            since = parse_timestamp(since_text, None, "updated_since") if since_text else None
            limit = int(request.arg("limit", "100") or "100")
            token = request.arg("page_token")
            after = _parse_page_token(token) if token else None
            page_text = request.arg("page")
            page_number = int(page_text) if page_text else None
        except ValueError as exc:
            return FakeResponse(400, {"error": f"bad query: {exc}"})
        rows = sorted(
            (
                record
                for record in self.tickets.values()
                if since is None or parse_timestamp(record["updated_at"], None, "") >= since
            ),
            key=_row_key,
        )
        if page_number is not None:
            body = self._number_page(rows, page_number, limit)
        else:
            body = self._token_page(rows, token, after, limit)
        self._last_page = body
        self._list_pages_served += 1
        self._run_page_actions()
        return FakeResponse(200, body)

    def _token_page(
        self, rows: list[dict[str, Any]], token: str | None, after: _RowKey | None, limit: int
    ) -> dict[str, Any]:
        if token is not None and self._repeat_pages and self._last_page is not None:
            return {**self._last_page, "next_page_token": token}
        # A keyset token (the last row served): a ticket changing mid-read shifts nothing.
        remaining = [record for record in rows if after is None or _row_key(record) > after]
        page = remaining[:limit]
        next_token = _page_token(page[-1]) if len(remaining) > limit else None
        if token is not None and self.repeat_page_tokens:
            next_token = token  # a broken API: a naive reader would ask for this page forever
        return {"tickets": page, "next_page_token": next_token}

    def _number_page(self, rows: list[dict[str, Any]], number: int, limit: int) -> dict[str, Any]:
        if number > 1 and self._repeat_pages and self._last_page is not None:
            return {**self._last_page, "next_page": number + 1}
        # Page numbers are offsets: a ticket that moves to the end mid-read shifts later pages.
        offset = (number - 1) * limit
        page = rows[offset : offset + limit]
        return {"tickets": page, "next_page": number + 1 if offset + limit < len(rows) else None}

    def _run_page_actions(self) -> None:
        due = [action for pages, action in self._page_actions if pages == self._list_pages_served]
        self._page_actions = [
            (pages, action)
            for pages, action in self._page_actions
            if pages != self._list_pages_served
        ]
        for action in due:
            action()

    def _get(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        record = self.tickets.get(ticket_id)
        if record is None:
            return FakeResponse(404, {"error": "no such ticket"})
        return FakeResponse(200, record)

    def _put(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        record = self.tickets.get(ticket_id)
        if record is None:
            return FakeResponse(404, {"error": "no such ticket"})
        body = request.json() or {}
        priority = body.get("priority", record["priority"])
        if priority not in DEFAULT_PRIORITIES:
            return FakeResponse(422, {"error": f"unknown priority {priority!r}"})
        tags = [tag for tag in record["tags"] if tag not in set(body.get("remove_tags", []))]
        tags += [tag for tag in body.get("add_tags", []) if tag not in tags]
        custom = {**record["custom"], **body.get("custom", {})}
        if (tags, priority, custom) != (record["tags"], record["priority"], record["custom"]):
            record.update(tags=tags, priority=priority, custom=custom)
            record["updated_at"] = format_timestamp(self.tick())
        return FakeResponse(200, record)


_RowKey = tuple[datetime, int]


def _row_key(record: dict[str, Any]) -> _RowKey:
    """List order: oldest change first, then by id (a total order for keyset tokens)."""
    return (parse_timestamp(record["updated_at"], None, "updated_at"), int(record["id"]))


def _page_token(record: dict[str, Any]) -> str:
    updated_at, ticket_id = _row_key(record)
    return f"{format_timestamp(updated_at)}~{ticket_id}"


def _parse_page_token(token: str) -> _RowKey:
    moment, _, ticket_id = token.partition("~")
    return (parse_timestamp(moment, None, "page_token"), int(ticket_id))


def _history_entry(event: Event) -> dict[str, Any]:
    """A status or priority event as an Example history entry (native values)."""
    if event.type == "status":
        assert event.status is not None, "a status event names its status"
        return {
            "at": format_timestamp(event.at),
            "field": "status",
            "to": NATIVE_STATUSES[event.status],
        }
    entry: dict[str, Any] = {
        "at": format_timestamp(event.at),
        "field": "priority",
        "to": None if event.priority is None else NATIVE_PRIORITIES[event.priority],
    }
    if event.has_from:
        entry["from"] = (
            None if event.from_priority is None else NATIVE_PRIORITIES[event.from_priority]
        )
    return entry


def _follow_clock(fake: ExampleFake, clock: Callable[[], datetime]) -> None:
    fake.clock = clock


# What the plugin registers (hook register_fakes): the demo, `slabridge init` and the test kit
# find this fake, its config entry and its seeding through it.
EXAMPLE_HELPDESK = FakeHelpdesk(
    connector_type="example",
    fake=ExampleFake,
    connector_config=ExampleFake.connector_config,
    load_ticket=ExampleFake.load_normalized,
    set_clock=_follow_clock,
)

__all__ = ["EXAMPLE_HELPDESK", "NATIVE_STATUSES", "ExampleFake"]
