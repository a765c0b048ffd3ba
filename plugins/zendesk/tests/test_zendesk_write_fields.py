"""``check`` verifies the ticket fields ``actions.fields`` writes: they exist, are on, fit."""

from __future__ import annotations

from collections.abc import Callable

from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk

Connect = Callable[..., ZendeskConnector]


def test_text_and_checkbox_fields_fit(fake: FakeZendesk, connect: Connect) -> None:
    due = fake.add_ticket_field(kind="text")
    flag = fake.add_ticket_field(kind="checkbox")
    assert connect().check_write_fields({"due_at": str(due), "breached": str(flag)}) == []


def test_a_missing_an_inactive_and_a_date_field_are_each_named(
    fake: FakeZendesk, connect: Connect
) -> None:
    text = fake.add_ticket_field(kind="text")
    date = fake.add_ticket_field(kind="date")
    off = fake.add_ticket_field(kind="checkbox")
    fake.ticket_fields[off]["active"] = False
    connector = connect()
    [missing] = connector.check_write_fields({"due_at": "999"})
    assert (
        missing.message
        == "actions.fields.zendesk-test.due_at: Zendesk ticket field '999' does not exist"
    )
    assert missing.hint is not None and str(text) in missing.hint and str(date) not in missing.hint
    [short] = connector.check_write_fields({"due_at": str(date)})
    assert short.message == (
        f"actions.fields.zendesk-test.due_at: Zendesk ticket field '{date}' is a date field; "
        "slabridge writes a date and time there"
    )
    [inactive] = connector.check_write_fields({"breached": str(off)})
    assert "is inactive" in inactive.message
