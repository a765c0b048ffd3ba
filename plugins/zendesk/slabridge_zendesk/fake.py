"""FakeZendesk: the Zendesk endpoints slabridge uses, shaped like the recorded responses.

Served by the fake-API toolkit on 127.0.0.1. Tickets, audits, organizations and users live in
memory; the cursor export, the ticket-events stream, update_many with job statuses, the tags
endpoints and safe_update conflicts behave as documented in
``shared/reference/helpdesk-apis.md`` §1 (bodies as recorded where a recording exists).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.fakeapi import FakeRequest, FakeResponse, Fault
from slabridge_zendesk.fake_auth import FORBIDDEN, INVALID_TOKEN, UNAUTHORIZED, ZendeskAuth
from slabridge_zendesk.fake_export import ZendeskExport
from slabridge_zendesk.fake_jobs import ZendeskJobs
from slabridge_zendesk.fake_scenarios import ZendeskScenarios
from slabridge_zendesk.fake_seed import TICKET_TYPES, ZendeskSeeding
from slabridge_zendesk.fake_store import (
    API_VIA,
    CONFLICT,
    NOT_FOUND,
    STATUS_FROM_NATIVE,
    STATUS_TO_NATIVE,
    TOO_MANY_VALUES,
    _iso,
    fold_tags,
)
from slabridge_zendesk.fake_writes import PRIORITIES, TICKET_UPDATES_PER_MINUTE, ZendeskWrites

_J = r"(?:\.json)?"


class FakeZendesk(
    ZendeskSeeding, ZendeskWrites, ZendeskJobs, ZendeskExport, ZendeskAuth, ZendeskScenarios
):
    """An in-memory Zendesk Support account served over HTTP on loopback.

    Accepts exactly the credentials it was built with (``email``/``token`` Basic auth, or
    ``oauth_token`` Bearer). ``role`` is the role of that user (incremental endpoints need
    ``admin``). ``incremental_per_minute`` enforces the export's own limit (None: off, so tests
    and demos are not slowed); ``account_per_minute`` is the plan's limit shown in the
    ``x-rate-limit*`` headers and enforced with 429 + Retry-After.
    """

    PRODUCT_FIELD_ID = 360000000001
    ADMIN_ID = 1000
    AGENT_ID = 1001

    def __init__(
        self,
        *,
        email: str = "admin@example.com",
        token: str = "fake-zendesk-api-token",
        oauth_token: str | None = None,
        role: str = "admin",
        incremental_per_minute: int | None = None,
        account_per_minute: int = 700,
        subdomain: str = "fake",
        seed: int = 0,
    ) -> None:
        super().__init__(seed=seed)
        self.email = email
        self.token = token
        self.oauth_token = oauth_token
        self.role = role
        self.subdomain = subdomain
        self.incremental_per_minute = incremental_per_minute
        self.account_per_minute = account_per_minute
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # OAuth clients (enable_oauth): expiring access tokens, rotating refresh tokens, scopes.
        self.oauth: FakeTokenIssuer | None = None
        # A broken-API mode for tests: answer a cursor page with the very cursor it was given.
        self.repeat_page_token = False
        # Time-based export behaviour (documented duplicates): a page after the first repeats the
        # last ticket of the page before.
        self.repeat_boundary_copy = False
        # Records per ticket-events page when the request names none (Zendesk: 1000).
        self.events_per_page = 1000
        self.tickets: dict[int, dict[str, Any]] = {}
        self.audits: dict[int, list[dict[str, Any]]] = {}
        self.organizations: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        # The SLA verdicts `include=slas` shows, per ticket: set by tests (the fake computes none).
        self.slas: dict[int, list[dict[str, Any]]] = {}
        self.ticket_fields: dict[int, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_failures: dict[int, list[tuple[str, str]]] = {}
        self._job_work: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        # Zendesk's workers run a bulk job whether or not anyone polls it: a job left alone this
        # many seconds (its client died, say) completes on its own (None: only polls move it).
        self.unpolled_job_seconds: float | None = 1.0
        self._job_touched: dict[str, float] = {}
        self._writes = 0
        self._races: dict[int, int] = {}
        self._job_changed = False
        self._next_ticket = 1
        self._next_object = 7_000_000_000_000
        self._org_keys: dict[str, int] = {}
        self._requesters: dict[int | None, int] = {}
        self._window: dict[str, tuple[float, int]] = {}
        # Each ticket's place in the export: (generated_timestamp, sequence of the change).
        self._export_order: dict[int, tuple[int, int]] = {}
        self._export_sequence = 0
        # Seconds for the per-minute rate-limit windows; a test points it at its own clock so
        # that a connector's injected sleep really lets a window pass.
        self.monotonic: Callable[[], float] = time.monotonic
        self.users[self.ADMIN_ID] = self._user(self.ADMIN_ID, "Slabridge Admin", email, role)
        self.users[self.AGENT_ID] = self._user(
            self.AGENT_ID, "Agent Smith", "agent@example.com", "agent"
        )
        self.add_ticket_field(self.PRODUCT_FIELD_ID, "tagger", "Product")
        self._routes_setup()

    # -- public seeding / inspection API ------------------------------------------------

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        """The ``connectors:`` entry pointing at this fake (fast pacing, product mapped)."""
        config: dict[str, Any] = {
            "type": "zendesk",
            "base_url": self.base_url,
            "incremental_requests_per_minute": None,
            "job_poll_interval": 0,
            "mapping": {"product": {"from": "custom_field", "id": self.PRODUCT_FIELD_ID}},
        }
        if self.oauth_token is not None:
            config["oauth_token"] = self.oauth_token
        else:
            config.update(email=self.email, token=self.token)
        config.update(overrides)
        return config

    def tags(self, ticket_id: str | int) -> set[str]:
        with self.lock:
            return set(self.tickets[int(ticket_id)].get("tags") or [])

    def priority(self, ticket_id: str | int) -> str | None:
        with self.lock:
            value = self.tickets[int(ticket_id)].get("priority")
            return value if isinstance(value, str) else None

    def status(self, ticket_id: str | int) -> str:
        with self.lock:
            native = str(self.tickets[int(ticket_id)].get("status"))
            return STATUS_FROM_NATIVE.get(native, native)

    def field(self, ticket_id: str | int, key: str | int) -> Any:
        with self.lock:
            for entry in self.tickets[int(ticket_id)].get("custom_fields") or []:
                if str(entry.get("id")) == str(key):
                    return entry.get("value")
            return None

    def write_count(self) -> int:
        """Write requests of a client that changed state: a ticket PUT, a tags call, an
        update_many (counted once, when its job runs). Agent edits are not counted."""
        with self.lock:
            return self._writes

    def fail_job_update(
        self,
        ticket_id: str | int,
        error: str = "TicketUpdateFailed",
        details: str = "",
        *,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` job updates of this ticket fail with ``error``."""
        with self.lock:
            entry = (error, details or f"Ticket {ticket_id} could not be updated")
            self.job_failures.setdefault(int(ticket_id), []).extend([entry] * times)

    def race_agent_edits(self, ticket_id: str | int, *, times: int = 1) -> None:
        """Let an agent edit the ticket just before each of its next ``times`` safe updates.

        Simulates a collision: the write carries the stamp it read, the ticket moved on, 409.
        """
        with self.lock:
            self._races[int(ticket_id)] = self._races.get(int(ticket_id), 0) + times

    # -- toolkit overrides --------------------------------------------------------------

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(404, dict(NOT_FOUND))

    def fault_body(self, status: int) -> Any:
        """Injected faults answer with Zendesk's body for that status."""
        bodies: dict[int, Any] = {
            400: {"error": "InvalidValue", "description": "Invalid request"},
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
            422: {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"base": [{"description": "Invalid", "error": "InvalidValue"}]},
            },
            429: {"error": "TooManyRequests", "description": "Rate limit exceeded"},
        }
        return dict(
            bodies.get(status, {"error": "ServerError", "description": "Internal Server Error"})
        )

    # -- routes -------------------------------------------------------------------------

    def _routes_setup(self) -> None:
        tid = r"(?P<ticket_id>\d+)"
        self.route("GET", r"/api/v2/users/me" + _J, self._me)
        self.route("POST", r"/oauth/tokens", self._oauth_grant)
        self.route("GET", r"/api/v2/oauth/tokens/current" + _J, self._current_token)
        self.route("GET", r"/api/v2/users/show_many" + _J, self._users_show_many)
        self.route("GET", r"/api/v2/ticket_fields" + _J, self._list_ticket_fields)
        self.route("GET", r"/api/v2/organization_fields" + _J, self._list_org_fields)
        self.route("GET", r"/api/v2/incremental/tickets/cursor" + _J, self._export)
        self.route("GET", r"/api/v2/incremental/ticket_events" + _J, self._ticket_events)
        self.route("GET", r"/api/v2/tickets/show_many" + _J, self._show_many)
        self.route("GET", r"/api/v2/tickets/count" + _J, self._count)
        self.route("PUT", r"/api/v2/tickets/update_many" + _J, self._update_many)
        self.route("GET", r"/api/v2/job_statuses/(?P<job_id>[A-Za-z0-9-]+)" + _J, self._job)
        self.route("GET", rf"/api/v2/tickets/{tid}" + _J, self._show)
        self.route("PUT", rf"/api/v2/tickets/{tid}" + _J, self._put_ticket)
        self.route("GET", rf"/api/v2/tickets/{tid}/audits" + _J, self._ticket_audits)
        self.route("GET", rf"/api/v2/tickets/{tid}/tags" + _J, self._get_tags)
        for method in ("POST", "PUT", "DELETE"):
            self.route(method, rf"/api/v2/tickets/{tid}/tags" + _J, self._write_tags)

    def _me(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, {"user": dict(self.users[self.ADMIN_ID])})

    def _users_show_many(self, request: FakeRequest) -> FakeResponse:
        ids = self._ids(request)
        if ids is None:
            return FakeResponse(400, dict(TOO_MANY_VALUES))
        return FakeResponse(200, {"users": [dict(self.users[i]) for i in ids if i in self.users]})

    def _list_ticket_fields(self, request: FakeRequest) -> FakeResponse:
        fields = [dict(f) for f in self.ticket_fields.values()]
        return FakeResponse(
            200,
            {
                "ticket_fields": fields,
                "next_page": None,
                "previous_page": None,
                "count": len(fields),
            },
        )

    def _list_org_fields(self, request: FakeRequest) -> FakeResponse:
        # The fields the default mapping reads exist, as an admin following the docs made them.
        keys = sorted(
            {"tier", "region"}
            | {k for org in self.organizations.values() for k in org["organization_fields"]}
        )
        fields = [{"key": key, "type": "text", "title": key.title()} for key in keys]
        return FakeResponse(
            200, {"organization_fields": fields, "next_page": None, "count": len(fields)}
        )

    def _show_many(self, request: FakeRequest) -> FakeResponse:
        ids = self._ids(request)
        if ids is None:
            return FakeResponse(400, dict(TOO_MANY_VALUES))
        tickets = [dict(self.tickets[i]) for i in ids if i in self.tickets]
        if "slas" in (request.arg("include") or "").split(","):
            # Not a sideload: each ticket gets its own `slas` (the applied policy's metrics).
            for ticket in tickets:
                ticket["slas"] = {"policy_metrics": list(self.slas.get(ticket["id"], []))}
        return FakeResponse(200, {"tickets": tickets, **self._sideloads(request, tickets)})

    def _count(self, request: FakeRequest) -> FakeResponse:
        # As documented: approximate; above 100,000 capped there, refreshed_at null meanwhile.
        count = len(self.tickets)
        if count > 100_000:
            return FakeResponse(200, {"count": {"value": 100_000, "refreshed_at": None}})
        return FakeResponse(200, {"count": {"value": count, "refreshed_at": _iso(self.clock())}})

    def _show(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        ticket = self.tickets.get(int(ticket_id))
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        return FakeResponse(200, {"ticket": dict(ticket)})

    def _get_tags(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        ticket = self.tickets.get(int(ticket_id))
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        return FakeResponse(200, {"tags": list(ticket.get("tags") or [])})

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        self.run_unpolled_jobs()
        return super().dispatch(request)


__all__ = [
    "API_VIA",
    "CONFLICT",
    "FORBIDDEN",
    "INVALID_TOKEN",
    "NOT_FOUND",
    "PRIORITIES",
    "STATUS_FROM_NATIVE",
    "STATUS_TO_NATIVE",
    "TICKET_TYPES",
    "TICKET_UPDATES_PER_MINUTE",
    "TOO_MANY_VALUES",
    "UNAUTHORIZED",
    "FakeZendesk",
    "fold_tags",
]
