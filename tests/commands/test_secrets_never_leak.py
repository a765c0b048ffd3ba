"""No secret reaches any output: check, sync, sync --dry-run, status and report, each URL form.

Every ``connectors:`` URL below carries a secret (in its userinfo, a query parameter or its host
name) and every connector its own credential; the commands run against closed ports, refused
plain-http hosts, unresolvable hosts and the bundled fakes. Then stdout, stderr (structlog JSON),
the SQLite state store (a full SQL dump) and every report file are searched for each secret in
its raw, URL-encoded, lower-case and partial (any 8 characters of it) forms.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from click.testing import CliRunner
from slabridge_freshdesk.fake import FakeFreshdesk
from slabridge_jira.fake import FakeJira
from slabridge_zendesk.fake import FakeZendesk

from slabridge.cli import cli
from slabridge.connectors.http import HttpClient
from slabridge.demo.sample_config import POLICY_SECTIONS
from slabridge.demo.seed import demo_tickets
from slabridge.redaction import secrets_kept_apart
from slabridge.testing.fakeapi import FakeAPI


@pytest.fixture(autouse=True)
def registry_left_as_it_was() -> Iterator[None]:
    # Loading registers every value it finds in a secret field; keep them out of other tests.
    with secrets_kept_apart():
        yield


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# In URLs: valid in a host name, mixed case (a parsed host name shows it lower-cased).
URL_SECRET = "Zq8Leak-T0ken-Value77"
# The credentials proper, with characters that URL-encoding changes.
CREDENTIALS = {
    "zendesk": "zd/Api+Tok=9Ab~xyz$42",
    "freshdesk": "fd Key+With/Odd=Chars&77",
    "jira": "jr:Tok3n@With%Percent#9",
}
SECRETS = (URL_SECRET, *CREDENTIALS.values())
FAKES: dict[str, Any] = {
    "zendesk": lambda: FakeZendesk(token=CREDENTIALS["zendesk"]),
    "freshdesk": lambda: FakeFreshdesk(api_key=CREDENTIALS["freshdesk"]),
    "jira": lambda: FakeJira(token=CREDENTIALS["jira"]),
}
# Each form is a base URL; {live} is the fake's own address, {closed} a port nothing listens on.
FORMS = {
    "userinfo-closed-port": "http://admin:${URL_SECRET}@127.0.0.1:{closed}",
    "query-closed-port": "http://127.0.0.1:{closed}/?token=${URL_SECRET}",
    "host-label-unresolvable": "https://${URL_SECRET}.invalid",
    "host-label-plain-http": "http://${URL_SECRET}.example.com",
    "userinfo-plain-http": "http://admin:${URL_SECRET}@helpdesk.example.com",
    "query-live-fake": "{live}/?api_key=${URL_SECRET}&signature=${URL_SECRET}",
    "userinfo-live-fake": "http://admin:${URL_SECRET}@{live_host}",
}


def leaked_forms(secret: str) -> set[str]:
    """Every way a secret could show up: raw, URL-encoded, lower-case, and any 8 of its chars."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms.update(secret[i : i + 8] for i in range(len(secret) - 7))
    return {form.lower() for form in forms}


def find_leaks(text: str) -> list[str]:
    lowered = text.lower()
    return sorted({form for secret in SECRETS for form in leaked_forms(secret) if form in lowered})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeAPI]]:
    started: dict[str, FakeAPI] = {}
    try:
        for kind, make in FAKES.items():
            fake = make()
            fake.clock = lambda: NOW
            for ticket in demo_tickets(12, source=kind, now=NOW):
                fake.load_normalized(ticket)
            fake.start()
            started[kind] = fake
        yield started
    finally:
        for fake in started.values():
            fake.stop()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every retry still happens (and is logged); only the waiting between them is skipped.
    monkeypatch.setattr(HttpClient, "backoff", lambda self, attempt: 0.0)


