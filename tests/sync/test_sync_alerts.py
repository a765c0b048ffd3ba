"""Alert rules in the sync: levels trip once, by the clock too; quiet hours, digests, dry run.

The evaluator of synckit: first response within 1h on a 24x7 clock, tickets created at T0
(Mon 2 Mar 2026 09:00 UTC) unless said otherwise. Times below are worked out by hand.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from synckit import SETTINGS, T0, MemoryConnector, first_response_evaluator, make_engine

from slabridge.alerts import outbox
from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.base import Notifier, NotifierConfig
from slabridge.alerts.rules import AlertRules
from slabridge.alerts.settings import AlertsSettings, validate_alerts
from slabridge.sla.calendar import CalendarSpec
from slabridge.sync import schema
from slabridge.sync.store import StateStore, open_store
from slabridge.sync.syncer import Syncer

BERLIN = CalendarSpec("berlin", "Europe/Berlin", weekly={d: ((540, 1020),) for d in range(5)})
CHAIN = [
    {"at": "75%", "notify": "team"},
    {"at": "breach", "notify": "lead"},
    {"at": "breach + 2h", "notify": "manager"},
]


class Recording(Notifier):
    """A channel that keeps what it is sent (a real one is built by the notifier registry)."""

    type_name = "recording"
    config_model = NotifierConfig

    def __init__(self, name: str) -> None:
        super().__init__(name, NotifierConfig(type="recording"))
        self.sent: list[AlertMessage] = []

    def send(self, message: AlertMessage) -> None:
        self.sent.append(message)

    def check(self) -> list[str]:
        return []


def rules(*entries: dict[str, Any]) -> AlertRules:
    raw = {
        "channels": {name: {"type": "recording"} for name in ("team", "lead", "manager")},
        "rules": list(entries),
    }
    settings, problems = validate_alerts(raw, calendars={"berlin", "24x7"})
    assert problems == []
    return AlertRules(settings, {"berlin": BERLIN})


def channels() -> dict[str, Recording]:
    return {name: Recording(name) for name in ("team", "lead", "manager")}


def engine(
    store: StateStore, now: datetime, alerts: AlertRules, sent: dict[str, Recording], **kw: Any
) -> Syncer:
    return make_engine(store, now, alerts=alerts, alert_channels=sent, **kw)


def _titles(sent: dict[str, Recording]) -> dict[str, list[str]]:
    return {name: [m.title for m in channel.sent] for name, channel in sent.items()}


def test_an_escalation_chain_fires_each_level_once_and_by_the_clock_alone(
    store: StateStore, memory: MemoryConnector
) -> None:
    alerts = rules({"name": "chain", "levels": CHAIN})
    sent = channels()
    memory.add("1")
    # 09:50: 50 of 60 minutes used, past 75% (45 min): level 1 to the team.
    engine(store, T0 + timedelta(minutes=50), alerts, sent).sync("mem", memory)
    assert _titles(sent) == {
        "team": ["SLA at risk: mem #1 (first response)"],
        "lead": [],
        "manager": [],
    }
    (item,) = sent["team"].sent[0].items
    assert item.event == "at_risk" and item.due_at == T0 + timedelta(hours=1)
    assert item.due_local == "Mon 2 Mar 2026 10:00 UTC (always)"
    assert item.action == "reply to the customer before 10:00 UTC"
    # The re-check instant is the due time (10:00), where the breach level trips.
    assert store.get_tickets("mem", ["1"])["1"].next_instant == T0 + timedelta(hours=1)

    # 10:01, no change to the ticket: the due re-check sees the breach; level 2 to the lead.
    engine(store, T0 + timedelta(minutes=61), alerts, sent).sync("mem", memory)
    assert [m.title for m in sent["lead"].sent] == ["SLA breached: mem #1 (first response)"]
    # Nothing changes by the evaluation's clock any more; breach + 2h is 12:00.
    assert store.get_tickets("mem", ["1"])["1"].next_instant == T0 + timedelta(hours=3)

    engine(store, T0 + timedelta(minutes=179), alerts, sent).sync("mem", memory)
    assert sent["manager"].sent == []
    engine(store, T0 + timedelta(hours=3), alerts, sent).sync("mem", memory)
    (third,) = sent["manager"].sent
    assert third.level == 3 and "breach + 2h reached" in third.items[0].action
    assert store.get_tickets("mem", ["1"])["1"].next_instant is None

    # Later runs, a ticket change included, send nothing again.
    memory.agent_edit("1", tags=("vip",))
    engine(store, T0 + timedelta(hours=4), alerts, sent).sync("mem", memory)
    assert [len(channel.sent) for channel in sent.values()] == [1, 1, 1]


def test_a_rule_only_sees_its_scope_and_metrics(store: StateStore, memory: MemoryConnector) -> None:
    from slabridge.sla.ticket import Customer

    alerts = rules(
        {"name": "ent", "scope": {"tier": "enterprise"}, "levels": [CHAIN[1]]},
        {"name": "res", "metrics": ["resolution"], "levels": [CHAIN[1]]},
    )
    sent = channels()
    memory.add("1", customer=Customer(id="c1", tier="enterprise"))
    memory.add("2", customer=Customer(id="c2", tier="standard"))
    engine(store, T0 + timedelta(hours=2), alerts, sent).sync("mem", memory)
    assert [m.items[0].ticket_id for m in sent["lead"].sent] == ["1"]


def test_a_digest_makes_one_message_per_channel_rule_and_level_in_a_run(
    store: StateStore, memory: MemoryConnector
) -> None:
    alerts = rules({"name": "chain", "levels": CHAIN[:2], "digest": True})
    sent = channels()
    for number in range(5):  # pages of 3: the items come from two transactions
        memory.add(str(number), created_at=T0 + timedelta(minutes=number))
    memory.add("late", created_at=T0 + timedelta(minutes=30))
    # 10:10: tickets 0-4 breached (due 10:00-10:04); "late" at 40 of 60 minutes, not yet 75%.
    engine(store, T0 + timedelta(minutes=70), alerts, sent).sync("mem", memory)
    (digest,) = sent["lead"].sent
    assert digest.title == "SLA breached: 5 tickets" and digest.is_digest
    assert sorted(item.ticket_id for item in digest.items) == ["0", "1", "2", "3", "4"]
    assert sent["team"].sent == []
    # 10:16: "late" is at 46 minutes: one item, sent as a plain message.
    engine(store, T0 + timedelta(minutes=76), alerts, sent).sync("mem", memory)
    assert [m.title for m in sent["team"].sent] == ["SLA at risk: mem #late (first response)"]
    assert len(sent["lead"].sent) == 1


def test_quiet_hours_hold_a_page_until_the_calendar_opens_unless_urgent(
    store: StateStore, memory: MemoryConnector
) -> None:
    alerts = rules(
        {"name": "quiet", "levels": CHAIN[:2], "quiet_hours": {"calendar": "berlin"}},
        {
            "name": "loud",
            "levels": [{"at": "breach", "notify": "manager", "urgent": True}],
            "quiet_hours": {"calendar": "berlin"},
        },
    )
    sent = channels()
    night = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tue 02:00 in Berlin (CET, UTC+1)
    memory.add("1", created_at=night, updated_at=night)
    # 03:10 UTC (04:10 Berlin): breached at 02:00 UTC; Berlin opens at 09:00 CET = 08:00 UTC.
    engine(store, night + timedelta(minutes=130), alerts, sent).sync("mem", memory)
    assert sent["lead"].sent == [] and sent["team"].sent == []
    assert len(sent["manager"].sent) == 1  # urgent: sent at once
    with store.engine.connect() as connection:
        held = connection.execute(
            sa.select(schema.notification_outbox.c.next_attempt_at).where(
                schema.notification_outbox.c.status == outbox.PENDING
            )
        ).all()
    assert [row[0] for row in held] == [datetime(2026, 3, 3, 8, 0, tzinfo=UTC)]
    engine(store, datetime(2026, 3, 3, 7, 59, tzinfo=UTC), alerts, sent).sync("mem", memory)
    assert sent["lead"].sent == []
    engine(store, datetime(2026, 3, 3, 8, 0, tzinfo=UTC), alerts, sent).sync("mem", memory)
    assert [m.title for m in sent["lead"].sent] == ["SLA breached: mem #1 (first response)"]
    # The breach made the 75% level moot: the team is not paged late for it.
    assert sent["team"].sent == []


def test_a_dry_run_lists_alerts_and_neither_stores_nor_sends_them(
    store: StateStore, memory: MemoryConnector
) -> None:
    alerts = rules({"name": "chain", "levels": CHAIN})
    sent = channels()
    memory.add("1")
    dry = engine(store, T0 + timedelta(minutes=61), alerts, sent, dry_run=True)
    dry.sync("mem", memory)
    assert [(m.channel, m.level) for m in dry.planned_alerts] == [("lead", 2)]
    assert all(channel.sent == [] for channel in sent.values())
    with store.engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(schema.notification_outbox)
        )
        assert count.scalar() == 0


def test_a_channel_that_fails_leaves_the_alert_for_a_retry(
    store: StateStore, memory: MemoryConnector
) -> None:
    class Down(Recording):
        def send(self, message: AlertMessage) -> None:
            raise RuntimeError("connection refused")

    alerts = rules({"name": "chain", "levels": [CHAIN[1]]})
    memory.add("1")
    summary = engine(store, T0 + timedelta(minutes=61), alerts, {"lead": Down("lead")}).sync(
        "mem", memory
    )
    assert summary.status == "ok"  # a channel's outage does not fail the helpdesk sync
    sent = channels()
    later = T0 + timedelta(minutes=62)
    engine(store, later, alerts, sent).sync("mem", memory)
    assert [m.level for m in sent["lead"].sent] == [1]


def test_a_sigkill_after_the_sync_commits_and_before_the_send_loses_no_alert(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    child = textwrap.dedent(
        f"""
        import os, signal
        from datetime import timedelta
        from synckit import T0, MemoryConnector, make_engine
        from test_sync_alerts import CHAIN, Recording, rules
        from slabridge.sync.store import open_store

        class Killer(Recording):
            def send(self, message):
                os.kill(os.getpid(), signal.SIGKILL)  # after the commit, before any send

        memory = MemoryConnector()
        memory.add("1")
        store = open_store({url!r})
        make_engine(store, T0 + timedelta(minutes=61), alerts=rules({{"name": "chain",
            "levels": CHAIN}}), alert_channels={{"lead": Killer("lead")}}).sync("mem", memory)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run([sys.executable, "-c", child], check=False, env=env)
    assert done.returncode == -signal.SIGKILL
    store = open_store(url)
    with store.engine.connect() as connection:
        (row,) = connection.execute(sa.select(schema.notification_outbox)).all()
    assert row.status == outbox.PENDING and row.channel == "lead"
    assert json.loads(row.payload)["items"][0]["ticket_id"] == "1"
    # The dead worker had claimed it at 10:01 for five minutes (outbox.CLAIM): a run at 10:02
    # leaves it; the first run from 10:06 on delivers it once, and queues nothing new.
    memory = MemoryConnector()
    memory.add("1")
    sent = channels()
    alerts = rules({"name": "chain", "levels": CHAIN})
    engine(store, T0 + timedelta(minutes=62), alerts, sent).sync("mem", memory)
    assert sent["lead"].sent == []
    engine(store, T0 + timedelta(minutes=66), alerts, sent).sync("mem", memory)
    engine(store, T0 + timedelta(minutes=67), alerts, sent).sync("mem", memory)
    assert [m.title for m in sent["lead"].sent] == ["SLA breached: mem #1 (first response)"]
    store.close()


def test_without_rules_the_sync_is_unchanged(store: StateStore, memory: MemoryConnector) -> None:
    memory.add("1")
    Syncer(store, first_response_evaluator, {"mem": SETTINGS}, now=T0).sync("mem", memory)
    assert AlertsSettings(channels={}).rules == ()
    assert store.get_tickets("mem", ["1"])["1"].next_instant == T0 + timedelta(minutes=45)
