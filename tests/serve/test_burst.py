"""A burst of 1,000 webhooks on loopback: every one answered and accounted for, none lost.

Twenty senders post at once, for tickets of three helpdesks, some of which the first sync never
saw (created after it): each must end up tracked and tagged. Nothing here is timed: the test
counts, after the queue has drained, that accepted = processed + deduplicated.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from fakekit import seed_tickets
from servekit import KINDS, serving, signed

BURST = 1000
SENDERS = 20


def test_a_burst_of_a_thousand_webhooks_is_held_without_loss(tmp_path: Path) -> None:
    with serving(tmp_path, KINDS, tickets=5) as served:
        late = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
        for kind in KINDS:  # tickets created after the first sync: only webhooks bring them in
            for ticket in seed_tickets(5, start=late):
                fresh = replace(ticket, id=f"{int(ticket.id) + 100}")
                served.ids[kind].append(served.fakes[kind].load_normalized(fresh))
        targets = [(kind, ticket) for kind in KINDS for ticket in served.ids[kind]]
        plan = [targets[number % len(targets)] for number in range(BURST)]
        url = served.url

        def send(chunk: list[tuple[str, str]]) -> list[int]:
            codes = []
            with requests.Session() as session:
                for kind, ticket in chunk:
                    body, headers = signed(kind, ticket)
                    answer = session.post(
                        f"{url}/webhooks/{kind}", data=body, headers=headers, timeout=60
                    )
                    codes.append(answer.status_code)
            return codes

        chunks = [plan[start::SENDERS] for start in range(SENDERS)]
        with ThreadPoolExecutor(SENDERS) as pool:
            codes = [code for chunk_codes in pool.map(send, chunks) for code in chunk_codes]
        assert codes.count(202) == BURST, {code: codes.count(code) for code in set(codes)}

        assert served.server.queue.wait_idle(300), served.counts()
        counts = served.counts()
        assert counts["accepted"] == BURST
        assert counts["processed"] + counts["deduplicated"] == BURST, counts
        assert counts["failed"] == counts["refused_full"] == counts["pending"] == 0, counts
        assert counts["processed"] >= len(targets)  # each ticket read at least once

        tracked = {(row.connector, row.ticket_id) for row in served.runtime.store.iter_tickets()}
        assert set(targets) <= tracked
        for kind, ticket in targets:
            assert "sla_policy_standard" in served.fakes[kind].tags(ticket), (kind, ticket)
