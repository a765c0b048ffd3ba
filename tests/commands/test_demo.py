"""``slabridge demo`` runs end to end on loopback fakes: config, sync, breaches, report."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.config import load_config
from slabridge.demo.run import run_demo
from slabridge.demo.seed import demo_tickets
from slabridge.plugins import connector_types
from slabridge.sla.evaluate import evaluate


@pytest.fixture
def restore_environ() -> object:
    saved = dict(os.environ)
    yield None
    os.environ.clear()
    os.environ.update(saved)


def test_demo_syncs_every_bundled_helpdesk_and_writes_a_report(
    tmp_path: Path, restore_environ: object
) -> None:
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    result = run_demo(tmp_path, tickets_per_helpdesk=40, now=now, say=lambda _: None)

    assert result.exit_code == 0
    assert sorted(h.connector.type_name for h in result.helpdesks) == [
        "freshdesk",
        "jira",
        "zendesk",
    ]
    for summary in result.summaries:
        assert summary.fetched == 40, summary
        assert summary.failed == 0 and summary.parked == 0, summary
    assert sum(summary.new_breaches for summary in result.summaries) > 0
    for helpdesk in result.helpdesks:
        breached = [
            ticket_id
            for ticket_id in helpdesk.ticket_ids
            if "sla_breached" in helpdesk.fake.tags(ticket_id)  # type: ignore[attr-defined]
        ]
        assert breached, f"{helpdesk.instance} carries breach tags after the sync"

    html = result.report_path.read_text(encoding="utf-8")
    assert "<svg" in html and "<table" in html

    # The config the demo wrote is a valid example: it loads, with credentials from the env.
    config = load_config(result.config_path, connector_types=connector_types())
    assert set(config.connectors) == {h.instance for h in result.helpdesks}
    assert "token: ${" in result.config_path.read_text(encoding="utf-8")


def test_demo_reports_customers_per_helpdesk_and_joins_acme_across_two(
    tmp_path: Path, restore_environ: object
) -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    result = run_demo(tmp_path, tickets_per_helpdesk=150, now=now, say=lambda _: None)
    config = load_config(result.config_path, skip_connectors=True)
    acme = config.customers.customers["acme"]
    assert sorted(acme.ids) == ["demo-jira", "demo-zendesk"]
    args = ["report", "--config", str(result.config_path), "--period", "2026-12", "--now"]
    args += ["2026-12-07T10:00:00Z", "--format", "json"]
    report = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert report.exit_code == 0, report.stderr
    credits = {c["customer"]: c for c in json.loads(report.stdout)["credits"]}
    names = {key: credit["customer_name"] for key, credit in credits.items()}
    # Acme in Zendesk and Jira is one line; Freshdesk's Acme GmbH (not joined) is its own, and
    # no line mixes Freshdesk's company 5 with Jira's organization 5 (Soylent SARL, free tier).
    assert names["acme"] == "Acme GmbH"
    freshdesk_acme = [
        key
        for key, name in names.items()
        if key.startswith("demo-freshdesk:") and name == "Acme GmbH"
    ]
    assert len(freshdesk_acme) == 1
    assert credits[freshdesk_acme[0]]["tier"] == "enterprise"
    assert all(":" in key or key == "acme" for key in credits)
    assert not any(
        key.startswith(("demo-zendesk:", "demo-jira:")) and name == "Acme GmbH"
        for key, name in names.items()
    )


def test_demo_tickets_are_realistic_and_some_breach() -> None:
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    tickets = list(demo_tickets(300, source="zendesk", now=now))
    assert len({t.id for t in tickets}) == 300
    assert all(
        now.timestamp() - 30 * 86400 <= t.created_at.timestamp() < now.timestamp() for t in tickets
    )
    kinds = {(e.type, e.status or e.author) for t in tickets for e in t.events}
    assert {("status", "pending"), ("reply", "customer"), ("reply", "agent")} <= kinds
    reopened = [
        t
        for t in tickets
        if any(
            a.status == "solved" and b.status == "open"
            for a, b in zip(
                [e for e in t.events if e.type == "status"],
                [e for e in t.events if e.type == "status"][1:],
                strict=False,
            )
        )
    ]
    assert reopened, "some tickets are reopened"
    config = load_config(Path("docs/examples/slabridge.yaml"), engine_only=True)
    evaluations = [evaluate(t, config.policy_set, now) for t in tickets]
    breached = sum(e.breached for e in evaluations)
    assert 0 < breached < len(tickets)


def test_demo_command_prints_where_to_look(tmp_path: Path, restore_environ: object) -> None:
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--tickets", "15"])
    assert result.exit_code == 0, result.output
    assert "report" in result.output and "slabridge init --helpdesk" in result.output
    assert (tmp_path / "slabridge.yaml").exists()


def test_demo_into_a_path_it_cannot_create_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(blocker / "demo")])
    assert result.exit_code == 2
    assert f"--dir: cannot create {blocker / 'demo'}" in result.stderr


def test_the_demo_sends_its_alerts_signed_to_a_local_receiver_and_keeps_none_pending(
    tmp_path: Path, restore_environ: object
) -> None:
    import sqlalchemy as sa

    from slabridge.sync.schema import notification_outbox

    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    result = run_demo(tmp_path, tickets_per_helpdesk=40, now=now, say=lambda _: None)
    assert result.alerts, "enterprise breaches in the seeded data reach the lead"
    assert {channel for channel, _ in result.alerts} <= {"team", "lead"}
    for channel, message in result.alerts:
        assert message["channel"] == channel and message["items"]
        assert message["rule"] == "enterprise-chain"
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'slabridge.db'}")
    with engine.connect() as connection:
        statuses = [row.status for row in connection.execute(sa.select(notification_outbox))]
    engine.dispose()
    assert statuses.count("sent") == len(result.alerts)
    assert "pending" not in statuses
    # The signing secret is in the environment only, never in the file the demo wrote.
    assert os.environ["DEMO_ALERTS_SECRET"] not in result.config_path.read_text()
