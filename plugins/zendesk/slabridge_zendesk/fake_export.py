"""FakeZendesk's read streams: the cursor export, ticket events, paged audits, sideloads."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_zendesk.fake_store import API_VIA, NOT_FOUND, ZendeskStore, _error, _parse


def _encode_cursor(stamp: int, ticket_id: int | None, sequence: int | None = None) -> str:
    text = f"{stamp}.0||{'' if ticket_id is None else ticket_id}|{sequence or ''}"
    return base64.b64encode(text.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[int, int]:
    """The export position ``(stamp, sequence)`` a cursor stands for (-1: before any)."""
    text = base64.b64decode(cursor.encode(), validate=True).decode()
    stamp, _, rest = text.partition("||")
    ticket_id, _, sequence = rest.partition("|")
    return int(float(stamp)), int(sequence or ticket_id or -1)


class ZendeskExport(ZendeskStore):
    """The incremental endpoints and the audits list, paged as Zendesk pages them."""

    if TYPE_CHECKING:
        repeat_page_token: bool
        repeat_boundary_copy: bool
        events_per_page: int
        organizations: dict[int, dict[str, Any]]
        users: dict[int, dict[str, Any]]
        _export_order: dict[int, tuple[int, int]]
        _export_sequence: int

    def _export(self, request: FakeRequest) -> FakeResponse:
        try:
            per_page = max(1, min(1000, int(request.arg("per_page") or 1000)))
            cursor = request.arg("cursor")
            if cursor:
                position = _decode_cursor(cursor)
            elif request.arg("start_time") is not None:
                position = (int(request.arg("start_time") or 0), -1)
            else:
                return _error(400, "InvalidValue", "start_time or cursor is required")
        except (ValueError, binascii.Error):
            return _error(400, "InvalidPaginationParameter", "cursor is invalid")
        newest = int(self.clock().timestamp()) - 60  # the last minute is left out
        rows = self._export_rows()
        pending = [row for row in rows if row[:2] > position and row[0] <= newest]
        page = pending[:per_page]
        if page:
            stamp, seq, tid = page[-1]
            after = _encode_cursor(stamp, tid, seq)
        elif cursor:
            after = cursor  # nothing new: the cursor stays where it was
        else:
            after = _encode_cursor(position[0], None)
        repeat = bool(cursor) and self.repeat_page_token
        if repeat and cursor:
            after = cursor
        tickets = [dict(self.tickets[tid]) for _, _, tid in page]
        boundary = next((tid for stamp, seq, tid in rows if (stamp, seq) == position), None)
        if self.repeat_boundary_copy and cursor and boundary is not None:
            tickets.insert(0, dict(self.tickets[boundary]))
        body: dict[str, Any] = {
            "tickets": tickets,
            "after_url": f"https://{self.subdomain}.zendesk.com/api/v2/incremental/tickets/"
            f"cursor.json?cursor={quote(after)}&per_page={per_page}",
            "before_url": None,
            "after_cursor": after,
            "before_cursor": None,
            "end_of_stream": len(pending) <= per_page and not repeat,
        }
        body.update(self._sideloads(request, tickets))
        return FakeResponse(200, body)

    def _export_rows(self) -> list[tuple[int, int, int]]:
        """``(stamp, sequence, id)`` in export order; a change gets a sequence when first seen.

        Zendesk streams changes in the order it records them: one recorded after a cursor was
        handed out comes after it, even in a second the cursor has reached.
        """
        order = self._export_order
        fresh = sorted(
            (int(t.get("generated_timestamp") or 0), tid)
            for tid, t in self.tickets.items()
            if order.get(tid, (None, 0))[0] != int(t.get("generated_timestamp") or 0)
        )
        for stamp, tid in fresh:
            self._export_sequence += 1
            order[tid] = (stamp, self._export_sequence)
        return sorted(
            (stamp, seq, tid) for tid, (stamp, seq) in order.items() if tid in self.tickets
        )

    def _ticket_events(self, request: FakeRequest) -> FakeResponse:
        try:
            start = int(request.arg("start_time") or "")
            per_page = max(1, min(1000, int(request.arg("per_page") or self.events_per_page)))
        except ValueError:
            return _error(400, "InvalidValue", "start_time is required (Unix seconds)")
        comments = "comment_events" in (request.arg("include") or "")
        newest = int(self.clock().timestamp()) - 60
        rows = sorted(
            (int(_parse(audit["created_at"]).timestamp()), audit["id"], audit)
            for audits in self.audits.values()
            for audit in audits
        )
        selected = [row for row in rows if start <= row[0] <= newest]
        page = selected[:per_page]
        # Like Zendesk's time-based exports, a page never splits one second: records sharing
        # the last timestamp all come along, so the next start_time cannot repeat the page.
        while page and len(page) < len(selected) and selected[len(page)][0] == page[-1][0]:
            page.append(selected[len(page)])
        end_time = page[-1][0] if page else start
        events = [self._ticket_event(audit, comments) for _, _, audit in page]
        return FakeResponse(
            200,
            {
                "ticket_events": events,
                "next_page": f"https://{self.subdomain}.zendesk.com/api/v2/incremental/"
                f"ticket_events.json?start_time={end_time}",
                "count": len(events),
                "end_of_stream": len(page) == len(selected),
                "end_time": end_time,
            },
        )

    def _ticket_audits(self, request: FakeRequest, ticket_id: str) -> FakeResponse:
        tid = int(ticket_id)
        if tid not in self.tickets:
            return FakeResponse(404, dict(NOT_FOUND))
        audits = self.audits.get(tid, [])
        size_arg = request.arg("page[size]")
        if size_arg is None:
            return FakeResponse(
                200,
                {"audits": audits, "next_page": None, "previous_page": None, "count": len(audits)},
            )
        size = max(1, min(100, int(size_arg)))
        after = request.arg("page[after]")
        start = int(base64.b64decode(after).decode()) if after else 0
        page = audits[start : start + size]
        has_more = start + size < len(audits)
        after_cursor = base64.b64encode(str(start + size).encode()).decode() if page else None
        before_cursor = base64.b64encode(str(start).encode()).decode() if page else None
        base = f"https://{self.subdomain}.zendesk.com/api/v2/tickets/{tid}/audits.json"
        return FakeResponse(
            200,
            {
                "audits": page,
                "meta": {
                    "has_more": has_more,
                    "after_cursor": after_cursor,
                    "before_cursor": before_cursor,
                },
                "links": {
                    "next": f"{base}?page%5Bafter%5D={after_cursor}&page%5Bsize%5D={size}"
                    if has_more
                    else None,
                    "prev": None,
                },
            },
        )

    def _ticket_event(self, audit: Mapping[str, Any], comments: bool) -> dict[str, Any]:
        # Child events carry the audit's via object (the comment example in Zendesk's
        # incremental OAS has one); the event's own ``via`` is the via type in words.
        via = audit.get("via") or API_VIA
        source = via.get("source") or {}
        merge = source.get("rel") == "merge"
        merged = (source.get("from") or {}).get("ticket_ids") or []
        children: list[dict[str, Any]] = []
        for event in audit["events"]:
            kind = event.get("type")
            if kind == "Comment":
                if comments:
                    child = {k: v for k, v in event.items() if k != "type"}
                    child.update(
                        via=via,
                        via_reference_id=None,
                        type="Comment",
                        created_at=audit["created_at"],
                        event_type="Comment",
                    )
                else:
                    child = {
                        "id": event["id"],
                        "via": via,
                        "via_reference_id": None,
                        "comment_present": True,
                        "comment_public": event.get("public"),
                        "event_type": "Comment",
                    }
            else:
                child = {
                    "id": event["id"],
                    "via": via,
                    "via_reference_id": None,
                    str(event.get("field_name")): event.get("value"),
                    "event_type": kind,
                }
                if kind == "Change":
                    child["previous_value"] = event.get("previous_value")
            children.append(child)
        return {
            "id": audit["id"],
            "ticket_id": audit["ticket_id"],
            "timestamp": int(_parse(audit["created_at"]).timestamp()),
            "created_at": audit["created_at"],
            "updater_id": audit["author_id"],
            "via": "Merge" if merge else "Web service",
            "system": {},
            "metadata": {},
            "event_type": "Audit",
            "merged_ticket_ids": list(merged) if merge else [],
            "child_events": children,
        }

    def _sideloads(self, request: FakeRequest, tickets: list[dict[str, Any]]) -> dict[str, Any]:
        include = set((request.arg("include") or "").split(","))
        extra: dict[str, Any] = {}
        if "users" in include:
            ids = {
                t.get(k) for t in tickets for k in ("requester_id", "submitter_id", "assignee_id")
            }
            extra["users"] = [
                dict(self.users[i]) for i in sorted(i for i in ids if i in self.users)
            ]
        if "organizations" in include:
            ids = {t.get("organization_id") for t in tickets}
            extra["organizations"] = [
                dict(self.organizations[i])
                for i in sorted(i for i in ids if i in self.organizations)
            ]
        return extra


__all__ = ["ZendeskExport"]
