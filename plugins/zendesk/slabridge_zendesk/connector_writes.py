"""The Zendesk connector's write path: plans, safe_update PUTs, tags calls, update_many jobs."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slabridge.connectors.base import (
    ChangeSet,
    Connector,
    WriteOutcome,
    WriteResult,
)
from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge_zendesk.config import ZendeskConfig
from slabridge_zendesk.connector_state import MAX_IDS, _Known
from slabridge_zendesk.mapping import (
    custom_field_values,
)

# Per-ticket job errors that will not go away by retrying (anything else is retried).
PERMANENT_JOB_ERRORS = frozenset(
    {
        "RecordNotFound",
        "TicketNotFound",
        "RecordInvalid",
        "InvalidValue",
        "PermissionDenied",
        "Forbidden",
        "ClosedPreventsUpdate",
    }
)


@dataclass(slots=True)
class _Plan:
    """What is left of one change set once what the ticket already has is taken out."""

    index: int
    ticket_id: int
    add: frozenset[str]
    remove: frozenset[str]
    priority: str | None
    fields: dict[str, Any]
    stamp: str | None
    outcome: WriteOutcome | None = None
    error: str | None = None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZendeskWriteBack(Connector):
    """Writes change sets back: only what the ticket lacks, tags in bulk, the rest with
    safe_update; remembers what it wrote so that a second sync sends nothing."""

    if TYPE_CHECKING:
        settings: ZendeskConfig
        http: HttpClient
        known_limit: int
        _known: OrderedDict[str, _Known]
        _native_priority: dict[str, str]
        _sleep: Callable[[float], None]

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        plans = [self._plan(index, change) for index, change in enumerate(changes)]
        for plan in plans:
            if plan.outcome is None and (plan.priority is not None or plan.fields):
                self._write_single(plan)
        groups: dict[tuple[frozenset[str], frozenset[str]], list[_Plan]] = defaultdict(list)
        for plan in plans:
            if plan.outcome is None and (plan.add or plan.remove):
                groups[(plan.add, plan.remove)].append(plan)
        for (add, remove), members in groups.items():
            for start in range(0, len(members), MAX_IDS):
                chunk = members[start : start + MAX_IDS]
                if len(chunk) == 1 and not (add and remove):
                    self._write_tags_single(chunk[0], add, remove)
                else:
                    self._write_tags_bulk(chunk, add, remove)
        results = []
        for plan, change in zip(plans, changes, strict=True):
            outcome: WriteOutcome = plan.outcome or "applied"
            results.append(WriteResult(change.ticket_id, outcome, plan.error))
        return results

    # -- writing helpers ----------------------------------------------------------------

    def _plan(self, index: int, change: ChangeSet) -> _Plan:
        """Drop what the ticket already has (by its last known state): re-applying sends nothing."""
        known = self._known.get(change.ticket_id)
        # Zendesk lowercases tags: send them so, and compare them so with what it has.
        add = frozenset(tag.lower() for tag in change.add_tags)
        remove = frozenset(tag.lower() for tag in change.remove_tags)
        priority = self._native_priority.get(change.priority) if change.priority else None
        unknown_priority = change.priority is not None and priority is None
        fields = dict(change.fields)
        if known is not None:
            add = frozenset(add - known.tags)
            remove = frozenset(remove & known.tags)
            if priority == known.priority:
                priority = None
            fields = {k: v for k, v in fields.items() if known.fields.get(k) != v}
        stamp = None
        if change.expected_updated_at is not None:
            stamp = _stamp(change.expected_updated_at)
        elif known is not None:
            stamp = known.updated_at
        plan = _Plan(index, 0, add, remove, priority, fields, stamp)
        if not change.ticket_id.isdigit():
            plan.outcome, plan.error = "rejected", "not a Zendesk ticket id"
        elif unknown_priority:
            plan.outcome, plan.error = "rejected", f"unknown priority {change.priority!r}"
        elif any(not str(key).isdigit() for key in fields):
            bad = sorted(str(k) for k in fields if not str(k).isdigit())
            plan.outcome = "rejected"
            plan.error = f"field keys must be numeric Zendesk ticket field ids, got {bad}"
        else:
            plan.ticket_id = int(change.ticket_id)
        return plan

    def _single_body(self, plan: _Plan) -> dict[str, Any]:
        ticket: dict[str, Any] = {}
        if plan.priority is not None:
            ticket["priority"] = plan.priority
        if plan.fields:
            ticket["custom_fields"] = [
                {"id": int(key), "value": value} for key, value in sorted(plan.fields.items())
            ]
        if plan.stamp is not None:
            ticket["safe_update"] = True
            ticket["updated_stamp"] = plan.stamp
        return {"ticket": ticket}

    def _write_single(self, plan: _Plan) -> None:
        """PUT priority and custom fields with safe_update; on 409 re-read, re-plan, retry once."""
        path = f"/api/v2/tickets/{plan.ticket_id}.json"
        for attempt in (1, 2):
            try:
                body = self.http.put(path, json=self._single_body(plan)).json()
            except HttpError as exc:
                if exc.status == 409 and attempt == 1:
                    if not self._replan(plan):
                        return
                    continue
                self._fail(plan, exc)
                return
            self._remember_state(body.get("ticket") or {})
            return

    def _replan(self, plan: _Plan) -> bool:
        """After a 409: is the write still needed on the ticket as it is now? False when decided."""
        planned_priority = self._known.get(str(plan.ticket_id))
        try:
            current = self.http.get(f"/api/v2/tickets/{plan.ticket_id}.json").json()["ticket"]
        except HttpError as exc:
            self._fail(plan, exc)
            return False
        before = planned_priority.priority if planned_priority is not None else plan.priority
        if plan.priority is not None and current.get("priority") not in (before, plan.priority):
            # An agent set the priority meanwhile (or, with the ticket's earlier state no longer
            # in the bounded cache, may have): let the sync re-plan instead of overriding.
            plan.outcome, plan.error = "conflict", "an agent changed the priority meanwhile"
            return False
        self._remember_state(current)
        if plan.priority == current.get("priority"):
            plan.priority = None
        values = custom_field_values(current)
        plan.fields = {k: v for k, v in plan.fields.items() if values.get(k) != v}
        plan.stamp = current.get("updated_at")
        # Nothing left to write means the ticket is already as wanted: applied.
        return plan.priority is not None or bool(plan.fields)

    def _fail(self, plan: _Plan, exc: HttpError) -> None:
        if exc.status == 409:
            plan.outcome = "conflict"
        elif isinstance(exc, RetryableHttpError) or exc.retryable:
            plan.outcome = "retry"
        else:
            plan.outcome = "rejected"
        plan.error = str(exc)

    def _remember_state(self, ticket: Mapping[str, Any]) -> None:
        if not isinstance(ticket.get("id"), int):
            return
        key = str(ticket["id"])
        previous = self._known.get(key)
        self._known[key] = _Known(
            tags={str(tag).lower() for tag in ticket.get("tags") or []},
            priority=ticket.get("priority"),
            fields=custom_field_values(ticket),
            updated_at=ticket.get("updated_at"),
            # A write of ours does not change the history read so far; the stream brings it.
            history=previous.history if previous is not None else None,
            through=previous.through if previous is not None else 0,
        )
        self._known.move_to_end(key)
        while len(self._known) > self.known_limit:
            self._known.popitem(last=False)

    def _write_tags_single(self, plan: _Plan, add: frozenset[str], remove: frozenset[str]) -> None:
        """One ticket, one kind of tag change: the tags endpoint does it in a single call."""
        path = f"/api/v2/tickets/{plan.ticket_id}/tags.json"
        try:
            if add:
                body = self.http.put(path, json={"tags": sorted(add)}).json()
            else:
                body = self.http.delete(path, json={"tags": sorted(remove)}).json()
        except HttpError as exc:
            self._fail(plan, exc)
            return
        known = self._known.get(str(plan.ticket_id))
        if known is not None and isinstance(body.get("tags"), list):
            known.tags = {str(tag).lower() for tag in body["tags"]}

    def _write_tags_bulk(
        self, chunk: list[_Plan], add: frozenset[str], remove: frozenset[str]
    ) -> None:
        """update_many with additional_tags/remove_tags, then poll the job; check every result."""
        change: dict[str, Any] = {}
        if add:
            change["additional_tags"] = sorted(add)
        if remove:
            change["remove_tags"] = sorted(remove)
        ids = ",".join(str(plan.ticket_id) for plan in chunk)
        try:
            job = self.http.put(
                "/api/v2/tickets/update_many.json", params={"ids": ids}, json={"ticket": change}
            ).json()["job_status"]
            polls = 0
            while job.get("status") not in ("completed", "failed"):
                if polls >= self.settings.job_poll_attempts:
                    for plan in chunk:
                        plan.outcome = "retry"
                        plan.error = (
                            f"job {job.get('id')} still {job.get('status')} after {polls} polls"
                        )
                    return
                self._sleep(self.settings.job_poll_interval)
                polls += 1
                job = self.http.get(f"/api/v2/job_statuses/{job['id']}.json").json()["job_status"]
        except HttpError as exc:
            for plan in chunk:
                self._fail(plan, exc)
            return
        by_id = {r.get("id"): r for r in job.get("results") or [] if isinstance(r, Mapping)}
        for plan in chunk:
            result = by_id.get(plan.ticket_id)
            if result is not None and result.get("success") is True:
                known = self._known.get(str(plan.ticket_id))
                if known is not None:
                    known.tags = (known.tags | add) - remove
                continue
            if result is None:
                plan.outcome = "retry"
                plan.error = f"job {job.get('id')} {job.get('status')}: no result for this ticket"
                continue
            code = str(result.get("error") or result.get("status") or "failed")
            details = result.get("details") or result.get("errors") or ""
            plan.outcome = "rejected" if code in PERMANENT_JOB_ERRORS else "retry"
            plan.error = f"job {job.get('id')}: {code}: {details}".rstrip(": ")


__all__ = ["PERMANENT_JOB_ERRORS", "ZendeskWriteBack"]
