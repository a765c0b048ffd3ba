"""The standard connector tests: every connector gets the whole suite by subclassing one class.

In a connector's tests::

    from slabridge.testing.suite import ConnectorHarness, StandardConnectorTests

    class AcmeHarness(ConnectorHarness):
        page_size = 2
        ...  # make_connector, seed, touch, tags, priority, future_cursor, ...

    class TestAcmeConnector(StandardConnectorTests):
        @pytest.fixture
        def harness(self) -> Iterator[AcmeHarness]:
            with AcmeFake() as fake:
                yield AcmeHarness(fake, secrets=[TOKEN])

See docs/plugins/testing.md for what each test checks and how to write a harness.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slabridge.connectors.base import (
    ChangeSet,
    Checkpoint,
    CheckProblem,
    Connector,
    ReadItem,
)
from slabridge.connectors.http import HttpError
from slabridge.sla.ticket import PRIORITIES, STATUSES, Ticket, parse_ticket
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FaultKind
from slabridge.testing.pytest_plugin import CapturedLogs
from slabridge.testing.read_items import checkpoints_of, last_cursor, tickets_of
from slabridge.testing.semantic import SemanticConnectorTests

# Where the scenario tests' tickets start by default: hours before the clocks the bundled fakes
# start at (2026-01-05 09:00 UTC), and long past for a fake on the wall clock.
SCENARIO_START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)

# Tags the suite writes; distinctive so they cannot clash with tags a fake seeds.
SUITE_TAGS = ("slabridge_suite_a", "slabridge_suite_b")


class ConnectorHarness(ABC):
    """What the standard suite needs to drive one connector against its fake.

    Set ``page_size`` to the page size the connectors made by :meth:`make_connector` ask for (keep
    it small, e.g. 2, so that pagination is exercised with a few tickets). The scenario tests
    (``slabridge.testing.semantic``) drive ``fake`` through the
    :class:`~slabridge.testing.fake_protocol.ScenarioFake` methods; set ``scenario_opt_out`` to
    a reason only while the fake cannot implement them (those tests then xfail with the reason).

    Attributes:
        fake: the started fake API the connectors talk to.
        secrets: every credential value the connectors use; the suite checks none leaks.
        sleeps: the waits connectors made by this harness asked for (they must not sleep).
    """

    page_size: int = 2
    # Kept for old harnesses; no test is skipped for it any more (a repeated page is tested for
    # every paging style through the fake's repeat_next_page()).
    has_page_tokens: bool = True
    # Why this harness's fake does not implement ScenarioFake yet; None: it does.
    scenario_opt_out: str | None = None
    # True when apply() reads the ticket and sends only what differs: then re-applying an
    # identical change set must send no write at all.
    diffs_writes: bool = False

    def __init__(self, fake: FakeAPI, *, secrets: Sequence[str] = ()) -> None:
        self.fake = fake
        self.secrets: list[str] = [secret for secret in secrets if secret]
        self.sleeps: list[float] = []
        self._connectors: list[Connector] = []

    def record_sleep(self, seconds: float) -> None:
        """Pass as ``sleep=`` to connectors: records the wait instead of sleeping."""
        self.sleeps.append(seconds)

    # -- what every harness provides ------------------------------------------------------

    @abstractmethod
    def make_connector(self, **overrides: Any) -> Connector:
        """A connector for ``self.fake`` with valid credentials and ``sleep=self.record_sleep``.

        ``overrides`` replace config keys (the suite passes none; connector tests may).
        """

    @abstractmethod
    def make_connector_with_bad_credentials(self) -> Connector:
        """Like :meth:`make_connector`, but with credentials the fake rejects."""

    @abstractmethod
    def seed(self, count: int) -> list[str]:
        """Create ``count`` open tickets in the fake, each later than the last; return their ids."""

    @abstractmethod
    def touch(self, ticket_id: str) -> None:
        """Change a ticket in the fake so that it reads as updated (advance the fake's clock)."""

    @abstractmethod
    def tags(self, ticket_id: str) -> set[str]:
        """The ticket's tags as the fake holds them now."""

    @abstractmethod
    def priority(self, ticket_id: str) -> str | None:
        """The ticket's priority in the fake, as a normalized priority (low..urgent) or None."""

    @abstractmethod
    def future_cursor(self) -> str:
        """A cursor (as the connector encodes them) for an instant after every ticket in the fake.

        E.g. ``InclusiveCursor.starting_at(fake_now + timedelta(days=1))``.
        """

    # -- optional -------------------------------------------------------------------------

    def repeat_next_page_token(self) -> None:
        """Make the fake answer every later page request with the page (or token) just served.

        That is a broken API on which a naive read would ask for the same page forever; the
        connector must notice the repeat and stop (``TokenPages`` does for tokens). The default
        calls the fake's ``repeat_next_page()`` (the scenario protocol); old harnesses override
        this instead.
        """
        repeat = getattr(self.fake, "repeat_next_page", None)
        if repeat is None:
            raise NotImplementedError(
                f"{type(self.fake).__name__} has no repeat_next_page() (the ScenarioFake "
                f"protocol) and {type(self).__name__} does not override repeat_next_page_token()"
            )
        repeat()

    def scenario_start(self) -> datetime:
        """The instant the scenario tests' tickets start at; all of them lie within 2 hours.

        Override when the fake's clock or the connector's read window needs another instant
        (the tickets must be in the past for the fake and inside what the connector reads).
        """
        return SCENARIO_START

    def scenario_fields(self, connector: Connector) -> dict[str, Any]:
        """Two custom fields for the canonical ticket, keyed as the connector names them.

        The default takes, for ``region`` and ``plan``, the first key form the connector's
        ``field_key_problem`` accepts, most constrained first: ``customfield_1005<n>`` (Jira),
        a numeric id (Zendesk), ``cf_<name>`` (Freshdesk), the bare name. Override when your
        service keys custom fields otherwise (the Example harness does: ``region``, ``plan``).
        """
        fields: dict[str, Any] = {}
        for number, (name, value) in enumerate((("region", "EU"), ("plan", "gold")), start=1):
            forms = (f"customfield_1005{number}", f"36000000005{number}", f"cf_{name}", name)
            accepted = [form for form in forms if connector.field_key_problem(form) is None]
            assert accepted, (
                f"{type(connector).__name__}.field_key_problem() rejects every key form tried "
                f"for a custom field ({', '.join(forms)}): override scenario_fields()"
            )
            fields[accepted[0]] = value
        return fields

    def missing_ticket_id(self) -> str:
        """An id no ticket in the fake has (fetch must skip it, not fail)."""
        return "987654321"

    def is_write(self, request: FakeRequest) -> bool:
        """Whether a logged request changes state; override when reads use POST (Jira search)."""
        return request.method not in ("GET", "HEAD", "OPTIONS")

    def state(self, ticket_id: str) -> object:
        """What an idempotent write must leave unchanged; add fields the connector writes."""
        return (frozenset(self.tags(ticket_id)), self.priority(ticket_id))

    def sample_change(self, ticket_id: str, connector: Connector) -> ChangeSet:
        """A change to apply: the suite tags and another priority, as capabilities allow."""
        current = self.priority(ticket_id)
        return ChangeSet(
            ticket_id,
            add_tags=frozenset(SUITE_TAGS) if connector.capabilities.tags else frozenset(),
            priority=(
                ("low" if current == "urgent" else "urgent")
                if connector.capabilities.priority
                else None
            ),
        )

    # -- used by the suite ----------------------------------------------------------------

    def connect(self, *, bad_credentials: bool = False) -> Connector:
        """A connector the suite closes after the test."""
        connector = (
            self.make_connector_with_bad_credentials() if bad_credentials else self.make_connector()
        )
        self._connectors.append(connector)
        return connector

    def close_connectors(self) -> None:
        while self._connectors:
            self._connectors.pop().close()


def _assert_utc(moment: Any, what: str) -> None:
    assert moment.tzinfo is not None, f"{what} is a naive datetime; it must be aware"
    assert moment.utcoffset() == timedelta(0), f"{what} is not in UTC: {moment.isoformat()}"


def assert_valid_ticket(ticket: Ticket, connector: Connector) -> None:
    """The normalized-ticket invariants every connector must keep (docs/plugins/ticket.md)."""
    where = f"ticket {ticket.id!r}"
    assert isinstance(ticket.id, str) and ticket.id, f"{where}: id must be a non-empty string"
    _assert_utc(ticket.created_at, f"{where}.created_at")
    _assert_utc(ticket.updated_at, f"{where}.updated_at")
    assert ticket.created_at <= ticket.updated_at, f"{where}: created_at after updated_at"
    assert ticket.status in STATUSES, f"{where}: status {ticket.status!r} not in {STATUSES}"
    assert ticket.priority is None or ticket.priority in PRIORITIES, (
        f"{where}: priority {ticket.priority!r} not in {PRIORITIES}"
    )
    assert ticket.source == connector.type_name, (
        f"{where}: source must be the connector type {connector.type_name!r}"
    )
    for index, event in enumerate(ticket.events):
        _assert_utc(event.at, f"{where}.events[{index}].at")
    assert list(ticket.events) == sorted(ticket.events, key=lambda event: event.at), (
        f"{where}: events must be in time order"
    )
    for key, value in ticket.fields.items():
        assert isinstance(key, str), f"{where}: field key {key!r} is not a string"
        assert value is None or isinstance(value, str | int | float | bool | list), (
            f"{where}: fields[{key!r}] is not a JSON scalar or list"
        )
    # The JSON form must parse back: it is what `slabridge evaluate` and the state store see.
    parse_ticket(ticket.to_json())


def _read_all(connector: Connector, cursor: str | None) -> list[ReadItem]:
    return list(connector.read(cursor))


class StandardConnectorTests(SemanticConnectorTests):
    """The tests every connector must pass; subclass it and provide a ``harness`` fixture.

    The scenario tests of meaning come from :class:`SemanticConnectorTests`.

    The class name does not start with ``Test`` so pytest collects it only through subclasses.
    """

    @pytest.fixture
    def harness(self) -> ConnectorHarness:
        pytest.fail("override the `harness` fixture to return your ConnectorHarness")

    @pytest.fixture(autouse=True)
    def _close_connectors(self, harness: ConnectorHarness) -> Iterator[None]:
        yield
        harness.close_connectors()

    # -- check ----------------------------------------------------------------------------

    def test_check_passes_with_good_credentials(self, harness: ConnectorHarness) -> None:
        problems = harness.connect().check()
        assert problems == [], f"check() reported problems against a healthy fake: {problems}"

    def test_check_reports_bad_credentials_as_problems(self, harness: ConnectorHarness) -> None:
        problems = harness.connect(bad_credentials=True).check()
        assert problems, "check() accepted credentials the fake rejects"
        for problem in problems:
            assert isinstance(problem, CheckProblem), (
                f"check() must return CheckProblem objects, got {problem!r}"
            )
            assert problem.message.strip(), "a CheckProblem needs a message an admin can act on"
            text = f"{problem.message} {problem.hint or ''}"
            for secret in harness.secrets:
                assert secret not in text, "a check message shows a credential"

    # -- read -----------------------------------------------------------------------------

    def test_full_read_yields_unique_valid_tickets(self, harness: ConnectorHarness) -> None:
        seeded = harness.seed(3)
        connector = harness.connect()
        items = _read_all(connector, None)
        tickets = tickets_of(items)
        ids = [ticket.id for ticket in tickets]
        assert len(ids) == len(set(ids)), f"a full read yielded an id twice: {ids}"
        assert set(seeded) <= set(ids), f"seeded tickets missing from a full read: {seeded}"
        for ticket in tickets:
            assert_valid_ticket(ticket, connector)
        assert isinstance(items[-1], Checkpoint), "read() must end with a Checkpoint"

    def test_pagination_covers_every_page(self, harness: ConnectorHarness) -> None:
        seeded = harness.seed(harness.page_size * 2 + 1)
        calls_before = len(harness.fake.calls)
        tickets = tickets_of(_read_all(harness.connect(), None))
        assert set(seeded) <= {ticket.id for ticket in tickets}, "a page was not read"
        made = len(harness.fake.calls) - calls_before
        assert made >= 3, f"{len(seeded)} tickets at {harness.page_size} a page took {made} calls"

    def test_read_stops_on_a_repeated_page_token(self, harness: ConnectorHarness) -> None:
        harness.seed(harness.page_size * 3 + 1)
        connector = harness.connect()
        limit = harness.page_size * 3 + 10
        # A breaker: after `limit` requests every answer is a 418, so a looping read fails fast.
        harness.fake.inject("4xx", status=418, skip=limit)
        harness.repeat_next_page_token()
        calls_before = len(harness.fake.calls)
        try:
            items = _read_all(connector, None)
        except HttpError as exc:
            if exc.status == 418:
                pytest.fail("read() kept requesting pages after the API repeated a page token")
            raise
        assert len(harness.fake.calls) - calls_before < limit, (
            "read() looped on a repeated page token instead of stopping"
        )
        assert tickets_of(items), "read() yielded nothing before the repeated token"
        assert isinstance(items[-1], Checkpoint), "read() must end with a Checkpoint"

    def test_second_read_resumes_from_the_cursor_without_a_gap(
        self, harness: ConnectorHarness
    ) -> None:
        seeded = harness.seed(3)
        connector = harness.connect()
        cursor = last_cursor(_read_all(connector, None))
        harness.touch(seeded[0])
        added = harness.seed(1)
        items = _read_all(connector, cursor)
        ids = {ticket.id for ticket in tickets_of(items)}
        assert seeded[0] in ids, "a ticket changed between two reads was missed"
        assert added[0] in ids, "a ticket created between two reads was missed"
        assert isinstance(items[-1], Checkpoint), "read() must end with a Checkpoint"

    def test_reading_again_from_the_cursor_yields_no_version_twice(
        self, harness: ConnectorHarness
    ) -> None:
        harness.seed(3)
        connector = harness.connect()
        first = _read_all(connector, None)
        seen = {(ticket.id, ticket.updated_at) for ticket in tickets_of(first)}
        again = tickets_of(_read_all(connector, last_cursor(first)))
        repeated = [ticket.id for ticket in again if (ticket.id, ticket.updated_at) in seen]
        assert not repeated, f"unchanged tickets were yielded again from the cursor: {repeated}"

    def test_cursor_in_the_future_yields_nothing_but_a_checkpoint(
        self, harness: ConnectorHarness
    ) -> None:
        harness.seed(2)
        items = _read_all(harness.connect(), harness.future_cursor())
        assert tickets_of(items) == [], "a cursor after every ticket still yielded tickets"
        assert checkpoints_of(items), "read() must yield a Checkpoint even when nothing changed"

    def test_fetch_returns_the_given_tickets_and_skips_missing_ones(
        self, harness: ConnectorHarness
    ) -> None:
        seeded = harness.seed(3)
        connector = harness.connect()
        wanted = [seeded[0], seeded[2], harness.missing_ticket_id()]
        items = list(connector.fetch(wanted))
        tickets = tickets_of(items)
        assert sorted(ticket.id for ticket in tickets) == sorted(wanted[:2]), (
            f"fetch({wanted}) must yield the two existing tickets and skip the missing one"
        )
        for ticket in tickets:
            assert_valid_ticket(ticket, connector)

    # -- HTTP failures --------------------------------------------------------------------

    def test_429_with_retry_after_waits_then_succeeds(self, harness: ConnectorHarness) -> None:
        seeded = harness.seed(2)
        connector = harness.connect()
        fault = harness.fake.inject("429", times=1, retry_after="1")
        harness.sleeps.clear()
        tickets = tickets_of(_read_all(connector, None))
        assert fault.hits == 1, "the injected 429 was not met (did read() call the API?)"
        missing = set(seeded) - {ticket.id for ticket in tickets}
        assert not missing, f"after a 429 the read lost tickets: {sorted(missing)}"
        assert any(wait >= 1.0 for wait in harness.sleeps), (
            f"Retry-After: 1 was not honoured (recorded waits: {harness.sleeps}); "
            "pass sleep=harness.record_sleep to the connector and its HttpClient"
        )

    def test_5xx_is_retried(self, harness: ConnectorHarness) -> None:
        seeded = harness.seed(1)
        connector = harness.connect()
        fault = harness.fake.inject("5xx", times=2)
        tickets = tickets_of(_read_all(connector, None))
        assert fault.hits == 2, f"two 5xx answers should be retried through (hit {fault.hits})"
        assert seeded[0] in {ticket.id for ticket in tickets}, "after two 5xx the ticket was lost"

    def test_persistent_5xx_fails_with_a_clear_error(self, harness: ConnectorHarness) -> None:
        harness.seed(1)
        connector = harness.connect()
        fault = harness.fake.inject("5xx", status=503)
        with pytest.raises(HttpError) as caught:
            _read_all(connector, None)
        assert fault.hits > 1, "a 503 was not retried"
        assert caught.value.status == 503, f"the error names the wrong status: {caught.value}"
        assert "503" in str(caught.value), f"the error does not say what failed: {caught.value}"

    def test_other_4xx_fails_at_once(self, harness: ConnectorHarness) -> None:
        harness.seed(1)
        connector = harness.connect()
        fault = harness.fake.inject("4xx", status=400)
        with pytest.raises(HttpError) as caught:
            _read_all(connector, None)
        assert fault.hits == 1, "a 400 was retried"
        assert caught.value.status == 400, f"the error names the wrong status: {caught.value}"
        assert not caught.value.retryable, "a 400 must not be marked retryable"

    # -- apply ----------------------------------------------------------------------------

    def test_apply_sends_the_change_and_repeating_it_changes_nothing(
        self, harness: ConnectorHarness
    ) -> None:
        ticket_id = harness.seed(1)[0]
        connector = harness.connect()
        change = harness.sample_change(ticket_id, connector)
        assert not change.is_empty, "sample_change() must change something"
        tags_before = harness.tags(ticket_id)
        calls_before = len(harness.fake.calls)
        results = connector.apply([change])
        assert [(r.ticket_id, r.outcome) for r in results] == [(ticket_id, "applied")], results
        writes = [c for c in harness.fake.calls[calls_before:] if harness.is_write(c.request)]
        assert writes, "apply() sent no write request"
        tags = harness.tags(ticket_id)
        assert change.add_tags <= tags, f"tags not added: {set(change.add_tags - tags)}"
        assert tags_before - change.remove_tags <= tags, "apply() removed tags it does not own"
        if change.priority is not None:
            assert harness.priority(ticket_id) == change.priority, (
                f"priority not written: {harness.priority(ticket_id)!r}, wanted {change.priority!r}"
            )
        state = harness.state(ticket_id)
        # The sync re-reads before planning again; the same change must leave the state alone.
        list(connector.fetch([ticket_id]))
        calls_before = len(harness.fake.calls)
        again = connector.apply([change])
        assert [(r.ticket_id, r.outcome) for r in again] == [(ticket_id, "applied")], again
        assert harness.state(ticket_id) == state, "applying the same change twice changed state"
        if harness.diffs_writes:
            rewrites = [c for c in harness.fake.calls[calls_before:] if harness.is_write(c.request)]
            assert rewrites == [], "a connector that diffs sent a write for a change already made"

    def test_apply_removes_only_the_named_tags(self, harness: ConnectorHarness) -> None:
        ticket_id = harness.seed(1)[0]
        connector = harness.connect()
        if not connector.capabilities.tags:
            pytest.skip("the connector declares it cannot write tags")
        original = harness.tags(ticket_id)
        connector.apply([ChangeSet(ticket_id, add_tags=frozenset(SUITE_TAGS))])
        results = connector.apply([ChangeSet(ticket_id, remove_tags=frozenset(SUITE_TAGS[:1]))])
        assert [r.outcome for r in results] == ["applied"], results
        assert harness.tags(ticket_id) == (original | set(SUITE_TAGS[1:])), (
            "removing one tag must keep the ticket's other tags"
        )

    def test_empty_change_set_sends_no_write(self, harness: ConnectorHarness) -> None:
        ticket_id = harness.seed(1)[0]
        connector = harness.connect()
        calls_before = len(harness.fake.calls)
        results = connector.apply([ChangeSet(ticket_id)])
        assert [(r.ticket_id, r.outcome) for r in results] == [(ticket_id, "applied")], results
        writes = [c for c in harness.fake.calls[calls_before:] if harness.is_write(c.request)]
        assert writes == [], "an empty change set sent a write"

    def test_a_rejected_write_is_reported_not_raised(self, harness: ConnectorHarness) -> None:
        ticket_id = harness.seed(1)[0]
        connector = harness.connect()
        change = harness.sample_change(ticket_id, connector)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            harness.fake.inject("4xx", status=422, method=method)
        results = connector.apply([change])
        assert [(r.ticket_id, r.outcome) for r in results] == [(ticket_id, "rejected")], results
        assert results[0].error, "a rejected write must say why"

    # -- secrets --------------------------------------------------------------------------

    def test_no_secret_in_logs_or_error_text(
        self, harness: ConnectorHarness, captured_logs: CapturedLogs
    ) -> None:
        assert harness.secrets, "the harness must list the credentials it uses in `secrets`"
        harness.seed(1)
        texts = [
            f"{problem.message} {problem.hint or ''}"
            for problem in harness.connect(bad_credentials=True).check()
        ]
        connector = harness.connect()
        failures: tuple[tuple[FaultKind, int], ...] = (("4xx", 400), ("5xx", 503), ("4xx", 401))
        for kind, status in failures:
            fault = harness.fake.inject(kind, status=status)
            try:
                _read_all(connector, None)
            except Exception as exc:  # every error text counts, whatever its type
                texts.append(f"{exc!s} {exc!r}")
            harness.fake.faults.remove(fault)
        assert captured_logs.entries, "no log lines were captured: does the connector log?"
        for secret in harness.secrets:
            assert secret not in captured_logs.text, "a credential appears in the logs"
            for text in texts:
                assert secret not in text, f"a credential appears in an error: {text[:80]}"


__all__ = [
    "SUITE_TAGS",
    "ConnectorHarness",
    "StandardConnectorTests",
    "assert_valid_ticket",
    "checkpoints_of",
    "last_cursor",
    "tickets_of",
]
