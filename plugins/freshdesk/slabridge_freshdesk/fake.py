"""A fake Freshdesk API v2 on the fake-API toolkit, for tests, benchmarks and the demo.

Faithful where slabridge depends on it: bare-array pages with ``Link`` headers, the 300-page cap
(its exact 400 body), the 30-day window without ``updated_since``, ``include=stats``,
conversations, companies, groups, products, ``X-RateLimit-*`` headers and 429 with
``Retry-After``, validation error bodies and the 401 body.
"""

from __future__ import annotations

import base64
import binascii
import copy
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from slabridge.sla.ticket import Ticket
from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_freshdesk.config import DEFAULT_PRIORITIES, DEFAULT_STATUSES
from slabridge_freshdesk.fake_payloads import (
    AGENT_ID,
    DEFAULT_TICKET_FIELDS,
    LIST_INCLUDES,
    ORDER_BY,
    PAGE_CAP_ERROR,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    company_fields,
    invalid,
    new_company,
    new_conversation,
    new_stats,
    new_ticket,
    parse_stamp,
    stamp,
    status_field,
    update_errors,
    validation_failed,
)
from slabridge_freshdesk.fake_scenarios import FreshdeskScenarios
from slabridge_freshdesk.mapping import CHANNELS

_STATUS_NATIVE = {name: int(native) for native, name in DEFAULT_STATUSES.items()}
_STATUS_NATIVE.update({"new": 2, "on_hold": 6})
_PRIORITY_NATIVE = {name: int(native) for native, name in DEFAULT_PRIORITIES.items()}
_CHANNEL_NATIVE = {name: native for native, name in CHANNELS.items()}


