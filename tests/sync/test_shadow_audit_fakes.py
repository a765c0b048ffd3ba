"""``slabridge shadow`` on the Zendesk fake: the helpdesk's own SLA beside slabridge's, by hand.

Policy ``enterprise``: first response 1h, resolution 8h, 24x7. Three tickets opened at 09:00 on
2 March 2026 without a reply, judged at 11:00 (``--now``):

- z1: slabridge's first response was due 10:00, breached. Zendesk's ``first_reply_time`` is
  active with ``breach_at`` 10:00 (passed at 11:00: breached too), and ``requester_wait_time``
  (resolution) due 17:00, like slabridge's: the two agree.
- z2: Zendesk applies a 4h target: ``first_reply_time`` due 13:00, not breached at 11:00;
  slabridge says breached, due 10:00: a breach verdict and a due time that differ (3h apart).
  Zendesk measures no resolution: slabridge's resolution is "measured by slabridge only".
- z3: Zendesk's ``first_reply_time`` due 10:00:30 (30 s from slabridge's, within the default 1m)
  plus ``agent_work_time``, which slabridge has no counterpart for; resolution due 17:00: agree.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from fakekit import T0, Clock, Setup, make_setup

from slabridge.cli import cli
from slabridge.sla.ticket import Customer, Event, Ticket
from slabridge.sync.runtime import build_runtime, sync_all

POLICY: dict[str, Any] = {
    "version": 1,
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "policies": [
        {
            "name": "enterprise",
            "calendar": "always",
            "targets": {"default": {"first_response": "1h", "resolution": "8h"}},
        }
    ],
}
NOW = "2026-03-02T11:00:00Z"


def _seed(fake: Any, _clock: Clock) -> list[str]:
    ids = []
    for name in ("z1", "z2", "z3"):
        ticket = Ticket(
            id=name,
            created_at=T0,
            updated_at=T0,
            status="open",
            customer=Customer(id="org-1", name="Acme", tier="enterprise"),
            events=(Event(T0, "status", status="open"),),
        )
        ids.append(fake.load_normalized(ticket))
    return ids


def _sync_then_audit(setup: Setup) -> Result:
    """A sync (the store learns the open tickets), then `slabridge shadow` judged at NOW."""
    runtime = build_runtime(setup.config_path)
    try:
        assert sync_all(runtime, now=setup.clock.now).summaries[0].status == "ok"
    finally:
        runtime.close()
    return CliRunner().invoke(cli, ["shadow", "--config", str(setup.config_path), "--now", NOW])


def _metric(name: str, stage: str, breach_at: str | None, hours: int) -> dict[str, Any]:
    return {"breach_at": breach_at, "stage": stage, "metric": name, "hours": hours}


def test_shadow_lists_each_disagreement_with_the_command_that_explains_it(tmp_path: Path) -> None:
    setup = make_setup(
        "zendesk", tmp_path, policy=POLICY, seed=_seed, clock=Clock(T0 + timedelta(hours=1))
    )
    try:
        z1, z2, z3 = (int(i) for i in setup.ids)
        setup.fake.slas[z1] = [
            _metric("first_reply_time", "active", "2026-03-02T10:00:00Z", 1),
            _metric("requester_wait_time", "active", "2026-03-02T17:00:00Z", 8),
        ]
        setup.fake.slas[z2] = [_metric("first_reply_time", "active", "2026-03-02T13:00:00Z", 4)]
        setup.fake.slas[z3] = [
            _metric("first_reply_time", "active", "2026-03-02T10:00:30Z", 1),
            _metric("agent_work_time", "active", "2026-03-02T17:00:00Z", 8),
            _metric("requester_wait_time", "active", "2026-03-02T17:00:00Z", 8),
        ]
        result = _sync_then_audit(setup)
        config = str(setup.config_path)
        assert result.exit_code == 1, result.output
        out = result.stdout
        assert "3 tickets compared (zendesk 3)" in out
        assert "1 ticket(s) disagree on the verdict (2 difference(s))." in out
        assert f"zendesk/{z2}:" in out and f"zendesk/{z1}:" not in out
        assert (
            "  first_response (first_reply_time): breach verdict differs: slabridge breached, "
            "due 2026-03-02T10:00:00Z; helpdesk running, not breached, due 2026-03-02T13:00:00Z"
        ) in out
        assert "  first_response (first_reply_time): due time differs:" in out
        assert f"why: slabridge explain --config {config} --connector zendesk --id {z2}" in out
        assert "  zendesk resolution: 1 ticket(s), by slabridge only" in out

        data = json.loads(
            CliRunner()
            .invoke(cli, ["shadow", "--config", config, "--now", NOW, "--format", "json"])
            .stdout
        )
        kinds = sorted((d["ticket"], d["metric"], d["kind"]) for d in data["differences"])
        assert kinds == [
            (str(z2), "first_response", "breach"),
            (str(z2), "first_response", "due_at"),
            (str(z2), "resolution", "coverage"),
        ]
        # A tolerance of 0s makes z3's 30 s a difference of due time (and nothing else).
        strict = CliRunner().invoke(
            cli,
            ["shadow", "--config", config, "--now", NOW, "--tolerance", "0s", "--format", "json"],
        )
        differing = {(d["ticket"], d["kind"]) for d in json.loads(strict.stdout)["differences"]}
        assert (str(z3), "due_at") in differing and (str(z3), "breach") not in differing
        # One ticket, by id, when they agree: exit 0.
        agree = CliRunner().invoke(
            cli,
            ["shadow", "--config", config, "--now", NOW, "--connector", "zendesk", "--id",
             str(z1)],
        )  # fmt: skip
        assert agree.exit_code == 0, agree.output
        assert "0 ticket(s) disagree on the verdict" in agree.stdout
    finally:
        setup.fake.stop()


def test_bad_options_exit_2(tmp_path: Path) -> None:
    setup = make_setup("zendesk", tmp_path, policy=POLICY, seed=_seed)
    try:
        config = str(setup.config_path)
        result = CliRunner().invoke(cli, ["shadow", "--config", config, "--id", "1"])
        assert result.exit_code == 2 and "--id needs exactly one --connector" in result.stderr
        result = CliRunner().invoke(cli, ["shadow", "--config", config, "--connector", "nope"])
        assert result.exit_code == 2 and "--connector 'nope': no such connector" in result.stderr
        result = CliRunner().invoke(cli, ["shadow", "--config", config, "--tolerance", "soon"])
        assert result.exit_code == 2 and "--tolerance" in result.stderr
    finally:
        setup.fake.stop()


def _jsm(name: str, *, ongoing: dict[str, Any] | None = None, done: bool | None = None) -> Any:
    from slabridge_jira.fake_sla import jsm_date

    value: dict[str, Any] = {"id": name[:3], "name": name, "completedCycles": []}
    if ongoing is not None:
        value["ongoingCycle"] = {
            "breachTime": jsm_date(ongoing["due"]) if "due" in ongoing else None,
            "breached": ongoing.get("breached", False),
            "paused": ongoing.get("paused", False),
            "withinCalendarHours": True,
        }
    if done is not None:
        value["completedCycles"] = [
            {
                "startTime": jsm_date(T0),
                "stopTime": jsm_date(T0 + timedelta(minutes=30)),
                "breachTime": jsm_date(T0 + timedelta(hours=1)),
                "breached": done,
            }
        ]
    return value


def test_shadow_on_jira_service_management_sla_fields(tmp_path: Path) -> None:
    """j1 agrees (first response breached at 10:00 on both sides; resolution due 17:00, running).
    j2: JSM counts its first response as met at 09:30, slabridge sees no reply: the breach
    verdict and the running/stopped state differ; its resolution is paused in JSM and running
    here, neither breached: no verdict differs. j3 is no service desk request: a note."""
    setup = make_setup(
        "jira", tmp_path, policy=POLICY, seed=_seed, clock=Clock(T0 + timedelta(hours=1))
    )
    try:
        j1, j2, j3 = setup.ids
        setup.fake.sla_page_cap = 1  # one value per page: the connector must page
        setup.fake.slas[j1] = [
            _jsm(
                "Time to first response", ongoing={"due": T0 + timedelta(hours=1), "breached": True}
            ),
            _jsm("Time to resolution", ongoing={"due": T0 + timedelta(hours=8)}),
        ]
        setup.fake.slas[j2] = [
            _jsm("Time to first response", done=False),
            _jsm("Time to resolution", ongoing={"paused": True}),
            _jsm("Time to approve", ongoing={"due": T0}),
        ]
        result = _sync_then_audit(setup)
        assert result.exit_code == 1, result.output
        out = result.stdout
        assert "2 tickets compared (jira 2)" in out
        assert "1 ticket(s) disagree on the verdict (2 difference(s))." in out
        assert (
            "  first_response (Time to first response): breach verdict differs: slabridge "
            "breached, due 2026-03-02T10:00:00Z; helpdesk stopped, not breached, due "
            "2026-03-02T10:00:00Z"
        ) in out
        assert "  first_response (Time to first response): one has stopped, the other runs" in out
        assert f"jira/{j3}: no helpdesk SLA (not a Jira Service Management request" in out
        assert f"jira/{j1}:" not in out
    finally:
        setup.fake.stop()


def test_shadow_on_freshdesk_due_by_fields(tmp_path: Path) -> None:
    """f1: Freshdesk's first response due 10:00 (passed at 11:00: missed), resolution 17:00,
    as slabridge says. f2: Freshdesk's SLA policy gives 4h: due 13:00, so at 11:00 not missed,
    where slabridge's 1h target has breached."""
    setup = make_setup(
        "freshdesk", tmp_path, policy=POLICY, seed=_seed, clock=Clock(T0 + timedelta(hours=1))
    )
    try:
        f1, f2, f3 = (int(i) for i in setup.ids)
        for number, first in ((f1, "10:00"), (f2, "13:00"), (f3, "10:00")):
            setup.fake.tickets[number]["fr_due_by"] = f"2026-03-02T{first}:00Z"
            setup.fake.tickets[number]["due_by"] = "2026-03-02T17:00:00Z"
        result = _sync_then_audit(setup)
        assert result.exit_code == 1, result.output
        out = result.stdout
        assert "3 tickets compared (freshdesk 3)" in out
        assert "1 ticket(s) disagree on the verdict (2 difference(s))." in out
        assert (
            f"freshdesk/{f2}:\n  first_response (fr_due_by): breach verdict differs: slabridge "
            "breached, due 2026-03-02T10:00:00Z; helpdesk running, not breached, due "
            "2026-03-02T13:00:00Z"
        ) in out
    finally:
        setup.fake.stop()
