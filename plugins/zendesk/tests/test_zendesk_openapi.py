"""The connector's requests and the fake's answers, checked against Zendesk's OpenAPI sections.

The sections in ``shared/fixtures/zendesk/oas-split`` are a per-area split of Zendesk's
``oas.yaml``; only part of the component schemas were carried over. What is missing, said once:

* ``TicketUpdateRequest`` (ticket PUT body), ``TicketObject``, ``AuditObject`` and
  ``JobStatusObject`` are referenced but not defined; ``TicketsUpdateMany`` and the tags
  operations declare no ``requestBody`` at all.
* So bodies are validated against what the split does hold: operation and parameter
  schemas (``ids`` of update_many), ``TagsByObjectIdResponse`` (the same ``{"tags": [...]}``
  shape as the tags request), the request example in the tags operations' descriptions
  (``tags``/``updated_stamp``/``safe_update``), and the ``custom_fields`` entries of the
  ticket examples in the response schemas. Missing ``$ref`` targets resolve to "anything" and
  are listed by :func:`missing_refs` so the test notices when a later split adds them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import requests
import yaml
from openapi_schema_validator import OAS30Validator
from slabridge_zendesk.connector import ZendeskConnector
from slabridge_zendesk.fake import FakeZendesk
from zendesk_helpers import EMAIL, TOKEN, Clock, seed

from slabridge.connectors.base import ChangeSet
from slabridge.sla.ticket import Ticket
from slabridge.testing import fixtures_dir
from slabridge.testing.fakeapi import RecordedCall

OAS = fixtures_dir() / "zendesk" / "oas-split"
# Referenced by the operations slabridge uses but absent from the split (see the docstring).
KNOWN_MISSING = {"TicketUpdateRequest", "TicketObject", "AuditObject", "JobStatusObject"}


@cache
def spec() -> dict[str, Any]:
    """Every split file merged: ``paths`` and ``components.schemas``."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for path in sorted(OAS.glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        paths.update(data.get("paths") or {})
        schemas.update(((data.get("components") or {}).get("schemas")) or {})
    return {"paths": paths, "schemas": schemas}


def missing_refs() -> set[str]:
    text = "".join(path.read_text() for path in OAS.glob("*.yml"))
    named = set(re.findall(r"#/components/schemas/(\w+)", text))
    return named - set(spec()["schemas"])


