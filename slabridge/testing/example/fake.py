"""A fake Example helpdesk API: in-memory tickets served over real HTTP on loopback."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge.sla.ticket import format_timestamp, parse_timestamp
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse

from .connector import DEFAULT_PRIORITIES


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


__all__ = ["ExampleFake"]
