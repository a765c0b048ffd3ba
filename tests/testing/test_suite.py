"""The standard connector suite, run against the Example connector, and shown to catch bugs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from slabridge.connectors.base import ChangeSet, Checkpoint, Connector, WriteResult
from slabridge.testing.example import ExampleConnector, ExampleFake
from slabridge.testing.example.harness import ExampleHarness
from slabridge.testing.fakeapi import FakeAPI
from slabridge.testing.suite import StandardConnectorTests

TOKEN = "good-token-4f9a1c"


@pytest.fixture
def example_harness() -> Iterator[ExampleHarness]:
    with ExampleFake(tokens={TOKEN: "admin"}) as fake:
        harness = ExampleHarness(fake, secrets=[TOKEN])
        harness.token = TOKEN
        yield harness
        harness.close_connectors()


class TestExampleConnector(StandardConnectorTests):
    @pytest.fixture
    def harness(self, example_harness: ExampleHarness) -> ExampleHarness:
        return example_harness


# -- the suite fails connectors that break the contract ------------------------------------

suite = StandardConnectorTests()


class _LoopingHarness(ExampleHarness):
    """Its connectors follow page tokens blindly, as a naive connector would."""

    def make_connector(self, **overrides: object) -> Connector:
        connector = super().make_connector(**overrides)
        assert isinstance(connector, ExampleConnector)

        def read_forever(cursor: str | None) -> Iterator[object]:
            token = None
            while True:
                params = {"limit": self.page_size, **({"page_token": token} if token else {})}
                page = connector.http.get("/api/tickets", params=params).json()
                yield from (connector.normalize(record) for record in page["tickets"])
                token = page["next_page_token"]
                if token is None:
                    return

        connector.read = read_forever  # type: ignore[method-assign,assignment]
        return connector


def test_suite_fails_a_connector_that_loops_on_a_repeated_page_token(
    example_harness: ExampleHarness,
) -> None:
    harness = _LoopingHarness(example_harness.fake, secrets=[TOKEN])
    harness.token = TOKEN
    with pytest.raises(pytest.fail.Exception, match="repeated a page token"):
        suite.test_read_stops_on_a_repeated_page_token(harness)


class _ResumeFromScratchHarness(ExampleHarness):
    """Its connectors' cursors point at "now", so changes between reads are lost."""

    def make_connector(self, **overrides: object) -> Connector:
        connector = super().make_connector(**overrides)
        original = connector.read

        def read_and_lose(cursor: str | None) -> Iterator[object]:
            for item in original(cursor):
                yield Checkpoint(self.future_cursor()) if isinstance(item, Checkpoint) else item

        connector.read = read_and_lose  # type: ignore[method-assign,assignment]
        return connector


def test_suite_fails_a_connector_whose_cursor_skips_changes(
    example_harness: ExampleHarness,
) -> None:
    harness = _ResumeFromScratchHarness(example_harness.fake, secrets=[TOKEN])
    harness.token = TOKEN
    with pytest.raises(AssertionError, match="missed"):
        suite.test_second_read_resumes_from_the_cursor_without_a_gap(harness)


class _ReplacingTagsHarness(ExampleHarness):
    """Its connectors replace the whole tag list instead of adding and removing named tags."""

    def make_connector(self, **overrides: object) -> Connector:
        connector = super().make_connector(**overrides)
        assert isinstance(connector, ExampleConnector)

        def replace_tags(changes: Sequence[ChangeSet]) -> list[WriteResult]:
            for change in changes:
                self.example.tickets[change.ticket_id]["tags"] = sorted(change.add_tags)
            return [WriteResult(change.ticket_id, "applied") for change in changes]

        connector.apply = replace_tags  # type: ignore[method-assign]
        return connector


def test_suite_fails_a_connector_that_replaces_the_tag_list(
    example_harness: ExampleHarness,
) -> None:
    harness = _ReplacingTagsHarness(example_harness.fake, secrets=[TOKEN])
    harness.token = TOKEN
    with pytest.raises(AssertionError, match="other tags"):
        suite.test_apply_removes_only_the_named_tags(harness)


class _LeakyHarness(ExampleHarness):
    """Its connectors put the token into their error messages."""

    def make_connector(self, **overrides: object) -> Connector:
        connector = super().make_connector(**overrides)
        assert isinstance(connector, ExampleConnector)
        connector.http.secrets = ()  # no redaction of response bodies
        self.example.fault_body = lambda status: {"error": f"bad token {TOKEN}"}  # type: ignore[method-assign]
        return connector


def test_suite_fails_a_connector_that_leaks_its_token(
    example_harness: ExampleHarness, captured_logs: object
) -> None:
    harness = _LeakyHarness(example_harness.fake, secrets=[TOKEN])
    harness.token = TOKEN
    with pytest.raises(AssertionError, match="credential"):
        suite.test_no_secret_in_logs_or_error_text(harness, captured_logs)  # type: ignore[arg-type]


def test_the_repeated_page_test_runs_for_a_harness_without_page_tokens(
    example_harness: ExampleHarness,
) -> None:
    example_harness.has_page_tokens = False  # once a reason to skip; now every style is tested
    suite.test_read_stops_on_a_repeated_page_token(example_harness)
    looping = _LoopingHarness(example_harness.fake, secrets=[TOKEN])
    looping.token = TOKEN
    looping.has_page_tokens = False
    with pytest.raises(pytest.fail.Exception, match="repeated a page token"):
        suite.test_read_stops_on_a_repeated_page_token(looping)


class _OldStyleRepeatHarness(ExampleHarness):
    """A harness written before the scenario protocol: it repeats tokens itself."""

    def repeat_next_page_token(self) -> None:
        self.example.repeat_page_tokens = True


def test_an_old_harness_overriding_repeat_next_page_token_still_drives_the_test(
    example_harness: ExampleHarness,
) -> None:
    harness = _OldStyleRepeatHarness(example_harness.fake, secrets=[TOKEN])
    harness.token = TOKEN
    suite.test_read_stops_on_a_repeated_page_token(harness)
    assert harness.example.repeat_page_tokens, "the harness's own override was not called"
    assert not harness.example._repeat_pages, "the fake's repeat_next_page() was called instead"


class _PlainHarness(ExampleHarness):
    """A harness whose fake is a bare FakeAPI: no scenario protocol at all."""


def test_without_repeat_next_page_the_default_names_what_is_missing() -> None:
    with FakeAPI() as fake:
        harness = _PlainHarness(fake, secrets=[TOKEN])
        with pytest.raises(NotImplementedError, match=r"FakeAPI has no repeat_next_page\(\)"):
            harness.repeat_next_page_token()


def test_a_harness_that_declares_diffing_fails_when_the_second_apply_writes(
    example_harness: ExampleHarness,
) -> None:
    example_harness.diffs_writes = True  # the Example connector always sends its PUT
    with pytest.raises(AssertionError, match="sent a write for a change already made"):
        suite.test_apply_sends_the_change_and_repeating_it_changes_nothing(example_harness)
