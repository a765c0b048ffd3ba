"""Golden tickets: a ticket, an instant and what POLICY.md §4 must say about it, checked in CI.

A policy repository keeps a few hand-checked cases ("an enterprise ticket opened Friday 16:30 is
due Monday 09:30") beside its config; ``slabridge test`` evaluates each and names every value that
differs. Only the keys a case gives are compared, so a case states what its author checked and no
more. See docs/policy-tests.md for the file format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slabridge.errors import InputError
from slabridge.sla.evaluate import evaluate_json
from slabridge.sla.policy import PolicySet
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import Ticket, TicketError, format_timestamp, parse_ticket

CASE_KEYS: tuple[str, ...] = ("name", "now", "ticket", "ticket_file", "expect")
EXPECT_KEYS: tuple[str, ...] = ("policy", "breached", "at_risk", "metrics")
INSTANT_KEYS: tuple[str, ...] = ("started_at", "stopped_at", "due_at", "breached_at")
SECONDS_KEYS: tuple[str, ...] = ("target_seconds", "elapsed_seconds", "remaining_seconds")
CYCLE_KEYS: tuple[str, ...] = ("status", "calendar", "at_risk", *INSTANT_KEYS, *SECONDS_KEYS)
METRIC_KEYS: tuple[str, ...] = (*CYCLE_KEYS, "cycles")
STATUSES: tuple[str, ...] = ("active", "paused", "achieved", "breached")
# A metric expected to have no target under the matched policy (absent from §4's output).
ABSENT = "absent"


class GoldenError(InputError, ValueError):
    """A golden case that cannot be run: names the file and the key path, and what is valid."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass(frozen=True, slots=True)
class GoldenCase:
    """One golden ticket: evaluated at ``now``, it must show every value in ``expect``."""

    name: str
    source: str
    now: datetime
    ticket: Ticket
    expect: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expected value the evaluation did not show; ``path`` is a §4 key path."""

    path: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.path}: expected {_show(self.expected)}, got {_show(self.actual)}"


@dataclass(frozen=True, slots=True)
class GoldenResult:
    case: GoldenCase
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return repr(value)


def _text_instant(value: Any, where: str) -> str:
    """An expected instant as §4 prints it (UTC, ``Z``), whatever offset the case wrote."""
    if value is None:
        return "null"
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise GoldenError(
                where, f"expected an ISO 8601 instant like 2025-03-10T12:00:00Z, got {value!r}"
            ) from None
    if not isinstance(moment, datetime):
        raise GoldenError(where, f"expected an ISO 8601 instant or null, got {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise GoldenError(where, "the instant has no offset: add Z or +hh:mm")
    return format_timestamp(moment)


def _plain(value: Any) -> Any:
    """YAML's timestamps back to ISO text, so a case written in YAML parses as §2 JSON does."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.isoformat()  # parse_ticket then names the missing offset
        return format_timestamp(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _known(data: Mapping[str, Any], valid: Sequence[str], where: str) -> None:
    for key in data:
        if key not in valid:
            raise GoldenError(_join(where, key), f"unknown key; valid: {', '.join(valid)}")


def _check_value(key: str, value: Any, path: str) -> Any:
    """One expected §4 value, checked and normalized (instants as §4 prints them)."""
    if key in INSTANT_KEYS:
        return _text_instant(value, path)
    if key in SECONDS_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float | None):
            raise GoldenError(path, f"expected a number of seconds, got {value!r}")
        return value
    if key == "status":
        if value not in STATUSES:
            raise GoldenError(path, f"expected one of {', '.join(STATUSES)}, got {value!r}")
        return value
    if key == "at_risk":
        if not isinstance(value, bool):
            raise GoldenError(path, f"expected true or false, got {value!r}")
        return value
    if key == "cycles":
        if not isinstance(value, list):
            raise GoldenError(path, "expected a list of cycles, oldest first")
        return [_check_cycle(item, f"{path}[{i}]", False) for i, item in enumerate(value)]
    if not isinstance(value, str):  # calendar
        raise GoldenError(path, f"expected a calendar name, got {value!r}")
    return value


def _check_cycle(raw: Any, where: str, allow_cycles: bool) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise GoldenError(where, f"expected a mapping of §4 keys or {ABSENT!r}")
    _known(raw, METRIC_KEYS if allow_cycles else CYCLE_KEYS, where)
    return {key: _check_value(key, value, _join(where, key)) for key, value in raw.items()}


