"""Evaluate throughput: typical tickets (3 metrics, ~8 events), in memory and as JSON lines.

Run: ``.venv/bin/python benchmarks/bench_evaluate.py [--sizes 100000 1000000] [--workers 2]``.
Figures go into docs/benchmarks.md, section "Evaluate".
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slabridge.config import load_config_text
from slabridge.sla.evaluate import evaluate, evaluate_json
from slabridge.sla.ticket import parse_ticket

CONFIG = """
version: 1
calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {mon-fri: ["09:00-12:00", "13:00-17:00"]}
    holidays: {country: DE, subdivision: BE}
  new_york: {timezone: America/New_York, hours: {mon-fri: "09:00-18:00"}}
  always: {timezone: UTC, hours: 24x7}
settings: {warn_at: 75%, reopen: resume}
policies:
  - name: enterprise
    match: {tier: enterprise}
    calendar: always
    targets:
      urgent: {first_response: 15m, next_response: 30m, resolution: 4h}
      default: {first_response: 1h, next_response: 2h, resolution: 1d}
  - name: regional
    match: {tier: [pro, business]}
    calendar: {by: customer.region, map: {amer: new_york, emea: berlin}, default: berlin}
    targets:
      default: {first_response: 4h, next_response: 8h, resolution: 3d}
  - name: standard
    calendar: berlin
    targets:
      default: {first_response: 8h, next_response: 1d, resolution: 5d}
"""
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def typical_ticket(rng: random.Random, number: int) -> dict[str, Any]:
    """About 8 events: created, agent reply, pending, customer reply, open, agent reply, ..."""
    created = NOW - timedelta(minutes=rng.randrange(60, 30 * 24 * 60))
    t = created
    events: list[dict[str, Any]] = [{"at": _iso(t), "type": "status", "status": "new"}]
    status = "new"
    plan = ["agent", "pending", "customer", "open", "agent", "customer", "agent", "solved"]
    for step in plan[: rng.randrange(4, len(plan) + 1)]:
        t += timedelta(minutes=rng.randrange(5, 600))
        if t >= NOW:
            break
        if step in ("agent", "customer"):
            events.append({"at": _iso(t), "type": "reply", "author": step, "public": True})
        else:
            status = step
            events.append({"at": _iso(t), "type": "status", "status": step})
    if rng.random() < 0.2:
        events.append(
            {"at": _iso(created + timedelta(minutes=3)), "type": "priority", "priority": "urgent"}
        )
        events.sort(key=lambda e: e["at"])
    return {
        "id": str(number),
        "source": "zendesk",
        "created_at": _iso(created),
        "updated_at": events[-1]["at"],
        "status": status,
        "priority": rng.choice(["low", "normal", "high", "urgent", None]),
        "type": "incident",
        "channel": "email",
        "tags": ["vip"] if rng.random() < 0.1 else [],
        "fields": {},
        "customer": {
            "id": f"org-{number % 500}",
            "tier": rng.choice(["enterprise", "pro", "business", "free"]),
            "region": rng.choice(["amer", "emea", "apac"]),
        },
        "events": events,
    }


def write_jsonl(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            out.write(json.dumps(typical_ticket(rng, number)) + "\n")


def bench_in_memory(count: int) -> dict[str, float]:
    policies = load_config_text(CONFIG).policy_set
    rng = random.Random(11)
    tickets = [parse_ticket(typical_ticket(rng, n)) for n in range(count)]
    for ticket in tickets[:2000]:  # warm the calendars' compiled years
        evaluate(ticket, policies, NOW)
    # The harness holds all tickets at once; freeze them so the cycle collector does not rescan
    # them while we time (a streaming run never holds more than a batch).
    gc.collect()
    gc.freeze()
    started = time.process_time()
    for ticket in tickets:
        evaluate(ticket, policies, NOW)
    evaluate_seconds = time.process_time() - started
    started = time.process_time()
    for ticket in tickets:
        evaluate(ticket, policies, NOW).to_json()
    with_json = time.process_time() - started
    started = time.process_time()
    for ticket in tickets:
        evaluate_json(ticket, policies, NOW)
    direct_json = time.process_time() - started
    return {
        "tickets": count,
        "evaluate_per_s": round(count / evaluate_seconds),
        "evaluate_and_to_json_per_s": round(count / with_json),
        "evaluate_json_per_s": round(count / direct_json),
    }


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KiB."""
    total = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return total


def bench_cli(path: Path, config: Path, workers: int) -> dict[str, float]:
    """End to end: ``slabridge evaluate`` on a JSON lines file, output to /dev/null.

    Peak memory is sampled every 50 ms as the summed RSS of the command and its workers
    (ru_maxrss would count the benchmark's own memory, which a forked child starts with).
    """
    script = Path(sys.executable).with_name("slabridge")
    lines = sum(1 for _ in path.open())
    load = os.getloadavg()[0]
    started = time.perf_counter()
    peak = 0
    with open(os.devnull, "w") as sink:
        process = subprocess.Popen(
            [str(script), "evaluate", "--config", str(config), "--ticket", str(path),
             "--now", _iso(NOW), "--workers", str(workers)],
            stdout=sink,
        )  # fmt: skip
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"slabridge evaluate failed with {process.returncode}")
    return {
        "workers": workers,
        "seconds": round(seconds, 1),
        "tickets_per_s": round(lines / seconds),
        "peak_rss_mb_all_processes": round(peak / 1024),
        "load_average_before": round(load, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--in-memory", type=int, default=100_000)
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}")  # fmt: skip
    print("in memory (parsed tickets, excluding JSON):", bench_in_memory(args.in_memory))
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "slabridge.yaml"
        config.write_text(CONFIG)
        for size in args.sizes:
            path = Path(folder) / f"tickets-{size}.jsonl"
            write_jsonl(path, size)
            mb = path.stat().st_size / 1e6
            for workers in args.workers:
                print(f"jsonl {size} tickets ({mb:.0f} MB):", bench_cli(path, config, workers))


if __name__ == "__main__":
    main()
