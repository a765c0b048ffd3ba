"""The HTTP client every connector uses: retries, Retry-After, rate limiting, redacted logs."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from slabridge.logs import redact_text

log = structlog.get_logger("slabridge.http")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpError(Exception):
    """An HTTP call that failed; the message never contains credentials."""

    def __init__(
        self, method: str, path: str, status: int | None, detail: str, *, retryable: bool
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        self.retryable = retryable
        where = f"{method} {path}"
        what = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{where}: {what}: {detail}" if detail else f"{where}: {what}")


class RetryableHttpError(HttpError):
    """429, 5xx, timeouts and dropped connections: worth another try."""

    def __init__(
        self, method: str, path: str, status: int | None, detail: str, retry_after: float | None
    ) -> None:
        super().__init__(method, path, status, detail, retryable=True)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header given as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(base_url: str) -> None:
    """Refuse plain HTTP except to loopback addresses (the fakes and local tests)."""
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return
    raise ValueError(
        f"refusing {parts.scheme or 'a relative'} URL for host {parts.hostname!r}: "
        "use https:// (plain http is only allowed to loopback addresses)"
    )


class RateLimiter:
    """Paces requests to at most ``per_minute``, and slows down when the API says quota is low."""

    def __init__(
        self,
        per_minute: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_at = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            delay = self._next_at - now
            if delay > 0:
                self._sleep(delay)
                now = self._clock()
            self._next_at = max(self._next_at, now) + self.interval

    def observe(self, remaining: int | None, reset_seconds: float | None) -> None:
        """Spread what is left of the quota over the time until it resets."""
        if remaining is None or reset_seconds is None or reset_seconds <= 0:
            return
        if remaining <= 0:
            with self._lock:
                self._next_at = max(self._next_at, self._clock() + reset_seconds)
            return
        spread = reset_seconds / remaining
        if spread > self.interval:
            with self._lock:
                self._next_at = max(self._next_at, self._clock() + spread)


def _int_header(headers: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        try:
            return int(float(value.split(",")[0].strip()))
        except ValueError:
            continue
    return None


class HttpClient:
    """A requests session with retries (tenacity), pacing and one structured log line per call.

    Retries 429, 5xx, timeouts and connection errors with jittered exponential backoff capped at
    ``backoff_cap`` seconds, waiting at least what ``Retry-After`` asks. Other 4xx raise
    :class:`HttpError` at once.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        requests_per_minute: float | None = None,
        secrets: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        connector: str | None = None,
    ) -> None:
        require_https(base_url)
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.secrets = tuple(secret for secret in secrets if secret)
        self.connector = connector
        self._sleep = sleep
        self.limiter = RateLimiter(requests_per_minute, sleep=sleep)
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update({"Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        self.calls = 0

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            require_https(path)
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = min(self.backoff_cap, self.backoff_base * 2 ** (state.attempt_number - 1))
        jittered = random.uniform(backoff / 2, backoff)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return max(float(retry_after), jittered if retry_after == 0 else 0.0)
        return jittered

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        ok: Sequence[int] = (200, 201, 202, 204),
    ) -> requests.Response:
        """Send one request with retries; return the response when its status is in ``ok``."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetryableHttpError),
            sleep=self._sleep,
            reraise=True,
        )
        attempts = 0

        def attempt() -> requests.Response:
            nonlocal attempts
            attempts += 1
            return self._send_once(method, path, params, json, ok, attempts - 1)

        response: requests.Response = retrying(attempt)
        return response

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        ok: Sequence[int],
        retries: int,
    ) -> requests.Response:
        url = self.url(path)
        shown_path = urlsplit(url).path
        self.limiter.wait()
        self.calls += 1
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, json=body, timeout=self.timeout
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            self._log(method, shown_path, None, started, retries, error=type(exc).__name__)
            raise RetryableHttpError(method, shown_path, None, type(exc).__name__, None) from None
        self._log(method, shown_path, response.status_code, started, retries)
        self.limiter.observe(
            _int_header(
                response.headers,
                "X-Rate-Limit-Remaining",
                "X-RateLimit-Remaining",
                "ratelimit-remaining",
            ),
            _int_header(response.headers, "ratelimit-reset", "X-RateLimit-Reset-After"),
        )
        if response.status_code in ok:
            return response
        detail = self.redact(response.text[:300])
        if response.status_code in RETRYABLE_STATUSES:
            raise RetryableHttpError(
                method,
                shown_path,
                response.status_code,
                detail,
                parse_retry_after(response.headers.get("Retry-After")),
            )
        raise HttpError(method, shown_path, response.status_code, detail, retryable=False)

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        retries: int,
        error: str | None = None,
    ) -> None:
        log.info(
            "http_request",
            connector=self.connector,
            method=method,
            path=path,
            status=status,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            retries=retries,
            error=error,
        )

    def redact(self, text: str) -> str:
        return redact_text(text, self.secrets)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.session.close()


__all__ = [
    "HttpClient",
    "HttpError",
    "RateLimiter",
    "RetryableHttpError",
    "is_loopback",
    "parse_retry_after",
    "require_https",
]
