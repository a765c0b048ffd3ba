"""``slabridge check``: config validation, each connector's check(), actionable messages, exits."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from slabridge.commands import check
from slabridge.connectors.base import CheckProblem, Connector
from slabridge.connectors.http import HttpError
from slabridge.plugins import LoadFailure, pm
from slabridge.testing.example import ExampleConfig, ExampleConnector, ExampleFake

TOKEN = "tok-a1b2c3d4"
CONFIG = """\
version: 1
policies:
  - name: default
    calendar: 24x7
    targets:
      normal: {{first_response: 1h}}
connectors:
  desk:
    type: example
    base_url: {url}
    token: ${{DESK_TOKEN}}
{extra}"""


@pytest.fixture(autouse=True)
def example_type(monkeypatch: pytest.MonkeyPatch) -> None:
    types: dict[str, type[Connector]] = {"example": ExampleConnector}
    monkeypatch.setattr(check, "connector_types", lambda: types)
    monkeypatch.setattr(pm, "load_failures", [])


@pytest.fixture
def fake() -> Iterator[ExampleFake]:
    with ExampleFake(tokens={TOKEN: "admin", "agent-tok-9": "agent"}) as server:
        yield server


def run(tmp_path: Path, text: str, token: str | None = TOKEN, *args: str) -> tuple[int, str]:
    path = tmp_path / "slabridge.yaml"
    path.write_text(text)
    env = {"DESK_TOKEN": token} if token is not None else {}
    result = CliRunner().invoke(check.command, ["--config", str(path), *args], env=env)
    return result.exit_code, result.output


def test_a_healthy_connector_passes_with_exit_0(tmp_path: Path, fake: ExampleFake) -> None:
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=""))
    assert code == 0, output
    assert output == "ok     desk (example)\n"


def test_a_rejected_token_is_reported_with_a_hint_and_exit_1(
    tmp_path: Path, fake: ExampleFake
) -> None:
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=""), "wrong-token-77")
    assert code == 1
    assert "FAIL   desk (example): the API token was rejected" in output
    assert "hint: create a token" in output
    assert "wrong-token-77" not in output


def test_missing_rights_and_missing_fields_are_actionable(
    tmp_path: Path, fake: ExampleFake
) -> None:
    extra = "    mapping:\n      region: {from: custom.territory}\n"
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=extra), "agent-tok-9")
    assert code == 1
    assert (
        "the token's role is 'agent', not admin: the changed-tickets list needs admin rights"
        in output
    )
    assert "mapping.region reads custom field 'territory', which does not exist" in output
    assert "hint: existing custom fields: region" in output


def test_an_unreachable_api_is_a_problem_not_a_crash(
    tmp_path: Path, fake: ExampleFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.inject("5xx", status=503)
    monkeypatch.setattr("slabridge.connectors.http.time.sleep", lambda seconds: None)
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=""), TOKEN, "--json")
    assert code == 1
    report = json.loads(output)
    [desk] = report["connectors"]
    assert desk["ok"] is False
    assert (
        "cannot reach the Example helpdesk: GET /api/me: HTTP 503" in desk["problems"][0]["message"]
    )
    assert TOKEN not in output


def test_an_invalid_config_exits_2_and_names_the_key(tmp_path: Path) -> None:
    code, output = run(tmp_path, CONFIG.format(url="https://x.test", extra=""), token=None)
    assert code == 2
    assert "connectors.desk.token: environment variable DESK_TOKEN is not set" in output


def test_plugin_load_failures_fail_the_check(
    tmp_path: Path, fake: ExampleFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pm, "load_failures", [LoadFailure("acme", "ImportError: nope")])
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=""))
    assert code == 1
    assert "ok     desk (example)" in output
    assert "FAIL   plugin 'acme' failed to load: ImportError: nope" in output


def test_json_output_lists_every_connector(tmp_path: Path, fake: ExampleFake) -> None:
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=""), TOKEN, "--json")
    assert code == 0
    assert json.loads(output)["connectors"] == [
        {"instance": "desk", "type": "example", "ok": True, "problems": [], "warnings": []}
    ]


def test_unknown_connector_name_is_a_usage_error(tmp_path: Path, fake: ExampleFake) -> None:
    text = CONFIG.format(url=fake.base_url, extra="")
    code, output = run(tmp_path, text, TOKEN, "--connector", "nope")
    assert code == 2 and "no connector nope (defined: desk)" in output


class CrashingConnector(ExampleConnector):
    def check(self) -> list[CheckProblem]:
        raise RuntimeError(f"bug while using {TOKEN}")


class FailingApiConnector(ExampleConnector):
    def check(self) -> list[CheckProblem]:
        raise HttpError("GET", "/api/me", 500, f"echo {TOKEN}", retryable=False)


def test_a_connector_that_raises_becomes_a_redacted_problem() -> None:
    config = ExampleConfig.model_validate(
        {"type": "example", "base_url": "https://x.test", "token": TOKEN}
    )
    crashed = check.check_instance("desk", config, CrashingConnector)
    assert [p.message for p in crashed.problems] == [
        "check() failed: RuntimeError: bug while using ***"
    ]
    failed = check.check_instance("desk", config, FailingApiConnector)
    [problem] = failed.problems
    assert problem.message == "the API failed: GET /api/me: HTTP 500: echo ***"
    assert problem.hint and "reachable" in problem.hint


def test_check_asks_the_connector_about_the_fields_actions_write(
    tmp_path: Path, fake: ExampleFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[dict[str, str]] = []

    class Picky(ExampleConnector):
        def check_write_fields(self, wanted: Mapping[str, str]) -> list[CheckProblem]:
            asked.append(dict(wanted))
            return [
                CheckProblem(f"actions.fields.desk.due_at: field {wanted['due_at']!r} is a date")
            ]

    monkeypatch.setattr(check, "connector_types", lambda: {"example": Picky})
    extra = "actions:\n  fields:\n    desk: {due_at: sla_due}\n"
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=extra))
    assert asked == [{"due_at": "sla_due"}]
    assert code == 1
    assert "FAIL   desk (example): actions.fields.desk.due_at: field 'sla_due' is a date" in output


def _store_customers(database: Path, customers: list[tuple[str, str, str]]) -> None:
    from datetime import UTC, datetime

    from slabridge.sync.store import open_store

    store = open_store(f"sqlite:///{database}")
    moment = datetime(2026, 11, 2, tzinfo=UTC)
    with store.begin() as connection:
        store.save_tickets(
            connection,
            [
                {
                    "connector": connector,
                    "ticket_id": f"T{number}",
                    "snapshot_json": json.dumps(
                        {"id": f"T{number}", "customer": {"id": customer_id, "name": name}}
                    ),
                    "policy": "default",
                    "is_open": False,
                    "next_instant": None,
                    "breached": False,
                    "at_risk": False,
                    "updated_at": moment,
                    "evaluated_at": moment,
                    "digest": "x",
                }
                for number, (connector, customer_id, name) in enumerate(customers)
            ],
        )
    store.close()


CREDITS = """\
state: sqlite:///{database}
credits:
  customers:
    {key}: {{schedule: [{{below: 99%, credit: 5%}}]}}
