"""A fake Example helpdesk API: in-memory tickets served over real HTTP on loopback."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge.sla.ticket import Ticket, format_timestamp, parse_timestamp
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse
from slabridge.testing.fakes import FakeHelpdesk

from .connector import DEFAULT_PRIORITIES, DEFAULT_STATUSES, NATIVE_PRIORITIES

NATIVE_STATUSES = {normalized: native for native, normalized in DEFAULT_STATUSES.items()}


class ExampleFake(FakeAPI):
    """The Example helpdesk in memory: tokens, tickets, a clock moving one minute per change."""

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
            offset = int(token.removeprefix("o")) if token else 0
        except ValueError as exc:
            return FakeResponse(400, {"error": f"bad query: {exc}"})
        rows = sorted(
            (
                record
                for record in self.tickets.values()
                if since is None or parse_timestamp(record["updated_at"], None, "") >= since
            ),
            key=lambda record: (record["updated_at"], record["id"]),
        )
        page = rows[offset : offset + limit]
        next_token: str | None = f"o{offset + limit}" if offset + limit < len(rows) else None
        if token is not None and self.repeat_page_tokens:
            next_token = token  # a broken API: a naive reader would ask for this page forever
        return FakeResponse(200, {"tickets": page, "next_page_token": next_token})

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
