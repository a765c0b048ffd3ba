"""The webhook queue: one entry per waiting ticket, and every accepted webhook accounted for."""

from __future__ import annotations

from slabridge.serve.queue import WebhookQueue


def test_a_ticket_already_waiting_is_deduplicated_and_one_being_read_waits_again() -> None:
    queue = WebhookQueue(max_pending=10)
    assert queue.offer("zd", "1") == "queued"
    assert queue.offer("zd", "1") == "deduplicated"
    assert queue.offer("jr", "1") == "queued"  # another helpdesk's ticket 1
    taken = queue.take(0)
    assert taken == {"zd": {"1": 0}, "jr": {"1": 0}}
    # Being read: a new webhook may report a change the read missed.
    assert queue.offer("zd", "1") == "queued"
    queue.processed(2)
    counts = queue.counts()
    assert (counts.accepted, counts.deduplicated, counts.processed, counts.pending) == (4, 1, 2, 1)


def test_a_full_queue_refuses_and_a_retried_batch_merges_with_newer_webhooks() -> None:
    queue = WebhookQueue(max_pending=1)
    assert queue.offer("zd", "1") == "queued"
    assert queue.offer("zd", "2") == "full"
    taken = queue.take(0)["zd"]
    assert queue.offer("zd", "1") == "queued"
    queue.retry("zd", {ticket: tries + 1 for ticket, tries in taken.items()})
    counts = queue.counts()
    assert counts.refused_full == 1
    assert (
        counts.accepted == counts.deduplicated + counts.processed + counts.failed + counts.pending
    )
    assert queue.take(0) == {"zd": {"1": 0}}
    queue.failed(1)
    assert queue.wait_idle(0)
    assert queue.counts().failed == 1
