"""Example helpdesk: a tiny connector and its fake API, the reference for connector authors.

The tutorial (docs/plugins/tutorial.md) walks through this file, ``slabridge new-connector``
generates a package shaped like it, and the standard suite is tested against it. The Example
helpdesk API:

* ``GET /api/me`` → ``{"name", "role"}``; a bad token is a 401.
* ``GET /api/fields`` → ``[{"key": "region"}, ...]``, the custom fields.
* ``GET /api/tickets?updated_since=ISO&limit=N&page_token=T`` → ``{"tickets": [...],
  "next_page_token": T|null}``, oldest change first, ``updated_at >= updated_since``.
* ``GET /api/tickets/{id}`` → a ticket, or 404.
* ``PUT /api/tickets/{id}`` with ``{"add_tags", "remove_tags", "priority", "custom"}`` → the
  ticket; ``updated_at`` moves only when something changed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import SecretStr

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
from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge.connectors.paging import TokenPages
from slabridge.hookspecs import hookimpl
from slabridge.sla.ticket import Customer, Ticket, format_timestamp, parse_timestamp
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse
from slabridge.testing.suite import ConnectorHarness

# The helpdesk's statuses and priorities → slabridge's; the config's `mapping:` adds to these.
DEFAULT_STATUSES = {
    "new": "new",
    "open": "open",
    "waiting": "pending",
    "hold": "on_hold",
    "done": "solved",
    "archived": "closed",
}
DEFAULT_PRIORITIES = {"p4": "low", "p3": "normal", "p2": "high", "p1": "urgent"}
NATIVE_PRIORITIES = {normalized: native for native, normalized in DEFAULT_PRIORITIES.items()}


class ExampleConfig(ConnectorConfig):
    """``connectors.<name>`` for ``type: example``."""

    base_url: str
    token: SecretStr
    page_size: int = 100
    timeout: float = 30.0
    requests_per_minute: float | None = None
    lookback_seconds: int = 0


class ExampleConnector(Connector):
    """Reads and writes tickets of the Example helpdesk."""

    type_name: ClassVar[str] = "example"
    config_model: ClassVar[type[ConnectorConfig]] = ExampleConfig
    capabilities: ClassVar[Capabilities] = Capabilities(tags=True, priority=True, fields=True)

    def __init__(
        self,
        instance: str,
        config: ConnectorConfig,
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(instance, config, sleep=sleep)
        assert isinstance(config, ExampleConfig)
        self.settings = config
        self.http = HttpClient(
            config.base_url,
            headers={"Authorization": f"Bearer {config.token.get_secret_value()}"},
            timeout=config.timeout,
            requests_per_minute=config.requests_per_minute,
            secrets=config.secrets(),
            sleep=self.sleep,
            connector=instance,
        )

    # -- check ----------------------------------------------------------------------------

    def check(self) -> list[CheckProblem]:
        try:
            me = self.http.get("/api/me", ok=(200, 401, 403)).json()
        except HttpError as exc:
            return [CheckProblem(f"cannot reach the Example helpdesk: {exc}")]
        if me.get("error") or me.get("role") is None:
            return [
                CheckProblem(
                    "the API token was rejected",
                    hint="create a token under Settings → API and set it in the config",
                )
            ]
        problems = []
        if me["role"] != "admin":
            problems.append(
                CheckProblem(
                    f"the token belongs to a {me['role']!r}, not an admin: "
                    "the changed-tickets list needs admin rights",
                )
            )
        fields = {field["key"] for field in self.http.get("/api/fields").json()}
        for key, path in self.settings.mapping.source_paths().items():
            head, _, name = path.partition(".")
            if head == "custom" and name not in fields:
                problems.append(
                    CheckProblem(
                        f"mapping.{key} reads custom field {name!r}, which does not exist",
                        hint=f"existing custom fields: {', '.join(sorted(fields)) or 'none'}",
                    )
                )
        return problems

    # -- read -----------------------------------------------------------------------------

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = InclusiveCursor.decode(
            cursor, lookback=timedelta(seconds=self.settings.lookback_seconds)
        )
        start = state.start

        def fetch_page(token: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {"limit": self.settings.page_size}
            if start is not None:
                params["updated_since"] = format_timestamp(start)
            if token is not None:
                params["page_token"] = token
            page: dict[str, Any] = self.http.get("/api/tickets", params=params).json()
            return page

        for page in TokenPages(fetch_page, lambda page: page.get("next_page_token")):
            for record in page.get("tickets", []):
                item = self.normalize(record)
                if isinstance(item, Ticket) and not state.admit(item.id, item.updated_at):
                    continue  # this version was delivered by the previous read
                yield item
            # Pages come oldest change first, so everything up to here is covered.
            yield Checkpoint(state.encode())
        yield Checkpoint(state.encode() if state.at is not None else (cursor or ""))

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        for ticket_id in ticket_ids:
            response = self.http.get(f"/api/tickets/{ticket_id}", ok=(200, 404))
            if response.status_code == 404:
                yield Skipped(ticket_id, "not found (deleted?)")
                continue
            yield self.normalize(response.json())

    def normalize(self, record: dict[str, Any]) -> Ticket | Skipped:
        """Map one API ticket onto the normalized Ticket (Skipped when it cannot be)."""
        ticket_id = str(record.get("id"))
        mapping = self.settings.mapping
        status = mapping.status(record.get("status"), DEFAULT_STATUSES)
        if status is None:
            return Skipped(ticket_id, f"unknown status {record.get('status')!r}")
        try:
            created_at = parse_timestamp(record.get("created_at"), ticket_id, "created_at")
            updated_at = parse_timestamp(record.get("updated_at"), ticket_id, "updated_at")
        except ValueError as exc:
            return Skipped(ticket_id, str(exc))
        custom = {str(key): value for key, value in (record.get("custom") or {}).items()}
        return Ticket(
            id=ticket_id,
            source=self.type_name,
            created_at=created_at,
            updated_at=updated_at,
            status=status,
            priority=mapping.priority(record.get("priority"), DEFAULT_PRIORITIES),
            product=mapping.product_of(record),
            tags=tuple(record.get("tags") or ()),
            fields={**custom, **mapping.mapped_fields(record)},
            customer=Customer(
                id=str(record.get("org_id")) if record.get("org_id") is not None else None,
                tier=mapping.tier_of(record),
                region=mapping.region_of(record),
            ),
        )

    # -- write ----------------------------------------------------------------------------

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        results = []
        for change in changes:
            if change.is_empty:
                results.append(WriteResult(change.ticket_id, "applied"))
                continue
            body: dict[str, Any] = {
                "add_tags": sorted(change.add_tags),
                "remove_tags": sorted(change.remove_tags),
            }
            if change.priority is not None:
                body["priority"] = NATIVE_PRIORITIES[change.priority]
            if change.fields:
                body["custom"] = dict(change.fields)
            try:
                self.http.put(f"/api/tickets/{change.ticket_id}", json=body)
            except RetryableHttpError as exc:
                results.append(WriteResult(change.ticket_id, "retry", str(exc)))
            except HttpError as exc:
                results.append(WriteResult(change.ticket_id, "rejected", str(exc)))
            else:
                results.append(WriteResult(change.ticket_id, "applied"))
        return results

    def api_calls(self) -> int:
        return self.http.calls

    def close(self) -> None:
        self.http.close()


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(ExampleConnector)


class ExampleFake(FakeAPI):
    """The Example helpdesk, in memory: tokens, tickets, a clock that moves one minute per change."""

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


class ExampleHarness(ConnectorHarness):
    """Drives :class:`ExampleConnector` against :class:`ExampleFake` for the standard suite."""

    page_size = 2
    token = "good-token"

    def config(self, **overrides: Any) -> ExampleConfig:
        values: dict[str, Any] = {
            "type": "example",
            "base_url": self.fake.base_url,
            "token": self.token,
            "page_size": self.page_size,
        }
        values.update(overrides)
        return ExampleConfig.model_validate(values)

    def make_connector(self, **overrides: Any) -> Connector:
        return ExampleConnector("example", self.config(**overrides), sleep=self.record_sleep)

    def make_connector_with_bad_credentials(self) -> Connector:
        return self.make_connector(token="wrong-token")

    @property
    def example(self) -> ExampleFake:
        assert isinstance(self.fake, ExampleFake)
        return self.fake

    def seed(self, count: int) -> list[str]:
        return [str(self.example.create_ticket(tags=["vip"])["id"]) for _ in range(count)]

    def touch(self, ticket_id: str) -> None:
        self.example.update_ticket(ticket_id, subject="Printer still on fire")

    def tags(self, ticket_id: str) -> set[str]:
        return set(self.example.tickets[ticket_id]["tags"])

    def priority(self, ticket_id: str) -> str | None:
        return DEFAULT_PRIORITIES.get(self.example.tickets[ticket_id]["priority"])

    def future_cursor(self) -> str:
        return InclusiveCursor.starting_at(self.example.now + timedelta(days=1))

    def repeat_next_page_token(self) -> None:
        self.example.repeat_page_tokens = True

    def state(self, ticket_id: str) -> object:
        record = self.example.tickets[ticket_id]
        return (frozenset(record["tags"]), record["priority"], dict(record["custom"]))


__all__ = [
    "DEFAULT_PRIORITIES",
    "DEFAULT_STATUSES",
    "ExampleConfig",
    "ExampleConnector",
    "ExampleFake",
    "ExampleHarness",
    "register_connectors",
]
