"""FakeJira's and FakeJiraDataCenter's side of the scenario protocol (``fake_protocol``).

A loaded ticket is stored as Jira holds it: an issue whose labels are the tags (Jira refuses
a label with a space), custom fields under their ``customfield_*`` id, replies as comments by
an agent or the reporter (a JSM customer) with ``jsdPublic`` false for an internal note, and
status and priority changes as changelog histories. Cloud pages its search with
``nextPageToken``; Data Center with ``startAt``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from slabridge.sla.ticket import Ticket
from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge.testing.scenario_pages import ListPageHooks
from slabridge_jira.fake_catalog import CUSTOM_FIELDS

if TYPE_CHECKING:
    from slabridge_jira.fake_catalog import _Issue

# What a corrupt issue's ``created`` reads: a local time with no offset, which no Jira
# timestamp parser can place (the connector must skip the issue, not guess).
CORRUPT_CREATED = "2025-01-01T09:00:00.000"
_CUSTOM_TYPES = "com.atlassian.jira.plugin.system.customfieldtypes"
# A loaded custom field's (schema type, custom type, items) by its JSON value's kind.
_FIELD_KINDS: dict[type, tuple[str, str, str | None]] = {
    str: ("string", f"{_CUSTOM_TYPES}:textfield", None),
    int: ("number", f"{_CUSTOM_TYPES}:float", None),
    float: ("number", f"{_CUSTOM_TYPES}:float", None),
    list: ("array", f"{_CUSTOM_TYPES}:labels", "string"),
}
# (id, name, schema type, custom type, items), the shape of the fake's built-in fields.
FieldSpec = tuple[str, str, str, str, str | None]


def _search_args(request: FakeRequest) -> dict[str, Any]:
    """The search's parameters, from a POST body or the GET query alike."""
    if request.method == "POST":
        try:
            body = request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    return {name: values[0] for name, values in request.query.items() if values}


class JiraScenarios(ListPageHooks):
    """Loads, breaks and races issues for the standard suite; Jira can hold every part."""

    scenario_limits: frozenset[str] = frozenset()
    # Where the list read pages, under ``api`` (Cloud: the token-paged enhanced search).
    list_search_path = "/search/jql"

    if TYPE_CHECKING:
        api: str
        issues: dict[str, _Issue]

        def load_normalized(self, ticket: Ticket) -> str: ...

        def _history(
            self, issue: _Issue, at: datetime, items: list[dict[str, Any]], author: str = ...
        ) -> None: ...

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self._corrupt_ids: set[str] = set()
        # Custom fields a loaded ticket brought along; ``GET /field`` lists them too.
        self.scenario_fields: list[FieldSpec] = []

    def load_ticket(self, ticket: Ticket) -> str:
        """Store ``ticket`` as an issue with its comments and changelog; return the issue id.

        Custom fields must be keyed ``customfield_*``, as the connector names them; ``tags``
        become labels. Raises ValueError naming a field, tag or event Jira could not hold (a
        label with a space; an internal note by the customer, which JSM does not allow).
        """
        builtin = self._builtin_field_ids()
        known = builtin | {spec[0] for spec in self.scenario_fields}
        added: list[FieldSpec] = []
        for key, value in ticket.fields.items():
            where = f"FakeJira.load_ticket: fields[{key!r}]"
            if not key.startswith("customfield_"):
                raise ValueError(f"{where}: Jira custom fields are keyed customfield_<id>")
            if key in builtin:
                raise ValueError(f"{where}: the fake's own field; the ticket's customer sets it")
            kind = _FIELD_KINDS.get(type(value))
            if kind is None or (kind[0] == "array" and not all(isinstance(v, str) for v in value)):
                raise ValueError(
                    f"{where}: {value!r} is not a text, number or list of labels (the kinds "
                    "of custom field the fake can create)"
                )
            if key not in known:
                added.append((key, f"Field {key}", *kind))
        for tag in ticket.tags:
            if not tag or any(char.isspace() for char in tag):
                raise ValueError(f"FakeJira.load_ticket: tags: {tag!r}: a label has no spaces")
        for index, event in enumerate(ticket.events):
            if event.type == "reply" and event.author == "customer" and not event.public:
                # JSM lets only agents comment internally; the connector reads any internal
                # comment as an agent's, so such a ticket could not be held as given.
                raise ValueError(
                    f"FakeJira.load_ticket: events[{index}]: a customer cannot write an "
                    "internal comment in Jira Service Management"
                )
        with self.lock:
            self.scenario_fields.extend(added)  # as an admin creates them before the ticket
            return self.load_normalized(ticket)

    def _builtin_field_ids(self) -> set[str]:
        return {spec[0] for spec in CUSTOM_FIELDS}

    def corrupt_ticket(self, ticket_id: str) -> None:
        """Make the issue's ``fields.created`` a time with no offset (unparsable)."""
        with self.lock:
            if ticket_id not in self.issues:
                raise KeyError(ticket_id)
            self._corrupt_ids.add(ticket_id)

    def corrupted_fields(self, issue_id: str) -> dict[str, Any]:
        """The field values that replace the stored ones of a corrupted issue."""
        return {"created": CORRUPT_CREATED} if issue_id in self._corrupt_ids else {}

    def touch_at(self, ticket_id: str, moment: datetime) -> None:
        """Edit the summary at ``moment`` (a changelog entry); ``updated`` becomes ``moment``."""
        with self.lock:
            issue = self.issues[ticket_id]
            old = issue.summary
            issue.summary = f"{old} (edited)"
            item = {
                "field": "summary",
                "fieldtype": "jira",
                "fieldId": "summary",
                "from": None,
                "fromString": old,
                "to": None,
                "toString": issue.summary,
            }
            self._history(issue, moment, [item])
            issue.updated = moment

    def is_list_page(self, request: FakeRequest) -> bool:
        if request.path != f"{self.api}{self.list_search_path}":
            return False
        # fetch() searches ``issuekey in (...)``: not the incremental read.
        return not str(_search_args(request).get("jql") or "").startswith("issuekey in")

    def is_next_list_page(self, request: FakeRequest) -> bool:
        return bool(_search_args(request).get("nextPageToken"))

    def list_page_has_more(self, response: FakeResponse) -> bool:
        body = response.body
        return isinstance(body, dict) and body.get("isLast") is False


class JiraDataCenterScenarios(JiraScenarios):
    """The same for Data Center: the list read is ``/search`` paged by ``startAt``."""

    list_search_path = "/search"

    def is_next_list_page(self, request: FakeRequest) -> bool:
        try:
            return int(_search_args(request).get("startAt") or 0) > 0
        except (TypeError, ValueError):
            return False

    def list_page_has_more(self, response: FakeResponse) -> bool:
        body = response.body
        if not isinstance(body, dict):
            return False
        start, total = body.get("startAt"), body.get("total")
        issues = body.get("issues") or []
        return isinstance(start, int) and isinstance(total, int) and start + len(issues) < total


__all__ = ["CORRUPT_CREATED", "JiraDataCenterScenarios", "JiraScenarios"]
