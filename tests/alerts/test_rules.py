"""Rule evaluation on a business calendar: trip times, re-check instants, local due times.

Berlin is open Mon-Fri 09:00-17:00 CET (UTC+1 in early March 2026). A 4h resolution clock
started Mon 2 Mar 15:00 CET has 2h that day and is due Tue 3 Mar 11:00 CET (10:00 UTC); 75%
(3h) is reached Tue 10:00 CET (09:00 UTC) and "30m left" (3h30m) Tue 10:30 CET (09:30 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

from slabridge.alerts.rules import AlertRules, messages
from slabridge.alerts.settings import validate_alerts
from slabridge.sla.calendar import CalendarSpec
from slabridge.sla.results import Cycle, Evaluation, MetricResult
from slabridge.sla.ticket import Ticket

BERLIN = CalendarSpec("berlin", "Europe/Berlin", weekly={d: ((540, 1020),) for d in range(5)})
STARTED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Mon 15:00 CET
DUE = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tue 11:00 CET
TICKET = Ticket(id="9", created_at=STARTED, updated_at=STARTED, status="open", priority="high")


def _rules(*levels: dict[str, object], **rule: object) -> AlertRules:
    raw = {
        "channels": {"team": {"type": "x"}},
        "rules": [{"name": "r", "levels": list(levels), **rule}],
    }
    settings, problems = validate_alerts(raw, calendars={"berlin"})
    assert problems == []
    return AlertRules(settings, {"berlin": BERLIN})


def _evaluation(now: datetime, elapsed: int, status: str = "active") -> Evaluation:
    cycle = Cycle(
        status,  # type: ignore[arg-type]
        "berlin",
        14_400,
        STARTED,
        None,
        DUE,
        DUE if status == "breached" else None,
        elapsed,
        14_400 - elapsed,
        False,
    )
    return Evaluation("9", "standard", now, {"resolution": MetricResult("resolution", (cycle,))})


def test_the_next_level_instant_counts_business_time_only() -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Mon 16:00 CET: 1h used
    evaluation = _evaluation(now, 3_600)
    left = _rules({"at": "30m left", "notify": "team"})
    assert left.trips("zd", TICKET, evaluation, now) == []
    assert left.next_instant("zd", TICKET, evaluation, now) == datetime(
        2026, 3, 3, 9, 30, tzinfo=UTC
    )
    both = _rules({"at": "75%", "notify": "team"}, {"at": "30m left", "notify": "team"})
    assert both.next_instant("zd", TICKET, evaluation, now) == datetime(
        2026, 3, 3, 9, 0, tzinfo=UTC
    )
    # breach + 2h counts wall-clock time after the due instant: Tue 12:00 UTC.
    late = _rules({"at": "breach + 2h", "notify": "team"})
    assert late.next_instant("zd", TICKET, evaluation, now) == datetime(
        2026, 3, 3, 12, 0, tzinfo=UTC
    )


def test_an_item_says_the_due_time_in_the_calendars_local_time_and_what_to_do() -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    rules = _rules({"at": "25%", "notify": "team"})
    (trip,) = rules.trips("zd", TICKET, _evaluation(now, 3_600), now, ticket_url="https://t/9")
    item = trip.item
    assert item.due_local == "Tue 3 Mar 2026 11:00 CET (berlin)"
    assert item.action == "resolve the ticket before Tue 3 Mar 11:00 CET"
    assert (item.ticket_url, item.metric, item.event, item.priority) == (
        "https://t/9",
        "resolution",
        "at_risk",
        "high",
    )
    (message,) = messages([trip])
    assert "https://t/9" in message.text() and message.title == "SLA at risk: zd #9 (resolution)"


def test_levels_trip_from_their_thresholds_and_breach_levels_take_over() -> None:
    rules = _rules(
        {"at": "75%", "notify": "team"},
        {"at": "30m left", "notify": "team"},
        {"at": "breach", "notify": "team"},
    )
    now = datetime(2026, 3, 3, 9, 31, tzinfo=UTC)  # Tue 10:31 CET: 3h31m used
    assert [t.level for t in rules.trips("zd", TICKET, _evaluation(now, 12_660), now)] == [1, 2]
    later = datetime(2026, 3, 3, 10, 5, tzinfo=UTC)
    breached = _evaluation(later, 14_700, "breached")
    (trip,) = rules.trips("zd", TICKET, breached, later)
    assert trip.level == 3 and trip.item.event == "breached"
    assert trip.item.action.startswith("resolve the ticket now: the target was due 11:00 CET")


def test_quiet_hours_hold_until_the_calendar_opens() -> None:
    rules = _rules({"at": "25%", "notify": "team"}, quiet_hours={"calendar": "berlin"})
    evening = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # Mon 17:30 CET, closed
    (trip,) = rules.trips("zd", TICKET, _evaluation(evening, 7_200), evening)
    assert trip.send_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # Tue 09:00 CET


def test_solved_tickets_and_out_of_scope_tickets_trip_nothing() -> None:
    from dataclasses import replace

    now = datetime(2026, 3, 3, 9, 31, tzinfo=UTC)
    evaluation = _evaluation(now, 12_660)
    rules = _rules({"at": "75%", "notify": "team"})
    assert rules.trips("zd", replace(TICKET, status="solved"), evaluation, now) == []
    scoped = _rules({"at": "75%", "notify": "team"}, scope={"connector": "jira"})
    assert scoped.trips("zd", TICKET, evaluation, now) == []
    assert len(scoped.trips("jira", TICKET, evaluation, now)) == 1


WORKED_EXAMPLE = """
calendars:
  berlin: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-17:00"}}
