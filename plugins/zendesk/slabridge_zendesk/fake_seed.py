"""FakeZendesk's seeding and agent actions: organizations, users, fields, loaded tickets, merges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slabridge.sla.ticket import Ticket
from slabridge_zendesk.fake_store import ZendeskStore, _iso, _parse, fold_tags

TICKET_TYPES = ("problem", "incident", "question", "task")


class ZendeskSeeding(ZendeskStore):
    """Builds the account's records as Zendesk would hold them, history included."""

    if TYPE_CHECKING:
        PRODUCT_FIELD_ID: int
        organizations: dict[int, dict[str, Any]]
        users: dict[int, dict[str, Any]]
        ticket_fields: dict[int, dict[str, Any]]
        _next_ticket: int
        _org_keys: dict[str, int]
        _requesters: dict[int | None, int]

    def add_organization(
        self,
        name: str,
        *,
        tags: Iterable[str] = (),
        fields: Mapping[str, Any] | None = None,
        org_id: int | None = None,
    ) -> int:
        """Create an organization (``organization_fields`` = ``fields``); returns its id."""
        with self.lock:
            org_id = org_id if org_id is not None else self._new_id()
            now = _iso(self.clock())
            self.organizations[org_id] = {
                "url": f"https://{self.subdomain}.zendesk.com/api/v2/organizations/{org_id}.json",
                "id": org_id,
                "name": name,
                "shared_tickets": False,
                "shared_comments": False,
                "external_id": None,
                "created_at": now,
                "updated_at": now,
                "domain_names": [],
                "details": None,
                "notes": None,
                "group_id": None,
                "tags": list(tags),
                "organization_fields": dict(fields or {}),
            }
            return org_id

    def add_user(
        self, name: str, *, role: str = "end-user", organization_id: int | None = None
    ) -> int:
        with self.lock:
            user_id = self._new_id()
            user = self._user(user_id, name, f"user{user_id}@example.com", role)
            user["organization_id"] = organization_id
            self.users[user_id] = user
            return user_id

    def add_ticket_field(
        self, field_id: int | None = None, kind: str = "text", title: str = ""
    ) -> int:
        with self.lock:
            field_id = field_id if field_id is not None else self._new_id()
            self.ticket_fields[field_id] = {
                "url": f"https://{self.subdomain}.zendesk.com/api/v2/ticket_fields/{field_id}.json",
                "id": field_id,
                "type": kind,
                "title": title or f"Field {field_id}",
                "active": True,
            }
            return field_id

    def add_raw_ticket(
        self, payload: Mapping[str, Any], *, generated_at: datetime | None = None
    ) -> None:
        """Store a ticket payload verbatim (e.g. a malformed one) for the export to return."""
        with self.lock:
            ticket = dict(payload)
            stamp = generated_at or self.clock() - timedelta(minutes=5)
            ticket["generated_timestamp"] = int(stamp.timestamp())
            key = ticket.get("id")
            ticket_id = key if isinstance(key, int) else self._new_id()
            self.tickets[ticket_id] = ticket
            self.audits.setdefault(ticket_id, [])

    def load_normalized(self, ticket: Ticket) -> str:
        """Create ``ticket`` natively with its whole history (audits); return the Zendesk id."""
        with self.lock:
            org_id = self._organization_for(ticket)
            requester = self._requester_for(org_id)
            ticket_id = self._next_ticket
            self._next_ticket += 1
            status_events = [e for e in ticket.events if e.type == "status"]
            priority_events = [e for e in ticket.events if e.type == "priority"]
            events = list(ticket.events)
            initial_status = "new" if status_events else ticket.status
            if events and events[0].type == "status" and events[0].at == ticket.created_at:
                initial_status = events.pop(0).status or "new"
            # Before its first change the ticket had what that change replaced (its ``from``).
            initial_priority = ticket.priority
            if priority_events:
                initial_priority = priority_events[0].from_priority
            fields: dict[str, Any] = {k: v for k, v in ticket.fields.items() if k.isdigit()}
            if ticket.product is not None:
                fields[str(self.PRODUCT_FIELD_ID)] = ticket.product
            for key, value in fields.items():
                if int(key) not in self.ticket_fields:
                    self.add_ticket_field(
                        int(key), "checkbox" if isinstance(value, bool) else "text"
                    )
            created = _iso(ticket.created_at)
            native: dict[str, Any] = self._native_ticket(
                ticket_id,
                created=created,
                status=self._native_status(initial_status),
                priority=initial_priority,
                requester=requester,
                org_id=org_id,
            )
            native["type"] = ticket.type if ticket.type in TICKET_TYPES else None
            native["via"]["channel"] = ticket.channel or "api"
            native["tags"] = fold_tags(ticket.tags)
            native["custom_fields"] = [{"id": int(k), "value": v} for k, v in fields.items()]
            native["fields"] = [dict(entry) for entry in native["custom_fields"]]
            self.tickets[ticket_id] = native
            creation = [
                self._comment_event(requester, "Ticket created", public=True),
                *[
                    {"type": "Create", "field_name": name, "value": value}
                    for name, value in (
                        ("requester_id", str(requester)),
                        ("subject", native["subject"]),
                        ("status", native["status"]),
                        ("priority", native["priority"]),
                        ("tags", fold_tags(ticket.tags)),
                    )
                ],
                *[
                    {"type": "Create", "field_name": key, "value": value}
                    for key, value in fields.items()
                ],
            ]
            self.audits[ticket_id] = []
            self._add_audit(ticket_id, created, requester, creation)
            for event in events:
                at = _iso(event.at)
                if event.type == "status" and event.status is not None:
                    self._set_and_audit(
                        ticket_id, at, self.AGENT_ID, status=self._native_status(event.status)
                    )
                elif event.type == "priority":
                    self._set_and_audit(ticket_id, at, self.AGENT_ID, priority=event.priority)
                elif event.type == "reply":
                    author = self.AGENT_ID if event.author == "agent" else requester
                    body = "Reply" if event.public else "Internal note"
                    self._add_audit(
                        ticket_id, at, author, [self._comment_event(author, body, event.public)]
                    )
            final = _iso(ticket.updated_at)
            self._set_and_audit(
                ticket_id,
                final,
                self.AGENT_ID,
                status=self._native_status(ticket.status),
                priority=ticket.priority,
            )
            native["updated_at"] = max(native["updated_at"], final)
            native["generated_timestamp"] = int(_parse(native["updated_at"]).timestamp())
            return str(ticket_id)

    def agent_edit(self, ticket_id: str | int, **changes: Any) -> None:
        """Simulate an agent editing the ticket: bumps ``updated_at`` (for conflict tests).

        Keys: ``status`` (normalized), ``priority``, ``tags`` (replace), ``add_tags``,
        ``remove_tags``, ``fields`` ({field id: value}), ``comment`` ({public, author}).
        """
        with self.lock:
            tid = int(ticket_id)
            ticket = self.tickets[tid]
            update: dict[str, Any] = {}
            if "status" in changes:
                update["status"] = self._native_status(changes["status"])
            if "priority" in changes:
                update["priority"] = changes["priority"]
            tags = fold_tags(changes.get("tags", ticket.get("tags") or []))
            tags += [t for t in fold_tags(changes.get("add_tags", ())) if t not in tags]
            tags = [t for t in tags if t not in set(fold_tags(changes.get("remove_tags", ())))]
            if tags != ticket.get("tags"):
                update["tags"] = tags
            for key, value in (changes.get("fields") or {}).items():
                update[str(key)] = value
            comment = changes.get("comment")
            extra = []
            if comment is not None:
                author = (
                    self.AGENT_ID
                    if comment.get("author", "agent") == "agent"
                    else int(ticket["requester_id"])
                )
                extra.append(self._comment_event(author, "Edited", comment.get("public", True)))
            self._update(tid, update, self.AGENT_ID, extra_events=extra, force=True)

    def merge_tickets(
        self,
        source_ids: Iterable[str | int],
        target_id: str | int,
        *,
        public: bool = True,
        source_comment: str | None = None,
        target_comment: str | None = None,
    ) -> None:
        """Merge tickets as an agent does in Zendesk: the sources close, both sides get a note.

        The notes are comments by the merging agent (public unless ``public=False``, as the
        agent's merge dialog offers), in audits whose ``via`` is the merge
        (``source.rel == "merge"``). Without texts, Zendesk's default English ones.
        """
        with self.lock:
            tid = int(target_id)
            sources = [int(source) for source in source_ids]
            target = self.tickets[tid]
            for sid in sources:
                body = source_comment or (
                    f"This request was closed and merged into request #{tid} "
                    f'"{target.get("subject")}".'
                )
                via = {
                    "channel": "web",
                    "source": {
                        "from": {},
                        "to": {"ticket_id": tid, "subject": target.get("subject")},
                        "rel": "merge",
                    },
                }
                comment = self._comment_event(self.AGENT_ID, body, public)
                self._update(
                    sid, {"status": "closed"}, self.AGENT_ID, extra_events=[comment], via=via
                )
            listed = ", ".join(f"#{sid}" for sid in sources)
            if target_comment is not None:
                body = target_comment
            elif len(sources) == 1:
                [sid] = sources
                body = (
                    f'Request #{sid} "{self.tickets[sid].get("subject")}" was closed and merged '
                    f"into this request. Last comment in request #{sid}:\n\nTicket created"
                )
            else:
                body = f"Requests {listed} were closed and merged into this request."
            first = self.tickets[sources[0]]
            via = {
                "channel": "web",
                "source": {
                    "from": {
                        "ticket_id": sources[0],
                        "subject": first.get("subject"),
                        "ticket_ids": sources,
                    },
                    "to": {},
                    "rel": "merge",
                },
            }
            comment = self._comment_event(self.AGENT_ID, body, public)
            self._update(tid, {}, self.AGENT_ID, extra_events=[comment], via=via, force=True)

    def _organization_for(self, ticket: Ticket) -> int | None:
        customer = ticket.customer
        if customer is None:
            return None
        key = customer.id or customer.name or f"customer-{len(self._org_keys)}"
        if key in self._org_keys:
            return self._org_keys[key]
        fields = {
            k: v for k, v in (("tier", customer.tier), ("region", customer.region)) if v is not None
        }
        wanted = int(customer.id) if customer.id and customer.id.isdigit() else None
        org_id = self.add_organization(
            customer.name or f"Customer {key}",
            fields=fields,
            org_id=wanted if wanted is not None and wanted not in self.organizations else None,
        )
        self._org_keys[key] = org_id
        return org_id

    def _requester_for(self, org_id: int | None) -> int:
        if org_id not in self._requesters:
            self._requesters[org_id] = self.add_user("Customer", organization_id=org_id)
        return self._requesters[org_id]


__all__ = ["TICKET_TYPES", "ZendeskSeeding"]
