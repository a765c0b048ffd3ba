"""Running ``serve``: the app on uvicorn, the worker beside it, both stopped together."""

from __future__ import annotations

import ipaddress
import signal
import socket
import threading
import time
from types import FrameType

import structlog
import uvicorn

from slabridge.serve.app import ServeState, build_app
from slabridge.serve.queue import WebhookQueue
from slabridge.serve.settings import ServeSettings
from slabridge.serve.worker import ServeWorker
from slabridge.sync.runtime import Runtime

log = structlog.get_logger("slabridge.serve")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (``port`` 0: any free one); OSError when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # a burst of webhooks waits in the backlog, not refused
    except OSError:
        sock.close()
        raise
    return sock


def _stop_noted(signum: int, _frame: FrameType | None) -> None:
    log.info("serve_stopping", signal=signal.Signals(signum).name)


class ServeServer:
    """The web server and the worker over one runtime; ``start`` returns once listening."""

    def __init__(
        self,
        runtime: Runtime,
        settings: ServeSettings,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        sync_at_start: bool = True,
    ) -> None:
        self.queue = WebhookQueue(settings.max_pending)
        self.state = ServeState(runtime, settings, self.queue)
        self.worker = ServeWorker(
            runtime,
            self.queue,
            sync_every=settings.sync_every_seconds,
            sync_at_start=sync_at_start,
            on_round=self.state.forget_board,
        )
        self.host = host
        self.socket = bind(host, port)
        self.port = int(self.socket.getsockname()[1])
        config = uvicorn.Config(
            build_app(self.state),
            log_config=None,  # structlog is the log; uvicorn's access log would be a second one
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=10,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Serve in a background thread (tests, the demo) and start the worker."""
        self.worker.start()
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)

    def run(self) -> None:
        """Serve in this (main) thread until SIGINT/SIGTERM, then stop the worker too.

        uvicorn handles the signals while it serves and raises them again once it has shut
        down, for the handlers that were there before: ours only note it, so that the worker
        finishes the run in hand and the store is closed before the process exits (status 0).
        """
        stopping = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _stop_noted)
        self.worker.start()
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.worker.stop()
            self.socket.close()
            signal.signal(signal.SIGTERM, stopping[0])
            signal.signal(signal.SIGINT, stopping[1])

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)
        self.worker.stop()
        self.socket.close()


__all__ = ["ServeServer", "bind", "is_loopback"]