class FakeFreshdesk(FreshdeskScenarios):
    """Freshdesk v2 over real HTTP on 127.0.0.1.

    Seed it with :meth:`load_normalized` (a normalized ticket with its history), or natively with
    :meth:`add_ticket`, :meth:`load_payload`, :meth:`add_conversation`, :meth:`add_company`,
    :meth:`add_group`, :meth:`add_product`, :meth:`add_ticket_field`. ``max_pages`` is the list
    cap (300 in Freshdesk; tests lower it); ``rate_limit`` the credits per minute of ``clock``;
    ``ticket_fields`` the ``cf_*`` fields that exist (like Freshdesk, a write to an undeclared
    custom field is a validation error).
    """

    def __init__(
        self,
        api_key: str = "fake-freshdesk-key",
        *,
        max_pages: int = 300,
        rate_limit: int = 5000,
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
        ticket_fields: Iterable[str] = (),
    ) -> None:
        super().__init__(seed=seed)
        self.api_key = api_key
        self.max_pages = max_pages
        self.rate_limit = rate_limit
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.tickets: dict[int, dict[str, Any]] = {}
        self.stats: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, list[dict[str, Any]]] = {}
        self.companies: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.ticket_fields: dict[str, dict[str, Any]] = {}
        # Custom statuses: number → (name, whether Freshdesk's SLA timer stops in it).
        self.custom_statuses: dict[int, tuple[str, bool]] = {6: ("Waiting on Third Party", True)}
        self.status_choices_shape = "objects"
        self.deleted: set[int] = set()
        self.repeat_page_links = False
        self._writes = 0
        self._next_id = {"ticket": 1, "conversation": 1, "company": 1, "group": 1, "product": 1}
        self._window_start: datetime | None = None
        self._used = 0
        self._routes_installed()
        for name in ticket_fields:
            self.add_ticket_field(name)

    # -- routes ---------------------------------------------------------------------------

    def _routes_installed(self) -> None:
        number = r"(?P<ticket_id>\d+)"
        self.route("GET", r"/api/v2/tickets", self._list_tickets)
        self.route("GET", rf"/api/v2/tickets/{number}", self._show_ticket)
        self.route("PUT", rf"/api/v2/tickets/{number}", self._update_ticket)
        self.route("GET", rf"/api/v2/tickets/{number}/conversations", self._list_conversations)
        self.route("GET", r"/api/v2/companies", self._list_of(self.companies))
        self.route("GET", r"/api/v2/companies/(?P<item_id>\d+)", self._show_of(self.companies))
        self.route("GET", r"/api/v2/groups", self._list_of(self.groups))
        self.route("GET", r"/api/v2/products", self._list_of(self.products))
        self.route("GET", r"/api/v2/ticket_fields", self._list_ticket_fields)
        self.route("GET", r"/api/v2/company_fields", self._list_company_fields)
        self.route("GET", r"/api/v2/agents/me", self._me)

    @staticmethod
    def _cost(request: FakeRequest) -> int:
        # Freshdesk charges 1 credit a call and 2 more for each embedded ``include``.
        include = request.arg("include") or ""
        return 1 + 2 * len([part for part in include.split(",") if part.strip()])

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        header = request.headers.get("Authorization") or request.headers.get("authorization")
        user = None
        if header and header.startswith("Basic "):
            try:
                user = base64.b64decode(header[6:]).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                user = None
        if user != self.api_key:
            return FakeResponse(401, dict(UNAUTHORIZED))
        now = self.clock()
        with self.lock:
            if self._window_start is None or now - self._window_start >= timedelta(minutes=1):
                self._window_start = now
                self._used = 0
            cost = self._cost(request)
            if self._used + cost > self.rate_limit:
                left = 60 - (now - self._window_start).total_seconds()
                return FakeResponse(
                    429,
                    dict(TOO_MANY_REQUESTS),
                    {"Retry-After": str(max(1, math.ceil(left)))},
                )
            self._used += cost
        return None

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        with self.lock:
            return {
                "X-RateLimit-Total": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(0, self.rate_limit - self._used)),
                "X-RateLimit-Used-CurrentRequest": str(self._cost(request)),
            }

    def fault_body(self, status: int) -> Any:
        if status == 429:
            return dict(TOO_MANY_REQUESTS)
        return {"code": "internal_error", "message": "We're sorry, something went wrong."}

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(404, None)

    def _page_args(self, request: FakeRequest, default: int = 30) -> tuple[int, int] | FakeResponse:
        try:
            per_page = int(request.arg("per_page") or default)
            page = int(request.arg("page") or 1)
        except ValueError:
            return validation_failed(invalid("page", "It should be a Positive Integer"))
        if not 1 <= per_page <= 100:
            return validation_failed(
                invalid("per_page", "It should be a Positive Integer less than or equal to 100")
            )
        if page < 1:
            return validation_failed(invalid("page", "It should be a Positive Integer"))
        return page, per_page

    def _paged(
        self,
        request: FakeRequest,
        items: list[dict[str, Any]],
        page: int,
        per_page: int,
        render: Callable[[dict[str, Any]], dict[str, Any]] = copy.deepcopy,
    ) -> FakeResponse:
        chunk = [render(item) for item in items[(page - 1) * per_page : page * per_page]]
        headers: dict[str, str] = {}
        if page * per_page < len(items):
            query = {k: v[0] for k, v in request.query.items()}
            # ``repeat_page_links`` simulates a broken API whose Link repeats the page asked for.
            query["page"] = str(page if self.repeat_page_links and page > 1 else page + 1)
            headers["Link"] = f'<{self.base_url}{request.path}?{urlencode(query)}>; rel="next"'
        return FakeResponse(200, chunk, headers)

    def _render(self, ticket_id: int, includes: set[str], *, description: bool) -> dict[str, Any]:
        data = copy.deepcopy(self.tickets[ticket_id])
        if not description and "description" not in includes:
            data.pop("description", None)
            data.pop("description_text", None)
        if "stats" in includes:
            data["stats"] = copy.deepcopy(self.stats[ticket_id])
        if "requester" in includes:
            rid = data.get("requester_id")
            data["requester"] = {
                "id": rid,
                "name": f"Requester {rid}",
                "email": f"requester{rid}@example.com",
                "mobile": None,
                "phone": None,
            }
        return data

    def _includes(self, request: FakeRequest) -> set[str] | FakeResponse:
        raw = request.arg("include") or ""
        parts = {part.strip() for part in raw.split(",") if part.strip()}
        if parts - set(LIST_INCLUDES):
            return validation_failed(
                invalid(
                    "include", "It should be one of these values: 'requester,stats,description'"
                )
            )
        return parts

    def _list_tickets(self, request: FakeRequest) -> FakeResponse:
        includes = self._includes(request)
        if isinstance(includes, FakeResponse):
            return includes
        paging = self._page_args(request)
        if isinstance(paging, FakeResponse):
            return paging
        page, per_page = paging
        order_by = request.arg("order_by") or "created_at"
        order_type = request.arg("order_type") or "desc"
        errors = []
        if order_by not in ORDER_BY:
            errors.append(
                invalid("order_by", "It should be one of these values: " + ",".join(ORDER_BY))
            )
        if order_type not in ("asc", "desc"):
            errors.append(invalid("order_type", "It should be one of these values: 'asc,desc'"))
        since_text = request.arg("updated_since")
        since: datetime | None = None
        if since_text is not None:
            try:
                since = parse_stamp(since_text)
            except ValueError:
                errors.append(
                    invalid("updated_since", "It should be in the 'valid date time' format")
                )
        if errors:
            return validation_failed(*errors)
        if page > self.max_pages:
            return validation_failed(PAGE_CAP_ERROR)
        live = [t for i, t in self.tickets.items() if i not in self.deleted and not t["spam"]]
        if since is not None:
            chosen = [t for t in live if parse_stamp(t["updated_at"]) >= since]
        else:  # Freshdesk's default: only tickets created in the last 30 days
            oldest = self.clock() - timedelta(days=30)
            chosen = [t for t in live if parse_stamp(t["created_at"]) >= oldest]

        def key(ticket: dict[str, Any]) -> tuple[Any, int]:
            value = ticket.get(order_by)
            return (value if value is not None else "", ticket["id"])

        chosen.sort(key=key, reverse=order_type == "desc")
        return self._paged(
            request,
            chosen,
            page,
            per_page,
            lambda t: self._render(t["id"], includes, description=False),
        )

    def _show_ticket(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        number = int(ticket_id)
        if number not in self.tickets or number in self.deleted:
            return self.not_found(request)
        includes = self._includes(request)
        if isinstance(includes, FakeResponse):
            return includes
        return FakeResponse(200, self._render(number, includes, description=True))

    def _list_conversations(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        number = int(ticket_id)
        if number not in self.tickets or number in self.deleted:
            return self.not_found(request)
        paging = self._page_args(request)
        if isinstance(paging, FakeResponse):
            return paging
        items = sorted(self.conversations.get(number, []), key=lambda c: (c["created_at"], c["id"]))
        return self._paged(request, items, *paging)

    def _list_of(self, table: dict[int, dict[str, Any]]) -> Callable[[FakeRequest], FakeResponse]:
        def handler(request: FakeRequest) -> FakeResponse:
            paging = self._page_args(request)
            if isinstance(paging, FakeResponse):
                return paging
            return self._paged(request, [table[k] for k in sorted(table)], *paging)

        return handler

    def _show_of(self, table: dict[int, dict[str, Any]]) -> Callable[..., FakeResponse]:
        def handler(request: FakeRequest, item_id: str) -> FakeResponse:
            item = table.get(int(item_id))
            return FakeResponse(200, copy.deepcopy(item)) if item else self.not_found(request)

        return handler

    def _list_ticket_fields(self, request: FakeRequest) -> FakeResponse:
        with self.lock:
            custom = [copy.deepcopy(f) for f in self.ticket_fields.values()]
            status = status_field(self.custom_statuses, shape=self.status_choices_shape)
        return FakeResponse(200, [status, *copy.deepcopy(DEFAULT_TICKET_FIELDS[1:]), *custom])

    def _list_company_fields(self, request: FakeRequest) -> FakeResponse:
        custom = {k for c in self.companies.values() for k in c.get("custom_fields", {})}
        return FakeResponse(200, company_fields(custom))

    def _me(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(
            200,
            {
                "id": AGENT_ID,
                "available": True,
                "occasional": False,
                "contact": {"name": "slabridge", "email": "slabridge@example.com"},
            },
        )

    def _update_ticket(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        number = int(ticket_id)
        if number not in self.tickets or number in self.deleted:
            return self.not_found(request)
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return validation_failed(
                invalid("body", "Request body has invalid json format", "invalid_json")
            )
        statuses = [2, 3, 4, 5, *self.custom_statuses]
        errors = update_errors(body, statuses, self.ticket_fields)
        if errors:
            return validation_failed(*errors)
        if self._apply_update(number, body):
            self._writes += 1
        return FakeResponse(200, self._render(number, set(), description=True))

    def _apply_update(self, number: int, body: Mapping[str, Any]) -> bool:
        ticket = self.tickets[number]
        before = copy.deepcopy(ticket)
        at = self._bump(number)  # Freshdesk moves updated_at on every update, even a no-op
        for key, value in body.items():
            if key == "custom_fields":
                ticket["custom_fields"].update(value)
            elif key == "status":
                if value != ticket["status"]:
                    self._set_status(number, value, at)
            else:
                ticket[key] = copy.deepcopy(value)
        before["updated_at"] = ticket["updated_at"]
        return ticket != before

    def _bump(self, number: int) -> datetime:
        # updated_at moves on every write; never backwards, so a change is always visible.
        ticket = self.tickets[number]
        previous = parse_stamp(ticket["updated_at"])
        now = max(self.clock().replace(microsecond=0), previous + timedelta(seconds=1))
        ticket["updated_at"] = stamp(now)
        return now

    def _set_status(self, number: int, native: int, at: datetime) -> None:
        stats = self.stats[number]
        ticket = self.tickets[number]
        was = ticket["status"]
        ticket["status"] = native
        stats["status_updated_at"] = stamp(at)
        if native == 3:
            stats["pending_since"] = stamp(at)
        elif native == 4:
            stats["resolved_at"] = stamp(at)
        elif native == 5:
            stats["closed_at"] = stamp(at)
        if was in (4, 5) and native not in (4, 5):
            stats["reopened_at"] = stamp(at)

    # -- seeding --------------------------------------------------------------------------

    def _take(self, kind: str) -> int:
        with self.lock:
            value = self._next_id[kind]
            self._next_id[kind] = value + 1
            return value

    def add_company(self, name: str, **fields: Any) -> int:
        """Create a company (``account_tier``, ``domains``, ``custom_fields``…); return its id."""
        with self.lock:
            for company in self.companies.values():
                if company["name"] == name:
                    return int(company["id"])
            number = self._take("company")
            self.companies[number] = {
                **new_company(number, name, stamp(self.clock())),
                **copy.deepcopy(fields),
            }
            return number

    def add_group(self, name: str) -> int:
        """Create (or find) a group by name; return its id."""
        with self.lock:
            for group in self.groups.values():
                if group["name"] == name:
                    return int(group["id"])
            number = self._take("group")
            self.groups[number] = {
                "id": number,
                "name": name,
                "description": None,
                "escalate_to": None,
                "unassigned_for": None,
                "agent_ids": [AGENT_ID],
            }
            return number

    def add_product(self, name: str) -> int:
        """Create (or find) a product by name; return its id."""
        with self.lock:
            for product in self.products.values():
                if product["name"] == name:
                    return int(product["id"])
            number = self._take("product")
            self.products[number] = {"id": number, "name": name, "description": None}
            return number

    def add_status(self, name: str, *, stops_sla_timer: bool = False) -> int:
        """Create a custom status (Admin → Ticket Fields → Status); return its number (6 up)."""
        with self.lock:
            number = max([5, *self.custom_statuses]) + 1
            self.custom_statuses[number] = (name, stops_sla_timer)
            return number

    def add_ticket_field(self, name: str, field_type: str = "custom_text") -> None:
        """Declare a ticket custom field (``cf_*``) so that writes to it are accepted."""
        with self.lock:
            if name not in self.ticket_fields:
                self.ticket_fields[name] = {
                    "id": 1000 + len(self.ticket_fields),
                    "name": name,
                    "label": name.removeprefix("cf_").replace("_", " ").title(),
                    "type": field_type,
                    "default": False,
                }

    def add_ticket(self, **fields: Any) -> int:
        """Create a ticket from native Freshdesk fields (defaults fill the rest); return its id.

        ``stats`` may be given as a dict; otherwise the stats of a fresh Open ticket are used.
        """
        with self.lock:
            now = stamp(self.clock())
            stats = fields.pop("stats", None)
            number = int(fields.pop("id", 0)) or self._take("ticket")
            self._next_id["ticket"] = max(self._next_id["ticket"], number + 1)
            ticket = new_ticket(number, now)
            ticket.update(copy.deepcopy(fields))
            for name in ticket["custom_fields"]:
                self.add_ticket_field(name)
            self.tickets[number] = ticket
            self.stats[number] = dict(stats) if stats else new_stats(ticket["created_at"])
            self.conversations.setdefault(number, [])
            return number

    def load_payload(
        self, payload: Mapping[str, Any], conversations: list[dict[str, Any]] | None = None
    ) -> int:
        """Store a native ticket payload as given (e.g. a fixture file), with its conversations."""
        data = copy.deepcopy(dict(payload))
        data.pop("requester", None)
        number = self.add_ticket(**data)
        for item in conversations or []:
            self.conversations[number].append({**copy.deepcopy(item), "ticket_id": number})
        return number

    def add_conversation(
        self,
        ticket_id: int,
        at: datetime,
        *,
        incoming: bool,
        private: bool = False,
        body: str = "",
        source: int | None = None,
    ) -> int:
        """Add a reply (``incoming`` = from the customer) or a note, updating ``stats``."""
        with self.lock:
            number = self._take("conversation")
            ticket = self.tickets[ticket_id]
            when = stamp(at)
            self.conversations[ticket_id].append(
                new_conversation(
                    number,
                    ticket,
                    when,
                    incoming=incoming,
                    private=private,
                    body=body,
                    source=source,
                )
            )
            if when > ticket["updated_at"]:  # a new message updates the ticket
                ticket["updated_at"] = when
            stats = self.stats[ticket_id]
            if not private and incoming:
                stats["requester_responded_at"] = when
            elif not private:
                stats["agent_responded_at"] = when
                if stats.get("first_responded_at") is None:
                    stats["first_responded_at"] = when
            return number

    def load_normalized(self, ticket: Ticket) -> str:
        """Create the native form of a normalized ticket, with its history; return its id.

        Freshdesk cannot represent: status ``new`` (it starts Open), priority history, a priority
        of null (Low is stored), pending periods other than the latest (``stats.pending_since``),
        sub-second times, and non-numeric customer ids (the company gets its own id).
        """
        with self.lock:
            company_id = None
            customer = ticket.customer
            if customer is not None and (customer.name or customer.id or customer.tier):
                # A tier lives on a company, so a nameless customer with a tier gets one too.
                name = customer.name or customer.id or f"Customer of {ticket.id}"
                company_id = self.add_company(str(name), account_tier=customer.tier)
            region = ticket.customer.region if ticket.customer else None
            custom = {k: v for k, v in ticket.fields.items() if k.startswith("cf_")}
            number = self.add_ticket(
                created_at=stamp(ticket.created_at),
                updated_at=stamp(ticket.updated_at),
                status=2,
                priority=_PRIORITY_NATIVE.get(ticket.priority or "low", 1),
                type=ticket.type,
                source=_CHANNEL_NATIVE.get(ticket.channel or "email", 1),
                product_id=self.add_product(ticket.product) if ticket.product else None,
                group_id=self.add_group(region) if region else None,
                company_id=company_id,
                tags=list(ticket.tags),
                custom_fields=custom,
                subject=f"Ticket {ticket.id}",
            )
            self.stats[number]["status_updated_at"] = stamp(ticket.created_at)
            current = 2
            for event in ticket.events:
                if event.type == "status" and event.status is not None:
                    native = _STATUS_NATIVE[event.status]
                    if native != current:
                        self._set_status(number, native, event.at)
                        current = native
                elif event.type == "reply":
                    self.add_conversation(
                        number,
                        event.at,
                        incoming=event.author == "customer",
                        private=not event.public,
                    )
            final = _STATUS_NATIVE[ticket.status]
            if final != current:
                self._set_status(number, final, ticket.updated_at)
            self.tickets[number]["updated_at"] = stamp(ticket.updated_at)
            return str(number)

    # -- inspection -----------------------------------------------------------------------

    def ticket(self, ticket_id: str | int) -> dict[str, Any]:
        """A copy of the stored native ticket."""
        with self.lock:
            return copy.deepcopy(self.tickets[int(ticket_id)])

    def tags(self, ticket_id: str | int) -> set[str]:
        with self.lock:
            return set(self.tickets[int(ticket_id)]["tags"])

    def priority(self, ticket_id: str | int) -> str | None:
        with self.lock:
            return DEFAULT_PRIORITIES.get(str(self.tickets[int(ticket_id)]["priority"]))

    def field(self, ticket_id: str | int, key: str) -> Any:
        with self.lock:
            ticket = self.tickets[int(ticket_id)]
            if key in ticket["custom_fields"]:
                return ticket["custom_fields"][key]
            return ticket.get(key)

    def agent_edit(self, ticket_id: str | int, **changes: Any) -> None:
        """Simulate an agent's change in the UI; bumps ``updated_at``.

        ``tags`` (whole list), ``priority`` and ``status`` (normalized names or native ints),
        ``cf_*`` custom fields, or any other native key.
        """
        with self.lock:
            number = int(ticket_id)
            ticket = self.tickets[number]
            at = self._bump(number)
            for key, value in changes.items():
                if key == "priority" and isinstance(value, str):
                    ticket["priority"] = _PRIORITY_NATIVE[value]
                elif key == "status":
                    native = _STATUS_NATIVE[value] if isinstance(value, str) else int(value)
                    if native != ticket["status"]:
                        self._set_status(number, native, at)
                elif key.startswith("cf_"):
                    self.add_ticket_field(key)
                    ticket["custom_fields"][key] = value
                else:
                    ticket[key] = copy.deepcopy(value)

    def delete(self, ticket_id: str | int) -> None:
        """Delete a ticket: it leaves the list and its GET answers 404."""
        with self.lock:
            self.deleted.add(int(ticket_id))

    def write_count(self) -> int:
        """Write requests that changed a ticket."""
        with self.lock:
            return self._writes

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        """The ``connectors:`` entry that points a Freshdesk connector at this fake."""
        return {
            "type": "freshdesk",
            "base_url": self.base_url,
            "api_key": self.api_key,
            **overrides,
        }


__all__ = ["PAGE_CAP_ERROR", "UNAUTHORIZED", "FakeFreshdesk", "validation_failed"]
