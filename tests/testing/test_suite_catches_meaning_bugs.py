"""The measure of issue #27: the standard suite catches deliberate bugs of meaning, by name.

Each bug of the issue (7 of meaning, 4 mechanical) is put into a variant of the Example
connector; the whole standard suite runs against it, and the test asserts exactly which named
standard tests fail and that each failure message says what is wrong. The unmodified Example
connector passes every standard test.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from slabridge.connectors.base import (
    ChangeSet,
    Checkpoint,
    Connector,
    ReadItem,
    Skipped,
    WriteResult,
)
from slabridge.connectors.cursor import InclusiveCursor
from slabridge.sla.ticket import Ticket, format_timestamp, parse_timestamp
from slabridge.testing.example import ExampleConnector, ExampleFake
from slabridge.testing.example.harness import ExampleHarness
from slabridge.testing.pytest_plugin import CapturedLogs
from slabridge.testing.suite import StandardConnectorTests

TOKEN = "good-token-7d21e0"
STANDARD_TESTS = sorted(name for name in dir(StandardConnectorTests) if name.startswith("test_"))


# -- the bugs -----------------------------------------------------------------------------


class FieldsReplacedConnector(ExampleConnector):
    """Writes custom fields by replacing the ticket's whole set (clearing the others)."""

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        replaced = []
        for change in changes:
            if change.fields:
                record = self.http.get_json(f"/api/tickets/{change.ticket_id}")
                cleared = dict.fromkeys(record.get("custom") or {})
                change = replace(change, fields={**cleared, **change.fields})
            replaced.append(change)
        return super().apply(replaced)


class RaisesOnMalformedConnector(ExampleConnector):
    """Raises on a record it cannot normalize, so the read fails on that page every run."""

    def normalize(self, record: dict[str, Any]) -> Ticket | Skipped:
        item = super().normalize(record)
        if isinstance(item, Skipped):
            raise ValueError(f"malformed ticket {item.ticket_id}: {item.reason}")
        return item


class OffByOneSecondConnector(ExampleConnector):
    """Asks for records updated after the cursor's second plus one (``modifiedSince`` + 1 s)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        get_json = self.http.get_json

        def later_by_a_second(path: str, **options: Any) -> Any:
            params = dict(options.pop("params", None) or {})
            if "updated_since" in params:
                since = parse_timestamp(params["updated_since"], None, "updated_since")
                params["updated_since"] = format_timestamp(since + timedelta(seconds=1))
            return get_json(path, params=params, **options)

        self.http.get_json = later_by_a_second  # type: ignore[method-assign]


def _with_replies(ticket: Ticket | Skipped, **reply: Any) -> Ticket | Skipped:
    if isinstance(ticket, Skipped):
        return ticket
    events = tuple(replace(e, **reply) if e.type == "reply" else e for e in ticket.events)
    return replace(ticket, events=events)


class InternalNotesArePublicConnector(ExampleConnector):
    """Counts internal notes as public replies."""

    def normalize(self, record: dict[str, Any]) -> Ticket | Skipped:
        return _with_replies(super().normalize(record), public=True)


class EveryReplyByAnAgentConnector(ExampleConnector):
    """Marks every reply as written by an agent."""

    def normalize(self, record: dict[str, Any]) -> Ticket | Skipped:
        return _with_replies(super().normalize(record), author="agent")


class PageNumberConnector(ExampleConnector):
    """Pages by page number (``?page=N``), which shifts when a ticket changes mid-read."""

    guards_repeated_pages = True

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = InclusiveCursor.decode(cursor)
        start = state.start
        number: int | None = 1
        previous: list[Any] | None = None
        while number is not None:
            params: dict[str, Any] = {"limit": self.settings.page_size, "page": number}
            if start is not None:
                params["updated_since"] = format_timestamp(start)
            page = self.http.get_json("/api/tickets", params=params)
            ids = [record.get("id") for record in page["tickets"]]
            if self.guards_repeated_pages and ids == previous:
                break  # the same page again: the API repeats itself
            previous = ids
            for record in page["tickets"]:
                item = self.normalize(record)
                if isinstance(item, Ticket) and not state.admit(item.id, item.updated_at):
                    continue
                yield item
            yield Checkpoint(state.encode())
            number = page.get("next_page")
        yield Checkpoint(state.encode() if state.at is not None else (cursor or ""))


class UpdatedSincePagesConnector(ExampleConnector):
    """Pages right: always page 1, from the last ``updated_at`` seen (no shifting offsets)."""

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = InclusiveCursor.decode(cursor)
        since = state.start
        served: set[tuple[Any, Any]] = set()
        while True:
            params: dict[str, Any] = {"limit": self.settings.page_size, "page": 1}
            if since is not None:
                params["updated_since"] = format_timestamp(since)
            page = self.http.get_json("/api/tickets", params=params)
            fresh = [
                record
                for record in page["tickets"]
                if (record.get("id"), record.get("updated_at")) not in served
            ]
            for record in fresh:
                served.add((record.get("id"), record.get("updated_at")))
                # Move on past every record, a skipped one too, by its raw update time.
                since = parse_timestamp(record.get("updated_at"), None, "updated_at")
                item = self.normalize(record)
                if isinstance(item, Ticket) and not state.admit(item.id, item.updated_at):
                    continue
                yield item
            yield Checkpoint(state.encode() if state.at is not None else (cursor or ""))
            if not fresh or page.get("next_page") is None:
                return  # nothing new (the API repeats itself) or the last page


class UnguardedPageNumberConnector(PageNumberConnector):
    """Pages by page number and follows every next-page link, repeated or not."""

    guards_repeated_pages = False


class UnguardedTokenConnector(ExampleConnector):
    """Follows every next-page token, even one it was given before."""

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = InclusiveCursor.decode(cursor)
        start = state.start
        token: str | None = None
        while True:
            params: dict[str, Any] = {"limit": self.settings.page_size}
            if start is not None:
                params["updated_since"] = format_timestamp(start)
            if token is not None:
                params["page_token"] = token
            page = self.http.get_json("/api/tickets", params=params)
            for record in page["tickets"]:
                item = self.normalize(record)
                if isinstance(item, Ticket) and not state.admit(item.id, item.updated_at):
                    continue
                yield item
            yield Checkpoint(state.encode())
            token = page.get("next_page_token")
            if token is None:
                return


class CursorStaysPutConnector(ExampleConnector):
    """Every checkpoint hands back the cursor the read was given."""

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        for item in super().read(cursor):
            yield Checkpoint(cursor or "") if isinstance(item, Checkpoint) else item


class CursorStuckAtFirstPageConnector(ExampleConnector):
    """Every checkpoint after the first repeats the first one."""

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        first: Checkpoint | None = None
        for item in super().read(cursor):
            if isinstance(item, Checkpoint):
                first = first or item
                yield first
            else:
                yield item


class _TagWritingConnector(ExampleConnector):
    def current_tags(self, ticket_id: str) -> frozenset[str]:
        return frozenset(self.http.get_json(f"/api/tickets/{ticket_id}").get("tags") or ())


class TagsReplacedOnAddConnector(_TagWritingConnector):
    """Makes the ticket's tags exactly the tags it adds, dropping every other tag."""

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        replaced = [
            replace(change, remove_tags=self.current_tags(change.ticket_id) - change.add_tags)
            if change.add_tags
            else change
            for change in changes
        ]
        return super().apply(replaced)


