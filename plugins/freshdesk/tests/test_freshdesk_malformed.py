"""A wrong-shaped ticket from the API is skipped with a reason; the read goes on past it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freshdesk_testkit import Clock
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.connectors.base import Checkpoint, Skipped
from slabridge.sla.ticket import Ticket


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("key, value", [("company_id", [7]), ("group_id", {"id": 3})])
def test_a_ticket_with_a_wrong_typed_key_is_skipped_and_later_tickets_are_read(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock, key: str, value: Any
) -> None:
    created = _stamp(clock() - timedelta(days=1))
    bad = fake.load_payload(
        {
            "id": 99,
            "created_at": created,
            "updated_at": _stamp(clock() + timedelta(minutes=1)),
            key: value,
        }
    )
    good = fake.add_ticket(created_at=created, updated_at=_stamp(clock() + timedelta(minutes=2)))
    items = list(make_connector().read(None))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [item.ticket_id for item in skipped] == [str(bad)]
    assert key in skipped[0].reason or "malformed" in skipped[0].reason
    assert [t.id for t in items if isinstance(t, Ticket)] == [str(good)]
    assert isinstance(items[-1], Checkpoint)
