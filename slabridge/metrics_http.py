"""The ``/metrics`` and ``/healthz`` endpoints of ``slabridge run --metrics-port``; textfile and
Pushgateway output for one-shot runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app, push_to_gateway, write_to_textfile

from slabridge.telemetry import REGISTRY, Health

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _QuietHandler(WSGIRequestHandler):
    # A scrape every 15 s would otherwise print an access line to stderr each time.
    def log_message(self, format: str, *args: Any) -> None:
        return


def metrics_app(health: Health) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app: ``/metrics`` (Prometheus text format), ``/healthz`` (200 or 503, JSON)."""
    prometheus = make_wsgi_app(REGISTRY)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            result: Iterable[bytes] = prometheus(environ, start_response)
            return result
        if path == "/healthz":
            verdict = health.verdict()
            body = json.dumps(verdict.to_json()).encode()
            status = "200 OK" if verdict.healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics or /healthz\n"]

    return app


class MetricsServer:
    """Serves :func:`metrics_app` from a daemon thread until :meth:`close`."""

    def __init__(self, host: str, port: int, health: Health) -> None:
        self._server: WSGIServer = make_server(
            host, port, metrics_app(health), handler_class=_QuietHandler
        )
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slabridge-metrics", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def write_textfile(path: Path) -> None:
    """Write the metrics for node-exporter's textfile collector (atomically, as it requires)."""
    write_to_textfile(str(path), REGISTRY)


def push(gateway: str, *, job: str = "slabridge", grouping: dict[str, str] | None = None) -> None:
    """Push the metrics to a Prometheus Pushgateway (replaces this job's group)."""
    push_to_gateway(gateway, job=job, registry=REGISTRY, grouping_key=grouping or {}, timeout=10)


__all__ = ["MetricsServer", "metrics_app", "push", "write_textfile"]
