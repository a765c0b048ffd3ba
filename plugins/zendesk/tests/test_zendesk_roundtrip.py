"""Property: any history loaded into FakeZendesk reads back through the connector unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN

from slabridge.sla.ticket import PRIORITIES, STATUSES, TagsEvent, Ticket, parse_ticket

CREATED = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)

step = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(STATUSES)),
    st.tuples(st.just("priority"), st.sampled_from(PRIORITIES)),
    st.tuples(st.just("reply"), st.tuples(st.sampled_from(["agent", "customer"]), st.booleans())),
)


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    """A ticket whose events Zendesk can represent: it starts with its status at creation,
    each change really changes something, and the last status/priority are the current ones."""
    status = draw(st.sampled_from(STATUSES))
    priority: str | None = None
    at = CREATED
    events: list[dict[str, Any]] = [{"at": at.isoformat(), "type": "status", "status": status}]
    for kind, value in draw(st.lists(step, max_size=8)):
        at += timedelta(minutes=draw(st.integers(0, 600)))
        stamp = at.isoformat()
        if kind == "status" and value != status:
            status = value
            events.append({"at": stamp, "type": "status", "status": value})
        elif kind == "priority" and value != priority:
            # Each change says what it replaced, as the audit's previous_value does.
            events.append({"at": stamp, "type": "priority", "priority": value, "from": priority})
            priority = value
        elif kind == "reply":
            author, public = value
            events.append({"at": stamp, "type": "reply", "author": author, "public": public})
    if priority is None:
        priority = draw(st.one_of(st.none(), st.sampled_from(PRIORITIES)))
    return {
        "id": "p",
        "created_at": CREATED.isoformat(),
        "updated_at": at.isoformat(),
        "status": status,
        "priority": priority,
        "tags": draw(st.lists(st.sampled_from(["vip", "billing", "emea"]), unique=True)),
        "customer": {
            "id": "c",
            "name": "Acme",
            "tier": draw(st.sampled_from(["gold", "free"])),
            "region": "emea",
        },
        "events": events,
    }


@settings(max_examples=25, deadline=None)
@given(histories(), st.sampled_from(["auto", "audits"]))
def test_any_representable_history_reads_back_unchanged(data: dict[str, Any], history: str) -> None:
    original = parse_ticket(data)
    with FakeZendesk(email=EMAIL, token=TOKEN) as fake:
        assert isinstance(fake, FakeZendesk)
        fake.clock = lambda: CREATED + timedelta(days=30)
        fake.load_normalized(original)
        config = ZendeskConfig.model_validate(fake.connector_config(history=history))
        connector = ZendeskConnector("rt", config, sleep=lambda _s: None, clock=fake.clock)
        [back] = [item for item in connector.read(None) if isinstance(item, Ticket)]
        connector.close()
    # The creating audit also lists the tags: a tags event at creation, for conditions.
    assert [e for e in back.events if e.type != "tags"] == list(original.events)
    assert [(e.at, e.added) for e in back.events if isinstance(e, TagsEvent)] == (
        [(original.created_at, original.tags)] if original.tags else []
    )
    for key in ("created_at", "updated_at", "status", "priority", "tags"):
        assert getattr(back, key) == getattr(original, key), key
    assert back.customer is not None and original.customer is not None
    assert back.customer.tier == original.customer.tier