policies:
  - name: enterprise
    calendar: berlin
    match: {tier: enterprise}
    targets: {default: {resolution: 4h}}
alerts:
  channels:
    team-slack: {type: slack}
    lead-mail: {type: email}
    hook: {type: webhook}
  rules:
    - name: enterprise-chain
      scope: {tier: enterprise}
      levels:
        - {at: 75%, notify: team-slack}
        - {at: breach, notify: lead-mail}
        - {at: breach + 2h, notify: hook, urgent: true}
      quiet_hours: {calendar: berlin}
"""


def test_the_worked_example_of_the_docs() -> None:
    """docs/alerts.md, "Worked example": the real engine on the real config loader."""
    from slabridge.config import load_config_text
    from slabridge.sla.evaluate import evaluate
    from slabridge.sla.ticket import Customer

    config = load_config_text(WORKED_EXAMPLE)
    rules = AlertRules(config.alerts, config.calendars)
    ticket = Ticket(
        id="1",
        created_at=STARTED,
        updated_at=STARTED,
        status="open",
        customer=Customer(id="c", tier="enterprise"),
    )
    monday = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Mon 16:00 CET
    evaluation = evaluate(ticket, config, monday)
    assert rules.next_instant("zd", ticket, evaluation, monday) == datetime(
        2026, 3, 3, 9, 0, tzinfo=UTC
    )
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # Tue 10:00 CET: 3h used
    trips = rules.trips("zd", ticket, evaluate(ticket, config, tuesday), tuesday)
    assert [(t.level, t.send_at) for t in trips] == [(1, tuesday)]
    due = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tue 11:00 CET
    assert trips[0].item.due_at == due
    assert rules.next_instant("zd", ticket, evaluate(ticket, config, tuesday), tuesday) == due
    after = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # Tue 13:00 CET
    assert [t.level for t in rules.trips("zd", ticket, evaluate(ticket, config, after), after)] == [
        2,
        3,
    ]

    # Created Mon 16:00 CET with 1h: due Mon 17:00 CET as berlin closes. The breach page waits
    # for Tue 09:00 CET; the urgent breach + 2h (Mon 19:00 CET) does not.
    late = Ticket(
        id="2",
        created_at=monday,
        updated_at=monday,
        status="open",
        customer=Customer(id="c", tier="enterprise"),
    )
    one_hour = load_config_text(WORKED_EXAMPLE.replace("resolution: 4h", "resolution: 1h"))
    hour_rules = AlertRules(one_hour.alerts, one_hour.calendars)
    evening = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # Mon 19:00 CET
    trips = hour_rules.trips("zd", late, evaluate(late, one_hour, evening), evening)
    assert [(t.level, t.send_at) for t in trips] == [
        (2, datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
        (3, evening),
    ]
