"""The Example helpdesk connector: config model, normalization, incremental read and write-back."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import SecretStr

from slabridge.connectors.base import (
    Capabilities,
    ChangeSet,
    Checkpoint,
    CheckProblem,
    Connector,
    ConnectorConfig,
    ReadItem,
    Skipped,
    WriteResult,
)
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge.connectors.paging import TokenPages
from slabridge.sla.ticket import Customer, Event, Ticket, format_timestamp, parse_timestamp

# The helpdesk's statuses and priorities → slabridge's; the config's `mapping:` adds to these.
DEFAULT_STATUSES = {
    "new": "new",
    "open": "open",
    "waiting": "pending",
    "hold": "on_hold",
    "done": "solved",
    "archived": "closed",
}
DEFAULT_PRIORITIES = {"p4": "low", "p3": "normal", "p2": "high", "p1": "urgent"}
NATIVE_PRIORITIES = {normalized: native for native, normalized in DEFAULT_PRIORITIES.items()}


class ExampleConfig(ConnectorConfig):
    """``connectors.<name>`` for ``type: example``."""

    base_url: str
    token: SecretStr
    page_size: int = 100
    timeout: float = 30.0
    requests_per_minute: float | None = None
    lookback_seconds: int = 0


class ExampleConnector(Connector):
    """Reads and writes tickets of the Example helpdesk."""

    type_name: ClassVar[str] = "example"
    config_model: ClassVar[type[ConnectorConfig]] = ExampleConfig
    capabilities: ClassVar[Capabilities] = Capabilities(tags=True, priority=True, fields=True)

    def __init__(
        self,
        instance: str,
        config: ConnectorConfig,
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(instance, config, sleep=sleep)
        assert isinstance(config, ExampleConfig)
        self.settings = config
        self.http = HttpClient(
            config.base_url,
            headers={"Authorization": f"Bearer {config.token.get_secret_value()}"},
            timeout=config.timeout,
            requests_per_minute=config.requests_per_minute,
            secrets=config.secrets(),
            sleep=self.sleep,
            connector=instance,
        )

    # -- check ----------------------------------------------------------------------------

    def check(self) -> list[CheckProblem]:
        try:
            me = self.http.get_json("/api/me", ok=(200, 401, 403))
        except HttpError as exc:
            return [CheckProblem(f"cannot reach the Example helpdesk: {exc}")]
        if me.get("error") or me.get("role") is None:
            return [
                CheckProblem(
                    "the API token was rejected",
                    hint="create a token under Settings → API and set it in the config",
                )
            ]
        problems = []
        if me["role"] != "admin":
            problems.append(
                CheckProblem(
                    f"the token's role is {me['role']!r}, not admin: "
                    "the changed-tickets list needs admin rights",
                )
            )
        fields = {field["key"] for field in self.http.get_json("/api/fields")}
        for key, path in self.settings.mapping.source_paths().items():
            head, _, name = path.partition(".")
            if head == "custom" and name not in fields:
                problems.append(
                    CheckProblem(
                        f"mapping.{key} reads custom field {name!r}, which does not exist",
                        hint=f"existing custom fields: {', '.join(sorted(fields)) or 'none'}",
                    )
                )
        return problems

    # -- read -----------------------------------------------------------------------------

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = InclusiveCursor.decode(
            cursor, lookback=timedelta(seconds=self.settings.lookback_seconds)
        )
        start = state.start

        def fetch_page(token: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {"limit": self.settings.page_size}
            if start is not None:
                params["updated_since"] = format_timestamp(start)
            if token is not None:
                params["page_token"] = token
            page: dict[str, Any] = self.http.get_json("/api/tickets", params=params)
            return page

        for page in TokenPages(fetch_page, lambda page: page.get("next_page_token")):
            for record in page.get("tickets", []):
                item = self.normalize(record)
                if isinstance(item, Ticket) and not state.admit(item.id, item.updated_at):
                    continue  # this version was delivered by the previous read
                yield item
            # Pages come oldest change first, so everything up to here is covered.
            yield Checkpoint(state.encode())
        yield Checkpoint(state.encode() if state.at is not None else (cursor or ""))

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        for ticket_id in ticket_ids:
            response = self.http.get(f"/api/tickets/{ticket_id}", ok=(200, 404))
            if response.status_code == 404:
                yield Skipped(ticket_id, "not found (deleted?)", gone=True)
                continue
            yield self.normalize(response.json())

    def normalize(self, record: dict[str, Any]) -> Ticket | Skipped:
        """Map one API ticket onto the normalized Ticket (Skipped when it cannot be)."""
        ticket_id = str(record.get("id"))
        mapping = self.settings.mapping
        status = mapping.status(record.get("status"), DEFAULT_STATUSES)
        if status is None:
            return Skipped(ticket_id, f"unknown status {record.get('status')!r}")
        try:
            created_at = parse_timestamp(record.get("created_at"), ticket_id, "created_at")
            updated_at = parse_timestamp(record.get("updated_at"), ticket_id, "updated_at")
            # Replies drive first/next response; the engine needs who wrote them and when.
            events = tuple(
                Event(
                    at=parse_timestamp(reply.get("at"), ticket_id, f"replies[{index}].at"),
                    type="reply",
                    author="agent" if reply.get("by") == "agent" else "customer",
                    public=bool(reply.get("public", True)),
                )
                for index, reply in enumerate(record.get("replies") or ())
            ) + tuple(
                self.history_event(entry, ticket_id, index)
                for index, entry in enumerate(record.get("history") or ())
            )
        except ValueError as exc:
            return Skipped(ticket_id, str(exc))
        custom = {str(key): value for key, value in (record.get("custom") or {}).items()}
        return Ticket(
            id=ticket_id,
            source=self.type_name,
            created_at=created_at,
            updated_at=updated_at,
            status=status,
            priority=mapping.priority(record.get("priority"), DEFAULT_PRIORITIES),
            product=mapping.product_of(record),
            tags=tuple(record.get("tags") or ()),
            fields={**custom, **mapping.mapped_fields(record)},
            customer=Customer(
                id=str(record.get("org_id")) if record.get("org_id") is not None else None,
                tier=mapping.tier_of(record),
                region=mapping.region_of(record),
            ),
            events=tuple(sorted(events, key=lambda event: event.at)),
        )

    def history_event(self, entry: dict[str, Any], ticket_id: str, index: int) -> Event:
        """A status or priority change of the ticket's ``history`` as an Event.

        Raises:
            ValueError: a bad time, an unknown field, or a value the mapping does not know.
        """
        where = f"history[{index}]"
        at = parse_timestamp(entry.get("at"), ticket_id, f"{where}.at")
        mapping = self.settings.mapping
        if entry.get("field") == "status":
            status = mapping.status(entry.get("to"), DEFAULT_STATUSES)
            if status is None:
                raise ValueError(f"{where}: unknown status {entry.get('to')!r}")
            return Event(at=at, type="status", status=status)
        if entry.get("field") == "priority":
            return Event(
                at=at,
                type="priority",
                priority=mapping.priority(entry.get("to"), DEFAULT_PRIORITIES),
                # "from" absent: the change does not say what it replaced.
                from_priority=mapping.priority(entry.get("from"), DEFAULT_PRIORITIES),
                has_from="from" in entry,
            )
        raise ValueError(f"{where}: unknown field {entry.get('field')!r}")

    # -- write ----------------------------------------------------------------------------

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        results = []
        for change in changes:
            if change.is_empty:
                results.append(WriteResult(change.ticket_id, "applied"))
                continue
            body: dict[str, Any] = {
                "add_tags": sorted(change.add_tags),
                "remove_tags": sorted(change.remove_tags),
            }
            if change.priority is not None:
                body["priority"] = NATIVE_PRIORITIES[change.priority]
            if change.fields:
                body["custom"] = dict(change.fields)
            try:
                self.http.put(f"/api/tickets/{change.ticket_id}", json=body)
            except RetryableHttpError as exc:
                results.append(WriteResult(change.ticket_id, "retry", str(exc)))
            except HttpError as exc:
                results.append(WriteResult(change.ticket_id, "rejected", str(exc)))
            else:
                results.append(WriteResult(change.ticket_id, "applied"))
        return results

    def api_calls(self) -> int:
        return self.http.calls

    def close(self) -> None:
        self.http.close()


__all__ = [
    "DEFAULT_PRIORITIES",
    "DEFAULT_STATUSES",
    "NATIVE_PRIORITIES",
    "ExampleConfig",
    "ExampleConnector",
]
