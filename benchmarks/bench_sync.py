"""Benchmark the sync on the fake Zendesk: API calls vs the minimum, time, memory, due re-checks.

Run: ``.venv/bin/python benchmarks/bench_sync.py [--tickets 100000] [--memory-sizes 5000,20000]``

Each sync runs as a real ``slabridge sync`` subprocess (so its peak RSS is its own), against the
fake Zendesk served over loopback HTTP by this process.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from slabridge_zendesk.fake import FakeZendesk

from slabridge.sla.ticket import Customer, Event, Ticket

SPREAD = timedelta(days=10)  # tickets were created over the ten days before "now"
START = datetime(2026, 3, 1, tzinfo=UTC)
POLICY: dict[str, Any] = {
    "version": 1,
    "calendars": {"always": {"timezone": "UTC", "hours": "24x7"}},
    "policies": [
        {
            "name": "standard",
            "calendar": "always",
            # Answered in time; resolution due after 30 days, at risk after 22.5 days.
            "targets": {"default": {"first_response": "1h", "resolution": "30d"}},
        }
    ],
    "actions": {
        "tags": {
            "breached": "sla_breached",
            "at_risk": "sla_at_risk",
            "policy": "sla_policy_{policy}",
        }
    },
}
# The child reports its own high-water RSS (VmHWM of the exec'd process, not of the fork).
_CHILD = (
    "import atexit, sys\n"
    "def _hwm():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('BENCH_VMHWM_KB=' + line.split()[1] + '\\n')\n"
    "atexit.register(_hwm)\n"
    "from slabridge.cli import main\n"
    "main()\n"
)
COMMAND = [sys.executable, "-c", _CHILD]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(fake: FakeZendesk, count: int) -> None:
    # The newest ticket was answered an hour before "now", so the first read sees them all.
    step = (SPREAD - timedelta(hours=1)) / count
    for number in range(count):
        created = START + step * number
        answered = created + timedelta(minutes=5)
        fake.load_normalized(
            Ticket(
                id=str(number),
                created_at=created,
                updated_at=answered,
                status="open",
                priority="normal",
                customer=Customer(id="org-1", name="Acme", tier="pro", region="emea"),
                events=(
                    Event(created, "status", status="open"),
                    Event(answered, "reply", author="agent"),
                ),
            )
        )


def categorize(path: str) -> str:
    for key in (
        "incremental/tickets",
        "ticket_events",
        "update_many",
        "job_statuses",
        "show_many",
        "audits",
        "users",
        "organizations",
    ):
        if key in path:
            return key
    return path


def run_sync(config: Path, now: datetime, fake: FakeZendesk) -> dict[str, Any]:
    before = len(fake.calls)
    started = time.perf_counter()
    result = subprocess.run(
        [*COMMAND, "sync", "--config", str(config), "--now", now.isoformat(), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    hwm = [line for line in result.stderr.splitlines() if line.startswith("BENCH_VMHWM_KB=")]
    if result.returncode != 0:
        raise SystemExit(f"sync failed ({result.returncode}): {result.stderr[-3000:]}")
    [summary] = json.loads(result.stdout)
    calls = Counter(categorize(call.request.path) for call in fake.calls[before:])
    return {
        "wall_seconds": round(wall, 2),
        "sync_seconds": summary["duration_seconds"],
        "peak_rss_mb": round(int(hwm[-1].split("=")[1]) / 1024, 1) if hwm else None,
        "summary": summary,
        "calls": dict(calls),
        "total_calls": sum(calls.values()),
    }


def minimum_calls(tickets: int, written: int, event_pages: int, per_page: int = 1000) -> int:
    """Full export pages, the ticket-event pages the histories fill (1000 events each, as
    observed), one update_many per 100 tickets written and one job poll each."""
    writes = math.ceil(written / 100)
    return max(1, math.ceil(tickets / per_page)) + event_pages + writes + writes


def scenario(count: int, workdir: Path) -> dict[str, Any]:
    clock = Clock(START + SPREAD)
    # No account rate limit: the benchmark measures slabridge, not Zendesk's quota (700/min).
    fake = FakeZendesk(account_per_minute=1_000_000_000)
    fake.clock = clock
    fake.start()
    try:
        seeded = time.perf_counter()
        seed(fake, count)
        seed_seconds = time.perf_counter() - seeded
        document = dict(POLICY)
        document["state"] = f"sqlite:///{workdir / f'state-{count}.db'}"
        document["connectors"] = {"zendesk": fake.connector_config()}
        config = workdir / f"slabridge-{count}.yaml"
        config.write_text(yaml.safe_dump(document, sort_keys=False))
        clock.now += timedelta(minutes=2)  # past the export's one-minute exclusion
        first = run_sync(config, clock.now, fake)
        clock.now += timedelta(minutes=2)
        readback = run_sync(config, clock.now, fake)  # our own writes come back as changes
        unchanged = run_sync(config, clock.now, fake)  # nothing changed at all
        # 1% of the tickets reach their at-risk instant (created 22.5 days before now).
        at_risk_from = START + timedelta(days=22.5)
        clock.now = at_risk_from + SPREAD * 0.01 + timedelta(minutes=6)
        due = run_sync(config, clock.now, fake)
        return {
            "tickets": count,
            "seed_seconds": round(seed_seconds, 1),
            "first": first,
            "first_minimum_calls": minimum_calls(
                count, first["summary"]["written"], first["calls"].get("ticket_events", 0)
            ),
            "readback": readback,
            "unchanged": unchanged,
            "due": due,
        }
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--memory-sizes", default="", help="extra sizes, e.g. 5000,10000")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.memory_sizes.split(",") if s} | {args.tickets})
    print(
        f"# {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for count in sizes:
            result = scenario(count, Path(tmp))
            print(json.dumps(result, indent=1, default=str))
            first = result["first"]
            print(
                f"tickets={count} first: {first['total_calls']} calls "
                f"(minimum {result['first_minimum_calls']}, "
                f"{first['total_calls'] / result['first_minimum_calls']:.2f}x) "
                f"{first['wall_seconds']}s rss={first['peak_rss_mb']}MB | readback: "
                f"{result['readback']['total_calls']} calls, "
                f"{result['readback']['summary']['written']} writes | unchanged: "
                f"{result['unchanged']['total_calls']} calls | due: "
                f"{result['due']['summary']['due_rechecked']} re-checked, "
                f"{result['due']['summary']['written']} written, "
                f"{result['due']['total_calls']} calls, {result['due']['wall_seconds']}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
