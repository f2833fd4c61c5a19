"""The HTTP plumbing shared by every system client: retries, back-off, rate-limit waits, error mapping.

A system client subclasses :class:`JsonApiClient`, sets its auth headers and implements
:meth:`JsonApiClient.map_error` to turn its error bodies into the tree in ``systems.errors``.
Tests point a client at a sandbox by passing ``base_url`` of a served sandbox, or an
``httpx.Client`` of their own (the transport is the seam, as in httpx).

Long waits and who sleeps them: a transient failure is retried after a back-off (or the ``Retry-After``
of a 429). By default the wait is slept in the call, which is right for the CLI and one-shot transfers.
A caller that can come back to its work later (the hub's inbox, which re-queues an item with a due
time) runs the call under :func:`deferring`: a wait longer than the deferral's threshold is then not
slept, the failure is raised at once with ``wait_seconds`` set, and the caller's worker slot takes other
work until the item is due; a shorter wait is slept in the call while the caller lends the slot out.
"""

from __future__ import annotations

import functools
import json
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

import httpx
import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ledgerbridge.runtime import metrics
from ledgerbridge.systems.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)

JSONBody = Any


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds form; dates are rare in APIs)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


log = structlog.get_logger("ledgerbridge.http")


# Waits up to this long are slept in the call even under a deferral (with the caller's slot lent out, see
# WaitDeferral.while_sleeping): coming back later means running the caller's work again from its start,
# about five calls for an invoice (each one more chance of a fault), which costs more than a short wait.
# Measured with benchmarks/chaos.py: handing over every wait over 0.5 s made 38% more calls than sleeping.
# So the first four back-offs (0.2 s doubling, up to ~1.8 s) and Retry-After up to 2 s are slept.
DEFER_WAITS_LONGER_THAN = 2.0


class WaitDeferral:
    """How a caller that can come back later wants a call's waits done.

    A wait longer than ``longer_than`` seconds is handed to the caller: the failure is raised at once,
    and ``seconds`` keeps the longest wait handed over (the caller's due time). A shorter wait is slept
    in the call, inside ``while_sleeping()`` when given (the hub lends the document's slot meanwhile).
    """

    def __init__(
        self,
        longer_than: float = DEFER_WAITS_LONGER_THAN,
        *,
        while_sleeping: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self.longer_than = longer_than
        self.seconds: float | None = None
        self._while_sleeping = while_sleeping

    def takes(self, wait: float) -> bool:
        """Whether ``wait`` is the caller's to wait out (and noted so), not the call's to sleep."""
        if wait <= self.longer_than:
            return False
        self.seconds = max(wait, self.seconds or 0.0)
        return True

    def sleeping(self) -> AbstractContextManager[object]:
        return self._while_sleeping() if self._while_sleeping is not None else nullcontext()


_deferral: ContextVar[WaitDeferral | None] = ContextVar("ledgerbridge_wait_deferral", default=None)


@contextmanager
def deferring(deferral: WaitDeferral | None) -> Iterator[WaitDeferral | None]:
    """Calls made in this block (this thread or task) hand their long waits to ``deferral``; with None,
    every wait is slept in the call as usual."""
    token = _deferral.set(deferral)
    try:
        yield deferral
    finally:
        _deferral.reset(token)


class _WaitHonouringRetryAfter:
    """Exponential back-off with jitter, except that a 429's ``Retry-After`` wins when present."""

    def __init__(self, initial: float, maximum: float, system: str = "external system") -> None:
        self._backoff = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)
        self._maximum = maximum
        self._system = system

    def __call__(self, state: RetryCallState) -> float:
        """Seconds to wait after the failed attempt ``state`` describes."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            wait = min(exc.retry_after, self._maximum)
        else:
            wait = float(self._backoff(state))
        if isinstance(exc, RateLimitedError):
            metrics.RATE_LIMIT_WAITS.labels(self._system).inc()
            metrics.RATE_LIMIT_WAIT_SECONDS.labels(self._system).inc(wait)
        return wait


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client of the process. httpx builds one per client, loading the CA
    bundle each time (~0.4 MB, measured): a thousand tenants' clients would hold a thousand copies."""
    return httpx.create_ssl_context()


def http_client(timeout: float) -> httpx.Client:
    """An ``httpx.Client`` with the process's one TLS context."""
    return httpx.Client(timeout=timeout, verify=shared_ssl_context())


