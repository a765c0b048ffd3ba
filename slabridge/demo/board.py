"""``slabridge demo --board``: ``slabridge serve`` on the demo's fakes, to see the live board."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from slabridge.demo.run import DemoResult

DEFAULT_PORT = 8787
BOARD_TOKEN = "DEMO_BOARD_TOKEN"
BOARD_URL = "DEMO_BOARD_URL"


@dataclass(frozen=True, slots=True)
class DemoBoard:
    """The running board: its address, the login, and a webhook a shell can send."""

    url: str
    token: str
    webhook_url: str | None  # the Freshdesk instance's (a shared secret: easy with curl)
    webhook_secret_name: str | None  # the variable in demo.env holding its secret


def serve_section(instances: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The ``serve:`` section for the demo's instances (name, type) and its secrets."""
    environ = {BOARD_TOKEN: secrets.token_urlsafe(24)}
    lines = [
        "",
        "# `slabridge serve` (docs/serve.md): the live SLA board at / and the helpdesks'",
        "# webhooks at /webhooks/<connector>. The demo started it on loopback.",
        "serve:",
        f"  board: {{token: '${{{BOARD_TOKEN}}}'}}",
        "  sync_every: 1m",
        "  webhooks:",
    ]
    for instance, _type_name in instances:
        variable = f"{instance.upper().replace('-', '_')}_WEBHOOK_SECRET"
        environ[variable] = secrets.token_urlsafe(24)
        lines.append(f"    {instance}: {{secret: '${{{variable}}}'}}")
    return "\n".join(lines) + "\n", environ


def _append_environment(path: Path, environ: dict[str, str]) -> None:
    # demo.env exists already (mode 0600, written by run_demo); values are URL-safe tokens.
    with path.open("a", encoding="utf-8") as handle:
        for name, value in sorted(environ.items()):
            handle.write(f"{name}={value}\n")


@contextmanager
def running_board(result: DemoResult, port: int = DEFAULT_PORT) -> Iterator[DemoBoard]:
    """Add ``serve:`` to the demo config, start the server on loopback; stop it on exit."""
    from slabridge.serve.server import ServeServer
    from slabridge.serve.settings import read_serve_settings
    from slabridge.sync.runtime import build_runtime

    instances = [(h.instance, h.connector.type_name) for h in result.helpdesks]
    section, environ = serve_section(instances)
    with result.config_path.open("a", encoding="utf-8") as handle:
        handle.write(section)
    os.environ.update(environ)
    runtime = build_runtime(result.config_path)
    try:
        settings = read_serve_settings(result.config_path, dict(instances))
        try:
            server = ServeServer(runtime, settings, "127.0.0.1", port)
        except OSError:  # the usual port is taken: any free one
            server = ServeServer(runtime, settings, "127.0.0.1", 0)
        server.start()
        try:
            token = environ[BOARD_TOKEN]
            url = f"{server.base_url}/?token={token}"
            freshdesk = next((name for name, kind in instances if kind == "freshdesk"), None)
            secret_name = f"{(freshdesk or '').upper().replace('-', '_')}_WEBHOOK_SECRET"
            _append_environment(result.config_path.parent / "demo.env", {**environ, BOARD_URL: url})
            yield DemoBoard(
                url=url,
                token=token,
                webhook_url=f"{server.base_url}/webhooks/{freshdesk}" if freshdesk else None,
                webhook_secret_name=secret_name if secret_name in environ else None,
            )
        finally:
            server.stop()
    finally:
        runtime.close()


__all__ = ["BOARD_TOKEN", "BOARD_URL", "DemoBoard", "running_board", "serve_section"]
