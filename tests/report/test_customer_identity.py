"""Customers across helpdesks, end to end: `connector:id` keys, `customers:` joins, bare keys.

The tickets mirror the demo's collision: Freshdesk's company 5 is "Acme GmbH" (enterprise) and
Jira's organization 5 is "Soylent SARL" (free); Acme also has a Zendesk organization (361) and a
Jira organization (10002). A 24x7 UTC clock with first response 1h and resolution 8h makes
every figure below countable by hand.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from slabridge.cli import cli

POLICY = """\
version: 1
calendars:
  clock: {timezone: UTC, hours: 24x7}
policies:
  - name: standard
    calendar: clock
    targets:
      default: {first_response: 1h, resolution: 8h}
credits:
  tiers:
    enterprise:
      schedule:
        - {below: 99%, credit: 5%}
        - {below: 95%, credit: 10%}
        - {below: 90%, credit: 25%}
      cap: 20%
    free:
      schedule: [{below: 80%, credit: 5%}]
"""

JOIN_ACME = """\
customers:
  acme:
    name: Acme
    ids: {zendesk: ["361"], jira: [10002]}
"""


def ticket(
    source: str,
    ticket_id: str,
    customer: tuple[str | None, str | None, str],
    created: str,
    reply: str,
    solved: str,
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A solved October ticket: created, answered at `reply`, solved at `solved` (HH:MM)."""
    day = f"2026-10-{created[:2]}T"
    customer_id, name, tier = customer
    return {
        "id": ticket_id,
        "source": source,
        "created_at": f"{day}{created[3:]}:00Z",
        "status": "solved",
        "priority": "normal",
        "fields": fields or {},
        "customer": {"id": customer_id, "name": name, "tier": tier},
        "events": [
            {"at": f"{day}{created[3:]}:00Z", "type": "status", "status": "new"},
            {"at": f"{day}{reply}:00Z", "type": "reply", "author": "agent", "public": True},
            {"at": f"{day}{solved}:00Z", "type": "status", "status": "solved"},
        ],
    }


ACME_FD = ("5", "Acme GmbH", "enterprise")
SOYLENT_JIRA = ("5", "Soylent SARL", "free")
ACME_ZD = ("361", "Acme GmbH", "enterprise")
ACME_JIRA = ("10002", "Acme GmbH", "enterprise")
TICKETS = [
    # freshdesk:5 Acme GmbH: F1 2 of 2, F2 0 of 2 (answered in 2h, solved in 10h), F3 2 of 2.
    ticket("freshdesk", "F1", ACME_FD, "05 10:00", "10:30", "12:00"),
    ticket("freshdesk", "F2", ACME_FD, "06 10:00", "12:00", "20:00"),
    ticket("freshdesk", "F3", ACME_FD, "07 09:00", "09:20", "11:00"),
    # jira:5 Soylent SARL: J1 2 of 2, J2 1 of 2 (answered in 2h, solved in 3h).
    ticket("jira", "J1", SOYLENT_JIRA, "08 09:00", "09:10", "10:00"),
    ticket("jira", "J2", SOYLENT_JIRA, "09 09:00", "11:00", "12:00"),
    # zendesk:361 Acme GmbH: Z1, Z2, Z3 all achieved (6 of 6).
    ticket("zendesk", "Z1", ACME_ZD, "12 09:00", "09:30", "12:00"),
    ticket("zendesk", "Z2", ACME_ZD, "13 09:00", "09:45", "16:00"),
    ticket("zendesk", "Z3", ACME_ZD, "14 09:00", "09:05", "10:00"),
    # jira:10002 Acme GmbH: A1 1 of 2 (answered in 2h30m, solved in 4h), A2 2 of 2.
    ticket("jira", "A1", ACME_JIRA, "15 09:00", "11:30", "13:00"),
    ticket("jira", "A2", ACME_JIRA, "16 09:00", "09:05", "10:00"),
]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "slabridge.yaml").write_text(POLICY, encoding="utf-8")
    lines = [json.dumps(item) for item in TICKETS]
    (tmp_path / "tickets.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def report(workdir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(workdir / "slabridge.yaml"),
            "--period",
            "2026-10",
            "--tickets",
            str(workdir / "tickets.jsonl"),
            *args,
        ],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def credits_by_customer(out: str) -> dict[str, dict[str, Any]]:
    return {credit["customer"]: credit for credit in json.loads(out)["credits"]}