"""


@pytest.mark.parametrize("key", ["'5'", "Acme GmbH"])
def test_a_bare_credit_key_naming_customers_of_two_helpdesks_exits_2_with_the_candidates(
    tmp_path: Path, fake: ExampleFake, key: str
) -> None:
    database = tmp_path / "state.db"
    _store_customers(
        database,
        [
            ("desk", "5", "Acme GmbH"),
            ("jira", "5", "Soylent SARL"),
            ("zendesk", "361", "Acme GmbH"),
        ],
    )
    extra = CREDITS.format(database=database, key=key)
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=extra))
    assert code == 2, output
    shown = key.strip("'")
    assert f"  credits.customers.{shown}: names 2 customers in different helpdesks: " in output
    if shown == "5":
        assert "desk:5 (Acme GmbH), jira:5 (Soylent SARL)" in output
    else:
        assert "desk:5 (Acme GmbH), zendesk:361 (Acme GmbH)" in output


def test_a_bare_credit_key_naming_one_customer_is_a_deprecation_warning(
    tmp_path: Path, fake: ExampleFake
) -> None:
    database = tmp_path / "state.db"
    _store_customers(database, [("desk", "5", "Acme GmbH"), ("jira", "5", "Soylent SARL")])
    extra = CREDITS.format(database=database, key="Soylent SARL")
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=extra))
    assert code == 0, output
    assert output.splitlines() == [
        "warning: credits.customers.Soylent SARL: a bare customer id or name is deprecated; "
        "name the customer by its key: jira:5 (Soylent SARL)",
        "ok     desk (example)",
    ]


def test_qualified_credit_keys_need_no_store(tmp_path: Path, fake: ExampleFake) -> None:
    database = tmp_path / "state.db"
    extra = CREDITS.format(database=database, key="'desk:5'")
    code, output = run(tmp_path, CONFIG.format(url=fake.base_url, extra=extra))
    assert (code, output) == (0, "ok     desk (example)\n")
    assert not database.exists()
