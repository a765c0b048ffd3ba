"""A toolkit for fake helpdesk APIs: a real threaded HTTP server on loopback, with fault injection.

Connector fakes subclass :class:`FakeAPI`, register routes with :meth:`FakeAPI.route`, and keep
their state behind ``self.lock``. Tests, benchmarks and the demo all run against such fakes.
"""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal["429", "5xx", "4xx", "delay", "drop", "malformed"]


@dataclass(frozen=True, slots=True)
class FakeRequest:
    """A request as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass(slots=True)
class FakeResponse:
    """What a route returns; ``body`` is sent as JSON unless ``raw`` is given."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass(slots=True)
class RecordedCall:
    """One entry of the request log: the request and the status the fake answered."""

    request: FakeRequest
    status: int
    fault: FaultKind | None = None


@dataclass(slots=True)
class Fault:
    """A fault to inject: on requests matching ``path`` (a regex) and ``method``.

    Kinds: ``429`` (with ``Retry-After: retry_after``), ``5xx`` (``status``, default 503, with
    ``Retry-After`` too), ``4xx`` (``status``, default 400), ``delay`` (sleep ``delay`` seconds
    before answering: set it past the client's timeout), ``drop`` (close the connection without
    an answer) and ``malformed`` (a truncated JSON body with the route's status).

    ``rate`` is the share of matching requests hit (seeded, so runs repeat); ``times`` caps how
    many are hit in all (None: no cap); ``skip`` lets that many matching requests through first
    (e.g. fail only the third page).
    """

    kind: FaultKind
    rate: float = 1.0
    times: int | None = None
    path: str = ".*"
    method: str | None = None
    retry_after: str = "0"
    status: int | None = None
    delay: float = 0.0
    skip: int = 0
    hits: int = 0
    skipped: int = 0

    def matches(self, request: FakeRequest, rng: random.Random) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != request.method:
            return False
        if not re.search(self.path, request.path):
            return False
        if self.skipped < self.skip:
            self.skipped += 1
            return False
        return rng.random() < self.rate

    @property
    def response_status(self) -> int:
        """The status an error fault answers with."""
        if self.kind == "429":
            return 429
        if self.status is not None:
            return self.status
        return 400 if self.kind == "4xx" else 503


Handler = Callable[..., FakeResponse]


class _QuietServer(ThreadingHTTPServer):
    """Drops the traceback of a client that went away mid-answer (a killed sync, a timeout)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Route:
    def __init__(self, method: str, pattern: str, handler: Handler) -> None:
        self.method = method
        self.regex = re.compile(pattern + r"\Z")
        self.handler = handler


class FakeAPI:
    """Base of a fake helpdesk API served over real HTTP on 127.0.0.1 (port 0, threaded)."""

    def __init__(self, *, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.calls: list[RecordedCall] = []
        self.faults: list[Fault] = []
        self._rng = random.Random(seed)
        self._routes: list[_Route] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routes ---------------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve ``handler(request, **groups)`` for ``method`` on paths matching ``pattern``."""
        self._routes.append(_Route(method, pattern, handler))

    def not_found(self, request: FakeRequest) -> FakeResponse:
        """The body of an unknown path; fakes override it with the helpdesk's own shape."""
        return FakeResponse(404, {"error": "not found", "path": request.path})

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        """Return an error response for a request with bad credentials; None lets it through."""
        return None

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        """Headers added to every answer (fakes return their API's quota headers)."""
        return {}

    # -- faults ---------------------------------------------------------------------------

    def inject(self, kind: FaultKind, **options: Any) -> Fault:
        """Add a fault (see :class:`Fault`); returns it so a test can read ``hits``."""
        fault = Fault(kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _pick_fault(self, request: FakeRequest) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(request, self._rng):
                    fault.hits += 1
                    return fault
        return None

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        fault = self._pick_fault(request)
        if fault is not None and fault.kind in ("429", "5xx", "4xx"):
            status = fault.response_status
            headers = {} if fault.kind == "4xx" else {"Retry-After": fault.retry_after}
            return FakeResponse(status, self.fault_body(status), headers), fault
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        denied = self.authorize(request)
        if denied is not None:
            return denied, fault
        for route in self._routes:
            if route.method != request.method:
                continue
            match = route.regex.match(request.path)
            if match:
                with self.lock:
                    response = route.handler(request, **match.groupdict())
                if fault is not None and fault.kind == "malformed":
                    response = FakeResponse(response.status, raw=b'{"truncated": ', headers={})
                return response, fault
        return self.not_found(request), fault

    def fault_body(self, status: int) -> Any:
        """The body sent with an injected 429, 5xx or 4xx; fakes return their API's error shape."""
        return {"error": "injected", "status": status}

    # -- server ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        """Start serving on 127.0.0.1 at a free port; return the base URL."""
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without this, Nagle's algorithm meets the
            # client's delayed ACK and every keep-alive request takes ~40 ms.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = FakeRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k: v for k, v in self.headers.items()},
                    body=body,
                )
                response, fault = fake.dispatch(request)
                with fake.lock:
                    fake.calls.append(
                        RecordedCall(request, response.status, fault.kind if fault else None)
                    )
                if fault is not None and fault.kind == "drop":
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                payload = (
                    response.raw
                    if response.raw is not None
                    else (b"" if response.body is None else json.dumps(response.body).encode())
                )
                self.send_response(response.status)
                headers = {**fake.rate_limit_headers(request), **response.headers}
                if response.raw is None and response.body is not None:
                    headers.setdefault("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return  # the request log is fake.calls; keep test output clean

        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        server = self._server
        # A short poll interval: stop() waits up to one interval for the loop to notice.
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.02), daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- assertions -----------------------------------------------------------------------

    def requests_to(self, method: str, pattern: str) -> list[FakeRequest]:
        """Logged requests with ``method`` whose path matches the regex ``pattern``."""
        regex = re.compile(pattern)
        with self.lock:
            return [
                c.request
                for c in self.calls
                if c.request.method == method and regex.search(c.request.path)
            ]


__all__ = ["FakeAPI", "FakeRequest", "FakeResponse", "Fault", "FaultKind", "RecordedCall"]
