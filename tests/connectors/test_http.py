"""The HTTP client: retries, Retry-After, backoff, rate limiting, timeouts, redaction, https."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses
import urllib3

from slabridge.connectors.http import (
    HttpClient,
    HttpError,
    RateLimiter,
    RetryableHttpError,
    is_loopback,
    parse_retry_after,
    require_https,
    unreachable_reason,
)
from slabridge.testing.fakeapi import FakeAPI, FakeRequest, FakeResponse
from slabridge.testing.pytest_plugin import CapturedLogs

SECRET = "s3cr3t-token-9f8e7d"


class EchoFake(FakeAPI):
    """Answers /ok with JSON, and /leak with an error that echoes the Authorization header."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", "/ok", lambda request: FakeResponse(200, {"ok": True}))
        self.route("PUT", "/ok", lambda request: FakeResponse(200, request.json()))
        self.route("GET", "/leak", self._leak)

    def _leak(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(403, {"error": f"token {request.headers.get('Authorization')} denied"})


@pytest.fixture
def fake() -> Iterator[EchoFake]:
    with EchoFake() as server:
        yield server


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(fake: FakeAPI, sleeps: Sleeps, **options: object) -> HttpClient:
    return HttpClient(
        fake.base_url,
        headers={"Authorization": f"Bearer {SECRET}"},
        secrets=[SECRET],
        sleep=sleeps,
        connector="test",
        **options,  # type: ignore[arg-type]
    )


# -- retries ----------------------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_exactly(fake: EchoFake, sleeps: Sleeps) -> None:
    fake.inject("429", times=1, retry_after="7")
    response = client_for(fake, sleeps).get("/ok")
    assert response.json() == {"ok": True}
    assert sleeps == [7.0]


def test_retry_after_as_an_http_date_waits_until_that_date(fake: EchoFake, sleeps: Sleeps) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    fake.inject("429", times=1, retry_after=format_datetime(when, usegmt=True))
    client_for(fake, sleeps).get("/ok")
    assert len(sleeps) == 1
    assert 25.0 <= sleeps[0] <= 30.0


def test_parse_retry_after_reads_seconds_dates_and_rejects_garbage() -> None:
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Mon, 05 Jan 2026 12:00:45 GMT", now=lambda: now) == 45.0
    assert parse_retry_after("Mon, 05 Jan 2026 11:00:00 GMT", now=lambda: now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_5xx_then_success_is_retried_with_backoff(
    fake: EchoFake, sleeps: Sleeps, captured_logs: CapturedLogs
) -> None:
    fault = fake.inject("5xx", times=2, status=502)
    client = client_for(fake, sleeps, backoff_base=2.0)
    assert client.get("/ok").status_code == 200
    assert fault.hits == 2
    assert len(sleeps) == 2
    assert 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 4.0  # jittered, doubling
    [line] = captured_logs.events("http_request")
    assert line["status"] == 200 and line["retries"] == 2


def test_5xx_until_give_up_raises_a_clear_retryable_error(fake: EchoFake, sleeps: Sleeps) -> None:
    fault = fake.inject("5xx", status=503)
    with pytest.raises(RetryableHttpError) as caught:
        client_for(fake, sleeps, max_attempts=3).get("/ok")
    assert fault.hits == 3
    assert len(sleeps) == 2
    message = str(caught.value)
    assert "GET /ok" in message and "HTTP 503" in message and "gave up after 3 attempts" in message
    assert caught.value.retryable and caught.value.status == 503


def test_4xx_is_fatal_at_once(fake: EchoFake, sleeps: Sleeps) -> None:
    fault = fake.inject("4xx", status=404)
    with pytest.raises(HttpError) as caught:
        client_for(fake, sleeps).get("/ok")
    assert fault.hits == 1 and sleeps == []
    assert caught.value.status == 404 and not caught.value.retryable
    assert not isinstance(caught.value, RetryableHttpError)


def test_status_listed_as_ok_is_returned_not_raised(fake: EchoFake, sleeps: Sleeps) -> None:
    fake.inject("4xx", status=404, times=1)
    assert client_for(fake, sleeps).get("/ok", ok=(200, 404)).status_code == 404


def test_timeout_is_retried(fake: EchoFake, sleeps: Sleeps) -> None:
    fault = fake.inject("delay", delay=0.5, times=1)
    client = client_for(fake, sleeps, timeout=0.1)
    assert client.get("/ok").json() == {"ok": True}
    assert fault.hits == 1 and len(sleeps) == 1


def test_timeout_until_give_up_says_it_timed_out(fake: EchoFake, sleeps: Sleeps) -> None:
    fake.inject("delay", delay=0.3)
    with pytest.raises(RetryableHttpError, match=r"timed out after 0\.1 s"):
        client_for(fake, sleeps, timeout=0.1, max_attempts=2).get("/ok")


def test_dropped_connection_is_retried(fake: EchoFake, sleeps: Sleeps) -> None:
    fault = fake.inject("drop", times=1)
    assert client_for(fake, sleeps).get("/ok").json() == {"ok": True}
    assert fault.hits == 1 and len(sleeps) == 1


def test_malformed_json_is_retried_by_request_json(fake: EchoFake, sleeps: Sleeps) -> None:
    fault = fake.inject("malformed", times=1)
    assert client_for(fake, sleeps).get_json("/ok") == {"ok": True}
    assert fault.hits == 1 and len(sleeps) == 1


def test_a_raw_body_and_request_headers_are_sent_as_given_on_every_attempt(
    fake: EchoFake, sleeps: Sleeps
) -> None:
    # A signed body must reach the server byte for byte, retries included.
    fake.inject("5xx", times=1)
    body = b'{"b": 1,  "a": "\xc3\xa9"}'
    client_for(fake, sleeps).request("PUT", "/ok", data=body, headers={"X-Signed": "yes"})
    sent = fake.requests_to("PUT", "/ok")
    assert [request.body for request in sent] == [body, body]
    assert all(request.headers["X-Signed"] == "yes" for request in sent)
    assert sent[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_retry_after_beyond_the_limit_gives_up_without_waiting(
    fake: EchoFake, sleeps: Sleeps
) -> None:
    fake.inject("429", retry_after="3600")
    with pytest.raises(RetryableHttpError, match="asked to retry after 3600 s"):
        client_for(fake, sleeps, max_retry_after=120).get("/ok")
    assert sleeps == []


def test_backoff_is_jittered_exponential_and_capped() -> None:
    client = HttpClient("https://example.test", backoff_base=1.0, backoff_cap=10.0)
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (20, 10.0)):
        waits = {client.backoff(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1  # jittered


@responses.activate
def test_a_connection_error_is_retried_with_responses() -> None:
    responses.add(responses.GET, "https://help.example.test/api/x", body=requests.ConnectionError())
    responses.add(responses.GET, "https://help.example.test/api/x", json={"n": 1})
    sleeps = Sleeps()
    client = HttpClient("https://help.example.test", sleep=sleeps)
    assert client.get_json("/api/x") == {"n": 1}
    assert len(sleeps) == 1 and client.calls == 2


# -- secrets and logs -------------------------------------------------------------------------


def test_secret_never_appears_in_errors_or_logs(
    fake: EchoFake, sleeps: Sleeps, captured_logs: CapturedLogs
) -> None:
    with pytest.raises(HttpError) as caught:
        client_for(fake, sleeps).get("/leak", params={"api_token": SECRET})
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    assert "***" in str(caught.value)  # the echo was there, and was scrubbed
    assert captured_logs.entries
    assert SECRET not in captured_logs.text


def test_one_log_line_per_request_with_method_path_status_duration_retries(
    fake: EchoFake, sleeps: Sleeps, captured_logs: CapturedLogs
) -> None:
    fake.inject("429", times=1, retry_after="1")
    client_for(fake, sleeps).get("/ok", params={"q": "secret-query"})
    [line] = captured_logs.events("http_request")
    assert line["method"] == "GET" and line["path"] == "/ok"  # no query string
    assert line["status"] == 200 and line["retries"] == 1 and line["connector"] == "test"
    assert isinstance(line["duration_ms"], float)
    assert "secret-query" not in captured_logs.text


def test_failed_request_is_logged_with_its_error(
    fake: EchoFake, sleeps: Sleeps, captured_logs: CapturedLogs
) -> None:
    fake.inject("4xx", status=400)
    with pytest.raises(HttpError):
        client_for(fake, sleeps).get("/ok")
    [line] = captured_logs.events("http_request")
    assert line["status"] == 400 and line["error"]


# -- https only -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://help.example.com", "http://10.0.0.1:8080", "ftp://x"])
def test_plain_http_to_a_non_loopback_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        HttpClient(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"])
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    require_https(url)
    assert is_loopback(HttpClient(url).base_url.split("//")[1].rsplit(":", 1)[0].strip("[]"))


def test_absolute_urls_must_stay_on_the_clients_origin(fake: EchoFake, sleeps: Sleeps) -> None:
    client = client_for(fake, sleeps)
    assert client.get(fake.base_url + "/ok").status_code == 200
    with pytest.raises(ValueError, match="refusing to send credentials"):
        client.get("https://evil.example.com/ok")


# -- rate limiting ----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_paces_to_requests_per_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(120, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        limiter.wait()
    assert clock.sleeps == pytest.approx([0.5, 0.5, 0.5])


def test_rate_limiter_slows_down_when_the_quota_runs_low() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    limiter.observe(remaining=500, reset_seconds=30)  # plenty left: no pacing
    limiter.wait()
    assert clock.sleeps == []
    limiter.observe(remaining=4, reset_seconds=30)  # 4 left for 30 s: one every 6 s
    limiter.wait()
    assert clock.sleeps == pytest.approx([6.0])


def test_rate_limiter_waits_for_the_reset_when_no_quota_is_left() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    limiter.observe(remaining=0, reset_seconds=None)  # per-minute quotas: assume a minute
    limiter.wait()
    assert clock.sleeps == pytest.approx([60.0])


def test_client_reads_remaining_quota_headers(sleeps: Sleeps) -> None:
    class LowQuotaFake(EchoFake):
        def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
            return {"X-RateLimit-Remaining": "1", "ratelimit-reset": "10"}

    with LowQuotaFake() as low:
        client = client_for(low, sleeps)
        client.get("/ok")
        client.get("/ok")
    assert len(sleeps) == 1 and 4.0 <= sleeps[0] <= 5.0


def test_basic_auth_credentials_echoed_by_the_server_are_scrubbed(
    fake: EchoFake, sleeps: Sleeps, captured_logs: CapturedLogs
) -> None:
    # The password is not passed in ``secrets``: basic auth alone must be enough to redact it,
    # also in the base64 form the Authorization header carries.
    client = HttpClient(fake.base_url, auth=("agent@example.com/token", SECRET), sleep=sleeps)
    with pytest.raises(HttpError) as caught:
        client.get("/leak")
    encoded = base64.b64encode(f"agent@example.com/token:{SECRET}".encode()).decode()
    assert "Basic ***" in str(caught.value)  # the echo was there, and was scrubbed
    for leaked in (SECRET, encoded, encoded[:20]):
        assert leaked not in str(caught.value) and leaked not in captured_logs.text


def test_a_secret_cut_by_the_detail_limit_does_not_leak_in_part(sleeps: Sleeps) -> None:
    class LongEcho(FakeAPI):
        def __init__(self) -> None:
            super().__init__()
            self.route(
                "GET", "/long", lambda r: FakeResponse(400, raw=("x" * 290 + SECRET).encode())
            )

    with LongEcho() as server, pytest.raises(HttpError) as caught:
        client_for(server, sleeps).get("/long")
    assert SECRET[:8] not in str(caught.value)


# -- an unreachable helpdesk fails fast -------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_first_connection_fails_at_once_naming_the_host() -> None:
    sleeps = Sleeps()
    port = _closed_port()
    client = HttpClient(f"http://127.0.0.1:{port}", sleep=sleeps, max_attempts=6)
    with pytest.raises(HttpError) as caught:
        client.get_json("/api/v2/tickets")
    assert not caught.value.retryable
    assert f"cannot connect to http://127.0.0.1:{port}: connection refused" in str(caught.value)
    assert sleeps == [] and client.calls == 1  # no backoff: the base_url is wrong or the host down


def test_a_refused_connection_after_one_that_worked_is_retried(
    fake: EchoFake, sleeps: Sleeps
) -> None:
    client = client_for(fake, sleeps)
    client.get("/ok")
    fake.stop()
    client.session.close()  # drop the kept-alive connection, whose handler thread lives on
    with pytest.raises(RetryableHttpError, match="connection refused"):
        client.get("/ok")
    assert len(sleeps) == client.max_attempts - 1  # a blip mid-sync: worth the usual retries


def test_unreachable_reason_names_the_kind_of_failure_never_the_url() -> None:
    refused = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    wrapped = requests.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/x?token=SECRET", reason=refused)  # type: ignore[arg-type]
    )
    assert unreachable_reason(wrapped) == "connection refused"
    assert unreachable_reason(requests.ConnectionError()) is None
