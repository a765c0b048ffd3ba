"""A first read's estimate: the account's ticket count, as Zendesk documents it."""

from __future__ import annotations

from collections.abc import Callable

from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import Clock, seed

Connect = Callable[..., ZendeskConnector]


def test_a_first_read_is_estimated_by_the_tickets_count_endpoint(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 7)
    connector = connect()
    assert connector.estimate_changed(None) == 7
    assert [call.request.path for call in fake.calls][-1] == "/api/v2/tickets/count.json"


def test_a_read_from_a_cursor_has_no_estimate_and_costs_no_call(
    fake: FakeZendesk, clock: Clock, connect: Connect
) -> None:
    seed(fake, clock, 2)
    connector = connect()
    cursor = list(connector.read(None))[-1].cursor
    calls = len(fake.calls)
    assert connector.estimate_changed(cursor) is None
    assert len(fake.calls) == calls


def test_a_failing_count_gives_no_estimate_instead_of_an_error(
    fake: FakeZendesk, connect: Connect
) -> None:
    fake.inject("5xx", status=500, path=r"/tickets/count", times=10)
    assert connect().estimate_changed(None) is None
