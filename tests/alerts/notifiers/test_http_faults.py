"""The fault matrix for every HTTP channel: 429, 500, timeouts, refused; errors free of secrets."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from notifykit import SLACK_TOKEN_PATH, WEBHOOK_SECRET, Receiver, closed_port, message

from slabridge.alerts.notifiers.base import DeliveryError, Notifier
from slabridge.alerts.notifiers.registry import build_channels
from slabridge.logs import configure_logging

KINDS = ("webhook", "slack", "teams")
# Teams Workflows URLs carry their authorization in the query string.
QUERY = "api-version=2016-06-01&sig=SIGsecretQUERYvalue0123"


def channel(kind: str, base_url: str, sleeps: list[float], **options: Any) -> Notifier:
    entry: dict[str, Any] = {"type": kind, "url": f"{base_url}{SLACK_TOKEN_PATH}?{QUERY}"}
    if kind == "webhook":
        entry["secret"] = WEBHOOK_SECRET
    entry.update(options)
    return build_channels({"c": entry}, sleep=sleeps.append)["c"]


def secrets_in(text: str) -> list[str]:
    parts = [SLACK_TOKEN_PATH, "xoxbsecrettoken123", "SIGsecretQUERYvalue0123", WEBHOOK_SECRET]
    return [part for part in parts if part in text]


@pytest.fixture(autouse=True)
def logs_to_stdout() -> None:
    configure_logging(level=logging.DEBUG)


@pytest.mark.parametrize("kind", KINDS)
def test_a_429_waits_what_retry_after_asks_then_delivers(
    kind: str, plain_receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    sleeps: list[float] = []
    plain_receiver.inject("429", times=1, retry_after="7")
    channel(kind, plain_receiver.base_url, sleeps).send(message())
    assert [call.status for call in plain_receiver.calls] == [429, 200]
    assert sleeps == [7.0]
    out = capsys.readouterr()
    assert secrets_in(out.out + out.err) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_retry_after_past_the_limit_fails_at_once(kind: str, plain_receiver: Receiver) -> None:
    plain_receiver.inject("429", retry_after="3600")
    with pytest.raises(DeliveryError, match="asked to retry after 3600 s"):
        channel(kind, plain_receiver.base_url, []).send(message())
    assert len(plain_receiver.calls) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_500_is_retried_then_a_delivery_error_without_secrets(
    kind: str, plain_receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    plain_receiver.inject("5xx", status=500)
    sleeps: list[float] = []
    with pytest.raises(DeliveryError) as caught:
        channel(kind, plain_receiver.base_url, sleeps, max_attempts=3).send(message())
    assert len(plain_receiver.calls) == 3 and len(sleeps) == 2
    text = str(caught.value)
    assert "HTTP 500" in text and "gave up after 3 attempts" in text
    assert f"{kind} channel c (http://127.0.0.1:" in text
    out = capsys.readouterr()
    assert secrets_in(text + out.out + out.err) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_timeout_is_a_delivery_error(kind: str, plain_receiver: Receiver) -> None:
    plain_receiver.inject("delay", delay=1.0)
    with pytest.raises(DeliveryError, match=r"timed out after 0\.2 s") as caught:
        channel(kind, plain_receiver.base_url, [], timeout=0.2, max_attempts=2).send(message())
    assert secrets_in(str(caught.value)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_connection_refused_is_a_delivery_error(kind: str) -> None:
    notifier = channel(kind, f"http://127.0.0.1:{closed_port()}", [])
    with pytest.raises(DeliveryError, match="connection refused") as caught:
        notifier.send(message())
    assert secrets_in(str(caught.value)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_400_is_not_retried_and_the_echoed_url_is_masked(kind: str) -> None:
    # A receiver that quotes the request path back in its error body.
    with Receiver(status=400, body=f"invalid_payload for {SLACK_TOKEN_PATH}") as fake:
        with pytest.raises(DeliveryError, match="HTTP 400") as caught:
            channel(kind, fake.base_url, []).send(message())
        assert len(fake.calls) == 1
    assert "invalid_payload" in str(caught.value)
    assert secrets_in(str(caught.value)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_describe_and_check_never_show_the_url_path(kind: str) -> None:
    notifier = channel(kind, "https://hooks.example.com", [])
    assert notifier.describe() == {
        "name": "c",
        "type": kind,
        "url": "https://hooks.example.com/***",
    }
    assert notifier.check() == []
    plain = channel(kind, "http://hooks.example.com", [])
    [problem] = plain.check()
    assert "https://" in problem and secrets_in(problem) == []
    with pytest.raises(DeliveryError, match="refusing http URL") as caught:
        plain.send(message())
    assert secrets_in(str(caught.value)) == []
