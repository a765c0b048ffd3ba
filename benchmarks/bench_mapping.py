"""Map real connector payloads: Jira ``map_issue`` and Zendesk ``events_from_audits`` per call.

Run: ``.venv/bin/python benchmarks/bench_mapping.py [--tickets 400] [--rounds 20]``. The fakes
serve bench_evaluate's typical tickets (replies, status and priority changes); one connector
read over each records the arguments of every mapping call (issues with their changelogs and
comments, ticket audits), then those calls are timed alone, best of ``--rounds``.

On a loaded machine count instructions instead of seconds: ``--save FILE`` stores the recorded
calls, ``--calls FILE`` replays them without the fakes, and the difference between a run with
``--rounds N`` and one with ``--rounds 0`` is the mapping's own cost::

    valgrind --tool=callgrind --callgrind-out-file=/tmp/m.out \\
        .venv/bin/python benchmarks/bench_mapping.py --calls /tmp/calls.pickle --rounds 5
    callgrind_annotate /tmp/m.out | head

Figures go into docs/benchmarks.md, section "Mapping".
"""

from __future__ import annotations

import argparse
import logging
import pickle
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import slabridge_jira.connector as jira_connector
import slabridge_zendesk.connector as zendesk_connector
import structlog
from bench_evaluate import typical_ticket
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira
from slabridge_jira.mapping import map_issue
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from slabridge_zendesk.mapping import events_from_audits

from slabridge.sla.ticket import Ticket, parse_ticket

Calls = dict[str, list[tuple[Any, ...]]]
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jira map_issue": map_issue,
    "zendesk events_from_audits": events_from_audits,
}


def tickets(count: int) -> list[Ticket]:
    """bench_evaluate's typical tickets, ending before the fakes' clock."""
    rng = random.Random(7)
    return [parse_ticket(typical_ticket(rng, number)) for number in range(count)]


@contextmanager
def recording(module: Any, name: str, into: list[tuple[Any, ...]]) -> Iterator[None]:
    """Record the arguments of every call of ``module.name`` (the call still happens)."""
    real = getattr(module, name)

    def record(*args: Any) -> Any:
        into.append(args)
        return real(*args)

    with mock.patch.object(module, name, record):
        yield


def record_jira(loaded: list[Ticket], now: datetime) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    with FakeJira(clock=lambda: now) as fake:
        for ticket in loaded:
            fake.load_normalized(ticket)
        connector = JiraConnector("jira-bench", fake.connector_config(), sleep=lambda _: None)
        with recording(jira_connector, "map_issue", calls):
            for _ in connector.read(None):
                pass
        connector.close()
    return calls


def record_zendesk(loaded: list[Ticket], now: datetime) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    fake = FakeZendesk(account_per_minute=1_000_000_000)
    fake.clock = lambda: now
    fake.start()
    try:
        for ticket in loaded:
            fake.load_normalized(ticket)
        config = ZendeskConfig.model_validate(fake.connector_config())
        connector = ZendeskConnector(
            "zendesk-bench", config, sleep=lambda _: None, clock=fake.clock
        )
        with recording(zendesk_connector, "events_from_audits", calls):
            for _ in connector.read(None):
                pass
        connector.close()
    finally:
        fake.stop()
    return calls


def record(count: int) -> Calls:
    loaded = tickets(count)
    now = max(ticket.updated_at for ticket in loaded) + timedelta(hours=1)
    return {
        "jira map_issue": record_jira(loaded, now),
        "zendesk events_from_audits": record_zendesk(loaded, now),
    }


def best_microseconds(
    function: Callable[..., Any], calls: list[tuple[Any, ...]], rounds: int
) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for args in calls:
            function(*args)
        best = min(best, time.perf_counter() - started)
    return best / len(calls) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", choices=["jira", "zendesk"], help="time one function only")
    parser.add_argument("--save", type=Path, help="store the recorded calls (pickle)")
    parser.add_argument("--calls", type=Path, help="replay calls stored by --save")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    # Only files this script wrote with --save are read back.
    calls: Calls = pickle.loads(args.calls.read_bytes()) if args.calls else record(args.tickets)
    if args.save:
        args.save.write_bytes(pickle.dumps(calls))
    for name, recorded in calls.items():
        if args.only and not name.startswith(args.only):
            continue
        if args.rounds < 1:
            print(f"{name}: {len(recorded)} calls (not timed)")
            continue
        micro = best_microseconds(FUNCTIONS[name], recorded, args.rounds)
        print(f"{name}: {len(recorded)} calls, {micro:.1f} µs per call (best of {args.rounds})")


if __name__ == "__main__":
    main()
