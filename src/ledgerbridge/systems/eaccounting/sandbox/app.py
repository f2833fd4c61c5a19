"""The eAccounting sandbox ASGI app: routing, auth, per-endpoint rate limits, validation, paging."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import SandboxKit, TokenBucket
from ledgerbridge.systems.eaccounting.sandbox.balances import ROUTES as BALANCE_ROUTES
from ledgerbridge.systems.eaccounting.sandbox.balances import AccountBalances
from ledgerbridge.systems.eaccounting.sandbox.costcenters import ROUTES as COST_CENTER_ROUTES
from ledgerbridge.systems.eaccounting.sandbox.costcenters import CostCenters
from ledgerbridge.systems.eaccounting.sandbox.documents import ROUTES as DOCUMENT_ROUTES
from ledgerbridge.systems.eaccounting.sandbox.documents import Documents
from ledgerbridge.systems.eaccounting.sandbox.methods import allowed_methods
from ledgerbridge.systems.eaccounting.sandbox.purchases import ROUTES as PURCHASE_ROUTES
from ledgerbridge.systems.eaccounting.sandbox.purchases import SupplierInvoices
from ledgerbridge.systems.eaccounting.sandbox.queries import check_query
from ledgerbridge.systems.eaccounting.sandbox.registers import ROUTES as REGISTER_ROUTES
from ledgerbridge.systems.eaccounting.sandbox.registers import Registers
from ledgerbridge.systems.eaccounting.sandbox.resources import Resource
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    DEFAULT_PAGE_SIZE,
    GUID,
    MAX_PAGE_SIZE,
    HttpError,
    check_fields,
    error_response,
    field_error,
    invalid,
    json_response,
    no_route,
    not_allowed,
    not_found,
    page_of,
    read_body,
    resource_filter_fields,
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

_PATH = re.compile(r"^/v2/(?P<resource>[A-Za-z]+)(?P<rest>(?:/[^/]+)*)/?$")
_GENERIC_ROUTES: tuple[tuple[str | None, ...], ...] = ((), (None,))
# the path shapes of the custom resources
ROUTES = {**DOCUMENT_ROUTES, **COST_CENTER_ROUTES, **PURCHASE_ROUTES, **REGISTER_ROUTES, **BALANCE_ROUTES}
_DENIED = "Authorization has been denied for this request."


def _kit_error_body(status: int, message: str) -> Response:
    code = {429: 4010, 503: 5001, 504: 5002}.get(status, 5000 if status >= 500 else 4000)
    return error_response(status, code, message)


class IdentityProvider(Protocol):
    """What the OAuth2 identity emulator offers the API: its own ASGI app for ``/connect/...`` and a
    check of the bearer tokens it issued."""

    app: ASGIApp

    def accepts(self, token: str) -> bool: ...


def _route_known(name: str, resource: Resource, segments: list[str]) -> bool:
    shapes = ROUTES.get(name, ()) if resource.custom else _GENERIC_ROUTES
    return any(
        len(shape) == len(segments)
        and all(s is None or s == seg.lower() for s, seg in zip(shape, segments, strict=True))
        for shape in shapes
    )


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
        supplier_invoices = SupplierInvoices(state, self.documents)
        cost_centers = CostCenters(state)
        registers = Registers(state.now_text)
        # Custom resources served outside documents.py, by name.
        self.handlers: dict[str, Documents | SupplierInvoices | CostCenters | Registers | AccountBalances] = {
            "supplierinvoices": supplier_invoices,
            "costcenters": cost_centers,
            "costcenteritems": cost_centers,
            "currencies": registers,
            "countries": registers,
            "accounttypes": registers,
            "accountbalances": AccountBalances(state),
        }
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
        request = Request(scope, receive)
        try:
            response = await self._handle(request)
        except HttpError as exc:
            response = exc.response
        await response(scope, receive, send)

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

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        match = _PATH.match(path)
        if not match:
            raise no_route(path)
        try:
            resource = self.state.resource(match["resource"].lower())
        except KeyError:
            raise no_route(path) from None
        name = resource.name
        segments = [s for s in match["rest"].split("/") if s]
        if not _route_known(name, resource, segments):
            raise no_route(path)
        token = self._token(request)
        self._throttle(token, f"/v2/{name}")
        check_query(name, request)
        try:
            return await self._dispatch(request, resource, segments)
        except HttpError as exc:
            if exc.response.status_code == 405:  # say which methods the route does answer
                exc.response.headers["Allow"] = ", ".join(allowed_methods(resource, segments))
            raise

    async def _dispatch(self, request: Request, resource: Resource, segments: list[str]) -> Response:
        path = request.url.path
        name = resource.name
        if resource.custom:
            handler = self.handlers.get(name, self.documents)
            return await handler.handle(request, resource, segments)
        method = request.method
        if not segments:
            if method == "GET":
                return page_of(
                    request, self.state.all(name), resource_filter_fields(resource), self.state.now_text()
                )
            if method == "POST" and resource.writable:
                data = await read_body(request)
                self._validate(resource, data)
                data.pop("Id", None)
                return json_response(self.state.add(name, data), 201)
            raise not_allowed(method)
        record_id = segments[0]
        if not GUID.match(record_id):
            raise no_route(path)
        record_id = record_id.lower()
        if method == "GET":
            return json_response(self._existing(resource, record_id))
        if method == "PUT" and resource.writable:
            self._existing(resource, record_id)
            data = await read_body(request)
            self._validate(resource, data)
            return json_response(self.state.replace(name, record_id, data))
        if method == "DELETE" and resource.deletable and resource.writable:
            self._existing(resource, record_id)
            self.state.delete(name, record_id)
            return Response(status_code=200)
        raise not_allowed(method)

    def _existing(self, resource: Resource, record_id: str) -> dict[str, Any]:
        record = self.state.get(resource.name, record_id)
        if record is None:
            raise not_found(f"{resource.name} {record_id}")
        return record

    # -- validation ------------------------------------------------------------------------------
    def _validate(self, resource: Resource, data: dict[str, Any]) -> None:
        errors = check_fields(resource.fields, data, resource.required)
        for name, target in resource.references.items():
            value = data.get(name)
            wanted = [value] if isinstance(value, str) else []
            if resource.fields[name].kind == "labels" and isinstance(value, list):
                wanted = [
                    item["Id"] for item in value if isinstance(item, dict) and isinstance(item.get("Id"), str)
                ]
            for item in wanted:
                if GUID.match(item) and self.state.get(target, item) is None:
                    errors.append(
                        field_error(name, "NotFound", f"{name} {item} does not exist in /v2/{target}.")
                    )
        if errors:
            raise invalid(errors)


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
