"""Switchable faults, rate limiting and a request log, wrapped around any sandbox ASGI app.

Every sandbox gets the same control surface under ``/_sandbox`` (never part of the emulated API):

- ``GET /_sandbox/faults`` / ``PUT /_sandbox/faults`` — the :class:`FaultPlan` as JSON
  (``latency_ms``, ``error_rate``, ``error_status``, ``timeout_rate``, ``timeout_seconds``,
  ``fail_next`` (a list of statuses, or ``"timeout"``, for the next requests), ``lose_answers``
  (the next N requests are carried out but answered 504), ``path_pattern``, ``seed``).
- ``PUT /_sandbox/rate-limit`` — ``{"capacity": 10000, "window_seconds": 60}``, or ``{"capacity": null}``
  to switch the bucket off.
- ``GET /_sandbox/requests`` — the request log (method, path, query, status, idempotency key);
  ``DELETE /_sandbox/requests`` clears it.

Tests may also reach the same objects in-process through ``app.state.kit``.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerbridge.sandbox.ratelimit import BucketDecision, TokenBucket

CONTROL_PREFIX = "/_sandbox"


@dataclass
class FaultPlan:
    """What goes wrong, and how often. The default plan injects nothing."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    fail_next: list[int | str] = field(default_factory=list)
    # The next N requests are carried out, but their answers are lost: the client sees a 504
    # (the write happened; only a lookup or an idempotent replay can tell).
    lose_answers: int = 0
    path_pattern: str | None = None  # only requests whose path matches (re.search) are affected, latency too
    seed: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        plan = cls(**known)
        if not 0 <= plan.error_rate <= 1 or not 0 <= plan.timeout_rate <= 1:
            raise ValueError("error_rate and timeout_rate are probabilities between 0 and 1")
        if plan.path_pattern:
            re.compile(plan.path_pattern)
        return plan


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    idempotency_key: str | None
    at: float


# A sandbox supplies these to shape the responses the kit produces in its API's own dialect.
ErrorBody = Callable[[int, str], Response]  # (status, message) -> response in the API's error format
RateHeaders = Callable[[BucketDecision, float], dict[str, str]]  # (decision, cost) -> headers
CostOf = Callable[[str, str], float]  # (method, path) -> tokens


def _default_error_body(status: int, message: str) -> Response:
    return JSONResponse({"message": message}, status_code=status)


