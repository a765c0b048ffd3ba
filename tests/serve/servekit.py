"""Test kit: a running ``slabridge serve`` (uvicorn on loopback) over the helpdesk fakes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from fakekit import POLICY, fake_class, seed_tickets

from slabridge.serve.server import ServeServer
from slabridge.serve.settings import read_serve_settings
from slabridge.serve.signatures import jira, zendesk
from slabridge.sync.runtime import Runtime, build_runtime, sync_all

SECRETS = {
    "ZD_HOOK_SECRET": "zd-signing-secret-0123456789",
    "JIRA_HOOK_SECRET": "jira-signing-secret-0123456789",
    "FD_HOOK_SECRET": "fd-shared-secret-0123456789",
    "BOARD_TOKEN": "board-token-0123456789abcdef",
}
KINDS = ("zendesk", "freshdesk", "jira")


class WallClock:
    """The fakes' clock follows real time, as the sync's does (serve never fixes ``now``)."""

    def __call__(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


def serve_section(**overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "board": {"token": "${BOARD_TOKEN}"},
        "webhooks": {
            "zendesk": {"secret": "${ZD_HOOK_SECRET}"},
            "jira": {"secret": "${JIRA_HOOK_SECRET}"},
            "freshdesk": {"secret": "${FD_HOOK_SECRET}"},
        },
        "sync_every": "1h",
    }
    section.update(overrides)
    return section


@dataclass(slots=True)
class Served:
    """A started server, its runtime and the fakes, by connector name."""

    server: ServeServer
    runtime: Runtime
    fakes: dict[str, Any]
    ids: dict[str, list[str]]
    config_path: Path
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.base_url

    def post(self, kind: str, body: bytes, headers: Mapping[str, str]) -> requests.Response:
        return self.session.post(
            f"{self.url}/webhooks/{kind}", data=body, headers=dict(headers), timeout=30
        )

    def notify(self, kind: str, ticket_id: str) -> requests.Response:
        """A webhook as the helpdesk sends it, correctly signed, for ``ticket_id``."""
        body, headers = signed(kind, ticket_id)
        return self.post(kind, body, headers)

    def counts(self) -> dict[str, int]:
        answer = self.session.get(
            f"{self.url}/status", headers={"Authorization": f"Bearer {SECRETS['BOARD_TOKEN']}"}
        )
        answer.raise_for_status()
        return dict(answer.json()["queue"])


def body_for(kind: str, ticket_id: str, *, now: datetime | None = None) -> bytes:
    moment = now or datetime.now(UTC)
    if kind == "jira":
        data: dict[str, Any] = {
            "timestamp": int(moment.timestamp() * 1000),
            "webhookEvent": "jira:issue_updated",
            "issue": {"id": ticket_id, "key": f"SUP-{ticket_id}"},
        }
    elif kind == "zendesk":
        data = {"ticket_id": ticket_id, "event": "updated"}
    else:
        data = {"freshdesk_webhook": {"ticket_id": ticket_id}}
    return json.dumps(data).encode()


def signed(
    kind: str, ticket_id: str, *, now: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """Body and headers a correctly configured helpdesk sends."""
    moment = now or datetime.now(UTC)
    body = body_for(kind, ticket_id, now=moment)
    headers = {"Content-Type": "application/json"}
    if kind == "zendesk":
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        headers[zendesk.TIMESTAMP] = stamp
        headers[zendesk.SIGNATURE] = zendesk.sign(SECRETS["ZD_HOOK_SECRET"], stamp, body)
    elif kind == "jira":
        headers[jira.SIGNATURE] = jira.sign(SECRETS["JIRA_HOOK_SECRET"], body)
    else:
        headers["X-Slabridge-Webhook-Secret"] = SECRETS["FD_HOOK_SECRET"]
    return body, headers


@contextmanager
def serving(
    tmp_path: Path,
    kinds: tuple[str, ...] = KINDS,
    *,
    tickets: int = 4,
    serve: dict[str, Any] | None = None,
    document: dict[str, Any] | None = None,
    first_sync: bool = True,
    overrides: Mapping[str, dict[str, Any]] | None = None,
    seed: Any = None,
    sync_at_start: bool = False,
) -> Iterator[Served]:
    """Fakes seeded with open tickets, a config naming them, and ``serve`` running on it."""
    fakes: dict[str, Any] = {}
    ids: dict[str, list[str]] = {}
    saved = {name: os.environ.get(name) for name in SECRETS}
    os.environ.update(SECRETS)
    runtime: Runtime | None = None
    server: ServeServer | None = None
    try:
        # Every seeded event in the past (the third ticket is answered 10 minutes after it opened).
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40)
        for kind in kinds:
            fake = fake_class(kind)()
            fake.clock = WallClock()
            fake.start()
            fakes[kind] = fake
            made = seed(kind, fake) if seed else seed_tickets(tickets, start=start)
            ids[kind] = [fake.load_normalized(ticket) for ticket in made]
        config = dict(document or POLICY)
        config["state"] = f"sqlite:///{tmp_path / 'state.db'}"
        config["connectors"] = {
            kind: fakes[kind].connector_config(**(overrides or {}).get(kind, {})) for kind in kinds
        }
        section = serve or serve_section()
        section = {
            **section,
            "webhooks": {k: v for k, v in section.get("webhooks", {}).items() if k in kinds},
        }
        config["serve"] = section
        path = tmp_path / "slabridge.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        runtime = build_runtime(path)
        if first_sync:
            outcome = sync_all(runtime)
            assert all(s.status == "ok" for s in outcome.summaries), outcome.summaries
        types = {name: c.type_name for name, c in runtime.connectors.items()}
        settings = read_serve_settings(path, types)
        server = ServeServer(runtime, settings, "127.0.0.1", 0, sync_at_start=sync_at_start)
        server.start()
        yield Served(server, runtime, fakes, ids, path)
    finally:
        if server is not None:
            server.stop()
        if runtime is not None:
            runtime.close()
        for fake in fakes.values():
            fake.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


__all__ = ["KINDS", "SECRETS", "Served", "WallClock", "body_for", "serving", "signed"]
