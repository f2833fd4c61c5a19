"""Switchable faults, rate limiting and a request log, wrapped around any sandbox ASGI app.

Every sandbox gets the same control surface under ``/_sandbox`` (never part of the emulated API):

- ``GET /_sandbox/faults`` / ``PUT /_sandbox/faults`` — the :class:`FaultPlan` as JSON:
  ``latency_ms``; ``error_rate`` with ``error_status`` (one status, a list of statuses drawn alike, or a
  mix such as ``{"500": 0.3, "503": 0.3, "429": 0.4}``; an injected 429 says ``Retry-After:
  retry_after_seconds``); ``timeout_rate`` and ``timeout_seconds`` (the answer is stalled that long, then
  a 504: a client whose read timeout is shorter sees a real read timeout, and nothing was carried out);
  ``lost_answer_rate`` and ``lose_answers`` (a rate, and a count of the next N requests, that are carried
  out but whose answer is lost: a 504 at once, or with ``lost_answer_as: "timeout"`` stalled like a
  timeout first); ``fail_next`` (statuses, ``"timeout"`` or ``"lost"``, for the next matching requests);
  ``path_pattern`` (``re.search`` on the path) and ``methods`` (e.g. ``["POST", "PUT"]``) choose the
  requests every fault applies to, latency too; ``seed`` makes the draws reproducible.
- ``PUT /_sandbox/rate-limit`` — ``{"capacity": 10000, "window_seconds": 60}``, or ``{"capacity": null}``
  to switch the bucket off.
- ``GET /_sandbox/requests`` — the request log (method, path, query, status, idempotency key, the
  injected fault if any); ``DELETE /_sandbox/requests`` clears it. ``GET``/``PUT /_sandbox/request-log``
  reads or sets how many entries it keeps (``{"limit": 100000}``; 10,000 by default, the oldest go first).

Tests may also reach the same objects in-process through ``app.state.kit``.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerbridge.sandbox.ratelimit import BucketDecision, TokenBucket

CONTROL_PREFIX = "/_sandbox"


StatusMix = int | list[int] | dict[str, float]
LOST_ANSWER_FORMS = ("504", "timeout")


@dataclass
class FaultPlan:
    """What goes wrong, and how often. The default plan injects nothing.

    The draws for one request, in order: ``fail_next``, then ``timeout_rate`` (stalled before the app
    sees it), then ``error_rate`` (answered at once), then — for a request the app carries out —
    ``lose_answers`` and ``lost_answer_rate``. Fields may be changed in place by tests in-process.
    """

    latency_ms: int = 0
    error_rate: float = 0.0
    # One status, a list (each as likely), or {"status": weight} (weights need not add up to 1).
    error_status: StatusMix = 503
    retry_after_seconds: float | None = 1.0  # on injected 429s; None sends no Retry-After
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    fail_next: list[int | str] = field(default_factory=list)
    # The next N requests are carried out, but their answers are lost (the write happened; only a lookup
    # or an idempotent replay can tell); lost_answer_rate does the same by chance.
    lose_answers: int = 0
    lost_answer_rate: float = 0.0
    lost_answer_as: str = "504"  # "504": answered 504 at once; "timeout": stalled timeout_seconds first
    path_pattern: str | None = None  # only requests whose path matches (re.search) are affected, latency too
    methods: list[str] | None = None  # only requests with one of these methods are affected
    seed: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault plan fields: {', '.join(sorted(unknown))}")
        plan = cls(**data)
        plan.check()
        if plan.methods is not None:
            plan.methods = [m.upper() for m in plan.methods]
        return plan

    def check(self) -> None:
        """ValueError (or re.error) when a value makes no sense."""
        for name in ("error_rate", "timeout_rate", "lost_answer_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} is a probability between 0 and 1")
        _status_weights(self.error_status)
        if self.lost_answer_as not in LOST_ANSWER_FORMS:
            raise ValueError(f"lost_answer_as is one of {', '.join(LOST_ANSWER_FORMS)}")
        if self.timeout_seconds < 0 or self.latency_ms < 0 or self.lose_answers < 0:
            raise ValueError("timeout_seconds, latency_ms and lose_answers must not be negative")
        if self.retry_after_seconds is not None and self.retry_after_seconds < 0:
            raise ValueError("retry_after_seconds must not be negative")
        for item in self.fail_next:
            if item not in ("timeout", "lost") and not (isinstance(item, int) and 100 <= item <= 599):
                raise ValueError(f"fail_next takes HTTP statuses, 'timeout' or 'lost', not {item!r}")
        if self.methods is not None and (
            not isinstance(self.methods, list) or not all(isinstance(m, str) and m for m in self.methods)
        ):
            raise ValueError("methods is a list of HTTP methods, e.g. ['POST', 'PUT']")
        if self.path_pattern:
            re.compile(self.path_pattern)

    def applies_to(self, method: str, path: str) -> bool:
        if self.methods is not None and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return not self.path_pattern or re.search(self.path_pattern, path) is not None


def _status_weights(mix: StatusMix) -> tuple[list[int], list[float]]:
    """The statuses of a mix and their weights; ValueError for anything but error statuses."""
    if isinstance(mix, bool):
        raise ValueError("error_status is a status, a list of statuses or a {status: weight} mix")
    if isinstance(mix, int):
        pairs = [(mix, 1.0)]
    elif isinstance(mix, list):
        pairs = [(status, 1.0) for status in mix]
    elif isinstance(mix, dict):
        try:
            pairs = [(int(status), float(weight)) for status, weight in mix.items()]
        except (TypeError, ValueError):
            raise ValueError("error_status mix: statuses as keys, weights as numbers") from None
    else:
        raise ValueError("error_status is a status, a list of statuses or a {status: weight} mix")
    if not pairs or not all(_is_error_status(status) for status, _ in pairs):
        raise ValueError("error_status takes error statuses (400-599)")
    if any(w < 0 for _, w in pairs) or sum(w for _, w in pairs) <= 0:
        raise ValueError("error_status weights must not be negative and must not all be 0")
    return [s for s, _ in pairs], [w for _, w in pairs]


def _is_error_status(status: object) -> bool:
    return isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    idempotency_key: str | None
    at: float
    fault: str | None = None  # what the kit injected: a status ("503"), "timeout", "lost", or None


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
        self.requests: deque[LoggedRequest] = deque(maxlen=_checked_limit(log_limit))

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

    @property
    def log_limit(self) -> int:
        return self.requests.maxlen or 0

    def set_log_limit(self, limit: int) -> None:
        """Keep up to ``limit`` entries from now on (the newest ones when there are more already)."""
        with self._lock:
            self.requests = deque(self.requests, maxlen=_checked_limit(limit))

    # -- decisions -------------------------------------------------------------------------------
    def _next_fault(self, method: str, path: str) -> int | str | None:
        """A status code, ``"timeout"``, ``"lost"``, or None for this request (before the rate limit)."""
        with self._lock:
            plan = self.plan
            if not plan.applies_to(method, path):
                return None
            if plan.fail_next:
                return plan.fail_next.pop(0)
            if plan.timeout_rate and self._rng.random() < plan.timeout_rate:
                return "timeout"
            if plan.error_rate and self._rng.random() < plan.error_rate:
                statuses, weights = _status_weights(plan.error_status)
                return self._rng.choices(statuses, weights)[0]
        return None

    def _take_lost_answer(self, method: str, path: str) -> bool:
        with self._lock:
            plan = self.plan
            if not plan.applies_to(method, path):
                return False
            if plan.lose_answers > 0:
                plan.lose_answers -= 1
                return True
            return bool(plan.lost_answer_rate) and self._rng.random() < plan.lost_answer_rate

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)

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
            injected: str | None = None

            def log(status: int) -> None:
                # Logged before the response leaves, so a caller that has its answer also sees the entry.
                nonlocal logged
                if not logged:
                    logged = True
                    kit._log(
                        LoggedRequest(
                            method,
                            path,
                            query,
                            status,
                            headers.get("idempotency-key"),
                            time.time(),
                            injected,
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

            async def stall() -> None:
                # The answer is held back: a client with a shorter read timeout gives up first.
                await asyncio.sleep(kit.plan.timeout_seconds)

            try:
                plan = kit.plan
                if plan.latency_ms and plan.applies_to(method, path):
                    await asyncio.sleep(plan.latency_ms / 1000)
                fault = kit._next_fault(method, path)
                if fault == "timeout":
                    injected = "timeout"
                    await stall()
                    await finish(kit.error_body(504, "Gateway timeout (injected by the sandbox)."))
                    return
                if isinstance(fault, int):
                    injected = str(fault)
                    if fault == 429 and plan.retry_after_seconds is not None:
                        extra_headers["Retry-After"] = f"{plan.retry_after_seconds:g}"
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
                if fault == "lost" or kit._take_lost_answer(method, path):
                    injected = "lost"

                    async def swallow(message: Message) -> None:
                        pass

                    await app(scope, receive, swallow)
                    if plan.lost_answer_as == "timeout":
                        await stall()
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


def _request_log_state(kit: SandboxKit) -> Response:
    return JSONResponse({"limit": kit.log_limit, "kept": len(kit.requests)})


async def _get_request_log(kit: SandboxKit, request: Request) -> Response:
    return _request_log_state(kit)


async def _put_request_log(kit: SandboxKit, request: Request) -> Response:
    data = await request.json()
    if not isinstance(data, dict) or "limit" not in data:
        raise ValueError('send {"limit": N}')
    kit.set_log_limit(data["limit"])
    return _request_log_state(kit)


def _checked_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000_000:
        raise ValueError("the request log keeps between 1 and 10,000,000 entries")
    return limit


_Handler = Callable[[SandboxKit, Request], Awaitable[Response]]
_CONTROL_ROUTES: dict[tuple[str, str], _Handler] = {
    ("GET", f"{CONTROL_PREFIX}/faults"): _get_faults,
    ("PUT", f"{CONTROL_PREFIX}/faults"): _put_faults,
    ("PUT", f"{CONTROL_PREFIX}/rate-limit"): _put_rate_limit,
    ("GET", f"{CONTROL_PREFIX}/requests"): _get_requests,
    ("DELETE", f"{CONTROL_PREFIX}/requests"): _delete_requests,
    ("GET", f"{CONTROL_PREFIX}/request-log"): _get_request_log,
    ("PUT", f"{CONTROL_PREFIX}/request-log"): _put_request_log,
}

# Kept for symmetry with Starlette apps that want to list the control routes in their docs.
CONTROL_ROUTES = [Route(path, endpoint=lambda r: None, methods=[m]) for (m, path) in _CONTROL_ROUTES]
