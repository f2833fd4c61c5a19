"""The Severa sandbox app: the route table of every served operation, behind the gate and the kit."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from ledgerbridge.sandbox import SandboxKit
from ledgerbridge.sandbox.faults import CONTROL_PREFIX
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.severa.sandbox.auth import Gate, register_auth
from ledgerbridge.systems.severa.sandbox.catalogue import Catalogue
from ledgerbridge.systems.severa.sandbox.customers import Customers
from ledgerbridge.systems.severa.sandbox.entries import Entries
from ledgerbridge.systems.severa.sandbox.invoices import Invoices
from ledgerbridge.systems.severa.sandbox.lookups import Lookups
from ledgerbridge.systems.severa.sandbox.projects import Projects
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import error_response

# Third-party clients call /rest-api/v1.0/...; the sandbox serves that prefix as an alias (see the docs).
_ALIASES = (
    ("/rest-api/v1.0/", "/v1/"),
    ("/rest-api/v1/", "/v1/"),
    ("/rest-api/heartbeat/", "/heartbeat/"),
    ("/v1.0/", "/v1/"),
)


def _kit_error(status: int, message: str) -> Response:
    if status == 429:
        # The kit's own (global) bucket: Severa's quota text, without a per-client figure.
        return Response("API calls quota exceeded!", status_code=429, media_type="text/plain")
    kind = "InternalSystemError" if status >= 500 else "InvalidRequest"
    return error_response(status, kind, message)


def _not_found(request: Request) -> Response:
    return Response(status_code=404)


def _not_allowed(request: Request, allow: tuple[str, ...]) -> Response:
    response = error_response(
        405, "InvalidRequest", f"The requested resource does not support http method '{request.method}'."
    )
    response.headers["Allow"] = ", ".join(allow)
    return response


def _bad_body(request: Request, message: str) -> Response:
    return error_response(400, "InvalidRequest", message, location=("RequestBody", "body"))


def build_routes(state: SeveraState, gate: Gate) -> RouteTable:
    """Every operation the sandbox serves, registered explicitly, one module per area of the API."""
    table = RouteTable()
    register_auth(table, gate)
    Customers(state).register(table)
    Catalogue(state).register(table)
    Lookups(state).register(table)
    Projects(state).register(table)
    entries = Entries(state)
    entries.register(table)
    Invoices(state, entries).register(table)
    return table


class SeveraSandboxApp:
    """The served app (``kit`` around the API); ``state``, ``gate`` and ``routes`` for tests."""

    def __init__(self, state: SeveraState, *, strict: bool = False, rate_limit: int | None = None) -> None:
        self.state = state
        self.gate = Gate(state, strict=strict)
        if rate_limit:
            self.gate.set_rate_limit(rate_limit, 1.0)
        self.routes = build_routes(state, self.gate)
        self.kit = SandboxKit(error_body=_kit_error)
        api = self.routes.app(
            not_found=_not_found, not_allowed=_not_allowed, before=self.gate.before, bad_body=_bad_body
        )
        self._app = self.kit.wrap(api)
        self._control = self._control_routes().app()

    def _control_routes(self) -> RouteTable:
        """``/_sandbox/severa/rate-limit``: Severa's per-client limit, switchable over HTTP like the kit's."""
        table = RouteTable()
        gate = self.gate

        def current() -> dict[str, Any]:
            capacity, window = gate.rate_limit or (None, None)
            return {"capacity": capacity, "window_seconds": window, "retry_after": gate.send_retry_after}

        async def read(call: Call) -> Response:
            return JSONResponse(current())

        async def change(call: Call) -> Response:
            body = await call.json()
            if not isinstance(body, dict):
                return JSONResponse(
                    {"message": "send {capacity, window_seconds, retry_after}"}, status_code=400
                )
            capacity, window = body.get("capacity"), body.get("window_seconds", 1.0)
            valid_capacity = capacity is None or (isinstance(capacity, int) and capacity >= 1)
            if not valid_capacity or not isinstance(window, int | float) or window <= 0:
                return JSONResponse(
                    {"message": "capacity >= 1 (or null: off), window_seconds > 0"}, status_code=400
                )
            gate.set_rate_limit(capacity, float(window), retry_after=bool(body.get("retry_after", False)))
            return JSONResponse(current())

        table.add("GET", f"{CONTROL_PREFIX}/severa/rate-limit", read)
        table.add("PUT", f"{CONTROL_PREFIX}/severa/rate-limit", change)
        return table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(f"{CONTROL_PREFIX}/severa/"):
            await self._control(scope, receive, send)
            return
        if scope["type"] == "http":
            path: str = scope["path"]
            for alias, real in _ALIASES:
                if path.lower().startswith(alias):
                    scope = {**scope, "path": real + path[len(alias) :]}
                    break
        await self._app(scope, receive, send)


def create_app(
    state: SeveraState | None = None,
    *,
    seed: str | None = None,
    client_id: str = "sandbox",
    client_secret: str = "sandbox",
    strict: bool = False,
    rate_limit: int | None = None,
) -> SeveraSandboxApp:
    """A Severa sandbox accepting ``client_id``/``client_secret``; ``seed="demo"``: the demo organisation."""
    from ledgerbridge.systems.severa.sandbox.demo_data import seed_demo, seed_lookups

    state = state or SeveraState()
    state.register_client(client_id, client_secret)
    if seed == "demo":
        seed_demo(state)
    elif not state.table("countries"):
        seed_lookups(state)
    return SeveraSandboxApp(state, strict=strict, rate_limit=rate_limit)