def write_config(folder: Path, form: str, fakes: dict[str, FakeAPI]) -> Path:
    closed = closed_port()
    connectors: dict[str, Any] = {}
    for kind, fake in fakes.items():
        entry = dict(fake.connector_config())  # type: ignore[attr-defined]
        live = entry["base_url"]
        entry["base_url"] = (
            form.replace("{closed}", str(closed))
            .replace("{live_host}", live.split("://", 1)[1])
            .replace("{live}", live)
        )
        secret_key = {"zendesk": "token", "freshdesk": "api_key", "jira": "token"}[kind]
        entry[secret_key] = f"${{{kind.upper()}_CREDENTIAL}}"
        connectors[kind] = entry
    text = "\n".join(
        [
            POLICY_SECTIONS.format(year=NOW.year),
            "actions:\n  tags: {breached: sla_breached, at_risk: sla_at_risk}\n",
            "state: sqlite:///state.db\n",
            yaml.safe_dump({"connectors": connectors}, sort_keys=False),
        ]
    )
    path = folder / "slabridge.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def environment() -> dict[str, str]:
    return {
        "URL_SECRET": URL_SECRET,
        **{f"{kind.upper()}_CREDENTIAL": value for kind, value in CREDENTIALS.items()},
    }


def run_everything(folder: Path, config: Path) -> dict[str, str]:
    """Every command's stdout and stderr, the store's SQL dump and every report file."""
    runner = CliRunner()
    env = environment()
    now = NOW.isoformat()
    commands = {
        "check": ["check", "--verbose"],
        "check-json": ["check", "--json"],
        "sync-dry-run": ["sync", "--dry-run", "--json", "--now", now],
        "sync": ["sync", "--json", "--now", now],
        "sync-again": ["sync", "--no-json", "--now", now],
        "status": ["status", "--format", "json"],
        "report-json": ["report", "--period", "2026-11", "-o", str(folder / "r.json")],
        "report-csv": ["report", "--period", "2026-11", "-o", str(folder / "r.csv")],
        "report-html": ["report", "--period", "2026-11", "-o", str(folder / "r.html")],
    }
    outputs: dict[str, str] = {}
    for name, args in commands.items():
        result = runner.invoke(cli, [*args, "--config", str(config)], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            name,
            result.exception,
        )
        outputs[f"{name} (exit {result.exit_code}) stdout"] = result.stdout
        outputs[f"{name} (exit {result.exit_code}) stderr"] = result.stderr
    store = folder / "state.db"
    if store.exists():
        with sqlite3.connect(store) as connection:
            outputs["state store"] = "\n".join(connection.iterdump())
    for report in folder.glob("r.*"):
        outputs[report.name] = report.read_text(encoding="utf-8")
    return outputs


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_no_secret_in_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fakes: dict[str, FakeAPI], form: str
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, form, fakes)
    outputs = run_everything(tmp_path, config)
    leaks = {where: found for where, text in outputs.items() if (found := find_leaks(text))}
    assert leaks == {}
    # The runs did reach the point where a leak would show: the URL is named, masked.
    everything = "\n".join(outputs.values())
    assert "***" in everything


def test_a_live_sync_with_secrets_in_the_url_fills_the_store_and_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fakes: dict[str, FakeAPI]
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, FORMS["query-live-fake"], fakes)
    outputs = run_everything(tmp_path, config)
    assert "INSERT INTO" in outputs["state store"]
    sync_output = next(text for name, text in outputs.items() if name.startswith("sync (exit"))
    # Zendesk and Jira join paths onto the base URL and read every ticket through it.
    synced = {s["connector"]: s for s in json.loads(sync_output) if s["status"] == "ok"}
    # (How many depends on what earlier tests on the shared fakes wrote; some is enough.)
    assert synced["zendesk"]["fetched"] > 0 and synced["jira"]["fetched"] > 0
    assert find_leaks("\n".join(outputs.values())) == []


def test_the_search_would_find_each_form() -> None:
    # The grep itself must see a secret that is encoded, lower-cased or cut short.
    assert find_leaks(f"x {quote(CREDENTIALS['zendesk'], safe='')} y")
    assert find_leaks(f"host {URL_SECRET.lower()}.example.com")
    assert find_leaks(f"cut {CREDENTIALS['jira'][:9]}")
    assert find_leaks("nothing secret here") == []