class IdlePool:
    """The ``httpx.Client`` of one client of ours, made at its first request and closed when idle.

    A client given an ``httpx.Client`` (``given``: tests, a sandbox's transport) uses that one as it is:
    never made, never released, never closed here. Otherwise the pool uses the process's one TLS
    context (:func:`shared_ssl_context`) and :func:`release_idle_clients` closes it when no request has
    run for a while; the next request makes it again. Requests are sent inside :meth:`use`, so a pool in
    use is never released under a request.
    """

    def __init__(self, given: httpx.Client | None, timeout: float) -> None:
        self.given = given
        self._timeout = timeout
        self._own: httpx.Client | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last_use = 0.0
        self._closed = False
        if given is None:
            _OWN_POOLS.add(self)

    @property
    def is_open(self) -> bool:
        """Whether a pool of our own is open now (False for a given client, which is not ours)."""
        return self._own is not None

    @contextmanager
    def use(self) -> Iterator[httpx.Client]:
        """The client to send one request with; counted in use until the block ends."""
        if self.given is not None:
            yield self.given
            return
        with self._lock:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")  # as httpx's
            if self._own is None:
                self._own = http_client(self._timeout)
            client = self._own
            self._in_flight += 1
        try:
            yield client
        finally:
            with self._lock:
                self._in_flight -= 1
                self._last_use = time.monotonic()

    def release_idle(self, idle_seconds: float) -> bool:
        """Close our pool if no request is running and none ran for ``idle_seconds``."""
        with self._lock:
            own = self._own
            if own is None or self._in_flight or time.monotonic() - self._last_use < idle_seconds:
                return False
            self._own = None
        own.close()
        return True

    def close(self) -> None:
        """Close our pool for good (a given client is its giver's to close)."""
        if self.given is not None:
            return
        with self._lock:
            own, self._own, self._closed = self._own, None, True
        if own is not None:
            own.close()


# Pools of clients that make their own httpx.Client, so :func:`release_idle_clients` can let idle ones go.
_OWN_POOLS: weakref.WeakSet[IdlePool] = weakref.WeakSet()


def release_idle_clients(idle_seconds: float) -> int:
    """Close every connection pool of ours (API clients' and sign-in/token clients') that has not been
    used for ``idle_seconds`` (it is made again at its next request); returns how many were closed. A
    serving process or worker calls it now and then, so an idle tenant holds no open connection (nor
    its TLS buffers)."""
    return sum(pool.release_idle(idle_seconds) for pool in list(_OWN_POOLS))


