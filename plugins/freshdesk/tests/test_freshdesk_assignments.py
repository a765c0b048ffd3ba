"""Freshdesk's current group and agent as one assignment event (it keeps no history of them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slabridge_freshdesk.config import FreshdeskMapping
from slabridge_freshdesk.mapping import map_ticket


def _load(samples: Path, name: str) -> Any:
    return json.loads((samples / name).read_text())


def _owners(ticket: Any) -> list[tuple[str, str | None, str | None]]:
    return [(e.at.isoformat(), e.group, e.agent) for e in ticket.events if e.type == "assignment"]


def test_the_recorded_ticket_is_owned_by_its_responder_since_creation(samples: Path) -> None:
    raw = _load(samples, "ticket_1.json")  # recorded: group_id null, responder_id 6010396333
    ticket = map_ticket(raw, FreshdeskMapping())
    assert _owners(ticket) == [("2016-05-18T04:36:04+00:00", None, "6010396333")]


def test_a_group_and_agent_become_text_ids_and_nobody_assigned_gives_no_event(
    samples: Path,
) -> None:
    raw = {**_load(samples, "ticket_1.json"), "group_id": 43000123, "responder_id": 7}
    assert _owners(map_ticket(raw, FreshdeskMapping())) == [
        ("2016-05-18T04:36:04+00:00", "43000123", "7")
    ]
    nobody = {**raw, "group_id": None, "responder_id": None}
    assert _owners(map_ticket(nobody, FreshdeskMapping())) == []
