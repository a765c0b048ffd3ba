"""Config-mutation fuzzer: every key path of the sample configs, mutated every way we can think of.

Deterministic enumeration (no randomness, so a failure reproduces): for every key path of the
documented example and the ``slabridge init`` samples of the three built-in connectors, delete it,
give it a wrong type, an empty or huge value, a negative number, a bad enum, time, time zone or
duration, and add an unknown key beside it. Loading with the connectors' models (what ``check``
validates before calling any helpdesk) must either succeed or raise :class:`ConfigError` whose
every issue names a key path of the mutated document; never another exception.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.config import ConfigError, load_config_data
from slabridge.connectors.base import Connector
from slabridge.demo.sample_config import environment_variables, sample_config
from slabridge.plugins import connector_types
from slabridge.redaction import secrets_kept_apart
from slabridge.yaml_loader import SlabridgeLoader

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "slabridge.yaml"


@pytest.fixture(autouse=True)
def registry_left_as_it_was() -> Iterator[None]:
    # Loading registers every value it finds in a secret field; keep them out of other tests.
    with secrets_kept_apart():
        yield


DELETE = object()
UNKNOWN_KEY = "bogus_key"
# (name, replacement) for the value at a path; DELETE removes the key or list item.
MUTATIONS: tuple[tuple[str, Any], ...] = (
    ("delete", DELETE),
    ("null", None),
    ("empty-text", ""),
    ("blank-text", "   "),
    ("empty-list", []),
    ("empty-map", {}),
    ("integer", 7),
    ("boolean", True),
    ("float", 0.5),
    ("list", [1, "x"]),
    ("map", {"x": 1}),
    ("nested-list", [[{"a": [1]}]]),
    ("huge-text", "x" * 20_000),
    ("huge-number", 10**30),
    ("negative", -1),
    ("bad-enum", "not-a-choice"),
    ("bad-time", "25:99-26:00"),
    ("bad-timezone", "Mars/Olympus_Mons"),
    ("bad-duration", "4 parsecs"),
    ("bad-date", "2026-02-30"),
    ("env-missing", "${SLABRIDGE_FUZZ_UNSET}"),
)


# serve: as docs/serve.md writes it, for the zendesk sample's connector. The load checks its
# shape without reading ${ENV} (decision 93), so its variables are not in the environment here.
SERVE: dict[str, Any] = {
    "board": {
        "token": "${SLABRIDGE_BOARD_TOKEN}",
        "username": "lead",
        "password": "${SLABRIDGE_BOARD_PASSWORD}",
        "team_field": "team",
    },
    "webhooks": {
        "zendesk": {
            "scheme": "shared_secret",
            "secret": "${ZENDESK_WEBHOOK_SECRET}",
            "header": "X-Slabridge-Webhook-Secret",
            "username": "zendesk",
            "password": "${ZENDESK_WEBHOOK_PASSWORD}",
        }
    },
    "sync_every": "5m",
    "replay_window": "5m",
    "max_body_bytes": 1048576,
    "max_pending": 100000,
}


def _documents() -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    types = connector_types()
    documents: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
        "docs-example": (yaml.load(EXAMPLE.read_text(), Loader=SlabridgeLoader), {}),
    }
    for kind in ("zendesk", "freshdesk", "jira"):
        connector: type[Connector] = types[kind]
        text = sample_config({kind: (connector, None)}, year=2026)
        # Values that pass the connectors' own checks: tokens, and https URLs where asked.
        environ = {name: "Fz9-sample-secret-value" for name in environment_variables(text)}
        documents[f"sample-{kind}"] = (yaml.load(text, Loader=SlabridgeLoader), environ)
    zendesk, environ = documents["sample-zendesk"]
    documents[SERVE_DOCUMENT] = ({**zendesk, "serve": SERVE}, environ)
    return documents


SERVE_DOCUMENT = "sample-zendesk-serve"


DOCUMENTS = _documents()
REPEATS = ("sample-freshdesk", "sample-jira")


def key_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into the document (mapping keys and list indexes), parents first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from key_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from key_paths(item, (*path, index))


def mutate(document: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    mutated = copy.deepcopy(document)
    parent = mutated
    for part in path[:-1]:
        parent = parent[part]
    if replacement is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(replacement)
    return mutated


# Keys YAML can give that are not text: a number, null, true, a date.
ODD_KEYS: tuple[Any, ...] = (UNKNOWN_KEY, 7, None, True, date(2026, 1, 1))


def add_unknown_key(document: Any, path: tuple[Any, ...], key: Any = UNKNOWN_KEY) -> Any | None:
    mutated = copy.deepcopy(document)
    target = mutated
    for part in path:
        target = target[part]
    if not isinstance(target, dict):
        return None
    target[key] = "x"
    return mutated


_STEP = re.compile(r"\[(\d+)\]")


def path_exists(document: Any, path: str) -> bool:
    """Whether an issue's key path leads into ``document`` (its last key may be missing: a
    required key that the mutation deleted is named by its path)."""
    node, rest = document, path
    while rest:
        found = _STEP.match(rest)
        if found is not None:
            index = int(found.group(1))
            if not isinstance(node, list) or index >= len(node):
                return False
            node, rest = node[index], rest[found.end() :]
            rest = rest.removeprefix(".")
            continue
        if node is None:  # an emptied section: its required keys are named under it
            return "." not in rest and "[" not in rest
        if not isinstance(node, dict):
            return False
        keys = {_text(key): key for key in node}
        # The longest key that the path starts with (keys may hold dots: "fields.region").
        match = max(
            (k for k in keys if rest == k or rest.startswith((f"{k}.", f"{k}["))),
            key=len,
            default=None,
        )
        if match is None:
            # A missing last key (e.g. deleted and required) still names where to add it.
            return "." not in rest and "[" not in rest
        node, rest = node[keys[match]], rest[len(match) :]
        rest = rest.removeprefix(".")
    return True


def _text(key: Any) -> str:
    if key is True:
        return "true"
    if key is False:
        return "false"
    if isinstance(key, date):
        return key.isoformat()
    return str(key)


def cases() -> Iterator[tuple[str, Any, dict[str, str]]]:
    for name, (document, environ) in DOCUMENTS.items():
        for path in key_paths(document):
            if name in REPEATS and path[0] != "connectors":
                continue  # the same policy sections as sample-zendesk: mutated there once
            if name == SERVE_DOCUMENT and path[0] != "serve":
                continue  # sample-zendesk with serve: only serve: is new
            where = "/".join(map(str, path))
            for label, replacement in MUTATIONS:
                yield f"{name}:{where}:{label}", mutate(document, path, replacement), environ
            for key in ODD_KEYS:
                extra = add_unknown_key(document, path, key)
                if extra is not None:
                    yield f"{name}:{where}:unknown-key-{key!r}", extra, environ
        yield f"{name}:top:unknown-key", add_unknown_key(document, ()), environ


def load(document: Any, environ: dict[str, str]) -> ConfigError | None:
    try:
        load_config_data(document, connector_types=connector_types(), environ=environ)
    except ConfigError as error:
        return error
    return None


def test_the_samples_are_valid_before_mutation() -> None:
    for name, (document, environ) in DOCUMENTS.items():
        assert load(document, environ) is None, name


def test_every_mutation_is_valid_or_a_config_error_naming_an_existing_key_path() -> None:
    tracebacks: list[str] = []
    unnamed: list[str] = []
    count = 0
    for case, document, environ in cases():
        count += 1
        try:
            error = load(document, environ)
        except Exception as exc:  # the bug this test hunts: any exception but ConfigError
            tracebacks.append(f"{case}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        for issue in error.issues if error is not None else []:
            if not issue.path or not path_exists(document, issue.path):
                unnamed.append(f"{case}: {issue}"[:300])
            if len(issue.message) > 1000:  # a huge value is never echoed whole
                unnamed.append(f"{case}: {len(issue.message)} characters: {issue}"[:300])
    assert count > 2000  # the enumeration really covers the documents
    assert tracebacks == []
    assert unnamed == []


# A nested path of each section, and the commands that read that section.
THROUGH_COMMANDS = {
    ("version",): ("check", "sync", "evaluate", "report"),
    ("calendars", "berlin", "timezone"): ("check", "sync", "evaluate", "report"),
    ("settings", "warn_at"): ("check", "sync", "evaluate", "report"),
    ("policies", 0, "targets", "urgent", "first_response"): ("check", "sync", "evaluate"),
    ("goals", 0, "share"): ("check", "sync", "report"),
    ("credits", "tiers", "pro", "schedule"): ("check", "sync", "report"),
    ("actions", "escalate_priority", "on"): ("check", "sync"),
    ("state",): ("check", "sync", "report"),
    ("connectors", "zendesk", "per_page"): ("check", "sync"),
    ("serve", "max_body_bytes"): ("check", "sync", "report"),
}
ARGUMENTS = {
    "check": ["check"],
    "sync": ["sync", "--dry-run"],
    "evaluate": ["evaluate"],
    "report": ["report", "--period", "2026-11"],
}


@pytest.mark.parametrize("path", THROUGH_COMMANDS, ids=lambda path: "/".join(map(str, path)))
def test_a_mutated_file_exits_2_through_every_command_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: tuple[Any, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    document, environ = DOCUMENTS[SERVE_DOCUMENT if path[0] == "serve" else "sample-zendesk"]
    config = tmp_path / "slabridge.yaml"
    config.write_text(yaml.safe_dump(mutate(document, path, -1)))
    expected = ".".join(str(part) for part in path).replace(".0.", "[0].")
    for command in THROUGH_COMMANDS[path]:
        args = [*ARGUMENTS[command], "--config", str(config)]
        result = CliRunner().invoke(cli, args, env=environ, input="{}")
        assert result.exit_code == 2, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert expected in result.stderr, (command, result.stderr)


# What the fuzzer found (each named the wrong path, or a path that is not in the file).
FOUND = {
    "pause-on-as-text": (
        ("policies", 2, "targets", "default", "resolution"),
        {"within": "1d", "pause_on": "waiting"},
        "policies[2].targets.default.resolution.pause_on: 'waiting' is not a status to pause on",
    ),
    "number-key-in-goals": (
        ("goals", 0, 7),
        "x",
        "goals[0].7: unknown key",
    ),
    "boolean-key-in-goals": (("goals", 0, True), "x", "goals[0].true: unknown key"),
    "date-key-in-credits": (("credits", date(2026, 1, 1)), "x", "credits.2026-01-01: unknown key"),
    "list-as-subdivision": (
        ("calendars", "new_york", "holidays", "subdivision"),
        ["NY"],
        "calendars.new_york.holidays.subdivision: expected a subdivision code such as BE or NY",
    ),
    "huge-value-shown-short": (
        ("calendars", "berlin", "timezone"),
        "Q" * 20_000,
        "calendars.berlin.timezone: 'QQQQ",
    ),
}


@pytest.mark.parametrize(("path", "value", "expected"), FOUND.values(), ids=FOUND.keys())
def test_what_the_fuzzer_found_names_its_key_path(
    path: tuple[Any, ...], value: Any, expected: str
) -> None:
    document, environ = DOCUMENTS["sample-zendesk"]
    parent = copy.deepcopy(document)
    mutated = parent
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    error = load(mutated, environ)
    assert error is not None
    assert any(str(issue).startswith(expected) for issue in error.issues), error.issues
    assert all(len(str(issue)) < 200 for issue in error.issues)


@pytest.mark.parametrize(
    "path", ["policies[0].targets.x.y", "nowhere.deeper", "calendars.berlin.x.y"]
)
def test_the_path_check_refuses_paths_outside_the_document(path: str) -> None:
    document, _ = DOCUMENTS["docs-example"]
    assert not path_exists(document, path)


def test_the_path_check_follows_keys_indexes_and_a_missing_last_key() -> None:
    document, _ = DOCUMENTS["docs-example"]
    assert path_exists(document, "policies[1].calendar.map.amer")
    assert path_exists(document, "calendars.berlin.timezone")
    assert path_exists(document, "calendars.berlin.hours.mon-fri")
    assert path_exists(document, "policies[0].name")
