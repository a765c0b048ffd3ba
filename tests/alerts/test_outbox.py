"""The notification outbox: same-transaction enqueue, once per key, retry, park, crash safety."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from slabridge.alerts import outbox
from slabridge.sync import schema
from slabridge.sync.store import open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture()
def engine(tmp_path: Path) -> sa.Engine:
    return open_store(f"sqlite:///{tmp_path / 'state.db'}").engine


def _rows(engine: sa.Engine) -> list[sa.Row[object]]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(schema.notification_outbox)).all())


def test_one_event_rule_and_level_is_enqueued_once(engine: sa.Engine) -> None:
    key = outbox.idempotency_key(7, "team", 1)
    with engine.begin() as connection:
        assert outbox.enqueue(connection, key=key, channel="slack", payload="{}", now=T0)
        assert not outbox.enqueue(connection, key=key, channel="slack", payload="{}", now=T0)
        other = outbox.idempotency_key(7, "team", 2)
        assert outbox.enqueue(connection, key=other, channel="slack", payload="{}", now=T0)
    assert len(_rows(engine)) == 2


def test_a_rolled_back_transaction_leaves_no_alert(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as connection:
        outbox.enqueue(connection, key="1:r:1", channel="c", payload="{}", now=T0)
        raise RuntimeError("the events' transaction failed")
    assert _rows(engine) == []


def test_a_failed_send_is_retried_with_backoff_then_parked_with_its_reason(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        outbox.enqueue(connection, key="1:r:1", channel="c", payload="{}", now=T0)

    def failing(note: outbox.Notification) -> None:
        raise outbox.DeliveryError("HTTP 500 from channel 'c'")

    now = T0
    report = outbox.deliver_due(engine, failing, now=now, max_attempts=3)
    assert report == outbox.DeliveryReport(retried=1)
    # Not due again before its backoff has passed.
    assert outbox.deliver_due(engine, failing, now=now, max_attempts=3) == outbox.DeliveryReport()
    now += outbox.backoff(1)
    assert outbox.deliver_due(engine, failing, now=now, max_attempts=3).retried == 1
    now += outbox.backoff(2)
    assert outbox.deliver_due(engine, failing, now=now, max_attempts=3).parked == 1
    (row,) = _rows(engine)
    assert row.status == outbox.PARKED
    assert row.attempts == 3
    assert row.last_error == "HTTP 500 from channel 'c'"
    later = now + timedelta(days=1)
    assert outbox.deliver_due(engine, failing, now=later) == outbox.DeliveryReport()


def test_backoff_doubles_and_is_capped() -> None:
    assert outbox.backoff(1) == timedelta(seconds=30)
    assert outbox.backoff(2) == timedelta(seconds=60)
    assert outbox.backoff(20) == timedelta(hours=1)


def test_a_sent_alert_is_never_sent_again(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        outbox.enqueue(connection, key="1:r:1", channel="c", payload="{}", now=T0)
    sent: list[str] = []
    assert outbox.deliver_due(engine, lambda n: sent.append(n.idempotency_key), now=T0).sent == 1
    assert outbox.deliver_due(engine, lambda n: sent.append(n.idempotency_key), now=T0).sent == 0
    assert sent == ["1:r:1"]


def test_a_sigkill_between_commit_and_send_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    child = textwrap.dedent(
        f"""
        import os, signal
        from datetime import UTC, datetime
        import sqlalchemy as sa
        from slabridge.alerts import outbox
        from slabridge.sync import schema
        from slabridge.sync.store import open_store
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        engine = open_store({url!r}).engine
        with engine.begin() as connection:
            event_id = connection.execute(sa.insert(schema.sla_events).values(
                connector="zd", ticket_id="42", metric="first_reply", cycle=0,
                kind="breached", seq=0, at=now, recorded_at=now)).inserted_primary_key[0]
            outbox.enqueue(connection, key=outbox.idempotency_key(event_id, "lead", 2),
                           channel="slack", payload="{{}}", now=now)
        os.kill(os.getpid(), signal.SIGKILL)  # after commit, before any send
        """
    )
    done = subprocess.run([sys.executable, "-c", child], check=False)
    assert done.returncode == -signal.SIGKILL
    engine = open_store(url).engine
    sent: list[str] = []
    assert outbox.deliver_due(engine, lambda n: sent.append(n.idempotency_key), now=T0).sent == 1
    assert outbox.deliver_due(engine, lambda n: sent.append(n.idempotency_key), now=T0).sent == 0
    assert len(sent) == 1
    assert sent[0].endswith(":lead:2")


def test_a_second_worker_does_not_send_an_alert_another_is_sending(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        outbox.enqueue(connection, key="1:r:1", channel="c", payload="{}", now=T0)
    inner: list[outbox.DeliveryReport] = []

    def send(note: outbox.Notification) -> None:
        # While this send is in flight, another worker's pass finds the alert claimed.
        inner.append(outbox.deliver_due(engine, lambda n: None, now=T0))

    assert outbox.deliver_due(engine, send, now=T0).sent == 1
    assert inner == [outbox.DeliveryReport()]


def test_an_alert_whose_worker_died_mid_send_is_sent_once_its_claim_runs_out(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        outbox.enqueue(connection, key="1:r:1", channel="c", payload="{}", now=T0)

    def dies(note: outbox.Notification) -> None:
        raise KeyboardInterrupt  # the process stops mid-send: no outcome is written

    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_due(engine, dies, now=T0)
    sent: list[str] = []
    soon = T0 + outbox.CLAIM - timedelta(seconds=1)
    assert outbox.deliver_due(engine, lambda n: sent.append(n.idempotency_key), now=soon).sent == 0
    later = T0 + outbox.CLAIM
    assert outbox.deliver_due(engine, lambda n: sent.append(n.idempotency_key), now=later).sent == 1
    assert sent == ["1:r:1"]
