"""The state store on PostgreSQL: the same behaviour as SQLite, and workers sharing connectors."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import test_own_writes
import test_sync_alerts as test_alerts
import test_syncer as test_engine
from synckit import T0, MemoryConnector, first_response_evaluator

from slabridge.connectors.base import ReadItem
from slabridge.sync.migrations import SCHEMA_VERSION, current_version
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.runtime import Runtime, sync_all
from slabridge.sync.store import StateStore, open_store

SCENARIOS: list[Callable[[StateStore, MemoryConnector], None]] = [
    test_engine.test_first_sync_tags_breached_and_at_risk_tickets_and_keeps_other_tags,
    test_engine.test_a_second_sync_right_after_the_first_writes_nothing,
    test_engine.test_an_untouched_ticket_gets_its_breach_tag_once_its_due_time_passes,
    test_engine.test_a_rejected_write_is_parked_with_its_reason_and_the_run_reports_failure,
    test_engine.test_writes_queued_before_a_crash_are_sent_by_the_next_run,
    test_engine.test_escalation_raises_priority_once_per_breach_and_does_not_fight_an_agent,
    test_engine.test_sla_events_and_evaluations_are_recorded_once_per_change,
    test_engine.test_a_second_sync_of_the_same_connector_is_refused_while_one_holds_the_lease,
    test_own_writes.test_the_sync_marks_its_own_escalation_before_evaluating,
    test_own_writes.test_a_raise_applied_without_its_answer_reaching_the_sync_is_still_its_own,
    test_alerts.test_an_escalation_chain_fires_each_level_once_and_by_the_clock_alone,
    test_alerts.test_a_digest_makes_one_message_per_channel_rule_and_level_in_a_run,
    test_alerts.test_quiet_hours_hold_a_page_until_the_calendar_opens_unless_urgent,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__[5:])
def test_engine_scenarios_behave_the_same_on_postgresql(
    pg_store: StateStore, scenario: Callable[[StateStore, MemoryConnector], None]
) -> None:
    assert pg_store.dialect == "postgresql"
    scenario(pg_store, MemoryConnector())


def test_migrations_are_recorded_and_reopening_is_a_no_op(pg_store: StateStore) -> None:
    url = pg_store.engine.url.render_as_string(hide_password=False)
    again = open_store(url)
    with again.engine.connect() as connection:
        assert current_version(connection) == SCHEMA_VERSION
    again.close()


class SlowConnector(MemoryConnector):
    """Reads slowly and records who synced it and whether two syncs ever overlapped."""

    def __init__(self, instance: str, log: list[tuple[str, str]], overlaps: list[str]) -> None:
        super().__init__(instance)
        self.log = log
        self.overlaps = overlaps
        self.active = 0
        self.worker = ""
        self.add(f"{instance}-1")

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        self.active += 1
        if self.active > 1:
            self.overlaps.append(self.instance)
        self.log.append((self.instance, threading.current_thread().name))
        time.sleep(0.15)
        yield from super().read(cursor)
        self.active -= 1


def test_two_workers_on_one_database_split_the_connectors_without_overlap(
    pg_store: StateStore,
) -> None:
    url = pg_store.engine.url.render_as_string(hide_password=False)
    log: list[tuple[str, str]] = []
    overlaps: list[str] = []
    names = [f"helpdesk-{n}" for n in range(6)]
    connectors = {name: SlowConnector(name, log, overlaps) for name in names}
    settings = {name: WriteBackSettings(policy_tag="sla_{policy}") for name in names}
    skipped: dict[str, list[str]] = {"worker-a": [], "worker-b": []}

    barrier = threading.Barrier(2)

    def worker() -> None:
        me = threading.current_thread().name
        store = open_store(url)  # each worker has its own connections, as on two machines
        barrier.wait()  # both start their round together, as two cron-started workers would
        runtime = Runtime(None, store, dict(connectors), settings, first_response_evaluator)
        outcome = sync_all(runtime, now=T0, owner=me)
        skipped[me] = [error.connector for error in outcome.locked]
        store.close()

    threads = [threading.Thread(target=worker, name=n) for n in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    by_worker: dict[str, set[str]] = {"worker-a": set(), "worker-b": set()}
    for connector, worker_name in log:
        by_worker[worker_name].add(connector)
    assert overlaps == []
    assert by_worker["worker-a"] and by_worker["worker-b"], by_worker
    assert by_worker["worker-a"].isdisjoint(by_worker["worker-b"])
    assert by_worker["worker-a"] | by_worker["worker-b"] == set(names)
    assert all("sla_standard" in c.tickets[f"{n}-1"].tags for n, c in connectors.items())


def test_a_lease_is_exclusive_until_it_expires(pg_store: StateStore) -> None:
    assert pg_store.acquire_lease("zd", "a", timedelta(seconds=30))
    assert not pg_store.acquire_lease("zd", "b", timedelta(seconds=30))
    assert pg_store.acquire_lease("zd", "a", timedelta(seconds=30))  # renewal by the holder
    pg_store.release_lease("zd", "a")
    assert pg_store.acquire_lease("zd", "b", timedelta(seconds=-1))  # b dies at once
    assert pg_store.acquire_lease("zd", "c", timedelta(seconds=30))
