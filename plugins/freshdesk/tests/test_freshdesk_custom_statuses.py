"""Custom statuses against the fake: Freshdesk's SLA-timer setting counts, unmapped ones run."""

from __future__ import annotations

from typing import Any

from slabridge_freshdesk.fake import FakeFreshdesk
from structlog.testing import capture_logs

from slabridge.sla.ticket import Ticket


def statuses_read(connector: Any) -> dict[str, str]:
    return {t.id: t.status for t in connector.read(None) if isinstance(t, Ticket)}


def test_a_custom_status_whose_sla_timer_stops_is_on_hold_and_one_that_runs_is_open(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    waiting = fake.add_status("Waiting on Customer", stops_sla_timer=True)
    working = fake.add_status("Working on it", stops_sla_timer=False)
    stopped = str(fake.add_ticket(status=waiting))
    running = str(fake.add_ticket(status=working))
    connector = make_connector()
    assert statuses_read(connector) == {stopped: "on_hold", running: "open"}
    assert len(fake.requests_to("GET", r"^/api/v2/ticket_fields$")) == 1, "once per read"


def test_an_account_without_custom_statuses_never_reads_the_ticket_fields(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.add_ticket(status=2)
    fake.add_ticket(status=3)
    mapped = str(fake.add_ticket(status=6))
    connector = make_connector(mapping={"statuses": {"6": "pending"}})
    assert statuses_read(connector)[mapped] == "pending"
    assert fake.requests_to("GET", r"^/api/v2/ticket_fields$") == []


def test_a_status_freshdesk_says_nothing_about_counts_as_open_and_is_logged_once(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.status_choices_shape = "map"  # names the statuses, not their SLA timer
    escalated = fake.add_status("Escalated", stops_sla_timer=True)
    ids = [str(fake.add_ticket(status=escalated)) for _ in range(3)]
    with capture_logs() as logs:
        read = statuses_read(make_connector())
    assert read == dict.fromkeys(ids, "open")
    warnings = [e for e in logs if e["event"] == "freshdesk_status_unmapped"]
    assert [(w["status"], w["name"], w["counted_as"]) for w in warnings] == [
        (escalated, "Escalated", "open")
    ]


def test_check_names_each_custom_status_nothing_maps(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.status_choices_shape = "map"
    escalated = fake.add_status("Escalated")
    problems = make_connector().check()
    assert [p.message for p in problems] == [
        "Freshdesk status 6 ('Waiting on Third Party') is not mapped and the ticket-fields API "
        "does not say whether its SLA timer stops: it counts as 'open' (the clock keeps running)",
        f"Freshdesk status {escalated} ('Escalated') is not mapped and the ticket-fields API "
        "does not say whether its SLA timer stops: it counts as 'open' (the clock keeps running)",
    ]
    assert problems[0].hint is not None and '{"6": on_hold}' in problems[0].hint
    assert all(problem.warning for problem in problems), "check warns; the sync can run"
    mapped = make_connector(mapping={"statuses": {"6": "on_hold", str(escalated): "open"}})
    assert mapped.check() == []


def test_check_accepts_custom_statuses_whose_sla_timer_setting_is_listed(
    fake: FakeFreshdesk, make_connector: Any
) -> None:
    fake.add_status("Escalated", stops_sla_timer=False)
    assert make_connector().check() == []
