"""The ASGI app of ``slabridge serve``: webhooks in, the board out (Starlette).

``POST /webhooks/<connector>`` answers at once: 413 when the body is over the limit (checked
before it is read whole), 401 when the helpdesk's proof is missing, wrong or replayed, 400 when
the body names no ticket, 503 when the queue is full, else 202 with the ticket queued for the
worker. ``GET /`` is the board and ``GET /status`` the queue's counts, both behind the board's
login; ``GET /healthz`` says only that the process is up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from slabridge.serve.board import (
    FILTERS,
    SORTS,
    BoardRow,
    GoalLine,
    board_rows,
    goal_lines,
    render_board,
)
from slabridge.serve.payload import PayloadError, ticket_id_of
from slabridge.serve.queue import WebhookQueue
from slabridge.serve.settings import ServeSettings
from slabridge.serve.signatures import Unauthorized, verify
from slabridge.serve.signatures.shared_secret import basic_credentials, equal
from slabridge.sync.runtime import Runtime

log = structlog.get_logger("slabridge.serve")

ROWS_FRESH_FOR = 5.0  # seconds a computed board stays good for the next viewer
GOALS_FRESH_FOR = 60.0


class TooLarge(Exception):
    """The body is over ``serve.max_body_bytes``."""


@dataclass(slots=True)
class ServeState:
    """What the app's handlers share (the worker uses ``queue`` and ``runtime`` too)."""

    runtime: Runtime
    settings: ServeSettings
    queue: WebhookQueue
    clock: Any = field(default=time.time)  # epoch seconds; tests move it
    _rows: tuple[float, list[BoardRow]] | None = None
    _goals: tuple[float, list[GoalLine]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def board(self) -> tuple[list[BoardRow], list[GoalLine]]:
        """Rows and goals, recomputed when older than a few seconds (one viewer at a time)."""
        with self._lock:
            moment = time.monotonic()
            now = self.now()
            if self._rows is None or moment - self._rows[0] > ROWS_FRESH_FOR:
                self._rows = (moment, board_rows(self.runtime, now, self.settings.team_field))
            if self._goals is None or moment - self._goals[0] > GOALS_FRESH_FOR:
                self._goals = (moment, goal_lines(self.runtime, now))
            return self._rows[1], self._goals[1]

    def forget_board(self) -> None:
        """A sync finished: the next viewer sees fresh figures."""
        with self._lock:
            self._rows = self._goals = None


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing as soon as it passes ``limit`` bytes (never held whole if larger)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _headers(request: Request) -> dict[str, str]:
    return {key.lower(): value for key, value in request.headers.items()}


async def webhook(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    connector = request.path_params["connector"]
    auth = state.settings.webhooks.get(connector)
    if auth is None:
        return JSONResponse({"error": f"no webhook is configured for {connector!r}"}, 404)
    try:
        body = await read_body(request, state.settings.max_body_bytes)
    except TooLarge:
        log.warning("webhook_too_large", connector=connector, limit=state.settings.max_body_bytes)
        return JSONResponse({"error": "the body is over serve.max_body_bytes"}, 413)
    now = state.clock()
    window = state.settings.replay_window_seconds
    try:
        verify(auth, _headers(request), body, now=now, window=window)
    except Unauthorized as refusal:
        log.warning("webhook_refused", connector=connector, reason=str(refusal))
        return JSONResponse({"error": "unauthorized"}, 401)
    try:
        ticket_id = ticket_id_of(auth.scheme, body)
    except PayloadError as error:
        return JSONResponse({"error": str(error)}, 400)
    outcome = state.queue.offer(connector, ticket_id)
    if outcome == "full":
        return JSONResponse({"error": "the queue is full, retry later"}, 503, {"Retry-After": "30"})
    return JSONResponse({"ticket": ticket_id, "queue": outcome}, 202)


def board_login_refusal(request: Request, settings: ServeSettings) -> Response | None:
    """None when the request carries the board's token or basic credentials, else a 401."""
    board = settings.board
    if board.token is not None:
        expected = board.token.get_secret_value()
        header = request.headers.get("authorization", "")
        kind, _, given = header.partition(" ")
        if kind.lower() == "bearer" and equal(given.strip(), expected):
            return None
        query = request.query_params.get("token")
        if query is not None and equal(query, expected):
            return None
    if board.username is not None and board.password is not None:
        credentials = basic_credentials(request.headers.get("authorization"))
        if credentials is not None:
            user_ok = equal(credentials[0], board.username)
            if user_ok & equal(credentials[1], board.password.get_secret_value()):
                return None
    # Basic auth makes the browser ask for a login; a token needs ?token= or a bearer header.
    challenge = 'Basic realm="slabridge board"' if board.password is not None else "Bearer"
    return HTMLResponse(
        "<!doctype html><title>Login required</title><h1>401: log in to see the SLA board</h1>"
        "<p>Open the board with <code>?token=...</code> (serve.board.token) or log in with "
        "serve.board's username and password.</p>",
        401,
        {"WWW-Authenticate": challenge},
    )


async def board(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    refusal = board_login_refusal(request, state.settings)
    if refusal is not None:
        return refusal
    rows, goals = await run_in_threadpool(state.board)
    chosen = {name: request.query_params.get(name, "") for name in FILTERS}
    sort = request.query_params.get("sort", "time_left")
    if sort not in SORTS:
        return HTMLResponse(f"sort: expected one of {', '.join(SORTS)}", 400)
    page = render_board(
        rows, goals, chosen, sort, state.now(), token=request.query_params.get("token")
    )
    # The page holds ticket data: no cache, no embedding elsewhere, no network assets at all.
    return HTMLResponse(
        page,
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'",
            "Referrer-Policy": "no-referrer",
        },
    )


async def status(request: Request) -> Response:
    state: ServeState = request.app.state.serve
    refusal = board_login_refusal(request, state.settings)
    if refusal is not None:
        return refusal
    return JSONResponse({"queue": state.queue.counts().to_json()})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def build_app(state: ServeState) -> Starlette:
    """The Starlette app over ``state`` (the worker is started by whoever runs the server)."""
    app = Starlette(
        routes=[
            Route("/webhooks/{connector}", webhook, methods=["POST"]),
            Route("/", board, methods=["GET"]),
            Route("/status", status, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    app.state.serve = state
    return app


__all__ = ["ServeState", "board_login_refusal", "build_app", "read_body"]
