"""Zendesk's list endpoints page through the kit's pagers: a repeated cursor or link ends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slabridge_zendesk.connector import ZendeskConnector

CALL_LIMIT = 20  # a loop that does not stop would ask forever; fail the test instead


class Answer:
    def __init__(self, body: Any) -> None:
        self.body = body

    def json(self) -> Any:
        return self.body


def answering(body: Callable[[str, dict[str, Any]], Any], asked: list[Any]) -> Any:
    def get(path: str, params: dict[str, Any] | None = None, **_: Any) -> Answer:
        asked.append((path, dict(params or {})))
        assert len(asked) <= CALL_LIMIT, "the connector kept asking for the same page"
        return Answer(body(path, dict(params or {})))

    return get


def test_audits_that_repeat_their_cursor_are_read_once(
    connect: Callable[..., ZendeskConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = connect()
    asked: list[Any] = []

    def body(path: str, params: dict[str, Any]) -> Any:
        audit = {"id": 100 + len(asked), "events": []}
        return {"audits": [audit], "meta": {"has_more": True, "after_cursor": "same"}}

    monkeypatch.setattr(connector.http, "get", answering(body, asked))
    audits = connector._ticket_audits(7)
    assert [audit["id"] for audit in audits] == [101, 102]
    assert [params.get("page[after]") for _, params in asked] == [None, "same"]


def test_audits_follow_their_cursor_to_the_last_page(
    connect: Callable[..., ZendeskConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = connect()
    asked: list[Any] = []
    pages = {None: ("a", True), "c1": ("b", True), "c2": ("c", False)}

    def body(path: str, params: dict[str, Any]) -> Any:
        audit, more = pages[params.get("page[after]")]
        after = f"c{len(asked)}"
        return {"audits": [{"id": audit}], "meta": {"has_more": more, "after_cursor": after}}

    monkeypatch.setattr(connector.http, "get", answering(body, asked))
    assert [audit["id"] for audit in connector._ticket_audits(7)] == ["a", "b", "c"]


def test_ticket_fields_stop_at_a_next_page_link_back(
    connect: Callable[..., ZendeskConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = connect()
    asked: list[Any] = []
    again = f"{connector.settings.url}/api/v2/ticket_fields.json?page=2"

    def body(path: str, params: dict[str, Any]) -> Any:
        return {"ticket_fields": [{"id": len(asked), "type": "text"}], "next_page": again}

    monkeypatch.setattr(connector.http, "get", answering(body, asked))
    assert [field["id"] for field in connector._ticket_fields()] == [1, 2]
    assert [path for path, _ in asked] == ["/api/v2/ticket_fields.json", again]