def test_the_same_org_id_in_two_helpdesks_is_two_customers_with_their_own_credit(
    workdir: Path,
) -> None:
    code, out, err = report(workdir, "--format", "json")
    assert code == 0, err
    credits = credits_by_customer(out)
    assert sorted(credits) == ["freshdesk:5", "jira:10002", "jira:5", "zendesk:361"]
    acme = credits["freshdesk:5"]
    assert (acme["customer_name"], acme["tier"]) == ("Acme GmbH", "enterprise")
    # 4 of 6 = 66.66%: below 90% earns 25%, capped at 20%.
    assert (acme["achieved_cycles"], acme["decided_cycles"]) == (4, 6)
    assert (acme["compliance_percent"], acme["credit_percent"]) == (66.66, 20.0)
    assert acme["rule"] == "tiers.enterprise"
    soylent = credits["jira:5"]
    assert (soylent["customer_name"], soylent["tier"]) == ("Soylent SARL", "free")
    # 3 of 4 = 75%: below 80% earns 5% on the free schedule.
    assert (soylent["achieved_cycles"], soylent["decided_cycles"]) == (3, 4)
    assert (soylent["compliance_percent"], soylent["credit_percent"]) == (75.0, 5.0)
    assert soylent["rule"] == "tiers.free"
    # Unjoined, Acme's other accounts are lines of their own: 6 of 6 (no credit), 3 of 4.
    assert credits["zendesk:361"]["credit_percent"] == 0.0
    assert credits["jira:10002"]["compliance_percent"] == 75.0
    assert credits["jira:10002"]["credit_percent"] == 20.0  # below 90%, capped


