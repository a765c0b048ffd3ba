"""A wrong-shaped issue from the API is skipped with a reason; the read goes on past it."""

from __future__ import annotations

from typing import Any

import pytest
from jira_support import Clock
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira

from slabridge.connectors.base import Checkpoint, Skipped
from slabridge.sla.ticket import Ticket


@pytest.mark.parametrize("key, value", [("labels", 12345), ("labels", True)])
def test_an_issue_with_a_wrong_typed_field_is_skipped_and_later_issues_are_read(
    fake: FakeJira,
    clock: Clock,
    make_connector: Any,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    value: Any,
) -> None:
    bad = fake.create_issue()
    clock.advance(minutes=1)
    good = fake.create_issue()
    render = fake._field_values

    def broken(issue: Any) -> dict[str, Any]:
        values: dict[str, Any] = render(issue)
        if issue.id == bad:
            values[key] = value
        return values

    monkeypatch.setattr(fake, "_field_values", broken)
    connector: JiraConnector = make_connector()
    items = list(connector.read(None))
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [item.ticket_id for item in skipped] == [bad]
    assert skipped[0].reason
    assert [item.id for item in items if isinstance(item, Ticket)] == [good]
    assert isinstance(items[-1], Checkpoint)  # the read finished, so the cursor moves on
