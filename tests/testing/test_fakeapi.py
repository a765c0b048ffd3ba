"""The fake-API toolkit: routes, auth hook, request log, and every fault kind against HttpClient."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import pytest
import requests

from slabridge.connectors.http import HttpClient, HttpError, RetryableHttpError
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse


class ItemsFake(FakeAPI):
    def __init__(self) -> None:
        super().__init__(seed=3)
        self.items = {"1": {"id": 1, "name": "one"}}
        self.route("GET", r"/items/(?P<item_id>\d+)", self.get_item)
        self.route("POST", "/items", self.add_item)

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        if request.headers.get("X-Key") != "key-1234":
            return FakeResponse(401, {"error": "bad key"})
        return None

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        return {"X-RateLimit-Remaining": "99"}

    def get_item(self, request: FakeRequest, item_id: str) -> FakeResponse:
        item = self.items.get(item_id)
        return FakeResponse(200, item) if item else FakeResponse(404, {"error": "no item"})

    def add_item(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        self.items[str(body["id"])] = body
        return FakeResponse(201, body)


@pytest.fixture
def fake() -> Iterator[ItemsFake]:
    with ItemsFake() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client(fake: FakeAPI, sleeps: list[float], **options: float) -> HttpClient:
    return HttpClient(
        fake.base_url,
        headers={"X-Key": "key-1234"},
        sleep=sleeps.append,
        secrets=["key-1234"],
        **options,  # type: ignore[arg-type]
    )


def test_the_fake_serves_real_http_on_loopback(fake: ItemsFake) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    response = requests.get(f"{fake.base_url}/items/1", headers={"X-Key": "key-1234"}, timeout=5)
    assert response.json() == {"id": 1, "name": "one"}
    assert response.headers["X-RateLimit-Remaining"] == "99"


def test_routes_authorization_and_not_found(fake: ItemsFake, sleeps: list[float]) -> None:
    http = client(fake, sleeps)
    assert http.post("/items", json={"id": 2, "name": "two"}).status_code == 201
    assert http.get_json("/items/2") == {"id": 2, "name": "two"}
    assert http.get("/items/9", ok=(404,)).json() == {"error": "no item"}
    assert http.get("/nowhere", ok=(404,)).json()["path"] == "/nowhere"
    assert requests.get(f"{fake.base_url}/items/1", timeout=5).status_code == 401


def test_the_request_log_records_method_path_query_body_and_status(
    fake: ItemsFake, sleeps: list[float]
) -> None:
    http = client(fake, sleeps)
    http.get("/items/1", params={"include": "all"})
    http.post("/items", json={"id": 3})
    assert [(c.request.method, c.request.path, c.status) for c in fake.calls] == [
        ("GET", "/items/1", 200),
        ("POST", "/items", 201),
    ]
    assert fake.calls[0].request.arg("include") == "all"
    [posted] = fake.requests_to("POST", "^/items$")
    assert posted.json() == {"id": 3}


def test_fault_429_with_retry_after_is_waited_then_passes(
    fake: ItemsFake, sleeps: list[float]
) -> None:
    fault = fake.inject("429", times=1, retry_after="3")
    assert client(fake, sleeps).get_json("/items/1")["id"] == 1
    assert fault.hits == 1 and sleeps == [3.0]
    assert [call.fault for call in fake.calls] == ["429", None]


def test_fault_5xx_uses_the_given_status(fake: ItemsFake, sleeps: list[float]) -> None:
    fake.inject("5xx", status=502)
    with pytest.raises(RetryableHttpError, match="HTTP 502"):
        client(fake, sleeps, max_attempts=2).get("/items/1")
    assert [call.status for call in fake.calls] == [502, 502]


def test_fault_4xx_is_not_retried(fake: ItemsFake, sleeps: list[float]) -> None:
    fake.inject("4xx", status=403)
    with pytest.raises(HttpError, match="HTTP 403"):
        client(fake, sleeps).get("/items/1")
    assert len(fake.calls) == 1 and sleeps == []


def test_fault_delay_past_the_timeout_is_retried(fake: ItemsFake, sleeps: list[float]) -> None:
    # The retry gets the same timeout: wide enough that a loaded machine answers in time.
    fault = fake.inject("delay", delay=2.0, times=1)
    assert client(fake, sleeps, timeout=0.5).get_json("/items/1")["id"] == 1
    assert fault.hits == 1 and len(sleeps) == 1


def test_fault_drop_closes_the_connection_and_is_retried(
    fake: ItemsFake, sleeps: list[float]
) -> None:
    fault = fake.inject("drop", times=1)
    assert client(fake, sleeps).get_json("/items/1")["id"] == 1
    assert fault.hits == 1 and len(sleeps) == 1


def test_fault_malformed_sends_a_truncated_body(fake: ItemsFake, sleeps: list[float]) -> None:
    fake.inject("malformed", times=1)
    response = client(fake, sleeps).get("/items/1")
    with pytest.raises(ValueError):
        response.json()
    fake.inject("malformed", times=1)
    assert client(fake, sleeps).get_json("/items/1")["id"] == 1  # request_json retries it


def test_a_fault_matches_by_path_method_and_skip(fake: ItemsFake, sleeps: list[float]) -> None:
    fault = fake.inject("4xx", status=418, path="^/items$", method="POST", skip=1)
    http = client(fake, sleeps)
    http.get("/items/1")
    http.post("/items", json={"id": 4})  # skipped: the first matching request passes
    with pytest.raises(HttpError, match="418"):
        http.post("/items", json={"id": 5})
    assert fault.hits == 1 and fault.skipped == 1


def test_a_fault_rate_hits_a_seeded_share_of_requests(fake: ItemsFake, sleeps: list[float]) -> None:
    fault = fake.inject("4xx", status=409, rate=0.3)
    http = client(fake, sleeps)
    statuses = [http.get("/items/1", ok=(200, 409)).status_code for _ in range(40)]
    assert statuses.count(409) == fault.hits
    assert 4 <= fault.hits <= 20  # roughly 30 %


def test_clear_faults_restores_normal_answers(fake: ItemsFake, sleeps: list[float]) -> None:
    fake.inject("5xx")
    fake.clear_faults()
    assert client(fake, sleeps).get("/items/1").status_code == 200


def test_fault_body_can_take_the_apis_shape(sleeps: list[float]) -> None:
    class ShapedFake(ItemsFake):
        def fault_body(self, status: int) -> object:
            return {"errors": [{"code": status}]}

    with ShapedFake() as shaped:
        shaped.inject("4xx", status=422)
        with pytest.raises(HttpError) as caught:
            client(shaped, sleeps).get("/items/1")
    assert caught.value.detail == '{"errors": [{"code": 422}]}'


def test_a_stopped_fake_has_no_base_url() -> None:
    fake = ItemsFake()
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.base_url


def test_a_client_that_goes_away_before_the_answer_leaves_no_traceback(
    fake: ItemsFake, capfd: pytest.CaptureFixture[str]
) -> None:
    fake.inject("delay", delay=0.3)
    host, port = fake.base_url.removeprefix("http://").split(":")
    for _ in range(3):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Key: key-1234\r\n\r\n")
        # Close with a reset, as the kernel does for a SIGKILLed process with unread data.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    time.sleep(1.2)  # the answers go out to closed sockets
    assert len(fake.calls) == 3
    assert "Traceback" not in capfd.readouterr().err
