"""The eAccounting sandbox ASGI app: the route table (:mod:`.routes`) behind auth, the per-endpoint rate
limit and the typed query parameters, wrapped by the shared kit (faults, request log)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import SandboxKit, TokenBucket
from ledgerbridge.sandbox.routes import Call, HttpError
from ledgerbridge.systems.eaccounting.sandbox.documents import Documents
from ledgerbridge.systems.eaccounting.sandbox.queries import check_path, check_query
from ledgerbridge.systems.eaccounting.sandbox.routes import build_routes
from ledgerbridge.systems.eaccounting.sandbox.scopes import required_scopes
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    error_response,
    json_response,
    no_route,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "EAccountingApi",
    "EAccountingSandboxApp",
    "IdentityProvider",
    "create_app",
    "error_response",
    "json_response",
]

_DENIED = "Authorization has been denied for this request."


def _kit_error_body(status: int, message: str) -> Response:
    code = {429: 4010, 503: 5001, 504: 5002}.get(status, 5000 if status >= 500 else 4000)
    return error_response(status, code, message)


class IdentityProvider(Protocol):
    """What the OAuth2 identity emulator offers the API: its own ASGI app for ``/connect/...`` and a
    check of the bearer tokens it issued. One that also has ``introspect(token)`` answering
    ``{"scope": [...], ...}`` (as :class:`.identity.IdentityServer` does) has its tokens' scopes checked."""

    app: ASGIApp

    def accepts(self, token: str) -> bool: ...


API_SCOPE = "ea:api"  # required for the eAccounting API at all (research §2)


def _no_route(request: Request) -> Response:
    return no_route(request.url.path).response


def _not_allowed(request: Request, allow: tuple[str, ...]) -> Response:
    message = f"The requested resource does not support http method '{request.method}'."
    response = error_response(405, 4000, message)
    response.headers["Allow"] = ", ".join(allow)
    return response


def _bad_body(request: Request, message: str) -> Response:
    return error_response(400, 6001, "The request body must be a JSON object.")


class EAccountingApi:
    """The emulated API (the kit wraps it with faults and the request log).

    ``identity`` (optional): an :class:`IdentityProvider`. When set, requests under ``/connect/`` go to
    ``identity.app`` untouched (before routing and auth) and only tokens it ``accepts`` pass; without it
    any bearer token passes unless ``state.allowed_tokens`` lists the accepted ones.
    """

    def __init__(
        self,
        state: EAccountingState,
        rate_limit: tuple[int, float] | None,
        identity: IdentityProvider | None = None,
    ) -> None:
        self.state = state
        self.rate_limit = rate_limit
        self.identity = identity
        self.documents = Documents(state)
        self.routes = build_routes(state, self.documents)
        self._serve = self.routes.app(
            not_found=_no_route, not_allowed=_not_allowed, before=self._admit, bad_body=_bad_body
        )
        self.bucket_clock: Callable[[], float] = time.monotonic  # tests may freeze it
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def set_rate_limit(self, capacity: int | None, window_seconds: float = 60.0) -> None:
        """Requests allowed per (token, endpoint) and window; None switches the limit off."""
        self.rate_limit = (capacity, window_seconds) if capacity else None
        self._buckets.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.identity is not None and scope["type"] == "http" and scope["path"].startswith("/connect/"):
            await self.identity.app(scope, receive, send)
            return
        await self._serve(scope, receive, send)

    # -- protocol --------------------------------------------------------------------------------
    def _token(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HttpError(error_response(401, 4005, _DENIED))
        if self.identity is not None:
            if not self.identity.accepts(token):
                raise HttpError(error_response(401, 4005, _DENIED))
        elif self.state.allowed_tokens and token not in self.state.allowed_tokens:
            raise HttpError(error_response(401, 4005, _DENIED))
        return token

    def _throttle(self, token: str, endpoint: str) -> None:
        if not self.rate_limit:
            return
        capacity, window = self.rate_limit
        key = (token, endpoint)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(int(capacity), window, clock=self.bucket_clock)
        decision = bucket.take()
        if not decision.allowed:
            seconds = max(1, math.ceil(decision.retry_after))
            per = "Minute" if window == 60 else f"{window:g} seconds"
            raise HttpError(
                error_response(
                    429,
                    4010,
                    f"API calls quota exceeded! maximum admitted {capacity} per {per}. "
                    f"Try again in {seconds} seconds.",
                )
            )

    async def _admit(self, call: Call) -> None:
        """Ahead of every served operation: the bearer token, the endpoint's bucket, the typed query."""
        name = call.route.meta["endpoint"]
        token = self._token(call.request)
        self._check_scopes(token, call)
        self._throttle(token, f"/v2/{name}")
        check_path(name, call)
        check_query(name, call.request)

    def _held_scopes(self, token: str) -> set[str] | None:
        """The scopes ``token`` holds: those the sign-in emulator granted it (what the authorize request's
        ``scope`` asked for), else those ``state.token_scopes`` gives it; None (every scope) for others."""
        held = self.state.token_scopes.get(token)
        introspect = getattr(self.identity, "introspect", None)
        if held is None and introspect is not None:
            granted = introspect(token)
            if granted is not None:
                held = set(granted.get("scope") or ())
        return held

    def _check_scopes(self, token: str, call: Call) -> None:
        """403 ``ErrorCode`` 4006 (NoAccessToScopes) for a token without ``ea:api`` or limited to scopes the
        operation does not accept; see :mod:`.scopes`."""
        held = self._held_scopes(token)
        if held is None:
            return
        route = call.route
        wanted = required_scopes(route.method, route.template, route.meta["endpoint"])
        if API_SCOPE not in held:
            message = f"The access token lacks the scope {API_SCOPE}, which every resource requires."
            raise HttpError(error_response(403, 4006, message))
        if wanted and not held & set(wanted):
            message = f"The access token lacks the scopes this resource requires: any of {', '.join(wanted)}."
            raise HttpError(error_response(403, 4006, message))


class EAccountingSandboxApp:
    """The ASGI app :func:`create_app` returns: ``eaccounting_state`` (the data), ``kit`` (faults,
    request log), ``api`` (the unwrapped emulator, with ``set_rate_limit``)."""

    def __init__(self, asgi: ASGIApp, api: EAccountingApi, kit: SandboxKit) -> None:
        self._asgi = asgi
        self.api = api
        self.kit = kit
        self.eaccounting_state = api.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(
    state: EAccountingState | None = None,
    *,
    rate_limit: tuple[int, float] | None = (600, 60.0),
    identity: IdentityProvider | None = None,
) -> EAccountingSandboxApp:
    """An eAccounting sandbox; ``rate_limit`` is ``(requests, window_seconds)`` per token and endpoint;
    ``identity`` serves ``/connect/...`` and decides which tokens pass (see :class:`EAccountingApi`)."""
    api = EAccountingApi(state or EAccountingState(), rate_limit, identity)
    kit = SandboxKit(error_body=_kit_error_body)
    return EAccountingSandboxApp(kit.wrap(api), api, kit)
