"""Helpers for the Jira tests: fixture paths, a settable clock, the OpenAPI spec validator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from slabridge.testing import fixtures_dir

TOKEN = "jira-test-token-9f1c2e"
DC_TOKEN = "NjE2MzQ1NzI4OTAxOdc-personal-access-token"
SPEC_URI = "urn:jira-platform-v3"
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def jira_fixtures() -> Path:
    return fixtures_dir() / "jira"


@cache
def spec() -> dict[str, Any]:
    """The official Jira Cloud platform OpenAPI spec, read in place from the shared fixtures."""
    path = jira_fixtures() / "openapi" / "jira-platform-swagger-v3.v3.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(spec(), default_specification=DRAFT4)
    return Registry().with_resource(SPEC_URI, resource)


def _schema(pointer: str) -> dict[str, Any]:
    return {"$ref": f"{SPEC_URI}#{pointer}"}


def response_schema(method: str, path: str, status: str = "200") -> str:
    """The JSON pointer of a documented response body schema (e.g. of POST /search/jql)."""
    content = spec()["paths"][path][method.lower()]["responses"][status]["content"]
    schema = content["application/json"]["schema"]
    ref = schema.get("$ref")
    if ref is None:  # an array of items
        where = f"/paths/{_escape(path)}/{method.lower()}/responses/{status}"
        return f"{where}/content/application~1json/schema"
    return str(ref)[1:]


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def request_schema(method: str, path: str) -> str:
    content = spec()["paths"][path][method.lower()]["requestBody"]["content"]
    return str(content["application/json"]["schema"]["$ref"])[1:]


def validate_response(body: Any, pointer: str) -> None:
    """Validate a response body against a spec schema (``$ref``s resolved, formats not checked:
    Jira's own timestamps, ``-0500`` offsets, are not RFC 3339)."""
    OAS30ReadValidator(_schema(pointer), registry=_registry()).validate(body)


def validate_request(body: Any, pointer: str) -> None:
    OAS30WriteValidator(_schema(pointer), registry=_registry()).validate(body)


class Clock:
    """A settable clock for the fake: starts at ``START``, moves with :meth:`advance`."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


__all__ = [
    "DC_TOKEN",
    "SPEC_URI",
    "START",
    "TOKEN",
    "Clock",
    "jira_fixtures",
    "request_schema",
    "response_schema",
    "spec",
    "validate_request",
    "validate_response",
]