class JsonApiClient:
    """A small JSON-over-HTTP client with one retry policy for transient failures.

    ``max_retries`` counts retries after the first attempt. ``calls`` counts HTTP requests sent
    (retries included), so tests and benchmarks can measure what an operation cost.
    """

    system = "external system"

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_initial: float = 0.2,
        backoff_max: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = auth  # an httpx.Auth (e.g. OAuth2 with refresh) used on every request
        # Called before every request with (method, path): a client that must pace itself (a documented
        # request budget) waits there instead of running into 429s.
        self.pace: Callable[[str, str], None] | None = None
        # Our own httpx.Client is made at the first call and closed when idle (release_idle).
        self.pool = IdlePool(http, timeout)
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._max_retries = max_retries
        self._wait = _WaitHonouringRetryAfter(backoff_initial, backoff_max, self.system)
        self._sleep = sleep
        self.calls = 0

    # -- lifecycle -------------------------------------------------------------------------------
    def release_idle(self, idle_seconds: float) -> bool:
        """Close our connection pool if no call is running and none was made for ``idle_seconds``."""
        return self.pool.release_idle(idle_seconds)

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> JsonApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """An absolute URL for ``path``; absolute URLs (e.g. pagination links) pass through."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: JSONBody = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> httpx.Response:
        """Send one request, retrying transient failures; return the successful response.

        Under :func:`deferring`, a failure whose wait is longer than the deferral's threshold is raised
        at once (``wait_seconds`` set) for the caller to come back after that wait.
        """
        attempts = self._max_retries + 1 if retry else 1
        deferral = _deferral.get()

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            assert isinstance(exc, TransientError)  # only those are retried
            if deferral is not None and deferral.takes(wait):
                exc.wait_seconds = wait  # the caller comes back after it; this slot takes other work
                self._log_retry(exc, state.attempt_number, wait, deferred=True)
                raise exc
            self._log_retry(exc, state.attempt_number, wait)  # a retry is never silent

        def sleep(seconds: float) -> None:
            with deferral.sleeping() if deferral is not None else nullcontext():
                self._sleep(seconds)

        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            sleep=sleep,
            reraise=True,
            before_sleep=before_sleep,
        )
        for attempt in retrying:
            with attempt:
                return self._send_once(method, path, params=params, json_body=json_body, headers=headers)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity either returns or raises

    def _log_retry(self, exc: TransientError, attempt: int, wait: float, *, deferred: bool = False) -> None:
        log.warning(
            "retry deferred to the caller" if deferred else "retrying",
            system=self.system,
            attempt=attempt,
            wait_seconds=round(wait, 2),
            error=exc.remote_message or str(exc),
        )

    def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json_body: JSONBody,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        if self.pace is not None:
            self.pace(method, path)
        url = self.url(path)
        all_headers = {**self._headers, **(headers or {})}
        content = None
        if json_body is not None:
            content = json.dumps(json_body, default=_json_default).encode()
            all_headers["Content-Type"] = "application/json"
        self.calls += 1
        try:
            with self.pool.use() as http:  # a pool in use is not released under the call
                response = http.request(
                    method,
                    url,
                    params=params,
                    content=content,
                    headers=all_headers,
                    auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT,
                )
        except httpx.TimeoutException as exc:
            raise TransientError(f"{self.system}: {method} {url} timed out", method=method, url=url) from exc
        except httpx.TransportError as exc:
            raise TransientError(
                f"{self.system}: {method} {url} failed: {exc}", method=method, url=url
            ) from exc
        if response.is_success:
            return response
        raise self.map_error(response)

    def map_error(self, response: httpx.Response) -> ApiError:
        """Turn an unsuccessful response into a typed exception. Systems override to read their bodies."""
        body = decode_body(response)
        message = _first_text(body) or response.reason_phrase or "error"
        return error_for_status(self.system, response, message, body)

    # -- JSON conveniences -----------------------------------------------------------------------
    @staticmethod
    def decode(response: httpx.Response) -> Any:
        """The JSON body with every fractional number as a ``Decimal``: money never passes through a float."""
        if not response.content:
            return None
        return json.loads(response.content, parse_float=Decimal)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.decode(self.request("GET", path, params=params))


def decode_body(response: httpx.Response) -> Any:
    """The body as JSON when it is JSON, else as text (error pages are not always JSON)."""
    try:
        return response.json()
    except ValueError:
        return response.text


def _first_text(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("message", "Message", "title", "error", "detail"):
            if isinstance(text := body.get(key), str):
                return text
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return None


def error_for_status(
    system: str,
    response: httpx.Response,
    remote_message: str,
    body: Any,
    *,
    field_errors: dict[str, list[str]] | None = None,
) -> ApiError:
    """The exception class a status code means, carrying the system's own message and body."""
    status = response.status_code
    request = response.request
    common: dict[str, Any] = {
        "status_code": status,
        "remote_message": remote_message,
        "body": body,
        "method": request.method,
        "url": str(request.url),
    }
    text = f"{system} answered {status} to {request.method} {request.url.path}: {remote_message}"
    if status == 429:
        return RateLimitedError(
            text, retry_after=parse_retry_after(response.headers.get("Retry-After")), **common
        )
    if status >= 500 or status == 408:
        return TransientError(text, **common)
    if status in (401, 403):
        return AuthError(text, **common)
    if status == 404:
        return NotFoundError(text, **common)
    if status == 409:
        return ConflictError(text, **common)
    if status in (400, 422):
        return ValidationError(text, errors=field_errors, **common)
    return ApiError(text, **common)


def _json_default(value: Any) -> Any:
    """Decimals go out as JSON numbers, and only when the number on the wire is exactly the Decimal.

    JSON APIs take money as numbers; a float's shortest repr round-trips every amount with up to 15
    significant digits, so we check that instead of trusting it, and refuse to send a rounded value.
    """
    if isinstance(value, Decimal):
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be sent as a JSON number without losing precision")
        return as_float
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
