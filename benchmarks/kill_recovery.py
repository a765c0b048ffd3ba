"""Kill -9 recovery at size (issue #28): random SIGKILLs during ``slabridge sync`` on each fake.

Run: ``.venv/bin/python benchmarks/kill_recovery.py [--tickets 3000] [--kills 24] [--seed 28]
[--kinds zendesk,freshdesk,jira]``

Per fake: one uninterrupted run on the seeded tickets (synced until a run writes nothing), then
the same seed again where ``--kills`` syncs are each SIGKILLed at a random moment within the
uninterrupted first run's duration, then synced until nothing changes. The final helpdesk
state (tags, priority, due-at and breached fields) is compared ticket by ticket with the
uninterrupted run; printed: lost (never got their write-back), differing, ticket-changing writes
and priority write requests of both runs, and raises sent more than once. Exit 1 if any figure
differs. The test ``tests/sync/test_kill_recovery.py`` is the same check at CI size; this script
reuses its kit (``tests/sync/killkit.py``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from killkit import (  # the kit lives with the tests
    KINDS,
    Writes,
    build,
    compare,
    differences,
    helpdesk_state,
    kill_at_random_moments,
    run_until_nothing_changes,
)


def measure(kind: str, tickets: int, kills: int, seed: int, directory: Path) -> dict[str, Any]:
    started = time.monotonic()
    reference = build(kind, directory / "reference", tickets=tickets, seed=seed)
    try:
        initial = helpdesk_state(reference)
        first = time.monotonic()
        reference_runs = run_until_nothing_changes(reference, limit=10)
        span = time.monotonic() - first
        expected = helpdesk_state(reference)
        expected_writes = Writes.of(reference)
    finally:
        reference.fake.stop()

    crashing = build(kind, directory / "crashing", tickets=tickets, seed=seed)
    try:
        killed = kill_at_random_moments(crashing, random.Random(seed), kills, span)
        converge_runs = run_until_nothing_changes(crashing, limit=10)
        final = helpdesk_state(crashing)
        writes = Writes.of(crashing)
    finally:
        crashing.fake.stop()
    lost, differing = compare(initial, expected, final)
    return {
        "kind": kind,
        "tickets": tickets,
        "kills": kills,
        "killed_mid_run": killed,
        "seed": seed,
        "lost": lost,
        "differing": differing,
        "changed_writes": {"uninterrupted": expected_writes.changed, "killed": writes.changed},
        "priority_writes": {
            "uninterrupted": expected_writes.priority_total,
            "killed": writes.priority_total,
        },
        "raised_twice": len(writes.raised_twice),
        "runs": {"uninterrupted": reference_runs, "to_converge_after_kills": converge_runs},
        "uninterrupted_seconds": round(span, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "examples": differences(expected, final),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"--kinds: unknown {unknown}; choose from {KINDS}")
    print(f"# {platform.node()} python {platform.python_version()} {time.strftime('%F %T %Z')}")
    ok = True
    with tempfile.TemporaryDirectory() as directory:
        for kind in kinds:
            result = measure(kind, args.tickets, args.kills, args.seed, Path(directory) / kind)
            print(json.dumps(result), flush=True)
            ok = ok and (
                result["lost"] == result["differing"] == result["raised_twice"] == 0
                and result["changed_writes"]["uninterrupted"] == result["changed_writes"]["killed"]
                and result["priority_writes"]["uninterrupted"]
                == result["priority_writes"]["killed"]
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
