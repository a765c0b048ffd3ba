"""Report benchmark: 1M outcome records through the computation layer, plus the store path.

Run: ``.venv/bin/python benchmarks/bench_report.py [--outcomes 1000000] [--store 200000]
[--tickets 20000]``. Prints one line per measurement; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from slabridge.config import load_config_text
from slabridge.report.compute import build_report
from slabridge.report.history import unevaluated_snapshots
from slabridge.report.html import render_html
from slabridge.report.models import validate_credits, validate_goals
from slabridge.report.outcomes import Outcome, OutcomeStatus, TicketFacts
from slabridge.report.periods import parse_period
from slabridge.report.review import review_of_tickets
from slabridge.report.review_source import tickets_updated_since
from slabridge.report.sources import SourceTicket, replay, stored_outcomes
from slabridge.report.tabular import render_csv, render_json
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import parse_ticket
from slabridge.sync import schema
from slabridge.sync.store import StateStore, open_store

PERIOD = parse_period("2026-Q4")
TIERS = ("enterprise", "pro", "free")
PRODUCTS = ("payments", "api", "web", "mobile", "billing")
GOALS, _ = validate_goals(
    [
        {"metric": "first_response", "share": "90%"},
        {"metric": "resolution", "share": "80%", "within": "2d", "period": "month"},
        {
            "metric": "first_response",
            "share": "95%",
            "scope": {"tier": "enterprise"},
            "period": "week",
        },
    ]
)
CREDITS, _ = validate_credits(
    {
        "tiers": {
            "enterprise": {
                "schedule": [
                    {"below": "99%", "credit": "5%"},
                    {"below": "95%", "credit": "10%"},
                    {"below": "90%", "credit": "25%"},
                ],
                "cap": "20%",
            },
            "pro": {"schedule": [{"below": "95%", "credit": "5%"}]},
        }
    }
)
POLICY = """\
version: 1
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: ["09:00-12:00", "13:00-17:00"]}
policies:
  - name: standard
    calendar: office
    targets:
      urgent: {first_response: 30m, resolution: 4h}
      default: {first_response: 4h, next_response: 8h, resolution: 3d}
