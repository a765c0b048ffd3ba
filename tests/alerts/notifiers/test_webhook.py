"""The generic webhook: the message as JSON, signed; the receiver verifies and rejects replays."""

from __future__ import annotations

import json
import time

import pytest
from notifykit import WEBHOOK_SECRET, Receiver, message

from slabridge.alerts.message import AlertMessage
from slabridge.alerts.notifiers.registry import build_channels
from slabridge.alerts.notifiers.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
    verify_signature,
)


def webhook(url: str, secret: str = WEBHOOK_SECRET) -> object:
    return build_channels({"hook": {"type": "webhook", "url": url, "secret": secret}})["hook"]


def test_the_receiver_gets_the_message_json_with_a_valid_signature(receiver: Receiver) -> None:
    notifier = build_channels(
        {
            "hook": {
                "type": "webhook",
                "url": f"{receiver.base_url}/slabridge",
                "secret": WEBHOOK_SECRET,
            }
        }
    )["hook"]
    sent = message(2)
    before = int(time.time())
    notifier.send(sent)
    [request] = receiver.requests_to("POST", "/slabridge")
    assert receiver.rejections == []
    assert AlertMessage.from_json(json.loads(request.body)) == sent
    timestamp = int(request.headers[TIMESTAMP_HEADER])
    assert before <= timestamp <= int(time.time())
    expected = signature(WEBHOOK_SECRET, timestamp, request.body)
    assert request.headers[SIGNATURE_HEADER] == expected
    assert expected.startswith("sha256=") and len(expected) == len("sha256=") + 64


def test_a_wrong_secret_is_rejected_by_the_receiver_and_the_error_names_no_secret(
    receiver: Receiver,
) -> None:
    other = "another-secret-of-sufficient-length"
    notifier = build_channels(
        {"hook": {"type": "webhook", "url": f"{receiver.base_url}/x", "secret": other}}
    )["hook"]
    with pytest.raises(Exception) as caught:
        notifier.send(message())
    assert receiver.rejections == ["bad signature"]
    assert "HTTP 401" in str(caught.value) and other not in str(caught.value)


def test_a_replayed_request_is_rejected_after_five_minutes(receiver: Receiver) -> None:
    notifier = build_channels(
        {"hook": {"type": "webhook", "url": f"{receiver.base_url}/x", "secret": WEBHOOK_SECRET}}
    )["hook"]
    notifier.send(message())
    [request] = receiver.requests_to("POST", "/x")
    sent_at = int(request.headers[TIMESTAMP_HEADER])
    # The very same bytes, received again later: genuine, but stale.
    assert (
        verify_signature(WEBHOOK_SECRET, request.headers, request.body, now=sent_at + 299) is None
    )
    assert (
        verify_signature(WEBHOOK_SECRET, request.headers, request.body, now=sent_at + 301)
        == "stale timestamp (a replay?)"
    )
    # A replay with a fresh timestamp but the old signature does not verify.
    forged = {**request.headers, TIMESTAMP_HEADER: str(sent_at + 400)}
    assert verify_signature(WEBHOOK_SECRET, forged, request.body, now=sent_at + 400) == (
        "bad signature"
    )
    tampered = request.body.replace(b"4821", b"4822")
    assert verify_signature(WEBHOOK_SECRET, request.headers, tampered, now=sent_at) == (
        "bad signature"
    )
    assert verify_signature(WEBHOOK_SECRET, {}, request.body) == "missing signature headers"


def test_the_signing_secret_must_be_long_enough_and_is_never_echoed() -> None:
    from slabridge.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        build_channels(
            {"hook": {"type": "webhook", "url": "https://h.example/x", "secret": "short1"}}
        )
    [issue] = caught.value.issues
    assert issue.path == "alerts.channels.hook.secret"
    assert "short1" not in str(caught.value)
