"""FakeZendesk: the Zendesk endpoints slabridge uses, shaped like the recorded responses.

Served by the fake-API toolkit on 127.0.0.1. Tickets, audits, organizations and users live in
memory; the cursor export, the ticket-events stream, update_many with job statuses, the tags
endpoints and safe_update conflicts behave as documented in
``shared/reference/helpdesk-apis.md`` §1 (bodies as recorded where a recording exists).
"""

from __future__ import annotations

import base64
import binascii
import copy
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from slabridge.sla.ticket import Ticket
from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.fakeapi import FakeRequest, FakeResponse, Fault
from slabridge_zendesk.fake_scenarios import ZendeskScenarios
from slabridge_zendesk.scopes import allowed

_J = r"(?:\.json)?"
NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
TOO_MANY_VALUES = {
    "error": "TooManyValues",
    "description": "Parameter  cannot specify more than 100 values",
    "max_count": 100,
}
CONFLICT = {"error": "DatabaseConflict", "description": "Database collision"}
UNAUTHORIZED = {"error": "Couldn't authenticate you"}
# An expired, revoked or unknown OAuth access token (Doorkeeper's shape, as Zendesk sends it).
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed or invalid "
    "for other reasons.",
}
FORBIDDEN = {
    "error": "Forbidden",
    "description": "You do not have access to this page. Please contact the account owner of "
    "this help desk for further help.",
}
PRIORITIES = ("low", "normal", "high", "urgent")
STATUS_TO_NATIVE = {"on_hold": "hold"}
STATUS_FROM_NATIVE = {"hold": "on_hold"}
TICKET_TYPES = ("problem", "incident", "question", "task")
TICKET_UPDATES_PER_MINUTE = 20  # recorded: zendesk-rate-limit-tickets-update total=20
API_VIA: dict[str, Any] = {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fold_tags(tags: Iterable[str]) -> list[str]:
    """Tags as Zendesk stores them: lowercased, each once, in the order given."""
    return list(dict.fromkeys(str(tag).lower() for tag in tags))


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _encode_cursor(stamp: int, ticket_id: int | None, sequence: int | None = None) -> str:
    text = f"{stamp}.0||{'' if ticket_id is None else ticket_id}|{sequence or ''}"
    return base64.b64encode(text.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[int, int]:
    """The export position ``(stamp, sequence)`` a cursor stands for (-1: before any)."""
    text = base64.b64decode(cursor.encode(), validate=True).decode()
    stamp, _, rest = text.partition("||")
    ticket_id, _, sequence = rest.partition("|")
    return int(float(stamp)), int(sequence or ticket_id or -1)


def _error(code: int, error: str, description: str, /, **details: Any) -> FakeResponse:
    body: dict[str, Any] = {"error": error, "description": description}
    if details:
        body["details"] = details
    return FakeResponse(code, body)


def _record_invalid(field: str, description: str, error: str = "InvalidValue") -> FakeResponse:
    return _error(
        422,
        "RecordInvalid",
        "Record validation errors",
        **{field: [{"description": description, "error": error}]},
    )


class FakeZendesk(ZendeskScenarios):
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

    def add_organization(
        self,
        name: str,
        *,
        tags: Iterable[str] = (),
        fields: Mapping[str, Any] | None = None,
        org_id: int | None = None,
    ) -> int:
        """Create an organization (``organization_fields`` = ``fields``); returns its id."""
        with self.lock:
            org_id = org_id if org_id is not None else self._new_id()
            now = _iso(self.clock())
            self.organizations[org_id] = {
                "url": f"https://{self.subdomain}.zendesk.com/api/v2/organizations/{org_id}.json",
                "id": org_id,
                "name": name,
                "shared_tickets": False,
                "shared_comments": False,
                "external_id": None,
                "created_at": now,
                "updated_at": now,
                "domain_names": [],
                "details": None,
                "notes": None,
                "group_id": None,
                "tags": list(tags),
                "organization_fields": dict(fields or {}),
            }
            return org_id

    def add_user(
        self, name: str, *, role: str = "end-user", organization_id: int | None = None
    ) -> int:
        with self.lock:
            user_id = self._new_id()
            user = self._user(user_id, name, f"user{user_id}@example.com", role)
            user["organization_id"] = organization_id
            self.users[user_id] = user
            return user_id

    def add_ticket_field(
        self, field_id: int | None = None, kind: str = "text", title: str = ""
    ) -> int:
        with self.lock:
            field_id = field_id if field_id is not None else self._new_id()
            self.ticket_fields[field_id] = {
                "url": f"https://{self.subdomain}.zendesk.com/api/v2/ticket_fields/{field_id}.json",
                "id": field_id,
                "type": kind,
                "title": title or f"Field {field_id}",
                "active": True,
            }
            return field_id

    def add_raw_ticket(
        self, payload: Mapping[str, Any], *, generated_at: datetime | None = None
    ) -> None:
        """Store a ticket payload verbatim (e.g. a malformed one) for the export to return."""
        with self.lock:
            ticket = dict(payload)
            stamp = generated_at or self.clock() - timedelta(minutes=5)
            ticket["generated_timestamp"] = int(stamp.timestamp())
            key = ticket.get("id")
            ticket_id = key if isinstance(key, int) else self._new_id()
            self.tickets[ticket_id] = ticket
            self.audits.setdefault(ticket_id, [])

    def load_normalized(self, ticket: Ticket) -> str:
        """Create ``ticket`` natively with its whole history (audits); return the Zendesk id."""
        with self.lock:
            org_id = self._organization_for(ticket)
            requester = self._requester_for(org_id)
            ticket_id = self._next_ticket
            self._next_ticket += 1
            status_events = [e for e in ticket.events if e.type == "status"]
            priority_events = [e for e in ticket.events if e.type == "priority"]
            events = list(ticket.events)
            initial_status = "new" if status_events else ticket.status
            if events and events[0].type == "status" and events[0].at == ticket.created_at:
                initial_status = events.pop(0).status or "new"
            # Before its first change the ticket had what that change replaced (its ``from``).
            initial_priority = ticket.priority
            if priority_events:
                initial_priority = priority_events[0].from_priority
            fields: dict[str, Any] = {k: v for k, v in ticket.fields.items() if k.isdigit()}
            if ticket.product is not None:
                fields[str(self.PRODUCT_FIELD_ID)] = ticket.product
            for key, value in fields.items():
                if int(key) not in self.ticket_fields:
                    self.add_ticket_field(
                        int(key), "checkbox" if isinstance(value, bool) else "text"
                    )
            created = _iso(ticket.created_at)
            native: dict[str, Any] = self._native_ticket(
                ticket_id,
                created=created,
                status=self._native_status(initial_status),
                priority=initial_priority,
                requester=requester,
                org_id=org_id,
            )
            native["type"] = ticket.type if ticket.type in TICKET_TYPES else None
            native["via"]["channel"] = ticket.channel or "api"
            native["tags"] = fold_tags(ticket.tags)
            native["custom_fields"] = [{"id": int(k), "value": v} for k, v in fields.items()]
            native["fields"] = [dict(entry) for entry in native["custom_fields"]]
            self.tickets[ticket_id] = native
            creation = [
                self._comment_event(requester, "Ticket created", public=True),
                *[
                    {"type": "Create", "field_name": name, "value": value}
                    for name, value in (
                        ("requester_id", str(requester)),
                        ("subject", native["subject"]),
                        ("status", native["status"]),
                        ("priority", native["priority"]),
                        ("tags", fold_tags(ticket.tags)),
                    )
                ],
                *[
                    {"type": "Create", "field_name": key, "value": value}
                    for key, value in fields.items()
                ],
            ]
            self.audits[ticket_id] = []
            self._add_audit(ticket_id, created, requester, creation)
            for event in events:
                at = _iso(event.at)
                if event.type == "status" and event.status is not None:
                    self._set_and_audit(
                        ticket_id, at, self.AGENT_ID, status=self._native_status(event.status)
                    )
                elif event.type == "priority":
                    self._set_and_audit(ticket_id, at, self.AGENT_ID, priority=event.priority)
                elif event.type == "reply":
                    author = self.AGENT_ID if event.author == "agent" else requester
                    body = "Reply" if event.public else "Internal note"
                    self._add_audit(
                        ticket_id, at, author, [self._comment_event(author, body, event.public)]
                    )
            final = _iso(ticket.updated_at)
            self._set_and_audit(
                ticket_id,
                final,
                self.AGENT_ID,
                status=self._native_status(ticket.status),
                priority=ticket.priority,
            )
            native["updated_at"] = max(native["updated_at"], final)
            native["generated_timestamp"] = int(_parse(native["updated_at"]).timestamp())
            return str(ticket_id)

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

    def agent_edit(self, ticket_id: str | int, **changes: Any) -> None:
        """Simulate an agent editing the ticket: bumps ``updated_at`` (for conflict tests).

        Keys: ``status`` (normalized), ``priority``, ``tags`` (replace), ``add_tags``,
        ``remove_tags``, ``fields`` ({field id: value}), ``comment`` ({public, author}).
        """
        with self.lock:
            tid = int(ticket_id)
            ticket = self.tickets[tid]
            update: dict[str, Any] = {}
            if "status" in changes:
                update["status"] = self._native_status(changes["status"])
            if "priority" in changes:
                update["priority"] = changes["priority"]
            tags = fold_tags(changes.get("tags", ticket.get("tags") or []))
            tags += [t for t in fold_tags(changes.get("add_tags", ())) if t not in tags]
            tags = [t for t in tags if t not in set(fold_tags(changes.get("remove_tags", ())))]
            if tags != ticket.get("tags"):
                update["tags"] = tags
            for key, value in (changes.get("fields") or {}).items():
                update[str(key)] = value
            comment = changes.get("comment")
            extra = []
            if comment is not None:
                author = (
                    self.AGENT_ID
                    if comment.get("author", "agent") == "agent"
                    else int(ticket["requester_id"])
                )
                extra.append(self._comment_event(author, "Edited", comment.get("public", True)))
            self._update(tid, update, self.AGENT_ID, extra_events=extra, force=True)

    def merge_tickets(
        self,
        source_ids: Iterable[str | int],
        target_id: str | int,
        *,
        public: bool = True,
        source_comment: str | None = None,
        target_comment: str | None = None,
    ) -> None:
        """Merge tickets as an agent does in Zendesk: the sources close, both sides get a note.

        The notes are comments by the merging agent (public unless ``public=False``, as the
        agent's merge dialog offers), in audits whose ``via`` is the merge
        (``source.rel == "merge"``). Without texts, Zendesk's default English ones.
        """
        with self.lock:
            tid = int(target_id)
            sources = [int(source) for source in source_ids]
            target = self.tickets[tid]
            for sid in sources:
                body = source_comment or (
                    f"This request was closed and merged into request #{tid} "
                    f'"{target.get("subject")}".'
                )
                via = {
                    "channel": "web",
                    "source": {
                        "from": {},
                        "to": {"ticket_id": tid, "subject": target.get("subject")},
                        "rel": "merge",
                    },
                }
                comment = self._comment_event(self.AGENT_ID, body, public)
                self._update(
                    sid, {"status": "closed"}, self.AGENT_ID, extra_events=[comment], via=via
                )
            listed = ", ".join(f"#{sid}" for sid in sources)
            if target_comment is not None:
                body = target_comment
            elif len(sources) == 1:
                [sid] = sources
                body = (
                    f'Request #{sid} "{self.tickets[sid].get("subject")}" was closed and merged '
                    f"into this request. Last comment in request #{sid}:\n\nTicket created"
                )
            else:
                body = f"Requests {listed} were closed and merged into this request."
            first = self.tickets[sources[0]]
            via = {
                "channel": "web",
                "source": {
                    "from": {
                        "ticket_id": sources[0],
                        "subject": first.get("subject"),
                        "ticket_ids": sources,
                    },
                    "to": {},
                    "rel": "merge",
                },
            }
            comment = self._comment_event(self.AGENT_ID, body, public)
            self._update(tid, {}, self.AGENT_ID, extra_events=[comment], via=via, force=True)

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

    def enable_oauth(self, issuer: FakeTokenIssuer | None = None) -> FakeTokenIssuer:
        """Accept OAuth clients at ``POST /oauth/tokens`` (30-minute tokens by default)."""
        self.oauth = issuer or FakeTokenIssuer(prefix="zd", expires_in=1800)
        return self.oauth

    def _authorize_oauth(self, request: FakeRequest) -> FakeResponse | None:
        assert self.oauth is not None
        token = self.oauth.token_of(request)
        if token is None:
            return FakeResponse(401, dict(INVALID_TOKEN))
        if not allowed(request.method, request.path, token.scopes):
            return FakeResponse(403, dict(FORBIDDEN))
        return None

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        header = request.headers.get("Authorization") or request.headers.get("authorization")
        if request.path == "/oauth/tokens":
            return None  # the grant authenticates the client itself
        if self.oauth is not None and header and header.startswith("Bearer "):
            denied = self._authorize_oauth(request)
            if denied is not None:
                return denied
            return self._limits(request)
        ok = False
        if header and header.startswith("Bearer ") and self.oauth_token is not None:
            ok = secrets.compare_digest(header[7:], self.oauth_token)
        elif header and header.startswith("Basic ") and self.oauth_token is None:
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            ok = secrets.compare_digest(decoded, f"{self.email}/token:{self.token}")
        if not ok:
            return FakeResponse(401, UNAUTHORIZED)
        return self._limits(request)

    def _limits(self, request: FakeRequest) -> FakeResponse | None:
        if "/incremental/" in request.path:
            if self.role != "admin":
                return FakeResponse(403, FORBIDDEN)
            limited = self._over_limit("incremental", self.incremental_per_minute)
            if limited is not None:
                return limited
        return self._over_limit("account", self.account_per_minute, count=False)

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

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        with self.lock:
            started, used = self._window.get("account", (self.monotonic(), 0))
            used += 1
            if self.monotonic() - started >= 60:
                started, used = self.monotonic(), 1
            self._window["account"] = (started, used)
        remaining = max(0, self.account_per_minute - used)
        reset = max(1, int(60 - (self.monotonic() - started)))
        return {
            "x-rate-limit": str(self.account_per_minute),
            "x-rate-limit-remaining": str(remaining),
            "ratelimit-limit": str(self.account_per_minute),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
            "x-zendesk-api-version": "v2",
        }

    # -- OAuth ---------------------------------------------------------------------------

    def _oauth_grant(self, request: FakeRequest) -> FakeResponse:
        if self.oauth is None:
            return FakeResponse(400, {"error": "invalid_client"})
        try:
            body = request.json()
        except ValueError:
            body = None
        return self.oauth.grant(body)

    def _current_token(self, request: FakeRequest) -> FakeResponse:
        token = self.oauth.token_of(request) if self.oauth is not None else None
        if token is None:  # the static oauth_token of the older mode: full access
            return FakeResponse(200, {"token": {"id": 1, "scopes": ["read", "write"]}})
        return FakeResponse(200, {"token": {"id": 1, "scopes": sorted(token.scopes)}})

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

    def _export(self, request: FakeRequest) -> FakeResponse:
        try:
            per_page = max(1, min(1000, int(request.arg("per_page") or 1000)))
            cursor = request.arg("cursor")
            if cursor:
                position = _decode_cursor(cursor)
            elif request.arg("start_time") is not None:
                position = (int(request.arg("start_time") or 0), -1)
            else:
                return _error(400, "InvalidValue", "start_time or cursor is required")
        except (ValueError, binascii.Error):
            return _error(400, "InvalidPaginationParameter", "cursor is invalid")
        newest = int(self.clock().timestamp()) - 60  # the last minute is left out
        rows = self._export_rows()
        pending = [row for row in rows if row[:2] > position and row[0] <= newest]
        page = pending[:per_page]
        if page:
            stamp, seq, tid = page[-1]
            after = _encode_cursor(stamp, tid, seq)
        elif cursor:
            after = cursor  # nothing new: the cursor stays where it was
        else:
            after = _encode_cursor(position[0], None)
        repeat = bool(cursor) and self.repeat_page_token
        if repeat and cursor:
            after = cursor
        tickets = [dict(self.tickets[tid]) for _, _, tid in page]
        boundary = next((tid for stamp, seq, tid in rows if (stamp, seq) == position), None)
        if self.repeat_boundary_copy and cursor and boundary is not None:
            tickets.insert(0, dict(self.tickets[boundary]))
        body: dict[str, Any] = {
            "tickets": tickets,
            "after_url": f"https://{self.subdomain}.zendesk.com/api/v2/incremental/tickets/"
            f"cursor.json?cursor={quote(after)}&per_page={per_page}",
            "before_url": None,
            "after_cursor": after,
            "before_cursor": None,
            "end_of_stream": len(pending) <= per_page and not repeat,
        }
        body.update(self._sideloads(request, tickets))
        return FakeResponse(200, body)

    def _export_rows(self) -> list[tuple[int, int, int]]:
        """``(stamp, sequence, id)`` in export order; a change gets a sequence when first seen.

        Zendesk streams changes in the order it records them: one recorded after a cursor was
        handed out comes after it, even in a second the cursor has reached.
        """
        order = self._export_order
        fresh = sorted(
            (int(t.get("generated_timestamp") or 0), tid)
            for tid, t in self.tickets.items()
            if order.get(tid, (None, 0))[0] != int(t.get("generated_timestamp") or 0)
        )
        for stamp, tid in fresh:
            self._export_sequence += 1
            order[tid] = (stamp, self._export_sequence)
        return sorted(
            (stamp, seq, tid) for tid, (stamp, seq) in order.items() if tid in self.tickets
        )

    def _ticket_events(self, request: FakeRequest) -> FakeResponse:
        try:
            start = int(request.arg("start_time") or "")
            per_page = max(1, min(1000, int(request.arg("per_page") or self.events_per_page)))
        except ValueError:
            return _error(400, "InvalidValue", "start_time is required (Unix seconds)")
        comments = "comment_events" in (request.arg("include") or "")
        newest = int(self.clock().timestamp()) - 60
        rows = sorted(
            (int(_parse(audit["created_at"]).timestamp()), audit["id"], audit)
            for audits in self.audits.values()
            for audit in audits
        )
        selected = [row for row in rows if start <= row[0] <= newest]
        page = selected[:per_page]
        # Like Zendesk's time-based exports, a page never splits one second: records sharing
        # the last timestamp all come along, so the next start_time cannot repeat the page.
        while page and len(page) < len(selected) and selected[len(page)][0] == page[-1][0]:
            page.append(selected[len(page)])
        end_time = page[-1][0] if page else start
        events = [self._ticket_event(audit, comments) for _, _, audit in page]
        return FakeResponse(
            200,
            {
                "ticket_events": events,
                "next_page": f"https://{self.subdomain}.zendesk.com/api/v2/incremental/"
                f"ticket_events.json?start_time={end_time}",
                "count": len(events),
                "end_of_stream": len(page) == len(selected),
                "end_time": end_time,
            },
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

    def _put_ticket(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        tid = int(ticket_id)
        ticket = self.tickets.get(tid)
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        payload = (request.json() or {}).get("ticket")
        if not isinstance(payload, dict):
            return _error(400, "InvalidValue", 'the body must be {"ticket": {...}}')
        headers: dict[str, str] = {}
        if "id" in payload:
            headers["x-zendesk-api-warn"] = (
                '{:allowed_parameters=>{:controller=>"tickets", :action=>"update", '
                ':unpermitted_keys=>["ticket.id"], :invalid_values=>[]}}'
            )
        conflict = self._stale(ticket, payload)
        if conflict is not None:
            return conflict
        if ticket.get("status") == "closed":
            return _record_invalid(
                "status", "Status: closed prevents ticket update", "ClosedPreventsUpdate"
            )
        update = self._ticket_update(payload)
        if isinstance(update, FakeResponse):
            return update
        audit = self._update(tid, update, self.ADMIN_ID)
        if audit is not None:
            self._writes += 1
        headers["zendesk-rate-limit-tickets-update"] = self._ticket_update_limit(tid)
        return FakeResponse(
            200, {"ticket": dict(self.tickets[tid]), "audit": audit}, headers=headers
        )

    def _ticket_update(self, payload: Mapping[str, Any]) -> dict[str, Any] | FakeResponse:
        """The changes a ``PUT tickets/{id}`` payload asks for, or the 422 for an invalid one."""
        update: dict[str, Any] = {}
        if "priority" in payload:
            if payload["priority"] not in (None, *PRIORITIES):
                return _record_invalid("priority", "Priority: is not valid")
            update["priority"] = payload["priority"]
        if "status" in payload:
            update["status"] = payload["status"]
        if "tags" in payload:  # replaces every tag, as the real endpoint does
            update["tags"] = fold_tags(payload["tags"])
        for entry in payload.get("custom_fields") or []:
            if not isinstance(entry, dict) or int(entry.get("id", 0)) not in self.ticket_fields:
                return _record_invalid("base", f"Custom field {entry!r} does not exist")
            update[str(entry["id"])] = entry.get("value")
        return update

    def _ticket_update_limit(self, tid: int) -> str:
        """The per-ticket update budget as recorded on a ticket PUT (2023-09, zenpy's
        cassette): ``total=20; remaining=19; resets=59`` after the first update of a minute."""
        with self.lock:
            started, used = self._window.get(f"update:{tid}", (self.monotonic(), 0))
            if self.monotonic() - started >= 60:
                started, used = self.monotonic(), 0
            used += 1
            self._window[f"update:{tid}"] = (started, used)
            resets = max(0, 59 - int(self.monotonic() - started))
        total = TICKET_UPDATES_PER_MINUTE
        return f"total={total}; remaining={max(0, total - used)}; resets={resets}"

    def _ticket_audits(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        tid = int(ticket_id)
        if tid not in self.tickets:
            return FakeResponse(404, dict(NOT_FOUND))
        audits = self.audits.get(tid, [])
        size_arg = request.arg("page[size]")
        if size_arg is None:
            return FakeResponse(
                200,
                {"audits": audits, "next_page": None, "previous_page": None, "count": len(audits)},
            )
        size = max(1, min(100, int(size_arg)))
        after = request.arg("page[after]")
        start = int(base64.b64decode(after).decode()) if after else 0
        page = audits[start : start + size]
        has_more = start + size < len(audits)
        after_cursor = base64.b64encode(str(start + size).encode()).decode() if page else None
        before_cursor = base64.b64encode(str(start).encode()).decode() if page else None
        base = f"https://{self.subdomain}.zendesk.com/api/v2/tickets/{tid}/audits.json"
        return FakeResponse(
            200,
            {
                "audits": page,
                "meta": {
                    "has_more": has_more,
                    "after_cursor": after_cursor,
                    "before_cursor": before_cursor,
                },
                "links": {
                    "next": f"{base}?page%5Bafter%5D={after_cursor}&page%5Bsize%5D={size}"
                    if has_more
                    else None,
                    "prev": None,
                },
            },
        )

    def _get_tags(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        ticket = self.tickets.get(int(ticket_id))
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        return FakeResponse(200, {"tags": list(ticket.get("tags") or [])})

    def _write_tags(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        tid = int(ticket_id)
        ticket = self.tickets.get(tid)
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        payload = request.json() or {}
        given = payload.get("tags")
        if not isinstance(given, list) or not all(isinstance(t, str) for t in given):
            return _error(400, "InvalidValue", "tags must be a list of strings")
        conflict = self._stale(ticket, payload)
        if conflict is not None:
            return conflict
        if ticket.get("status") == "closed":
            return _record_invalid(
                "status", "Status: closed prevents ticket update", "ClosedPreventsUpdate"
            )
        # Zendesk folds case on every tag write (a removal of "Gold" takes "gold" off).
        current = list(ticket.get("tags") or [])
        given = fold_tags(given)
        if request.method == "POST":
            tags = given
        elif request.method == "PUT":
            tags = current + [t for t in given if t not in current]
        else:
            tags = [t for t in current if t not in set(given)]
        if self._update(tid, {"tags": tags}, self.ADMIN_ID) is not None:
            self._writes += 1
        return FakeResponse(201 if request.method == "POST" else 200, {"tags": tags})

    def _update_many(self, request: FakeRequest) -> FakeResponse:
        payload = request.json() or {}
        work: list[tuple[int, dict[str, Any]]] = []
        if request.arg("ids") is not None:
            ids = self._ids(request)
            if ids is None:
                return FakeResponse(400, dict(TOO_MANY_VALUES))
            change = payload.get("ticket")
            if not isinstance(change, dict):
                return _error(400, "InvalidValue", 'with ids=, the body is {"ticket": {...}}')
            work = [(tid, change) for tid in ids]
        else:
            batch = payload.get("tickets")
            if not isinstance(batch, list):
                return _error(400, "InvalidValue", 'give ids= or a {"tickets": [...]} body')
            if len(batch) > 100:
                return FakeResponse(400, dict(TOO_MANY_VALUES))
            work = [(int(item.get("id", 0)), item) for item in batch if isinstance(item, dict)]
        job_id = "V3-" + "".join(f"{self._rng.getrandbits(4):x}" for _ in range(32))
        job = {
            "id": job_id,
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/job_statuses/{job_id}.json",
            "total": len(work),
            "progress": None,
            "status": "queued",
            "message": None,
            "results": None,
        }
        self.jobs[job_id] = job
        self._job_work[job_id] = work
        self._job_touched[job_id] = time.monotonic()
        return FakeResponse(200, {"job_status": dict(job)})

    def _job(self, request: FakeRequest, job_id: str) -> FakeResponse:
        job = self.jobs.get(job_id)
        if job is None:
            return FakeResponse(404, dict(NOT_FOUND))
        self._job_touched[job_id] = time.monotonic()
        if job["status"] == "queued":  # queued -> working, as recorded (progress, message)
            total = len(self._job_work.get(job_id, []))
            job.update(status="working", progress=0, message=f"Updating ticket #{min(total, 1)}")
            return FakeResponse(200, {"job_status": dict(job)})
        if job["status"] == "working":  # working -> completed on the next poll
            self._complete_job(job)
        return FakeResponse(200, {"job_status": dict(job)})

    def _complete_job(self, job: dict[str, Any]) -> None:
        self._job_changed = False
        self._job_touched.pop(job["id"], None)
        results = [
            self._run_job_item(i, tid, change)
            for i, (tid, change) in enumerate(self._job_work.pop(job["id"], []))
        ]
        job.update(
            status="completed",
            progress=len(results),
            results=results,
            message=f"Completed at {self.clock().strftime('%Y-%m-%d %H:%M:%S')} +0000",
        )
        if self._job_changed:  # the update_many request changed state
            self._writes += 1

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        self.run_unpolled_jobs()
        return super().dispatch(request)

    def run_unpolled_jobs(self) -> int:
        """Complete the jobs nobody polled for ``unpolled_job_seconds``; return how many."""
        if self.unpolled_job_seconds is None:
            return 0
        deadline = time.monotonic() - self.unpolled_job_seconds
        with self.lock:
            stale = [job_id for job_id, at in self._job_touched.items() if at <= deadline]
            for job_id in stale:
                self._complete_job(self.jobs[job_id])
        return len(stale)

    # -- internals ----------------------------------------------------------------------

    def _run_job_item(self, index: int, tid: int, change: Mapping[str, Any]) -> dict[str, Any]:
        failed = self.job_failures.get(tid)
        if failed:
            error, details = failed.pop(0)
            return {
                "index": index,
                "id": tid,
                "action": "update",
                "success": False,
                "status": "Failed",
                "error": error,
                "details": details,
            }
        ticket = self.tickets.get(tid)
        if ticket is None:
            return {
                "index": index,
                "id": tid,
                "action": "update",
                "success": False,
                "status": "Failed",
                "error": "RecordNotFound",
                "details": f"Ticket {tid} not found",
            }
        if ticket.get("status") == "closed":
            return {
                "index": index,
                "id": tid,
                "action": "update",
                "success": False,
                "status": "Failed",
                "error": "ClosedPreventsUpdate",
                "details": "Status: closed prevents ticket update",
            }
        update: dict[str, Any] = {}
        tags = list(ticket.get("tags") or [])
        if "tags" in change:
            tags = fold_tags(change["tags"])
        tags += [t for t in fold_tags(change.get("additional_tags") or []) if t not in tags]
        removed = set(fold_tags(change.get("remove_tags") or []))
        tags = [t for t in tags if t not in removed]
        update["tags"] = tags
        for key in ("priority", "status"):
            if key in change:
                update[key] = change[key]
        if self._update(tid, update, self.ADMIN_ID) is not None:
            self._job_changed = True
        return {"action": "update", "status": "Updated", "success": True, "id": tid}

    def _stale(self, ticket: Mapping[str, Any], payload: Mapping[str, Any]) -> FakeResponse | None:
        """safe_update: a stale ``updated_stamp`` is a 409 (body as seen for collisions)."""
        if str(payload.get("safe_update")).lower() not in ("true", "1"):
            return None
        tid = int(ticket["id"])
        if self._races.get(tid):
            self._races[tid] -= 1
            self._update(tid, {"subject": f"{ticket.get('subject')} (edited)"}, self.AGENT_ID)
        stamp = payload.get("updated_stamp")
        try:
            same = stamp is not None and _parse(str(stamp)) == _parse(ticket["updated_at"])
        except ValueError:
            same = False
        return None if same else FakeResponse(409, dict(CONFLICT))

    def _update(
        self,
        tid: int,
        update: Mapping[str, Any],
        author: int,
        *,
        extra_events: list[dict[str, Any]] | None = None,
        force: bool = False,
        via: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Apply field changes as one audit; bump updated_at when something changed."""
        ticket = self.tickets[tid]
        now = self.clock()
        previous = _parse(ticket["updated_at"])
        if now <= previous:
            now = previous + timedelta(seconds=1)
        at = _iso(now)
        events = self._apply(ticket, update) + list(extra_events or [])
        if not events and not force:
            return None
        audit = self._add_audit(tid, at, author, events, via=via)
        ticket["updated_at"] = at
        ticket["generated_timestamp"] = int(now.timestamp())
        return audit

    def _set_and_audit(self, tid: int, at: str, author: int, **update: Any) -> None:
        """Seeding: apply changes as an audit at a given time (no write counted)."""
        ticket = self.tickets[tid]
        events = self._apply(ticket, {k: v for k, v in update.items()})
        if events:
            self._add_audit(tid, at, author, events)
            ticket["updated_at"] = max(ticket["updated_at"], at)

    def _apply(self, ticket: dict[str, Any], update: Mapping[str, Any]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for name, value in update.items():
            if name.isdigit():
                fields = ticket.setdefault("custom_fields", [])
                entry = next((f for f in fields if str(f["id"]) == name), None)
                old = entry.get("value") if entry else None
                if old == value:
                    continue
                if entry is None:
                    fields.append({"id": int(name), "value": value})
                else:
                    entry["value"] = value
                ticket["fields"] = [dict(f) for f in fields]
            else:
                old = ticket.get(name)
                if old == value:
                    continue
                ticket[name] = value
            events.append(
                {"type": "Change", "field_name": name, "value": value, "previous_value": old}
            )
        return events

    def _add_audit(
        self,
        tid: int,
        at: str,
        author: int,
        events: list[dict[str, Any]],
        *,
        via: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        audit_id = self._new_id()
        for event in events:
            event.setdefault("id", self._new_id())
            if event.get("type") == "Comment":
                event["audit_id"] = audit_id
        audit = {
            "id": audit_id,
            "ticket_id": tid,
            "created_at": at,
            "author_id": author,
            "metadata": {"system": {}, "custom": {}},
            "events": events,
            "via": copy.deepcopy(dict(via or API_VIA)),
        }
        self.audits.setdefault(tid, []).append(audit)
        return audit

    def _ticket_event(self, audit: Mapping[str, Any], comments: bool) -> dict[str, Any]:
        # Child events carry the audit's via object (the comment example in Zendesk's
        # incremental OAS has one); the event's own ``via`` is the via type in words.
        via = audit.get("via") or API_VIA
        source = via.get("source") or {}
        merge = source.get("rel") == "merge"
        merged = (source.get("from") or {}).get("ticket_ids") or []
        children: list[dict[str, Any]] = []
        for event in audit["events"]:
            kind = event.get("type")
            if kind == "Comment":
                if comments:
                    child = {k: v for k, v in event.items() if k != "type"}
                    child.update(
                        via=via,
                        via_reference_id=None,
                        type="Comment",
                        created_at=audit["created_at"],
                        event_type="Comment",
                    )
                else:
                    child = {
                        "id": event["id"],
                        "via": via,
                        "via_reference_id": None,
                        "comment_present": True,
                        "comment_public": event.get("public"),
                        "event_type": "Comment",
                    }
            else:
                child = {
                    "id": event["id"],
                    "via": via,
                    "via_reference_id": None,
                    str(event.get("field_name")): event.get("value"),
                    "event_type": kind,
                }
                if kind == "Change":
                    child["previous_value"] = event.get("previous_value")
            children.append(child)
        return {
            "id": audit["id"],
            "ticket_id": audit["ticket_id"],
            "timestamp": int(_parse(audit["created_at"]).timestamp()),
            "created_at": audit["created_at"],
            "updater_id": audit["author_id"],
            "via": "Merge" if merge else "Web service",
            "system": {},
            "metadata": {},
            "event_type": "Audit",
            "merged_ticket_ids": list(merged) if merge else [],
            "child_events": children,
        }

    def _sideloads(self, request: FakeRequest, tickets: list[dict[str, Any]]) -> dict[str, Any]:
        include = set((request.arg("include") or "").split(","))
        extra: dict[str, Any] = {}
        if "users" in include:
            ids = {
                t.get(k) for t in tickets for k in ("requester_id", "submitter_id", "assignee_id")
            }
            extra["users"] = [
                dict(self.users[i]) for i in sorted(i for i in ids if i in self.users)
            ]
        if "organizations" in include:
            ids = {t.get("organization_id") for t in tickets}
            extra["organizations"] = [
                dict(self.organizations[i])
                for i in sorted(i for i in ids if i in self.organizations)
            ]
        return extra

    def _ids(self, request: FakeRequest) -> list[int] | None:
        raw = [part for part in (request.arg("ids") or "").split(",") if part.strip()]
        if len(raw) > 100:
            return None
        return [int(part) for part in raw if part.strip().isdigit()]

    def _over_limit(
        self, name: str, limit: int | None, *, count: bool = True
    ) -> FakeResponse | None:
        if limit is None:
            return None
        with self.lock:
            started, used = self._window.get(name, (self.monotonic(), 0))
            if self.monotonic() - started >= 60:
                started, used = self.monotonic(), 0
            if count:
                used += 1
                self._window[name] = (started, used)
        if used > limit:
            retry = max(1, int(60 - (self.monotonic() - started)))
            return FakeResponse(
                429,
                {"error": "TooManyRequests", "description": "Rate limit exceeded"},
                headers={"Retry-After": str(retry)},
            )
        return None

    def _organization_for(self, ticket: Ticket) -> int | None:
        customer = ticket.customer
        if customer is None:
            return None
        key = customer.id or customer.name or f"customer-{len(self._org_keys)}"
        if key in self._org_keys:
            return self._org_keys[key]
        fields = {
            k: v for k, v in (("tier", customer.tier), ("region", customer.region)) if v is not None
        }
        wanted = int(customer.id) if customer.id and customer.id.isdigit() else None
        org_id = self.add_organization(
            customer.name or f"Customer {key}",
            fields=fields,
            org_id=wanted if wanted is not None and wanted not in self.organizations else None,
        )
        self._org_keys[key] = org_id
        return org_id

    def _requester_for(self, org_id: int | None) -> int:
        if org_id not in self._requesters:
            self._requesters[org_id] = self.add_user("Customer", organization_id=org_id)
        return self._requesters[org_id]

    @staticmethod
    def _native_status(status: str) -> str:
        return STATUS_TO_NATIVE.get(status, status)

    def _native_ticket(
        self,
        ticket_id: int,
        *,
        created: str,
        status: str,
        priority: str | None,
        requester: int,
        org_id: int | None,
    ) -> dict[str, Any]:
        return {
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/tickets/{ticket_id}.json",
            "id": ticket_id,
            "external_id": None,
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": created,
            "updated_at": created,
            "type": None,
            "subject": f"Ticket {ticket_id}",
            "raw_subject": f"Ticket {ticket_id}",
            "description": "Ticket created",
            "priority": priority,
            "status": status,
            "recipient": None,
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": self.AGENT_ID,
            "organization_id": org_id,
            "group_id": None,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": True,
            "due_at": None,
            "tags": [],
            "custom_fields": [],
            "satisfaction_rating": None,
            "sharing_agreement_ids": [],
            "custom_status_id": None,
            "fields": [],
            "followup_ids": [],
            "ticket_form_id": 360000000100,
            "brand_id": 360000000200,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
            "generated_timestamp": int(_parse(created).timestamp()),
        }

    def _comment_event(self, author: int, body: str, public: bool) -> dict[str, Any]:
        return {
            "type": "Comment",
            "author_id": author,
            "body": body,
            "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{body}</p></div>',
            "plain_body": body,
            "public": public,
            "attachments": [],
        }

    def _user(self, user_id: int, name: str, email: str, role: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/users/{user_id}.json",
            "name": name,
            "email": email,
            "role": role,
            "active": True,
            "organization_id": None,
        }

    def _new_id(self) -> int:
        self._next_object += 1
        return self._next_object


__all__ = ["FakeZendesk"]
