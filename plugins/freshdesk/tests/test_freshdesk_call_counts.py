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


def seed_account(
    fake: FakeFreshdesk, clock: Clock, count: int, companies: int, follow_ups: int
) -> list[str]:
    """``count`` tickets spread over ``companies`` companies, one group and one product, each
    answered once; the first ``follow_ups`` have a customer reply after that answer."""
    company_ids = [fake.add_company(f"Company {n}") for n in range(companies)]
    group, product = fake.add_group("emea"), fake.add_product("payments")
    start = clock() - timedelta(hours=6)
    ids = []
    for index in range(count):
        clock.advance(1)  # distinct updated_at, as in real traffic
        ticket_id = fake.add_ticket(
            company_id=company_ids[index % companies], group_id=group, product_id=product
        )
        fake.add_conversation(ticket_id, start + timedelta(hours=1), incoming=False)
        if index < follow_ups:
            fake.add_conversation(ticket_id, start + timedelta(hours=2), incoming=True)
        ids.append(str(ticket_id))
    return ids


def test_the_documented_figures_for_1000_tickets_50_companies_and_100_follow_ups(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    # docs/connectors/freshdesk.md, "API calls a sync costs", quotes these numbers.
    seed_account(fake, clock, count=1000, companies=50, follow_ups=100)
    measured = {}
    for mode in ("when_needed", "always", "never"):
        connector = make_connector(conversations=mode)
        tickets = [i for i in connector.read(None) if isinstance(i, Ticket)]
        assert len(tickets) == 1000
        measured[mode] = connector.api_calls()
    pages = len(fake.requests_to("GET", r"^/api/v2/tickets$")) // 3
    assert pages == 11  # ⌈1000/99⌉: each keyset page re-lists the ticket it resumes from
    assert measured == {
        "when_needed": 11 + 50 + 1 + 1 + 100,
        "always": 11 + 50 + 1 + 1 + 1000,
        "never": 11 + 50 + 1 + 1,
    }


def test_the_documented_figure_for_an_incremental_read_of_20_changed_tickets(
    fake: FakeFreshdesk, make_connector: Any, clock: Clock
) -> None:
    ids = seed_account(fake, clock, count=40, companies=40, follow_ups=0)
    connector = make_connector()
    cursor = [i for i in connector.read(None) if isinstance(i, Checkpoint)][-1].cursor
    start = clock()
    for index, ticket_id in enumerate(ids[:20]):
        clock.advance(1)
        fake.agent_edit(ticket_id, priority="high")
        if index < 2:  # the customer wrote again after the agent's answer
            fake.add_conversation(int(ticket_id), start + timedelta(hours=1), incoming=True)
    before = connector.api_calls()
    changed = [i for i in connector.read(cursor) if isinstance(i, Ticket)]
    assert len(changed) == 20
    # 1 list page + 20 companies + 1 groups + 1 products + 2 conversation lists
    assert connector.api_calls() - before == 25


def test_check_costs_four_calls_and_three_when_no_company_field_is_mapped(
    make_connector: Any,
) -> None:
    default = make_connector()  # the default tier rule reads company.account_tier
    assert default.check() == [] and default.api_calls() == 4
    no_company = make_connector(mapping={"tier": None})
    assert no_company.check() == [] and no_company.api_calls() == 3
