"""The scenario tests' own pieces: protocol check, opt-out, field keys, event comparison."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from slabridge.connectors.base import Capabilities
from slabridge.sla.ticket import Event
from slabridge.testing.example import ExampleConnector, ExampleFake
from slabridge.testing.example.harness import ExampleHarness
from slabridge.testing.fake_protocol import (
    LIMIT_CUSTOMER_REPLIES,
    LIMIT_INTERNAL_REPLIES,
    LIMIT_PRIORITY_HISTORY,
    LIMIT_STATUS_HISTORY,
)
from slabridge.testing.fakeapi import FakeAPI
from slabridge.testing.semantic import (
    canonical_events,
    canonical_ticket,
    events_difference,
    holdable_events,
    scenario_fake_of,
    ticket_difference,
)
from slabridge.testing.suite import ConnectorHarness, StandardConnectorTests

TOKEN = "good-token-0b7e55"
START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
suite = StandardConnectorTests()


@pytest.fixture
def example_harness() -> Iterator[ExampleHarness]:
    with ExampleFake(tokens={TOKEN: "admin"}) as fake:
        harness = ExampleHarness(fake, secrets=[TOKEN])
        harness.token = TOKEN
        yield harness
        harness.close_connectors()


# -- the protocol check and the opt-out ---------------------------------------------------


def test_a_fake_without_the_protocol_fails_the_scenario_tests_naming_what_is_missing() -> None:
    with FakeAPI() as fake:
        harness = ExampleHarness(fake, secrets=[TOKEN])
        with pytest.raises(pytest.fail.Exception) as failed:
            suite.test_a_corrupt_record_is_skipped_and_the_cursor_moves_past_it(harness)
    message = str(failed.value)
    assert "FakeAPI does not implement the scenario protocol" in message
    assert "missing scenario_limits, load_ticket, corrupt_ticket, touch_at" in message
    assert "after_list_pages, repeat_next_page" in message
    assert "scenario_opt_out" in message


def test_a_fake_missing_one_method_is_told_which(example_harness: ExampleHarness) -> None:
    class HalfDone(FakeAPI):
        scenario_limits: ClassVar[frozenset[str]] = frozenset()
        load_ticket = corrupt_ticket = touch_at = after_list_pages = print

    with HalfDone() as fake:
        harness = ExampleHarness(fake, secrets=[TOKEN])
        with pytest.raises(pytest.fail.Exception, match=r"missing repeat_next_page\."):
            scenario_fake_of(harness)


def test_an_opted_out_harness_xfails_the_scenario_tests_with_its_reason() -> None:
    with FakeAPI() as fake:
        harness = ExampleHarness(fake, secrets=[TOKEN])
        harness.scenario_opt_out = "the fake predates the protocol (#27)"
        with pytest.raises(pytest.xfail.Exception, match=r"opted out.*predates the protocol"):
            suite.test_a_canonical_ticket_reads_back_event_by_event(harness)


def test_the_opt_out_shows_in_pytest_output(tmp_path: Path) -> None:
    (tmp_path / "test_opted_out.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from slabridge.testing.example.harness import ExampleHarness
            from slabridge.testing.fakeapi import FakeAPI
            from slabridge.testing.suite import StandardConnectorTests

            class TestOptedOut(StandardConnectorTests):
                @pytest.fixture
                def harness(self):
                    with FakeAPI() as fake:
                        harness = ExampleHarness(fake, secrets=["t0ken-secret"])
                        harness.scenario_opt_out = "protocol not written yet"
                        yield harness
            """
        )
    )
    command = [sys.executable, "-m", "pytest", "-q", "-rx", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [*command, "-k", "canonical or corrupt", "test_opted_out.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "3 xfailed" in run.stdout, run.stdout[-2000:] + run.stderr[-1000:]
    assert "opted out by the harness: protocol not written yet" in run.stdout, run.stdout[-2000:]


# -- the custom field keys ----------------------------------------------------------------


class _NumericFieldsConnector(ExampleConnector):
    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        return None if key.isdigit() else "numeric ids only"


class _PrefixedFieldsConnector(ExampleConnector):
    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        return None if key.startswith("cf_") else "cf_ names only"


class _NoFieldsConnector(ExampleConnector):
    @classmethod
    def field_key_problem(cls, key: str) -> str | None:
        return "no key works"


def test_default_scenario_fields_take_the_first_key_form_the_connector_accepts(
    example_harness: ExampleHarness,
) -> None:
    pick = ConnectorHarness.scenario_fields
    config = example_harness.config()
    assert pick(example_harness, ExampleConnector("x", config)) == {
        "customfield_10051": "EU",
        "customfield_10052": "gold",
    }
    assert pick(example_harness, _NumericFieldsConnector("x", config)) == {
        "360000000051": "EU",
        "360000000052": "gold",
    }
    assert pick(example_harness, _PrefixedFieldsConnector("x", config)) == {
        "cf_region": "EU",
        "cf_plan": "gold",
    }
    with pytest.raises(AssertionError, match=r"rejects every key form .*override scenario_fields"):
        pick(example_harness, _NoFieldsConnector("x", config))


def test_the_example_harness_keys_fields_by_name(example_harness: ExampleHarness) -> None:
    connector = example_harness.connect()
    assert example_harness.scenario_fields(connector) == {"region": "EU", "plan": "gold"}


# -- what the service can hold ------------------------------------------------------------


class _NoPriorityHistoryConnector(ExampleConnector):
    capabilities: ClassVar[Capabilities] = Capabilities(priority_history=False)


def _kinds(events: tuple[Event, ...]) -> list[str]:
    return [
        f"{event.type}:{event.author}:{event.public}" if event.type == "reply" else event.type
        for event in events
    ]


def test_limits_and_capabilities_cut_exactly_their_part_of_the_history(
    example_harness: ExampleHarness,
) -> None:
    events = canonical_events(START)
    connector = example_harness.connect()
    assert holdable_events(events, frozenset(), connector) == events
    assert "priority" not in _kinds(
        holdable_events(events, frozenset({LIMIT_PRIORITY_HISTORY}), connector)
    )
    no_history = _NoPriorityHistoryConnector("x", example_harness.config())
    assert "priority" not in _kinds(holdable_events(events, frozenset(), no_history))
    assert _kinds(holdable_events(events, frozenset({LIMIT_STATUS_HISTORY}), connector)) == [
        "reply:customer:True",
        "reply:agent:False",
        "priority",
        "reply:agent:True",
        "reply:customer:True",
    ]
    internal = holdable_events(events, frozenset({LIMIT_INTERNAL_REPLIES}), connector)
    assert "reply:agent:False" not in _kinds(internal) and len(internal) == 6
    customer = holdable_events(events, frozenset({LIMIT_CUSTOMER_REPLIES}), connector)
    assert "reply:customer:True" not in _kinds(customer) and len(customer) == 5


# -- comparing event by event -------------------------------------------------------------


def test_times_are_compared_to_the_second() -> None:
    loaded = canonical_events(START)
    later = tuple(replace(event, at=event.at + timedelta(milliseconds=900)) for event in loaded)
    assert events_difference(loaded, later) == []
    moved = (*loaded[:-1], replace(loaded[-1], at=loaded[-1].at + timedelta(seconds=1)))
    assert events_difference(loaded, moved) == [
        "event 7 (status change to pending at 2026-01-05T06:07:00+00:00) read back as "
        "status change to pending at 2026-01-05T06:07:01+00:00"
    ]


def test_each_kind_of_wrong_meaning_is_named() -> None:
    loaded = canonical_events(START)
    internal_as_public = list(loaded)
    internal_as_public[0] = replace(loaded[0], public=False)
    internal_as_public[2] = replace(loaded[2], public=True)
    internal_as_public[1] = replace(loaded[1], status="solved")
    internal_as_public[3] = replace(loaded[3], from_priority="low")
    internal_as_public[4] = replace(loaded[4], author="customer")
    assert events_difference(loaded, internal_as_public) == [
        "public reply read back as an internal note: event 1 (public reply by customer at "
        "2026-01-05T06:01:00+00:00)",
        "status change read back as to 'solved': event 2 (status change to open at "
        "2026-01-05T06:02:00+00:00)",
        "internal note read back as a public reply: event 3 (internal reply by agent at "
        "2026-01-05T06:03:00+00:00)",
        "priority change read back as replacing 'low': event 4 (priority change to high from "
        "normal at 2026-01-05T06:04:00+00:00)",
        "reply by the agent read back as written by the customer: event 5 (public reply by "
        "agent at 2026-01-05T06:05:00+00:00)",
    ]


def test_a_dropped_event_is_named_as_missing() -> None:
    loaded = canonical_events(START)
    [problem] = events_difference(loaded, (*loaded[:2], *loaded[3:]))
    assert problem == (
        "7 events loaded, 6 read back; missing: ['internal reply by agent at "
        "2026-01-05T06:03:00+00:00']; unexpected: none"
    )


def test_ticket_difference_covers_the_ticket_level_values(
    example_harness: ExampleHarness,
) -> None:
    fake = example_harness.example
    connector = example_harness.connect()
    loaded = canonical_ticket("7001", START, {"region": "EU"}, fake.scenario_limits, connector)
    wrong = replace(
        loaded,
        status="open",
        priority=None,
        tags=("vip",),
        fields={"region": "US"},
        updated_at=loaded.updated_at + timedelta(minutes=1),
    )
    assert ticket_difference(loaded, wrong) == [
        "updated_at read back as 2026-01-05T06:08:00+00:00, loaded 2026-01-05T06:07:00+00:00",
        "status read back as 'open', loaded 'pending'",
        "priority read back as None, loaded 'high'",
        "tags read back as ['vip'], loaded ['slabridge_scenario', 'vip']",
        "custom field 'region' read back as 'US', loaded 'EU'",
    ]
    assert ticket_difference(loaded, loaded) == []


def test_an_implied_new_status_at_creation_is_not_a_difference_but_a_later_one_is() -> None:
    from datetime import UTC, datetime, timedelta

    from slabridge.sla.ticket import Event
    from slabridge.testing.fake_protocol import LIMIT_STATUS_HISTORY
    from slabridge.testing.semantic import comparable_events

    created = datetime(2026, 1, 5, 6, tzinfo=UTC)
    implied = Event(at=created, type="status", status="new")
    later = Event(at=created + timedelta(minutes=5), type="status", status="new")
    reply = Event(at=created + timedelta(minutes=1), type="reply", author="agent")
    assert comparable_events([implied, reply, later], created, frozenset()) == [reply, later], (
        "only the new status at created_at is implied by POLICY.md §2"
    )
    assert comparable_events(
        [implied, reply, later], created, frozenset({LIMIT_STATUS_HISTORY})
    ) == [reply], "a service without status history: inferred status events are not compared"
