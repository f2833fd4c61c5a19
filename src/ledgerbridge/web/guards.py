"""What every answer of ``ledgerbridge serve`` gets, and what every webhook body must pass.

- :class:`BodyLimit`: webhook bodies over ``max_bytes`` (default 1 MB) are refused with 413 before they are
  read whole (the ``Content-Length`` is checked first, a streamed body is counted as it comes);
- :class:`SecurityHeaders`: the console may not be framed (``frame-ancestors 'none'``, ``X-Frame-Options``),
  scripts and styles come from this server only (CSP), and no answer is content-sniffed (``nosniff``);
- :func:`parse_json_body`: a webhook body as JSON, or the real reason it is not (empty, form-encoded, not
  JSON, nested too deeply).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_WEBHOOK_BYTES = 1_000_000
MAX_JSON_DEPTH = 32  # deliveries are flat; deeper is an attack on the parser, not an event

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes of its own; still no script but this server's.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """413 for request bodies over ``max_bytes`` on paths under ``prefix``."""

    def __init__(self, app: ASGIApp, *, prefix: str = "/webhooks/", max_bytes: int = MAX_WEBHOOK_BYTES):
        self.app = app
        self.prefix = prefix
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"the body is larger than {self.max_bytes} bytes: refused, not stored"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds the security headers to every answer (the console's and the API's; ``/docs`` its own CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] == "/docs" else CONSOLE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in (
                    (b"content-security-policy", csp.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class BadBody(ValueError):
    """A webhook body that cannot be taken; the message is the reason, for the 400 answer."""


def parse_json_body(raw: bytes, content_type: str | None) -> Any:
    """The body as JSON, or :class:`BadBody` with the real reason."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise BadBody(f"the body must be JSON (Content-Type: application/json), not {kind}")
    if not raw.strip():
        raise BadBody("the body is empty: expected a JSON object such as {'key_name': ..., 'key': ...}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body is not UTF-8 text") from None
    try:
        body = json.loads(text)
    except RecursionError:
        raise BadBody(f"the body's JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)") from None
    except ValueError as exc:
        raise BadBody(f"the body is not valid JSON: {exc}") from None
    if _depth(body) > MAX_JSON_DEPTH:
        raise BadBody(f"the body's JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    return body


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: the point is not to recurse on hostile input)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest
