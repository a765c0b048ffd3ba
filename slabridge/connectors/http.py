"""The HTTP client every connector uses: retries, Retry-After, rate limiting, redacted logs."""

from __future__ import annotations

import base64
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
import urllib3
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
)

from slabridge.connectors.auth import AuthStrategy
from slabridge.errors import SlabridgeError
from slabridge.logs import redact_text
from slabridge.telemetry import record_api_call

log = structlog.get_logger("slabridge.http")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpError(SlabridgeError):
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


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """The longest wait the response asks for: ``Retry-After`` or ``X-RateLimit-Retry-After``.

    Some helpdesks send only the ``X-RateLimit-`` spelling on a 429 (seconds, or an HTTP date);
    when both are present the longer wins, since retrying early only earns another 429.
    """
    waits = [
        wait
        for wait in (
            parse_retry_after(headers.get("Retry-After")),
            parse_retry_after(headers.get("X-RateLimit-Retry-After")),
        )
        if wait is not None
    ]
    return max(waits) if waits else None


def unreachable_reason(error: BaseException) -> str | None:
    """Why a connection never opened (refused, name not found, no answer), else ``None``.

    requests wraps urllib3's reason in ``MaxRetryError.reason``; its text holds the full URL,
    query string included, so only the kind of failure is reported, never the message.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NameResolutionError):
            return "the host name does not resolve"
        if isinstance(current, ConnectionRefusedError) or (
            isinstance(current, urllib3.exceptions.NewConnectionError)
            and "refused" in str(current).lower()
        ):
            return "connection refused"
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            return "the connection could not be opened"
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.append(getattr(current, "reason", None))
        pending.extend((current.__cause__, current.__context__))
    return None


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
    """Paces requests to at most ``per_minute``, and slows down when the API says quota is low.

    Thread-safe; ``clock`` and ``sleep`` are injectable so tests neither wait nor race.
    """

    def __init__(
        self,
        per_minute: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        low_water: int = 10,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.low_water = low_water
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
        """Slow down when the API says little quota is left.

        With ``remaining`` at or below ``low_water`` the remaining requests are spread over the
        time until the quota resets (``reset_seconds``; a minute when the API does not say,
        since every helpdesk quota here is per minute); with none left, wait for the reset.
        """
        if remaining is None or remaining > self.low_water:
            return
        window = reset_seconds if reset_seconds is not None and reset_seconds > 0 else 60.0
        delay = window if remaining <= 0 else window / (remaining + 1)
        if delay > self.interval:
            with self._lock:
                self._next_at = max(self._next_at, self._clock() + delay)


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

    Retries 429, 5xx, timeouts, dropped connections and (in :meth:`request_json`) malformed JSON
    bodies with jittered exponential backoff capped at ``backoff_cap`` seconds, waiting at least
    what ``Retry-After`` or ``X-RateLimit-Retry-After`` asks (seconds or an HTTP date) unless
    that exceeds ``max_retry_after``, when it gives up at once. Other 4xx raise
    :class:`HttpError` at once. Every call has ``timeout``. Plain ``http://`` is refused
    except to loopback addresses, and absolute URLs (next-page links) must point at the same
    origin as ``base_url`` so that credentials never go elsewhere.

    ``auth`` is an :class:`~slabridge.connectors.auth.AuthStrategy` (headers asked for on every
    request, renewed once after a 401 and the request sent again), or, as before, a requests
    auth object or a ``(user, password)`` pair.

    Logging: one ``http_request`` line per call at INFO (method, path without the query string,
    status, duration_ms, retries, error) and one ``http_retry`` line per retry at DEBUG; text
    taken from responses is scrubbed of ``secrets``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: AuthStrategy | requests.auth.AuthBase | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        max_retry_after: float = 600.0,
        requests_per_minute: float | None = None,
        secrets: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        connector: str | None = None,
    ) -> None:
        require_https(base_url)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = base_url.rstrip("/") + "/"
        self._origin = _origin(self.base_url)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        # Whether any request has reached the server yet: see _fail_fast_if_never_connected.
        self.connected = False
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self.auth_strategy = auth if isinstance(auth, AuthStrategy) else None
        basic = _auth_secrets(None if isinstance(auth, AuthStrategy) else auth)
        self.secrets = tuple(secret for secret in (*secrets, *basic) if secret)
        self.connector = connector
        self._sleep = sleep
        self.limiter = RateLimiter(requests_per_minute, sleep=sleep)
        self.session = requests.Session()
        if not isinstance(auth, AuthStrategy):
            self.session.auth = auth
        self.session.headers.update({"Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        self.calls = 0

    def url(self, path: str) -> str:
        """The absolute URL of ``path``; an absolute URL must be on the client's own origin."""
        if path.startswith(("http://", "https://")):
            require_https(path)
            if _origin(path) != self._origin:
                raise ValueError(
                    f"refusing to send credentials to {urlsplit(path).hostname!r}: "
                    f"the client is for {urlsplit(self.base_url).hostname!r}"
                )
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def backoff(self, attempt: int) -> float:
        """The jittered wait after failed attempt number ``attempt`` (1-based), capped."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        jittered = self.backoff(state.attempt_number)
        retry_after = getattr(exc, "retry_after", None)
        wait = jittered if retry_after is None or retry_after == 0 else float(retry_after)
        log.debug(
            "http_retry",
            connector=self.connector,
            attempt=state.attempt_number,
            wait_seconds=round(wait, 3),
            reason=str(exc) if exc is not None else None,
        )
        return wait

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.max_attempts:
            return True
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        return retry_after is not None and retry_after > self.max_retry_after

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        ok: Sequence[int] = (200, 201, 202, 204),
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request with retries; return the response when its status is in ``ok``.

        ``data`` is a raw body sent as it is (a signed body must be the bytes signed) and
        ``headers`` are added to this request only.

        Raises:
            HttpError: a status outside ``ok`` that is not worth retrying (most 4xx).
            RetryableHttpError: 429, 5xx, timeouts or dropped connections after the last
                attempt; its message says how many attempts were made.
        """
        response: requests.Response = self._call(
            method, path, params, json, ok, parse=False, data=data, headers=headers
        )
        return response

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        ok: Sequence[int] = (200, 201, 202, 204),
    ) -> Any:
        """Like :meth:`request`, returning the parsed body; a malformed body is retried."""
        response = self._call(method, path, params, json, ok, parse=True)
        return response.json() if response.content else None

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request_json("GET", path, **kwargs)

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        ok: Sequence[int],
        *,
        parse: bool,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = self.url(path)
        shown_path = self.redact(urlsplit(url).path)
        started = time.monotonic()
        attempts = 0
        status: int | None = None

        renewed = False

        def attempt() -> requests.Response:
            nonlocal attempts, status, renewed
            attempts += 1
            status = None
            response = self._send_once(method, url, shown_path, params, body, data, headers)
            strategy = self.auth_strategy
            if response.status_code == 401 and strategy is not None and not renewed:
                # An expired or revoked token: renew once, then try the same request again.
                renewed = True
                if strategy.renew():
                    response = self._send_once(method, url, shown_path, params, body, data, headers)
            status = response.status_code
            self._raise_for_status(method, shown_path, response, ok)
            if parse and response.content:
                try:
                    response.json()
                except ValueError:
                    raise RetryableHttpError(
                        method, shown_path, status, "the body is not valid JSON", None
                    ) from None
            return response

        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type(RetryableHttpError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response: requests.Response = retrying(attempt)
        except RetryableHttpError as exc:
            self._log(method, shown_path, status, started, attempts - 1, error=exc.detail)
            raise _gave_up(exc, attempts, self.max_retry_after) from None
        except HttpError as exc:
            self._log(method, shown_path, status, started, attempts - 1, error=exc.detail)
            raise
        self._log(method, shown_path, status, started, attempts - 1)
        return response

    def _send_once(
        self,
        method: str,
        url: str,
        shown_path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        data: bytes | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.limiter.wait()
        self.calls += 1
        try:
            headers = dict(extra_headers or {})
            if self.auth_strategy is not None:
                headers.update(self.auth_strategy.headers())
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                data=data,
                headers=headers or None,
                timeout=(min(self.connect_timeout, self.timeout), self.timeout),
            )
        except requests.ConnectTimeout:
            detail = f"no answer to connect within {self.connect_timeout:g} s"
            self._fail_fast_if_never_connected(method, shown_path, detail)
            raise RetryableHttpError(method, shown_path, None, detail, None) from None
        except requests.Timeout:
            detail = f"timed out after {self.timeout:g} s"
            raise RetryableHttpError(method, shown_path, None, detail, None) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            unreachable = unreachable_reason(exc)
            if unreachable is not None:
                self._fail_fast_if_never_connected(method, shown_path, unreachable)
            detail = unreachable or f"connection failed ({type(exc).__name__})"
            raise RetryableHttpError(method, shown_path, None, detail, None) from None
        self.connected = True
        if response.status_code == 429 and retry_after_of(response.headers) is not None:
            # The 429's Retry-After is the wait (the retry sleeps it). Pacing on the
            # "Remaining: 0" it also carries would add a whole minute on top, though Jira's
            # burst limits reset within seconds.
            return response
        self.limiter.observe(
            _int_header(
                response.headers,
                "X-Rate-Limit-Remaining",
                "X-RateLimit-Remaining",
                "ratelimit-remaining",
                "rate-limit-remaining",
            ),
            _int_header(
                response.headers, "ratelimit-reset", "rate-limit-reset", "X-RateLimit-Reset-After"
            ),
        )
        return response

    def _fail_fast_if_never_connected(self, method: str, shown_path: str, reason: str) -> None:
        # A host that refuses, does not resolve or never answers on the very first request is
        # a wrong base_url or a service that is down: minutes of backoff would only hide that.
        # Once a request has gone through, the same errors are a blip and are retried.
        if self.connected:
            return
        scheme, host, port = self._origin
        where = self.redact(f"{scheme}://{host}:{port}")
        raise HttpError(
            method,
            shown_path,
            None,
            f"cannot connect to {where}: {reason} (check base_url and that the service is up)",
            retryable=False,
        )

    def _raise_for_status(
        self, method: str, shown_path: str, response: requests.Response, ok: Sequence[int]
    ) -> None:
        if response.status_code in ok:
            return
        # Redact before cutting, so that a secret straddling the cut cannot leak in part.
        detail = self.redact(response.text)[:300].strip()
        if response.status_code in RETRYABLE_STATUSES:
            raise RetryableHttpError(
                method,
                shown_path,
                response.status_code,
                detail,
                retry_after_of(response.headers),
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
        record_api_call(self.connector, retries)

    def redact(self, text: str) -> str:
        extra = self.auth_strategy.secrets() if self.auth_strategy is not None else []
        return redact_text(text, (*self.secrets, *extra))

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.session.close()


def _auth_secrets(auth: requests.auth.AuthBase | tuple[str, str] | None) -> list[str]:
    """The password of basic auth and the header value it becomes, which a server may echo."""
    if isinstance(auth, requests.auth.HTTPBasicAuth):
        user, password = str(auth.username), str(auth.password)
    elif isinstance(auth, tuple) and len(auth) == 2:
        user, password = str(auth[0]), str(auth[1])
    else:
        return []
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return [password, encoded]


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


def _gave_up(exc: RetryableHttpError, attempts: int, max_retry_after: float) -> RetryableHttpError:
    if exc.retry_after is not None and exc.retry_after > max_retry_after:
        why = f"the server asked to retry after {exc.retry_after:g} s (limit {max_retry_after:g} s)"
    else:
        why = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}"
    detail = f"{exc.detail} ({why})" if exc.detail else why
    return RetryableHttpError(exc.method, exc.path, exc.status, detail, exc.retry_after)


__all__ = [
    "HttpClient",
    "HttpError",
    "RateLimiter",
    "RetryableHttpError",
    "is_loopback",
    "parse_retry_after",
    "require_https",
    "retry_after_of",
]
