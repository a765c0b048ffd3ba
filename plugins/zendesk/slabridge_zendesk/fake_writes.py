"""FakeZendesk's write endpoints: ticket PUT, the tags calls, safe_update conflicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_zendesk.fake_store import (
    CONFLICT,
    NOT_FOUND,
    ZendeskStore,
    _error,
    _parse,
    _record_invalid,
    fold_tags,
)

PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_UPDATES_PER_MINUTE = 20  # recorded: zendesk-rate-limit-tickets-update total=20


class ZendeskWrites(ZendeskStore):
    """Validates a client's writes, answers 409 for a stale safe update, counts the writes."""

    if TYPE_CHECKING:
        ADMIN_ID: int
        ticket_fields: dict[int, dict[str, Any]]
        monotonic: Callable[[], float]
        _window: dict[str, tuple[float, int]]
        _writes: int
        _races: dict[int, int]

    def _put_ticket(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        tid = int(ticket_id)
        ticket = self.tickets.get(tid)
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        payload = (request.json() or {}).get("ticket")
        if not isinstance(payload, dict):
            return _error(400, "InvalidValue", 'the body must be {"ticket": {...}}')
        headers: dict[str, str] = {}
        if "id" in payload:
            headers["x-zendesk-api-warn"] = (
                '{:allowed_parameters=>{:controller=>"tickets", :action=>"update", '
                ':unpermitted_keys=>["ticket.id"], :invalid_values=>[]}}'
            )
        refused = self._refused_write(ticket, payload)
        if refused is not None:
            return refused
        update = self._ticket_update(payload)
        if isinstance(update, FakeResponse):
            return update
        audit = self._update(tid, update, self.ADMIN_ID)
        if audit is not None:
            self._writes += 1
        headers["zendesk-rate-limit-tickets-update"] = self._ticket_update_limit(tid)
        return FakeResponse(
            200, {"ticket": dict(self.tickets[tid]), "audit": audit}, headers=headers
        )

    def _ticket_update(self, payload: Mapping[str, Any]) -> dict[str, Any] | FakeResponse:
        """The changes a ``PUT tickets/{id}`` payload asks for, or the 422 for an invalid one."""
        update: dict[str, Any] = {}
        if "priority" in payload:
            if payload["priority"] not in (None, *PRIORITIES):
                return _record_invalid("priority", "Priority: is not valid")
            update["priority"] = payload["priority"]
        if "status" in payload:
            update["status"] = payload["status"]
        if "tags" in payload:  # replaces every tag, as the real endpoint does
            update["tags"] = fold_tags(payload["tags"])
        for entry in payload.get("custom_fields") or []:
            if not isinstance(entry, dict) or int(entry.get("id", 0)) not in self.ticket_fields:
                return _record_invalid("base", f"Custom field {entry!r} does not exist")
            update[str(entry["id"])] = entry.get("value")
        return update

    def _ticket_update_limit(self, tid: int) -> str:
        """The per-ticket update budget as recorded on a ticket PUT (2023-09, zenpy's
        cassette): ``total=20; remaining=19; resets=59`` after the first update of a minute."""
        with self.lock:
            started, used = self._window.get(f"update:{tid}", (self.monotonic(), 0))
            if self.monotonic() - started >= 60:
                started, used = self.monotonic(), 0
            used += 1
            self._window[f"update:{tid}"] = (started, used)
            resets = max(0, 59 - int(self.monotonic() - started))
        total = TICKET_UPDATES_PER_MINUTE
        return f"total={total}; remaining={max(0, total - used)}; resets={resets}"

    def _write_tags(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        tid = int(ticket_id)
        ticket = self.tickets.get(tid)
        if ticket is None:
            return FakeResponse(404, dict(NOT_FOUND))
        payload = request.json() or {}
        given = payload.get("tags")
        if not isinstance(given, list) or not all(isinstance(t, str) for t in given):
            return _error(400, "InvalidValue", "tags must be a list of strings")
        refused = self._refused_write(ticket, payload)
        if refused is not None:
            return refused
        # Zendesk folds case on every tag write (a removal of "Gold" takes "gold" off).
        current = list(ticket.get("tags") or [])
        given = fold_tags(given)
        if request.method == "POST":
            tags = given
        elif request.method == "PUT":
            tags = current + [t for t in given if t not in current]
        else:
            tags = [t for t in current if t not in set(given)]
        if self._update(tid, {"tags": tags}, self.ADMIN_ID) is not None:
            self._writes += 1
        return FakeResponse(201 if request.method == "POST" else 200, {"tags": tags})

    def _refused_write(
        self, ticket: Mapping[str, Any], payload: Mapping[str, Any]
    ) -> FakeResponse | None:
        """What Zendesk answers to a write it refuses before looking at the change: a stale
        ``safe_update`` (409), then a closed ticket (422); None when the write may go on."""
        conflict = self._stale(ticket, payload)
        if conflict is not None:
            return conflict
        if ticket.get("status") == "closed":
            return _record_invalid(
                "status", "Status: closed prevents ticket update", "ClosedPreventsUpdate"
            )
        return None

    def _stale(self, ticket: Mapping[str, Any], payload: Mapping[str, Any]) -> FakeResponse | None:
        """safe_update: a stale ``updated_stamp`` is a 409 (body as seen for collisions)."""
        if str(payload.get("safe_update")).lower() not in ("true", "1"):
            return None
        tid = int(ticket["id"])
        if self._races.get(tid):
            self._races[tid] -= 1
            self._update(tid, {"subject": f"{ticket.get('subject')} (edited)"}, self.AGENT_ID)
        stamp = payload.get("updated_stamp")
        try:
            same = stamp is not None and _parse(str(stamp)) == _parse(ticket["updated_at"])
        except ValueError:
            same = False
        return None if same else FakeResponse(409, dict(CONFLICT))


__all__ = ["PRIORITIES", "TICKET_UPDATES_PER_MINUTE", "ZendeskWrites"]