def _check_expect(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not raw:
        raise GoldenError(where, f"expected a mapping with any of: {', '.join(EXPECT_KEYS)}")
    _known(raw, EXPECT_KEYS, where)
    expect: dict[str, Any] = {}
    if "policy" in raw:
        if raw["policy"] is not None and not isinstance(raw["policy"], str):
            raise GoldenError(
                _join(where, "policy"), "expected a policy name or null (none matches)"
            )
        expect["policy"] = raw["policy"]
    for flag in ("breached", "at_risk"):
        if flag in raw:
            if not isinstance(raw[flag], bool):
                raise GoldenError(_join(where, flag), f"expected true or false, got {raw[flag]!r}")
            expect[flag] = raw[flag]
    if "metrics" in raw:
        metrics = raw["metrics"]
        if not isinstance(metrics, Mapping):
            raise GoldenError(_join(where, "metrics"), "expected a mapping of metric names")
        _known(metrics, METRICS, _join(where, "metrics"))
        expect["metrics"] = {
            name: ABSENT
            if value == ABSENT
            else _check_cycle(value, _join(where, f"metrics.{name}"), True)
            for name, value in metrics.items()
        }
    return expect


def parse_case(
    data: Any, source: str, default_name: str, ticket_data: Any = None, prefix: str = ""
) -> GoldenCase:
    """Build one case from its parsed YAML/JSON; ``ticket_data`` when it came from ``ticket_file``.

    ``source`` names the case in results (its file); ``prefix`` is the case's key path in the
    file (``cases[2]``), empty for a file that holds one case.

    Raises:
        GoldenError: naming the key path, with what would be valid.
    """
    if not isinstance(data, Mapping):
        raise GoldenError(prefix, "expected a mapping with now, ticket (or ticket_file) and expect")
    _known(data, CASE_KEYS, prefix)
    for key in ("now", "expect"):
        if key not in data:
            raise GoldenError(_join(prefix, key), "missing required key")
    if ticket_data is None:
        if "ticket" not in data:
            raise GoldenError(
                _join(prefix, "ticket"), "missing: give ticket (a §2 ticket) or ticket_file"
            )
        ticket_data = data["ticket"]
    name = data.get("name", default_name)
    if not isinstance(name, str | int) or isinstance(name, bool):
        raise GoldenError(_join(prefix, "name"), "expected a text")
    now_text = _text_instant(data["now"], _join(prefix, "now"))
    if now_text == "null":
        raise GoldenError(_join(prefix, "now"), "expected the instant to evaluate at, not null")
    try:
        ticket = parse_ticket(_plain(ticket_data))
    except TicketError as error:
        raise GoldenError(_join(prefix, "ticket"), str(error)) from None
    return GoldenCase(
        name=str(name),
        source=source,
        now=datetime.fromisoformat(now_text),
        ticket=ticket,
        expect=_check_expect(data["expect"], _join(prefix, "expect")),
    )


def _compare_cycle(
    expected: Mapping[str, Any], actual: Mapping[str, Any], path: str
) -> list[Mismatch]:
    found: list[Mismatch] = []
    for key, want in expected.items():
        if key == "cycles":
            got_cycles = actual.get("cycles", [])
            if len(want) != len(got_cycles):
                found.append(
                    Mismatch(f"{path}.cycles", f"{len(want)} cycles", f"{len(got_cycles)}")
                )
                continue
            for index, (want_cycle, got_cycle) in enumerate(zip(want, got_cycles, strict=True)):
                found += _compare_cycle(want_cycle, got_cycle, f"{path}.cycles[{index}]")
            continue
        got = actual.get(key)
        if key in INSTANT_KEYS:
            got = "null" if got is None else got
        if want != got:
            found.append(Mismatch(f"{path}.{key}", want, got))
    return found


def compare(expect: Mapping[str, Any], output: Mapping[str, Any]) -> list[Mismatch]:
    """Every value of ``expect`` that §4's ``output`` does not show, in the order given."""
    found: list[Mismatch] = []
    for key in ("policy", "breached", "at_risk"):
        if key in expect and expect[key] != output.get(key):
            found.append(Mismatch(key, expect[key], output.get(key)))
    metrics = output.get("metrics", {})
    for name, want in expect.get("metrics", {}).items():
        got = metrics.get(name)
        if want == ABSENT:
            if got is not None:
                found.append(Mismatch(f"metrics.{name}", "no target (absent)", got.get("status")))
        elif got is None:
            found.append(Mismatch(f"metrics.{name}", "a target", "no target (absent)"))
        else:
            found += _compare_cycle(want, got, f"metrics.{name}")
    return found


def run_case(case: GoldenCase, policies: PolicySet) -> GoldenResult:
    """Evaluate the case's ticket at its ``now`` under ``policies`` and compare."""
    output = evaluate_json(case.ticket, policies, case.now)
    return GoldenResult(case, tuple(compare(case.expect, output)))


__all__ = [
    "ABSENT",
    "GoldenCase",
    "GoldenError",
    "GoldenResult",
    "Mismatch",
    "compare",
    "parse_case",
    "run_case",
]
