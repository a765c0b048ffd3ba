"""What a sync costs in Freshdesk API calls, measured against the fake (docs quote these)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freshdesk_testkit import Clock
from slabridge_freshdesk.fake import FakeFreshdesk

from slabridge.connectors.base import ChangeSet, Checkpoint
from slabridge.sla.ticket import Ticket


def seed(fake: FakeFreshdesk, clock: Clock, count: int, follow_ups: int) -> list[str]:
    company = fake.add_company("Acme", account_tier="enterprise")
    group, product = fake.add_group("emea"), fake.add_product("payments")
    ids = []
    start = clock() - timedelta(hours=6)
    for index in range(count):
        clock.advance(1)  # distinct updated_at, as in real traffic
        ticket_id = fake.add_ticket(company_id=company, group_id=group, product_id=product)
        fake.add_conversation(ticket_id, start + timedelta(hours=1), incoming=False)
        if index < follow_ups:  # the customer wrote again after the first agent reply
            fake.add_conversation(ticket_id, start + timedelta(hours=2), incoming=True)
        ids.append(str(ticket_id))
    return ids


def test_a_read_costs_pages_plus_lookups_plus_one_call_per_ticket_with_follow_ups(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    seed(fake, clock, count=25, follow_ups=5)
    connector = make_connector(per_page=10)
    items = list(connector.read(None))
    assert len([i for i in items if isinstance(i, Ticket)]) == 25
    # 3 list pages + 1 company + 1 groups + 1 products + 5 conversation lists
    assert connector.api_calls() == 3 + 1 + 1 + 1 + 5
    cursor = [i for i in items if isinstance(i, Checkpoint)][-1].cursor
    before = connector.api_calls()
    list(connector.read(cursor))
    assert connector.api_calls() - before == 1, "an idle incremental read is one call"


def test_write_back_costs_a_get_per_ticket_and_a_put_per_changed_ticket(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ids = seed(fake, clock, count=10, follow_ups=0)
    connector = make_connector()
    changes = [ChangeSet(i, add_tags=frozenset({"sla_breached"})) for i in ids]
    connector.apply(changes)
    assert connector.api_calls() == 20
    connector.apply(changes)
    assert connector.api_calls() == 30, "a repeated change costs only the GETs"