def resolve(node: Any, seen: frozenset[str] = frozenset()) -> Any:
    """Inline ``#/components/schemas`` refs; a missing target becomes ``{}`` (anything)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            target = spec()["schemas"].get(name)
            if target is None or name in seen:
                return {}
            return resolve(target, seen | {name})
        return {key: resolve(value, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, seen) for item in node]
    return node


def operation(method: str, actual_path: str) -> dict[str, Any]:
    """The spec operation for a request path like ``/api/v2/tickets/5/tags.json``."""
    bare = actual_path.removesuffix(".json")
    # Literal paths first: /tickets/update_many is not /tickets/{ticket_id}.
    for template, item in sorted(spec()["paths"].items(), key=lambda kv: kv[0].count("{")):
        pattern = re.sub(r"\{[^}]+\}", r"[^/]+", template) + r"\Z"
        if re.match(pattern, bare) and method.lower() in item:
            op: dict[str, Any] = item[method.lower()]
            return op
    pytest.fail(f"{method} {actual_path} is not an operation of the Zendesk OpenAPI sections")


def validate(instance: Any, schema: dict[str, Any]) -> None:
    # The files say ``openapi: 3.1.0`` but keep 3.0's ``nullable: true`` (recorded pages do
    # carry ``before_cursor: null``), so the 3.0 dialect is the one that reads them right.
    OAS30Validator(resolve(schema)).validate(instance)


def response_schema(op: dict[str, Any], status: int) -> dict[str, Any]:
    content = op["responses"][str(status)]["content"]["application/json"]
    schema: dict[str, Any] = content["schema"]
    return schema


def documented_example(op: dict[str, Any]) -> dict[str, Any]:
    """The ```js request example in an operation's description."""
    match = re.search(r"```js\s*(\{.*?\})\s*```", op.get("description", ""), re.S)
    assert match, f"{op['operationId']} has no request example"
    example: dict[str, Any] = json.loads(match.group(1))
    return example


def example_custom_fields_schema() -> dict[str, Any]:
    """The ``custom_fields`` item shape of the ticket examples the split carries."""
    examples = [
        ticket
        for name in (
            "TimeBasedExportIncrementalTicketsResponse",
            "CursorBasedExportIncrementalTicketsResponse",
        )
        for ticket in spec()["schemas"][name]["example"]["tickets"]
    ]
    items = [entry for ticket in examples for entry in ticket.get("custom_fields") or []]
    assert items and all(set(entry) == {"id", "value"} for entry in items)
    assert all(isinstance(entry["id"], int) for entry in items)
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id", "value"],
            "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, "value": {}},
        },
    }


def test_the_split_lacks_exactly_the_schemas_the_docstring_names() -> None:
    assert missing_refs() >= KNOWN_MISSING
    assert {
        "TagsByObjectIdResponse",
        "JobStatusResponse",
        "CursorBasedExportIncrementalTicketsResponse",
    } <= set(spec()["schemas"])


@pytest.fixture
def traffic(
    fake: FakeZendesk, clock: Clock, connect: Callable[..., ZendeskConnector]
) -> list[RecordedCall]:
    """Every request of a read and of write-backs of each kind, with the fake's answers."""
    ids = seed(fake, clock, 4, tags=["vip"], fields={"360008888": False})
    connector = connect(per_page=2)
    tickets = {t.id: t for t in connector.read(None) if isinstance(t, Ticket)}
    fake.race_agent_edits(ids[0])
    results = connector.apply(
        [
            ChangeSet(
                ids[0],
                priority="urgent",
                fields={"360008888": True},
                expected_updated_at=tickets[ids[0]].updated_at,
            ),
            ChangeSet(
                ids[1], add_tags=frozenset({"sla_breached"}), remove_tags=frozenset({"sla_at_risk"})
            ),
            ChangeSet(
                ids[2], add_tags=frozenset({"sla_breached"}), remove_tags=frozenset({"sla_at_risk"})
            ),
            ChangeSet(ids[3], add_tags=frozenset({"sla_policy_gold"})),
        ]
    )
    assert [r.outcome for r in results] == ["applied"] * 4
    connector.apply([ChangeSet(ids[3], remove_tags=frozenset({"vip"}))])
    return list(fake.calls)


def test_every_request_is_an_operation_with_valid_query_parameters(
    traffic: list[RecordedCall],
) -> None:
    for call in traffic:
        op = operation(call.request.method, call.request.path)
        declared = {p["name"]: p for p in op.get("parameters") or [] if "name" in p}
        for name, values in call.request.query.items():
            if name in declared:
                schema = declared[name].get("schema", {})
                value: Any = values[0]
                if schema.get("type") == "integer":
                    value = int(value)
                validate(value, schema)


def test_update_many_requests_use_the_ids_form_with_at_most_100_ids(
    traffic: list[RecordedCall],
) -> None:
    """``TicketsUpdateMany`` has no requestBody in the split; its description allows "up to
    100 ticket ids"; the body is the bulk ``{"ticket": {...}}`` form with tag deltas only."""
    calls = [c for c in traffic if "update_many" in c.request.path]
    assert calls
    for call in calls:
        op = operation("PUT", call.request.path)
        assert "requestBody" not in op and "up to 100" in op["description"]
        ids = call.request.arg("ids") or ""
        [ids_param] = [p for p in op["parameters"] if p["name"] == "ids"]
        validate(ids, ids_param["schema"])
        assert 1 <= len(ids.split(",")) <= 100
        body = call.request.json()
        assert set(body) == {"ticket"}
        assert set(body["ticket"]) <= {"additional_tags", "remove_tags"}
        tags_schema = spec()["schemas"]["TagsByObjectIdResponse"]["properties"]["tags"]
        for key in body["ticket"]:
            validate(body["ticket"][key], tags_schema)


def test_tag_requests_match_the_documented_safe_update_example(
    traffic: list[RecordedCall],
) -> None:
    """The tags operations declare no requestBody; their description shows the body
    ``{"tags": [...], "updated_stamp": ..., "safe_update": "true"}``, and the response schema
    ``TagsByObjectIdResponse`` gives the ``tags`` list its schema."""
    calls = [c for c in traffic if c.request.path.endswith("/tags.json")]
    assert {c.request.method for c in calls} == {"PUT", "DELETE"}
    schema = spec()["schemas"]["TagsByObjectIdResponse"]
    for call in calls:
        op = operation(call.request.method, call.request.path)
        assert "requestBody" not in op
        body = call.request.json()
        validate(body, schema)
        allowed = set(documented_example(operation("PUT", call.request.path)))
        assert set(body) <= allowed


def test_ticket_puts_carry_safe_update_and_well_shaped_custom_fields(
    traffic: list[RecordedCall],
) -> None:
    """``UpdateTicket`` references ``TicketUpdateRequest``, which the split does not define; the
    ``custom_fields`` items are checked against the ticket examples, ``safe_update`` and
    ``updated_stamp`` against the documented safe-update example."""
    calls = [
        c
        for c in traffic
        if c.request.method == "PUT" and re.search(r"/tickets/\d+\.json$", c.request.path)
    ]
    assert [c.status for c in calls] == [409, 200], "the race made the first PUT conflict"
    op = operation("PUT", calls[0].request.path)
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/TicketUpdateRequest") and "TicketUpdateRequest" in missing_refs()
    example = documented_example(spec()["paths"]["/api/v2/tickets/{ticket_id}/tags"]["put"])
    for call in calls:
        body = call.request.json()
        assert set(body) == {"ticket"}
        ticket = body["ticket"]
        assert set(ticket) <= {"priority", "custom_fields", "safe_update", "updated_stamp"}
        validate(ticket["custom_fields"], example_custom_fields_schema())
        assert ticket["priority"] in ("low", "normal", "high", "urgent")
        assert str(ticket["safe_update"]).lower() == example["safe_update"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ticket["updated_stamp"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", example["updated_stamp"])


def test_the_fakes_answers_validate_against_the_response_schemas(
    fake: FakeZendesk, clock: Clock
) -> None:
    seed(fake, clock, 2)
    auth = (f"{EMAIL}/token", TOKEN)
    checks = [
        ("GET", "/api/v2/incremental/tickets/cursor.json", {"start_time": 0}, None),
        ("GET", "/api/v2/incremental/ticket_events.json", {"start_time": 0}, None),
        ("GET", "/api/v2/tickets/1/tags.json", None, None),
        ("PUT", "/api/v2/tickets/1/tags.json", None, {"tags": ["a"]}),
        ("PUT", "/api/v2/tickets/1.json", None, {"ticket": {"priority": "high"}}),
        (
            "PUT",
            "/api/v2/tickets/update_many.json",
            {"ids": "1,2"},
            {"ticket": {"additional_tags": ["b"]}},
        ),
    ]
    for method, path, params, body in checks:
        response = requests.request(
            method, fake.base_url + path, params=params, json=body, auth=auth, timeout=5
        )
        op = operation(method, path)
        status = 200 if "200" in op["responses"] else int(next(iter(op["responses"])))
        validate(response.json(), response_schema(op, status))
        if "update_many" in path:
            job = response.json()["job_status"]["id"]
            polled = requests.get(
                f"{fake.base_url}/api/v2/job_statuses/{job}.json", auth=auth, timeout=5
            )
            validate(
                polled.json(),
                response_schema(operation("GET", f"/api/v2/job_statuses/{job}.json"), 200),
            )


def test_recorded_responses_validate_against_the_same_schemas() -> None:
    """A cross-check of how the schemas are read: real answers pass them."""
    decoded = fixtures_dir() / "zendesk" / "decoded"
    cases = [
        (
            "TicketsIncrementalTest.test_get_values__03.json",
            "GET",
            "/api/v2/incremental/tickets/cursor.json",
        ),
        (
            "TestTicketCreateUpdateDelete.test_multiple_update_single_object-update-many__04.json",
            "GET",
            "/api/v2/job_statuses/V3-1.json",
        ),
        (
            "TestTicketCreateUpdateDelete.test_single_object_update-update-single__01.json",
            "PUT",
            "/api/v2/tickets/4016.json",
        ),
    ]
    for name, method, path in cases:
        recorded = json.loads((decoded / name).read_text())["response"]
        validate(recorded["json"], response_schema(operation(method, path), recorded["status"]))