"""


def synthetic_outcomes(count: int, seed: int = 7) -> Iterator[Outcome]:
    """`count` outcome records (first response and resolution of count/2 tickets) in Q4 2026."""
    rng = random.Random(seed)
    customers = [
        TicketFacts(
            connector=f"zendesk-{i % 3}",
            ticket_id="",
            customer_id=f"org-{i}",
            customer_name=f"Customer {i}",
            tier=TIERS[i % 3],
        )
        for i in range(2000)
    ]
    span = int((PERIOD.end - PERIOD.start).total_seconds())
    for n in range(count // 2):
        base = customers[rng.randrange(len(customers))]
        facts = TicketFacts(
            connector=base.connector,
            ticket_id=str(n),
            customer_id=base.customer_id,
            customer_name=base.customer_name,
            tier=base.tier,
            product=PRODUCTS[n % len(PRODUCTS)],
            priority="normal",
        )
        start = PERIOD.start + timedelta(seconds=rng.randrange(span))
        first = int(rng.expovariate(1 / 5000))
        yield Outcome(
            facts,
            "first_response",
            "achieved" if first <= 14400 else "breached",
            start,
            start + timedelta(seconds=first),
            None,
            first,
            14400,
        )
        resolution = int(rng.expovariate(1 / 90000))
        running = rng.random() < 0.05
        status: OutcomeStatus = (
            "open" if running else ("achieved" if resolution <= 86400 else "breached")
        )
        yield Outcome(
            facts,
            "resolution",
            status,
            start,
            None if running else start + timedelta(seconds=resolution),
            None,
            resolution,
            86400,
        )


def timed(label: str, started: float, extra: str = "") -> float:
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s{extra}")
    return elapsed


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_compute(count: int) -> None:
    started = time.perf_counter()
    records = list(synthetic_outcomes(count))
    timed(f"generate {len(records):,} outcome records", started)
    started = time.perf_counter()
    report = build_report(records, PERIOD, goals=GOALS, credits=CREDITS)
    seconds = timed(
        "build_report, no grouping, 3 goals, credits",
        started,
        f" ({len(records) / (time.perf_counter() - started):,.0f} records/s)",
    )
    started = time.perf_counter()
    report = build_report(records, PERIOD, by=("tier", "product"), goals=GOALS, credits=CREDITS)
    timed("build_report --by tier,product, 3 goals, credits", started)
    for name, render in (("html", render_html), ("csv", render_csv), ("json", render_json)):
        started = time.perf_counter()
        text = render(report)
        timed(f"render {name}", started, f" ({len(text) / 1024:.0f} KiB)")
    print(f"peak RSS after compute: {peak_mb():.0f} MiB ({seconds:.2f} s for {count:,} records)")


def bench_store(evaluations: int) -> None:
    """`evaluations` rows (2 per ticket, a running then a final one) in SQLite, then a report."""
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'state.db'}")
        started = time.perf_counter()
        records = synthetic_outcomes(evaluations)
        batch_tickets: list[dict[str, object]] = []
        batch_evaluations: list[dict[str, object]] = []
        for first in records:
            resolution = next(records)
            facts = first.facts
            ticket = {
                "id": facts.ticket_id,
                "source": "zendesk",
                "status": "solved",
                "created_at": first.started_at.isoformat(),
                "product": facts.product,
                "customer": {
                    "id": facts.customer_id,
                    "name": facts.customer_name,
                    "tier": facts.tier,
                },
            }
            result = {
                "ticket": facts.ticket_id,
                "policy": "standard",
                "metrics": {
                    name: {
                        "cycles": [
                            {
                                "status": o.status if o.status != "open" else "active",
                                "target_seconds": o.target_seconds,
                                "started_at": _ts(o.started_at),
                                "stopped_at": _ts(o.stopped_at),
                                "due_at": None,
                                "elapsed_seconds": o.elapsed_seconds,
                            }
                        ]
                    }
                    for name, o in (("first_response", first), ("resolution", resolution))
                },
            }
            moment = first.started_at + timedelta(minutes=1)
            batch_tickets.append(
                {
                    "connector": facts.connector,
                    "ticket_id": facts.ticket_id,
                    "snapshot_json": json.dumps(ticket),
                    "policy": "standard",
                    "is_open": False,
                    "next_instant": None,
                    "breached": False,
                    "at_risk": False,
                    "updated_at": moment,
                    "evaluated_at": moment,
                    "digest": "x",
                }
            )
            for offset in (0, 1):
                batch_evaluations.append(
                    {
                        "connector": facts.connector,
                        "ticket_id": facts.ticket_id,
                        "evaluated_at": moment + timedelta(seconds=offset),
                        "policy": "standard",
                        "breached": False,
                        "at_risk": False,
                        "result_json": json.dumps(result),
                    }
                )
            if len(batch_evaluations) >= 20000:
                _flush(store, batch_tickets, batch_evaluations)
        _flush(store, batch_tickets, batch_evaluations)
        timed(f"build a SQLite store with {evaluations:,} evaluations", started)
        started = time.perf_counter()
        outcomes = list(stored_outcomes(store, PERIOD.start, PERIOD.end))
        timed(f"read the latest evaluation per ticket -> {len(outcomes):,} outcomes", started)
        print(f"peak RSS after reading the store: {peak_mb():.0f} MiB")
        started = time.perf_counter()
        left = sum(1 for _ in unevaluated_snapshots(store, PERIOD.start, PERIOD.end))
        timed(f"find the snapshots no evaluation covers (to replay) -> {left:,}", started)
        started = time.perf_counter()
        report = build_report(outcomes, PERIOD, by=("tier",), goals=GOALS, credits=CREDITS)
        timed("build_report from the store's outcomes", started)
        started = time.perf_counter()
        config = load_config_text(POLICY)
        review = review_of_tickets(
            tickets_updated_since(store, PERIOD.start), config.policy_set, report
        )
        timed(f"review figures from the snapshots -> {len(review.customers):,} customers", started)
        store.close()


def _flush(
    store: StateStore, tickets: list[dict[str, object]], evaluations: list[dict[str, object]]
) -> None:
    if not tickets:
        return
    with store.begin() as connection:
        # A plain bulk insert: the store's save_tickets upserts one row at a time.
        connection.execute(sa.insert(schema.tickets), tickets)
        store.add_evaluations(connection, evaluations)
    tickets.clear()
    evaluations.clear()


def _ts(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bench_tickets(count: int) -> None:
    """The `--tickets FILE` path: the engine evaluates every ticket as of the period end."""
    config = load_config_text(POLICY)
    rng = random.Random(3)
    tickets = []
    for n in range(count):
        created = PERIOD.start + timedelta(seconds=rng.randrange(80 * 86400))
        reply = created + timedelta(seconds=int(rng.expovariate(1 / 20000)))
        solved = reply + timedelta(seconds=int(rng.expovariate(1 / 200000)))
        tickets.append(
            SourceTicket(
                parse_ticket(
                    {
                        "id": str(n),
                        "source": "zendesk",
                        "created_at": _ts(created),
                        "status": "solved",
                        "priority": "urgent" if n % 10 == 0 else "normal",
                        "product": PRODUCTS[n % 5],
                        "customer": {"id": f"org-{n % 300}", "tier": TIERS[n % 3]},
                        "events": [
                            {"at": _ts(reply), "type": "reply", "author": "agent", "public": True},
                            {"at": _ts(solved), "type": "status", "status": "solved"},
                        ],
                    }
                )
            )
        )
    started = time.perf_counter()
    outcomes = list(
        replay(tickets, lambda t, now: evaluate(t, config, now), PERIOD.start, PERIOD.end)
    )
    timed(
        f"evaluate {count:,} tickets as of the period end -> {len(outcomes):,} outcomes",
        started,
        f" ({count / (time.perf_counter() - started):,.0f} tickets/s)",
    )
    # The review sections (time in status, the customer's side) read the same tickets' events.
    report = build_report(outcomes, PERIOD, as_of=PERIOD.end)
    started = time.perf_counter()
    review = review_of_tickets(tickets, config.policy_set, report)
    timed(
        f"review figures of {count:,} tickets -> {len(review.customers):,} customers",
        started,
        f" ({count / (time.perf_counter() - started):,.0f} tickets/s)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--store", type=int, default=200_000, help="evaluations in the store")
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets for the engine path")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    if args.outcomes:
        bench_compute(args.outcomes)
    if args.store:
        bench_store(args.store)
    if args.tickets:
        bench_tickets(args.tickets)


if __name__ == "__main__":
    main()