def test_csv_by_customer_and_connector_shows_each_helpdesks_customer(workdir: Path) -> None:
    code, out, err = report(workdir, "--by", "customer,connector", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    groups = {row["group"]: row for row in rows if row["section"] == "group"}
    fd = groups["customer=Acme GmbH (freshdesk:5), connector=freshdesk"]
    assert (fd["tickets"], fd["achieved"], fd["breached"]) == ("3", "4", "2")
    jira = groups["customer=Soylent SARL (jira:5), connector=jira"]
    assert (jira["tickets"], jira["achieved"], jira["breached"]) == ("2", "3", "1")
    credit_rows = {row["group"]: row for row in rows if row["section"] == "credit"}
    assert credit_rows["customer=Acme GmbH (freshdesk:5)"]["credit_percent"] == "20.0"
    assert credit_rows["customer=Soylent SARL (jira:5)"]["credit_percent"] == "5.0"


def test_a_customers_join_makes_acme_in_zendesk_and_jira_one_credit_line(workdir: Path) -> None:
    config = workdir / "slabridge.yaml"
    config.write_text(POLICY + JOIN_ACME, encoding="utf-8")
    code, out, err = report(workdir, "--by", "customer,connector", "--format", "json")
    assert code == 0, err
    credits = credits_by_customer(out)
    # Freshdesk's Acme GmbH is not in the join: a shared name alone joins nothing.
    assert sorted(credits) == ["acme", "freshdesk:5", "jira:5"]
    acme = credits["acme"]
    assert (acme["customer_name"], acme["tier"]) == ("Acme", "enterprise")
    # Zendesk 6 of 6 plus Jira 3 of 4 = 9 of 10 = exactly 90%: not below 90%, so the 10% step.
    assert (acme["achieved_cycles"], acme["decided_cycles"]) == (9, 10)
    assert (acme["compliance_percent"], acme["credit_percent"]) == (90.0, 10.0)
    assert acme["reason"] == "tiers.enterprise: below 95% → 10%"
    groups = {group["label"]: group for group in json.loads(out)["groups"]}
    assert groups["customer=Acme (acme), connector=zendesk"]["achieved"] == 6
    assert groups["customer=Acme (acme), connector=jira"]["achieved"] == 3
    assert groups["customer=Acme (acme), connector=jira"]["breached"] == 1

    code, out, err = report(workdir, "--by", "customer", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    (joined,) = [row for row in rows if row["section"] == "group" and "(acme)" in row["group"]]
    assert joined["group"] == "customer=Acme (acme)"
    assert (joined["tickets"], joined["cycles"]) == ("5", "10")
    assert joined["achieved_percent"] == "90.0"
    (credit,) = [row for row in rows if row["section"] == "credit" and "(acme)" in row["group"]]
    assert (credit["achieved_percent"], credit["credit_percent"]) == ("90.0", "10.0")


def test_a_credit_rule_names_the_joined_key(workdir: Path) -> None:
    rule = "  customers:\n    acme: {schedule: [{below: 100%, credit: 7%}]}\n"
    (workdir / "slabridge.yaml").write_text(POLICY + rule + JOIN_ACME, encoding="utf-8")
    code, out, err = report(workdir, "--format", "json")
    assert code == 0, err
    acme = credits_by_customer(out)["acme"]
    assert (acme["rule"], acme["credit_percent"]) == ("customers.acme", 7.0)


def test_a_bare_id_of_two_helpdesks_customers_is_a_config_error_naming_both(
    workdir: Path,
) -> None:
    rule = "  customers:\n    5: {schedule: [{below: 100%, credit: 7%}]}\n"
    (workdir / "slabridge.yaml").write_text(POLICY + rule, encoding="utf-8")
    code, out, err = report(workdir, "--format", "json")
    assert code == 2
    assert out == ""
    assert "credits.customers.5: names 2 customers in different helpdesks" in err
    assert "freshdesk:5 (Acme GmbH), jira:5 (Soylent SARL)" in err


def test_a_bare_id_of_one_customer_still_applies_with_a_deprecation_warning(
    workdir: Path,
) -> None:
    rule = "  customers:\n    361: {schedule: [{below: 100%, credit: 7%}]}\n"
    (workdir / "slabridge.yaml").write_text(POLICY + rule, encoding="utf-8")
    code, out, err = report(workdir, "--format", "json")
    assert code == 0, err
    zendesk = credits_by_customer(out)["zendesk:361"]
    assert (zendesk["rule"], zendesk["credit_percent"]) == ("customers.361", 0.0)
    assert (
        "warning: credits.customers.361: a bare customer id or name is deprecated; "
        "name the customer by its key: zendesk:361 (Acme GmbH)"
    ) in err
    assert json.loads(out)["warnings"] == [
        "credits.customers.361: a bare customer id or name is deprecated; "
        "name the customer by its key: zendesk:361 (Acme GmbH)"
    ]


def test_a_requester_domain_joins_a_ticket_without_a_listed_org(workdir: Path) -> None:
    # A Zendesk ticket from an unlisted org, sent by someone at eu.acme.example: 0 of 2.
    stray = ticket(
        "zendesk",
        "Z9",
        ("999", "Acme Europe", "enterprise"),
        "20 09:00",
        "11:00",
        "20:00",
        fields={"requester_email": "Ann@EU.Acme.example"},
    )
    with (workdir / "tickets.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(stray) + "\n")
    joined = JOIN_ACME + "    domains: [acme.example]\n"
    (workdir / "slabridge.yaml").write_text(POLICY + joined, encoding="utf-8")
    code, out, err = report(workdir, "--format", "json")
    assert code == 0, err
    credits = credits_by_customer(out)
    assert "zendesk:999" not in credits
    # 9 of 10 as before, plus Z9's 0 of 2: 9 of 12 = 75% -> 25%, capped at 20%.
    assert (credits["acme"]["achieved_cycles"], credits["acme"]["decided_cycles"]) == (9, 12)
    assert credits["acme"]["credit_percent"] == 20.0
