"""The webhook intake's lean path: ``GET``/``POST /webhooks/{system}/{name}`` answered by a plain ASGI
callable in front of FastAPI's routing and middleware (issue 16: intake is the hot path of a receiver).

The answers are those of the FastAPI route in :mod:`ledgerbridge.web.app` (kept for ``/docs``, ``HEAD``
and any other method): 413 for a body over 1 MB (the ``Content-Length`` first, a streamed body as it
comes), 404/405 for a system that takes no such call, 400 for a body that is no JSON or a delivery of the
wrong shape, 401 for a wrong token and alike for an unknown integration, 503 when the delivery's batch did
not commit, else 200 ``{"queued": item id}`` once the delivery is in the database. The answers carry the
same security headers; nothing here reads or writes a session (webhooks have none).

What it saves per delivery: routing, the session, security-header and body-limit wrappers, FastAPI's
request/response objects and dependency machinery; and the wait for the batch's commit wakes the event loop
once per batch instead of once per delivery.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import threading
from concurrent.futures import Future
from typing import Any

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.runtime.hub import RealtimeHub, WebhookRejected
from ledgerbridge.service import UserError
from ledgerbridge.web.guards import CONSOLE_CSP, MAX_WEBHOOK_BYTES, BadBody, parse_json_body

PREFIX = "/webhooks/"
SECURITY_HEADERS = [
    (b"content-security-policy", CONSOLE_CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
JSON_TYPE = (b"content-type", b"application/json")
EMPTY_QUERY = QueryParams(b"")


def request_id(given: str | None) -> str:
    """The sender's X-Request-ID (up to 64 characters), else a new one: 16 hex digits from a pseudo-random
    generator (an id to follow a delivery by, no secret; ``uuid4`` reads the kernel's entropy per call,
    which took most of a delivery's CPU where system calls are dear)."""
    return given[:64] if given else f"{random.getrandbits(64):016x}"


class _Refused(Exception):
    def __init__(self, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or []


class _Landings:
    """Resolves, on one event loop, the waiters of deliveries whose batch was written: the writer thread
    finishes a batch's futures one after the other, and the loop is woken once for all of them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._landed: list[asyncio.Future[None]] = []
        self._lock = threading.Lock()

    def waiter(self, stored: Future[Any]) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = self.loop.create_future()
        stored.add_done_callback(functools.partial(self._landed_one, waiter))
        return waiter

    def _landed_one(self, waiter: asyncio.Future[None], _: Future[Any]) -> None:
        with self._lock:
            first = not self._landed
            self._landed.append(waiter)
        if first:
            self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        with self._lock:
            landed, self._landed = self._landed, []
        for waiter in landed:
            if not waiter.done():  # cancelled: the request went; its delivery is stored all the same
                waiter.set_result(None)


class WebhookFront:
    """ASGI middleware: ``GET``/``POST /webhooks/{system}/{name}`` answered here, all else by ``app``."""

    def __init__(self, app: ASGIApp, *, hub: RealtimeHub, max_bytes: int = MAX_WEBHOOK_BYTES) -> None:
        self.app = app
        self.hub = hub
        self.max_bytes = max_bytes
        self._landings: _Landings | None = None  # of the loop serving (tests may run another loop later)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if not path.startswith(PREFIX) or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        parts = path[len(PREFIX) :].split("/")
        if len(parts) != 2 or not all(parts):  # not the route's shape: FastAPI answers (404, redirect)
            await self.app(scope, receive, send)
            return
        try:
            item_id = await self._take(scope, receive, parts[0], parts[1])
        except _Refused as refused:
            await _answer(send, refused.status, {"detail": refused.detail}, refused.headers)
            return
        await _answer(send, 200, {"queued": item_id})

    async def _take(self, scope: Scope, receive: Receive, system: str, name: str) -> int:
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            raise _Refused(413, f"the body is larger than {self.max_bytes} bytes: refused, not stored")
        method = scope["method"]
        try:
            delivery: str | None = self.hub.webhook_delivery(system)
        except WebhookRejected as exc:
            if method == "POST":
                raise _Refused(exc.status, exc.message) from None
            delivery = None
        if method != "POST" and delivery != self.hub.URL_DELIVERY:
            raise _Refused(405, "Method Not Allowed", [(b"allow", b"POST")])
        body: Any = None
        query = EMPTY_QUERY
        if delivery == self.hub.PUSHED_DELIVERY:
            try:
                body = parse_json_body(await self._body(receive), headers.get("content-type"))
            except BadBody as exc:
                raise _Refused(400, str(exc)) from None
        else:
            query = QueryParams(scope["query_string"])
        with structlog.contextvars.bound_contextvars(request_id=request_id(headers.get("x-request-id"))):
            try:
                return await self._store(system, name, headers, query, body)
            except WebhookRejected as exc:
                raise _Refused(exc.status, exc.message) from None
            except UserError as exc:  # as the app's handler answers it
                raise _Refused(
                    404 if str(exc).startswith("no integration named") else 400, str(exc)
                ) from None

    async def _store(self, system: str, name: str, headers: Headers, query: QueryParams, body: Any) -> int:
        hub = self.hub
        # The tokens are remembered: verifying costs no query, so it runs right here; the first delivery of
        # an integration (or a new token) looks them up off the event loop.
        announced = hub.verify(system, name, headers=headers, query=query, body=body, cached_only=True)
        if announced is None:
            announced = await run_in_threadpool(
                functools.partial(hub.verify, system, name, headers=headers, query=query, body=body)
            )
        assert announced is not None
        # Durable before the answer: this delivery answers once its batch's transaction committed.
        stored = hub.intake.submit(announced)
        await self._landed(stored)
        return hub.stored(name, stored, announced)

    def _landed(self, stored: Future[Any]) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        landings = self._landings
        if landings is None or landings.loop is not loop:
            landings = self._landings = _Landings(loop)
        return landings.waiter(stored)

    async def _body(self, receive: Receive) -> bytes:
        """The request body, refused with 413 as soon as it grows over the limit (no Content-Length)."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went: what came is all there is
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                raise _Refused(413, f"the body is larger than {self.max_bytes} bytes: refused, not stored")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _answer(
    send: Send, status: int, content: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """A JSON answer rendered as Starlette's ``JSONResponse`` renders it, with the security headers."""
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *(headers or ()),
                (b"content-length", str(len(body)).encode()),
                JSON_TYPE,
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def intake_app(hub: RealtimeHub, notifier: Any | None = None) -> ASGIApp:
    """An app that takes webhooks and nothing else: an intake process of ``serve --cluster
    --intake-processes``. ``notifier.notify()`` is called after each stored batch (queue a dispatch job)."""
    if notifier is not None:
        hub.intake.listen(notifier.notify)

    async def elsewhere(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await _answer(send, 404, {"detail": "Not Found"})

    return WebhookFront(elsewhere, hub=hub)