class SandboxKit:
    """Holds one sandbox's fault plan, rate-limit bucket and request log, and applies them."""

    def __init__(
        self,
        *,
        error_body: ErrorBody = _default_error_body,
        rate_headers: RateHeaders | None = None,
        cost_of: CostOf | None = None,
        bucket: TokenBucket | None = None,
        log_limit: int = 10_000,
    ) -> None:
        self.error_body = error_body
        self.rate_headers = rate_headers
        self.cost_of = cost_of or (lambda method, path: 1.0)
        self.bucket = bucket
        self.plan = FaultPlan()
        self._rng = random.Random()
        self._lock = threading.Lock()
        self.requests: list[LoggedRequest] = []
        self._log_limit = log_limit

    # -- configuration ---------------------------------------------------------------------------
    def set_faults(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)

    def set_rate_limit(self, capacity: int | None, window_seconds: float = 60.0) -> None:
        self.bucket = TokenBucket(capacity, window_seconds) if capacity else None

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- decisions -------------------------------------------------------------------------------
    def _next_fault(self, path: str) -> int | str | None:
        """A status code, ``"timeout"``, or None for this request."""
        with self._lock:
            plan = self.plan
            if plan.path_pattern and not re.search(plan.path_pattern, path):
                return None
            if plan.fail_next:
                return plan.fail_next.pop(0)
            if plan.timeout_rate and self._rng.random() < plan.timeout_rate:
                return "timeout"
            if plan.error_rate and self._rng.random() < plan.error_rate:
                return plan.error_status
        return None

    def _take_lost_answer(self, path: str) -> bool:
        with self._lock:
            plan = self.plan
            if plan.lose_answers > 0 and (not plan.path_pattern or re.search(plan.path_pattern, path)):
                plan.lose_answers -= 1
                return True
        return False

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            if len(self.requests) > self._log_limit:
                del self.requests[: len(self.requests) - self._log_limit]

    # -- ASGI ------------------------------------------------------------------------------------
    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The sandbox app with control routes, faults, rate limiting and logging around it."""
        kit = self

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            path: str = scope["path"]
            if path.startswith(CONTROL_PREFIX):
                await kit._control(scope, receive, send)
                return
            method: str = scope["method"]
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
            query = scope.get("query_string", b"").decode()
            logged = False

            def log(status: int) -> None:
                # Logged before the response leaves, so a caller that has its answer also sees the entry.
                nonlocal logged
                if not logged:
                    logged = True
                    kit._log(
                        LoggedRequest(
                            method, path, query, status, headers.get("idempotency-key"), time.time()
                        )
                    )

            extra_headers: dict[str, str] = {}

            async def send_logged(message: Message) -> None:
                if message["type"] == "http.response.start":
                    log(message["status"])
                    raw = list(message.get("headers", []))
                    raw += [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]
                    message = {**message, "headers": raw}
                await send(message)

            async def finish(response: Response) -> None:
                for k, v in extra_headers.items():
                    response.headers[k] = v
                log(response.status_code)
                await response(scope, receive, send)

            try:
                plan = kit.plan
                if plan.latency_ms and (not plan.path_pattern or re.search(plan.path_pattern, path)):
                    await asyncio.sleep(plan.latency_ms / 1000)
                fault = kit._next_fault(path)
                if fault == "timeout":
                    await asyncio.sleep(kit.plan.timeout_seconds)
                    await finish(kit.error_body(504, "Gateway timeout (injected by the sandbox)."))
                    return
                if isinstance(fault, int):
                    await finish(kit.error_body(fault, f"Injected fault {fault} from the sandbox."))
                    return
                if kit.bucket is not None:
                    cost = kit.cost_of(method, path)
                    decision = kit.bucket.take(cost)
                    if kit.rate_headers:
                        extra_headers.update(kit.rate_headers(decision, cost))
                    if not decision.allowed:
                        retry_after = max(1, int(decision.retry_after + 0.999))
                        extra_headers["Retry-After"] = str(retry_after)
                        await finish(kit.error_body(429, "Too many requests: the rate limit is exhausted."))
                        return
                if kit._take_lost_answer(path):

                    async def swallow(message: Message) -> None:
                        pass

                    await app(scope, receive, swallow)
                    await finish(kit.error_body(504, "Gateway timeout (answer lost by the sandbox)."))
                    return
                await app(scope, receive, send_logged)
            finally:
                log(0)  # the app raised or the client went away before any response started

        return wrapped

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        handler = _CONTROL_ROUTES.get((request.method, scope["path"].rstrip("/")))
        if handler is None:
            response: Response = JSONResponse({"message": "unknown sandbox control route"}, status_code=404)
        else:
            try:
                response = await handler(self, request)
            except (ValueError, TypeError, re.error) as exc:
                response = JSONResponse({"message": str(exc)}, status_code=400)
        await response(scope, receive, send)


async def _get_faults(kit: SandboxKit, request: Request) -> Response:
    return JSONResponse(asdict(kit.plan))


async def _put_faults(kit: SandboxKit, request: Request) -> Response:
    kit.set_faults(FaultPlan.from_json(await request.json()))
    return JSONResponse(asdict(kit.plan))


async def _put_rate_limit(kit: SandboxKit, request: Request) -> Response:
    data = await request.json()
    kit.set_rate_limit(data.get("capacity"), float(data.get("window_seconds", 60)))
    bucket = kit.bucket
    return JSONResponse(
        {
            "capacity": bucket.capacity if bucket else None,
            "window_seconds": bucket.window_seconds if bucket else None,
        }
    )


async def _get_requests(kit: SandboxKit, request: Request) -> Response:
    return JSONResponse([asdict(r) for r in list(kit.requests)])


async def _delete_requests(kit: SandboxKit, request: Request) -> Response:
    kit.clear_log()
    return Response(status_code=204)


_Handler = Callable[[SandboxKit, Request], Awaitable[Response]]
_CONTROL_ROUTES: dict[tuple[str, str], _Handler] = {
    ("GET", f"{CONTROL_PREFIX}/faults"): _get_faults,
    ("PUT", f"{CONTROL_PREFIX}/faults"): _put_faults,
    ("PUT", f"{CONTROL_PREFIX}/rate-limit"): _put_rate_limit,
    ("GET", f"{CONTROL_PREFIX}/requests"): _get_requests,
    ("DELETE", f"{CONTROL_PREFIX}/requests"): _delete_requests,
}

# Kept for symmetry with Starlette apps that want to list the control routes in their docs.
CONTROL_ROUTES = [Route(path, endpoint=lambda r: None, methods=[m]) for (m, path) in _CONTROL_ROUTES]
