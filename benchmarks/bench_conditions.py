"""Evaluate throughput with pause conditions: bench_evaluate's tickets, with and without them.

Run: ``.venv/bin/python benchmarks/bench_conditions.py [--tickets 30000]``. The same typical
tickets are evaluated under bench_evaluate's policy file, then with ``pause_when`` on every
policy's resolution and two tag events per ticket (the tag on 30 minutes after creation, off an
hour later). Figures go into docs/benchmarks.md, section "Pause and stop conditions".
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from typing import Any

from bench_evaluate import CONFIG, NOW, _iso, typical_ticket

from slabridge.config import load_config_text
from slabridge.sla.evaluate import evaluate
from slabridge.sla.ticket import Ticket, parse_ticket

PAUSE = "pause_when: [{tag: waiting_vendor}, {field: waiting_on, equals: vendor}]"


def with_conditions(config: str) -> str:
    """The policy file with ``pause_when`` on each policy's default resolution target."""
    for within in ("1d", "3d", "5d"):
        config = config.replace(
            f"resolution: {within}}}", f"resolution: {{within: {within}, {PAUSE}}}}}"
        )
    assert config.count("pause_when") == 3
    return config


def tagged(data: dict[str, Any]) -> dict[str, Any]:
    created = datetime.fromisoformat(data["created_at"])
    extra = [
        {"at": _iso(created + timedelta(minutes=30)), "type": "tags", "added": ["waiting_vendor"]},
        {
            "at": _iso(created + timedelta(minutes=90)),
            "type": "tags",
            "removed": ["waiting_vendor"],
        },
    ]
    return dict(data, events=sorted([*data["events"], *extra], key=lambda e: e["at"]))


def best_rate(tickets: list[Ticket], config: str, runs: int = 3) -> float:
    policies = load_config_text(config).policy_set
    best = 0.0
    for _ in range(runs):
        start = time.process_time()
        for ticket in tickets:
            evaluate(ticket, policies, NOW)
        best = max(best, len(tickets) / (time.process_time() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=30_000)
    args = parser.parse_args()
    rng = random.Random(7)
    raw = [typical_ticket(rng, n) for n in range(args.tickets)]
    plain = [parse_ticket(data) for data in raw]
    conditioned = [parse_ticket(tagged(data)) for data in raw]
    print(f"no conditions: {best_rate(plain, CONFIG):,.0f} tickets/s")
    print(
        f"no conditions, tickets with 2 tag events: {best_rate(conditioned, CONFIG):,.0f} tickets/s"
    )
    rate = best_rate(conditioned, with_conditions(CONFIG))
    print(f"pause_when, tickets with 2 tag events: {rate:,.0f} tickets/s")


if __name__ == "__main__":
    main()
