"""Jira connector against FakeJira: API calls and wall time of a sync's reads and writes.

Run: ``.venv/bin/python plugins/jira/benchmarks/bench_jira_read.py [issues] [--data-center]``
(default 1000 issues, Jira Cloud; ``--data-center`` runs against FakeJiraDataCenter). The
figures in docs/connectors/jira.md ("API calls a sync costs") come from this script.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime, timedelta

import structlog
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira
from slabridge_jira.fake_dc import FakeJiraDataCenter

from slabridge.connectors.base import ChangeSet, Checkpoint


def main(count: int, data_center: bool = False) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    now = [datetime(2025, 3, 10, 9, tzinfo=UTC)]
    kind = FakeJiraDataCenter if data_center else FakeJira
    with kind(clock=lambda: now[0]) as fake:
        for _ in range(count):
            now[0] += timedelta(seconds=30)
            issue = fake.create_issue()
            fake.add_comment(issue, author="customer")
            fake.transition(issue, "In Progress")
        connector = JiraConnector("bench", fake.connector_config())

        def measure(label: str, action: object) -> object:
            calls, started = connector.api_calls(), time.perf_counter()
            result = action() if callable(action) else None
            elapsed = time.perf_counter() - started
            print(f"{label:<34} {connector.api_calls() - calls:>6} calls {elapsed:>8.3f} s")
            return result

        items = measure(f"full read of {count}", lambda: list(connector.read(None)))
        assert isinstance(items, list)
        cursor = [item for item in items if isinstance(item, Checkpoint)][-1].cursor
        measure("incremental read, nothing changed", lambda: list(connector.read(cursor)))
        now[0] += timedelta(minutes=10)
        for issue in list(fake.issues)[:10]:
            fake.add_comment(issue, author="agent")
        measure("incremental read, 10 changed", lambda: list(connector.read(cursor)))
        ids = list(fake.issues)[:250]
        measure("fetch 250", lambda: list(connector.fetch(ids)))
        changes = [ChangeSet(i, add_tags=frozenset({"sla_breached"})) for i in ids[:50]]
        measure("apply 50 change sets", lambda: connector.apply(changes))
        connector.close()


if __name__ == "__main__":
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    main(int(numbers[0]) if numbers else 1000, data_center="--data-center" in sys.argv[1:])
