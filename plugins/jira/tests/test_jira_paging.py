"""Jira's offset-paged endpoints page through the kit's OffsetPages: a server that ignores
``startAt`` ends the read with each record once instead of looping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slabridge_jira.connector import JiraConnector
from slabridge_jira.service_desk_comments import request_comments

CALL_LIMIT = 20


class Answer:
    def __init__(self, body: Any) -> None:
        self.body = body

    def json(self) -> Any:
        return self.body


def answering(body: Callable[[dict[str, Any]], Any], asked: list[dict[str, Any]]) -> Any:
    def get(path: str, params: dict[str, Any] | None = None, **_: Any) -> Answer:
        asked.append(dict(params or {}))
        assert len(asked) <= CALL_LIMIT, "the connector kept asking for the same page"
        return Answer(body(dict(params or {})))

    return get


def test_comments_from_a_server_that_ignores_start_at_are_read_once(
    make_connector: Callable[..., JiraConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = make_connector()
    asked: list[dict[str, Any]] = []
    page = [{"id": "1", "body": "a"}, {"id": "2", "body": "b"}]

    def body(params: dict[str, Any]) -> Any:  # no total, a full page every time
        return {"comments": page, "maxResults": 2}

    monkeypatch.setattr(connector.http, "get", answering(body, asked))
    assert [c["id"] for c in connector._all_comments("10001")] == ["1", "2"]
    assert [params["startAt"] for params in asked] == [0, 2]


def test_a_changelog_that_is_never_last_stops_when_its_page_repeats(
    make_connector: Callable[..., JiraConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = make_connector()
    asked: list[dict[str, Any]] = []

    def body(params: dict[str, Any]) -> Any:
        return {"values": [{"id": "h1"}], "isLast": False}

    monkeypatch.setattr(connector.http, "get", answering(body, asked))
    assert connector._issue_changelog("10001") == [{"id": "h1"}]
    assert [params["startAt"] for params in asked] == [0, 1]


def test_service_desk_comments_that_repeat_are_read_once(
    make_connector: Callable[..., JiraConnector], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = make_connector()
    asked: list[dict[str, Any]] = []

    def body(params: dict[str, Any]) -> Any:
        return {"values": [{"id": "c1", "body": "x", "public": True}], "isLastPage": False}

    monkeypatch.setattr(connector.http, "get", answering(body, asked))
    comments = request_comments(connector.http, "HELP-1")
    assert comments is not None and [c["id"] for c in comments] == ["c1"]
    assert [params["start"] for params in asked] == [0, 1]
