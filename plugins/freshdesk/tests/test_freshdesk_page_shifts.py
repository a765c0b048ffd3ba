"""Paging over a live list: edits during a read move tickets to the end, and none is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freshdesk_testkit import Clock
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.connectors.base import Checkpoint
from slabridge.sla.ticket import Ticket


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed(fake: FakeFreshdesk, clock: Clock, count: int) -> list[str]:
    base = clock() - timedelta(days=1)
    return [
        str(fake.add_ticket(created_at=stamp(base), updated_at=stamp(base + timedelta(minutes=i))))
        for i in range(count)
    ]


def read_editing_after_first_page(
    fake: FakeFreshdesk, connector: Any, edit: str, *, delete: str | None = None
) -> list[str]:
    seen: list[str] = []
    checkpoints = 0
    for item in connector.read(None):
        if isinstance(item, Ticket):
            seen.append(item.id)
        elif isinstance(item, Checkpoint):
            checkpoints += 1
            if checkpoints == 1:  # between page 1 and page 2, an agent edits a page-1 ticket
                fake.agent_edit(edit, priority="urgent")
                if delete is not None:
                    fake.delete(delete)
    return seen


def test_an_edit_after_page_one_does_not_shift_ticket_101_out_of_the_read(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ids = seed(fake, clock, 250)
    seen = read_editing_after_first_page(fake, make_connector(per_page=100), ids[0])
    assert set(seen) == set(ids)
    assert ids[100] in seen


def test_a_ticket_deleted_after_page_one_does_not_shift_another_out_of_the_read(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ids = seed(fake, clock, 250)
    seen = read_editing_after_first_page(fake, make_connector(per_page=100), ids[5], delete=ids[6])
    assert set(seen) == set(ids)  # the deleted ticket was read on page 1


def test_the_fake_moves_an_edited_ticket_to_the_end_of_the_list(
    fake: FakeFreshdesk, clock: Clock
) -> None:
    ids = seed(fake, clock, 3)
    fake.agent_edit(ids[0], priority="high")
    assert parse_order(fake) == [ids[1], ids[2], ids[0]]


def parse_order(fake: FakeFreshdesk) -> list[str]:
    live = sorted(fake.tickets.values(), key=lambda t: (t["updated_at"], t["id"]))
    return [str(t["id"]) for t in live]