class TagsClearedOnRemoveConnector(_TagWritingConnector):
    """Removing a tag clears the ticket's whole tag list."""

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        replaced = [
            replace(change, remove_tags=self.current_tags(change.ticket_id) - change.add_tags)
            if change.remove_tags
            else change
            for change in changes
        ]
        return super().apply(replaced)


@dataclass(frozen=True)
class Bug:
    """A deliberate bug and what the suite must say about it: failing test → message regex."""

    name: str
    connector: type[ExampleConnector]
    caught_by: dict[str, str]
    meaning: bool = True


CANONICAL_READ = "test_a_canonical_ticket_reads_back_event_by_event"
CANONICAL_FETCH = "test_fetch_returns_a_canonical_ticket_event_by_event"
CORRUPT_RECORD = "test_a_corrupt_record_is_skipped_and_the_cursor_moves_past_it"
REPEATED_PAGE = "test_a_repeated_page_stops_the_read_with_each_ticket_once"

BUGS = (
    Bug(
        "custom fields replaced instead of merged",
        FieldsReplacedConnector,
        {
            "test_apply_merges_custom_fields_instead_of_replacing_them": (
                r"custom fields replaced instead of merged: writing only 'region' changed "
                r"'plan' from 'gold' to None"
            )
        },
    ),
    Bug(
        "a malformed record raises and the read fails on its page",
        RaisesOnMalformedConnector,
        {
            CORRUPT_RECORD: (
                r"with record '\d+' corrupt, read\(\) raised ValueError: malformed ticket"
            )
        },
    ),
    Bug(
        "the modifiedSince boundary off by one second",
        OffByOneSecondConnector,
        {
            "test_every_change_in_the_cursors_boundary_second_is_read_next_time": (
                r"changes in the cursor's boundary second \(2026-01-05T06:03:00\+00:00, when "
                r"'\d+' was last updated\) were not read on the next read: \['\d+', '\d+'\]"
            )
        },
    ),
    Bug(
        "internal notes counted as public replies",
        InternalNotesArePublicConnector,
        {
            name: (
                r"internal note read back as a public reply: event 3 \(internal reply by agent "
                r"at 2026-01-05T06:03:00\+00:00\)"
            )
            for name in (CANONICAL_READ, CANONICAL_FETCH)
        },
    ),
    Bug(
        "every thread marked as written by an agent",
        EveryReplyByAnAgentConnector,
        {
            name: (
                r"reply by the customer read back as written by the agent: event 1 \(public "
                r"reply by customer at 2026-01-05T06:01:00\+00:00\).*event 6"
            )
            for name in (CANONICAL_READ, CANONICAL_FETCH)
        },
    ),
    Bug(
        "page-number paging that loses a ticket when another changes during the read",
        PageNumberConnector,
        {
            "test_a_ticket_edited_mid_read_loses_no_ticket": (
                r"tickets lost when ticket '\d+' changed after page 1 of the read: \['\d+'\]"
            )
        },
    ),
    Bug(
        "no guard against a repeated page link (page tokens)",
        UnguardedTokenConnector,
        {
            REPEATED_PAGE: r"read\(\) kept requesting pages after the API repeated a page",
            "test_read_stops_on_a_repeated_page_token": r"repeated a page token",
        },
    ),
    Bug(
        "no guard against a repeated page link (page numbers)",
        UnguardedPageNumberConnector,
        {
            REPEATED_PAGE: r"read\(\) kept requesting pages after the API repeated a page",
            "test_read_stops_on_a_repeated_page_token": r"repeated a page token",
            # Unguarded and page-numbered: it has the shifting bug too.
            "test_a_ticket_edited_mid_read_loses_no_ticket": r"tickets lost",
        },
    ),
    Bug(
        "a cursor that never advances (the cursor it was given)",
        CursorStaysPutConnector,
        {
            "test_reading_again_from_the_cursor_yields_no_version_twice": (
                r"unchanged tickets were yielded again from the cursor"
            ),
            # A cursor that stays put cannot move past a corrupt record either.
            CORRUPT_RECORD: r"the cursor did not move past the corrupt record '\d+'",
        },
        meaning=False,
    ),
    Bug(
        "a cursor that never advances (stuck at the first page)",
        CursorStuckAtFirstPageConnector,
        {
            "test_reading_again_from_the_cursor_yields_no_version_twice": (
                r"unchanged tickets were yielded again from the cursor"
            ),
            # A cursor that stays put cannot move past a corrupt record either.
            CORRUPT_RECORD: r"the cursor did not move past the corrupt record '\d+'",
        },
        meaning=False,
    ),
    Bug(
        "tags replaced instead of diffed (on add)",
        TagsReplacedOnAddConnector,
        {
            "test_apply_sends_the_change_and_repeating_it_changes_nothing": (
                r"apply\(\) removed tags it does not own"
            ),
            "test_apply_removes_only_the_named_tags": r"must keep the ticket's other tags",
        },
        meaning=False,
    ),
    Bug(
        "tags replaced instead of diffed (on remove)",
        TagsClearedOnRemoveConnector,
        {"test_apply_removes_only_the_named_tags": r"must keep the ticket's other tags"},
        meaning=False,
    ),
)


