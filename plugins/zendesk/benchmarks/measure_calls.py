"""Measure the API calls a Zendesk sync costs, against FakeZendesk (figures for the docs).

Run: ``.venv/bin/python plugins/zendesk/benchmarks/measure_calls.py [N ...]``
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk

from slabridge.connectors.base import ChangeSet, Checkpoint
from slabridge.sla.ticket import Ticket, parse_ticket

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _ticket(index: int, at: datetime) -> Ticket:
    return parse_ticket(
        {
            "id": str(index),
            "created_at": at.isoformat(),
            "updated_at": (at + timedelta(minutes=30)).isoformat(),
            "status": "open",
            "priority": "normal",
            "tags": ["vip"],
            "customer": {
                "id": f"org-{index % 7}",
                "name": "Acme",
                "tier": "gold",
                "region": "emea",
            },
            "events": [
                {"at": at.isoformat(), "type": "status", "status": "new"},
                {
                    "at": (at + timedelta(minutes=10)).isoformat(),
                    "type": "reply",
                    "author": "agent",
                },
                {
                    "at": (at + timedelta(minutes=10)).isoformat(),
                    "type": "status",
                    "status": "pending",
                },
                {
                    "at": (at + timedelta(minutes=20)).isoformat(),
                    "type": "reply",
                    "author": "customer",
                },
                {
                    "at": (at + timedelta(minutes=20)).isoformat(),
                    "type": "status",
                    "status": "open",
                },
            ],
        }
    )


def _last_cursor(items: list[Any]) -> str:
    checkpoints = [item for item in items if isinstance(item, Checkpoint)]
    return checkpoints[-1].cursor


def _kinds(fake: FakeZendesk, since: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for call in fake.calls[since:]:
        path = call.request.path
        if "/incremental/tickets/cursor" in path:
            counts["export"] += 1
        elif "/incremental/ticket_events" in path:
            counts["ticket_events"] += 1
        elif path.endswith("/audits.json"):
            counts["audits"] += 1
        elif "update_many" in path:
            counts["update_many"] += 1
        elif "job_statuses" in path:
            counts["job_status"] += 1
        elif path.endswith("/tags.json"):
            counts["tags"] += 1
        elif "show_many" in path:
            counts["show_many"] += 1
        else:
            counts[f"{call.request.method} ticket"] += 1
    counts["total"] = sum(counts.values())
    return dict(counts)


def measure(n: int) -> dict[str, Any]:
    clock = Clock()
    with FakeZendesk(account_per_minute=10**9) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        ids = [
            fake.load_normalized(_ticket(i, START - timedelta(days=2, minutes=i))) for i in range(n)
        ]
        clock.now = START + timedelta(minutes=5)

        def connector(**overrides: Any) -> ZendeskConnector:
            config = ZendeskConfig.model_validate(fake.connector_config(**overrides))
            return ZendeskConnector("bench", config, sleep=lambda _s: None, clock=clock)

        figures: dict[str, Any] = {"n": n}
        auto = connector()
        began, mark = time.perf_counter(), len(fake.calls)
        cursor = _last_cursor(list(auto.read(None)))
        figures["first sync (auto)"] = _kinds(fake, mark)
        figures["first sync seconds"] = round(time.perf_counter() - began, 2)

        mark = len(fake.calls)
        list(connector(history="audits").read(None))
        figures["first sync (audits)"] = _kinds(fake, mark)

        for ticket_id in ids:  # every ticket gets a reply and a status change, 1 s apart
            clock.now += timedelta(seconds=1)
            fake.agent_edit(ticket_id, status="pending", comment={"public": True})
        clock.now += timedelta(minutes=5)
        mark = len(fake.calls)
        list(auto.read(cursor))
        figures["N old tickets changed"] = _kinds(fake, mark)

        second = connector()
        cursor2 = _last_cursor(list(second.read(None)))
        base = clock.now
        for i in range(n):
            fake.load_normalized(_ticket(10_000 + i, base + timedelta(seconds=i)))
        clock.now = base + timedelta(seconds=n, minutes=32)
        mark = len(fake.calls)
        list(second.read(cursor2))
        figures["N new tickets"] = _kinds(fake, mark)

        writer = connector()
        mark = len(fake.calls)
        writer.apply(
            [
                ChangeSet(
                    i, add_tags=frozenset({"sla_breached"}), remove_tags=frozenset({"sla_at_risk"})
                )
                for i in ids
            ]
        )
        figures["tags on N tickets"] = _kinds(fake, mark)
        mark = len(fake.calls)
        writer.apply([ChangeSet(i, priority="urgent", fields={"360008888": True}) for i in ids])
        figures["priority+field on N tickets"] = _kinds(fake, mark)

        return figures


def measure_readback(n: int) -> dict[str, Any]:
    """Our own tag writes on N old tickets read back: by the connector that read and wrote
    them (as in ``slabridge run``, with its cache) and by a new one (a new ``slabridge sync``)."""
    clock = Clock()
    with FakeZendesk(account_per_minute=10**9) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = clock
        ids = [
            fake.load_normalized(_ticket(i, START - timedelta(days=2, minutes=i))) for i in range(n)
        ]
        clock.now = START + timedelta(minutes=5)

        def connector() -> ZendeskConnector:
            config = ZendeskConfig.model_validate(fake.connector_config())
            return ZendeskConnector("bench", config, sleep=lambda _s: None, clock=clock)

        runner = connector()
        cursor = _last_cursor(list(runner.read(None)))
        for start in range(0, n, 100):  # Zendesk runs bulk jobs over time, not in one second
            chunk = ids[start : start + 100]
            runner.apply([ChangeSet(i, add_tags=frozenset({"sla_policy_gold"})) for i in chunk])
            clock.now += timedelta(seconds=1)
        clock.now += timedelta(minutes=2)
        figures: dict[str, Any] = {"n": n}
        mark = len(fake.calls)
        list(runner.read(cursor))
        figures["own writes read back (same connector)"] = _kinds(fake, mark)
        mark = len(fake.calls)
        list(connector().read(cursor))
        figures["own writes read back (new connector)"] = _kinds(fake, mark)
        return figures


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:]] or [1, 10, 100, 1000]
    for size in sizes:
        for key, value in [*measure(size).items(), *measure_readback(size).items()]:
            print(f"{key}: {value}")
        print()
