"""``check`` verifies the ``cf_`` fields ``actions.fields`` writes exist and can hold the value."""

from __future__ import annotations

from typing import Any

from slabridge_freshdesk.fake import FakeFreshdesk


def test_a_text_due_field_and_a_checkbox_fit(fake: FakeFreshdesk, make_connector: Any) -> None:
    fake.add_ticket_field("cf_sla_due", "custom_text")
    fake.add_ticket_field("cf_sla_breached", "custom_checkbox")
    wanted = {"due_at": "cf_sla_due", "breached": "cf_sla_breached"}
    assert make_connector().check_write_fields(wanted) == []


def test_a_date_field_and_a_missing_one_are_named(fake: FakeFreshdesk, make_connector: Any) -> None:
    fake.add_ticket_field("cf_due_day", "custom_date")
    problems = make_connector().check_write_fields({"due_at": "cf_due_day", "breached": "cf_nope"})
    assert [p.message for p in problems] == [
        "actions.fields.freshdesk-test.breached: Freshdesk ticket field 'cf_nope' does not exist",
        "actions.fields.freshdesk-test.due_at: Freshdesk ticket field 'cf_due_day' is a "
        "custom_date field; slabridge writes a date and time there",
    ]