# -- running the standard suite -----------------------------------------------------------


def run_standard_suite(
    connector_class: type[ExampleConnector], captured_logs: CapturedLogs
) -> dict[str, str]:
    """Run every standard test against ``connector_class``; return failing test → message."""

    class Harness(ExampleHarness):
        def make_connector(self, **overrides: Any) -> Connector:
            return connector_class("example", self.config(**overrides), sleep=self.record_sleep)

    suite = StandardConnectorTests()
    failures: dict[str, str] = {}
    for name in STANDARD_TESTS:
        test = getattr(suite, name)
        options = (
            {"captured_logs": captured_logs}
            if "captured_logs" in inspect.signature(test).parameters
            else {}
        )
        with ExampleFake(tokens={TOKEN: "admin"}) as fake:
            harness = Harness(fake, secrets=[TOKEN])
            harness.token = TOKEN
            captured_logs.clear()
            try:
                test(harness, **options)
            except (Exception, pytest.fail.Exception) as exc:  # an error fails the test too
                failures[name] = f"{type(exc).__name__}: {exc}"
            finally:
                harness.close_connectors()
    return failures


def test_the_unmodified_example_connector_passes_every_standard_test(
    captured_logs: CapturedLogs,
) -> None:
    assert run_standard_suite(ExampleConnector, captured_logs) == {}


def test_a_page_numbered_connector_that_pages_by_updated_at_passes_every_standard_test(
    captured_logs: CapturedLogs,
) -> None:
    # The page-number tests are fair to page-numbered APIs: paging right passes them.
    assert run_standard_suite(UpdatedSincePagesConnector, captured_logs) == {}


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_the_standard_suite_fails_the_bug_in_the_named_tests(
    bug: Bug, captured_logs: CapturedLogs
) -> None:
    failures = run_standard_suite(bug.connector, captured_logs)
    assert set(failures) == set(bug.caught_by), (
        f"{bug.name}: failing tests {sorted(failures)}, expected {sorted(bug.caught_by)}"
    )
    for name, pattern in bug.caught_by.items():
        assert re.search(pattern, failures[name]), (
            f"{name} does not say what is wrong: {failures[name]}"
        )


def test_the_measure_covers_the_issues_eleven_bugs() -> None:
    assert (sum(bug.meaning for bug in BUGS), sum(not bug.meaning for bug in BUGS)) == (8, 4), (
        "7 bugs of meaning (the repeated page link in two paging styles) and 4 mechanical ones"
    )
