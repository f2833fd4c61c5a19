"""A local emulator of Visma e-conomic, as an ASGI app (see :func:`create_app`).

Emulated surfaces
-----------------
Legacy REST (https://restapi.e-conomic.com), read: ``/self``, ``/customers``, ``/customer-groups``,
``/suppliers``, ``/supplier-groups``, ``/products``, ``/product-groups``, ``/units``,
``/payment-terms``, ``/layouts``, ``/employees``, ``/vat-zones``, ``/accounts``, ``/currencies`` (each
collection and ``/{id}``); write (POST 201 + ``Location``, PUT replace/upsert, DELETE 204):
customers, customer-groups, suppliers, products, units, payment-terms, employees. Collections have
e-conomic's envelope (``collection``, ``pagination``, ``metaData`` on writable collections, ``self``),
``skippages``/``pagesize`` paging (default 20, max 1000, E04810), ``filter`` and ``sort``.

OpenAPI Suppliers service (https://apis.e-conomic.com/suppliersapi/v2.0.0): ``GET /Groups`` (cursor),
``/Groups/{number}``, ``/Groups/count``, ``/Groups/paged``; errors as ``problem+json``. One sandbox
serves both hosts: point the client's ``apis_base_url`` at the same server.

Every response carries ``X-CallCost`` and ``X-RateLimiting: token-limit-10000-per-60-seconds: 147/10000``;
an exhausted bucket answers 429 with ``Retry-After`` (via :class:`~ledgerbridge.sandbox.SandboxKit`,
which also adds fault injection and the ``/_sandbox`` control routes). ``Idempotency-Key`` on writes is
honoured: a repeat within an hour replays the first response with ``X-ResultFromCache: true``.

Choices made where e-conomic's public material is silent
--------------------------------------------------------
- Auth: missing or empty ``X-AppSecretToken``/``X-AgreementGrantToken`` -> 401. Tokens ``demo``/``demo``
  are read-only: any other method than GET -> **403** with a legacy-format message (the docs only say
  the demo "can only use the GET http method"). Any other non-empty pair is read-write and sees the
  same single agreement (``state.accepted_tokens`` can restrict the pairs). ``?demo=true`` is not emulated.
- Error bodies: 401/403/404/405/415/429/500 use the legacy shape (``message``, ``developerHint``,
  ``logId``, ``httpStatusCode``, ``logTime``; ``errorCode`` E06000 on missing records). Messages are
  ours except where recorded. Schema violations use code ``E00000`` (see ``errors.py``). Injected faults
  and 429s are always in the legacy shape, even on the OpenAPI paths (the kit does not know the path).
- Call costs: GET 1 token, other methods 3 (e-conomic publishes no per-endpoint costs). With the
  bucket switched off the headers still appear, reporting ``0/<nominal capacity>``.
- Numbers: server-assigned numbers are highest + 1 (so a deleted highest number is reused, as
  observed live). PUT to a missing id creates it (201), as observed live. PUT cannot renumber (the
  path wins). DELETE of a record other records reference -> 400.
- Idempotency: only successful (2xx) responses are cached; a repeated key replays regardless of body.
- Write rules beyond the schemas, from live observations: a customer group's account must be a
  non-barred P&L or balance account; ``currency`` must exist; PUT on payment terms cannot change
  ``paymentTermsType``/``daysOfCredit`` (E06151). Our own additions: the VAT zone must be enabled for
  customers/suppliers respectively; a supplier written without ``layout`` gets the lowest-numbered
  layout (``suppliers.get`` requires one); ``eInvoicingDisabledByDefault`` is kept on PUT (the schema
  says it changes only by PATCH, which is not emulated).
- Filters: see ``filtering.py`` for every decision (precedence, null, ``$like:``, ``$in:`` on strings
  -> 400). The two filters the live API answers with 500 on products are reproduced as 500.
- ``employees`` writes are a sandbox extension (e-conomic publishes no employee write schema).
- Contacts, delivery locations, invoices, orders, journals etc. are not emulated; their links are
  rendered (so documents match the schemas) but answer 404.
"""

from __future__ import annotations

import json
import logging
import types
from collections.abc import Mapping, MutableMapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import FaultPlan, SandboxKit
from ledgerbridge.sandbox.faults import CONTROL_PREFIX
from ledgerbridge.sandbox.ratelimit import BucketDecision
from ledgerbridge.systems.economic.links import decode_id
from ledgerbridge.systems.economic.sandbox.errors import (
    FILTER_HINT,
    FILTER_MESSAGE,
    NOT_FOUND,
    PAGE_SIZE,
    SORT_HINT,
    SORT_MESSAGE,
    EconomicJSONResponse,
    LegacyHttpError,
    dumps,
    legacy_error,
    problem,
)
from ledgerbridge.systems.economic.sandbox.filtering import (
    FilterError,
    FilterServerError,
    SortError,
    compile_filter,
    parse_sort,
    sort_documents,
)
from ledgerbridge.systems.economic.sandbox.render import Renderer
from ledgerbridge.systems.economic.sandbox.resources import INTEGER, SPECS, STRING, ResourceSpec
from ledgerbridge.systems.economic.sandbox.state import EconomicState
from ledgerbridge.systems.economic.sandbox.validation import validate_write

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
OAS_PREFIX = "/suppliersapi/v2.0.0"
OAS_PAGED_MAX = 100
OAS_GROUP_FILTERS = {"number": INTEGER, "name": STRING, "accountNumber": INTEGER}
WRITE_COST = 3.0
READ_COST = 1.0
SERVER_ERROR_HINT = (
    "If you continue to see errors here, please contact api@e-conomic.com. Remember to include "
    "log id and agreement number when contacting support."
)


def cost_of(method: str, path: str) -> float:
    """Tokens a call costs (our choice: reads 1, writes 3)."""
    return READ_COST if method in ("GET", "HEAD") else WRITE_COST


def rate_headers_for(capacity: int, window: float, used: float, cost: float) -> dict[str, str]:
    """The two headers e-conomic sends on every response."""
    return {
        "X-CallCost": str(int(cost)) if float(cost).is_integer() else str(cost),
        "X-RateLimiting": f"token-limit-{capacity}-per-{int(window)}-seconds: {int(round(used))}/{capacity}",
    }


def _kit_rate_headers(decision: BucketDecision, cost: float, kit: SandboxKit) -> dict[str, str]:
    window = kit.bucket.window_seconds if kit.bucket else 60.0
    return rate_headers_for(decision.capacity, window, decision.used, cost)


def _kit_error_body(status: int, message: str) -> Response:
    if status == 429:
        return legacy_error(
            429,
            message,
            developer_hint="Wait the number of seconds given in Retry-After before calling again.",
        )
    return legacy_error(status, message, developer_hint=SERVER_ERROR_HINT if status >= 500 else None)


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig") or "null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise LegacyHttpError(
            400,
            "Could not parse the request body.",
            developer_hint="The body must be a JSON document (UTF-8).",
        ) from None


def _query(request: Request) -> dict[str, str]:
    # Parameter names are matched case-insensitively (skippages, pageSize, ...); the last one wins.
    return {k.lower(): v for k, v in request.query_params.multi_items()}


def _quote(value: str) -> str:
    return quote(value, safe="$:*,()~-.")


class _EconomicApi:
    """The emulated API itself (no faults, no rate limit: the kit wraps this)."""

    def __init__(self, state: EconomicState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan etc.: nothing to do
            return
        request = Request(scope, receive)
        oas = scope["path"].startswith(OAS_PREFIX + "/") or scope["path"] == OAS_PREFIX
        try:
            response = await self.handle(request, oas=oas)
        except LegacyHttpError as exc:
            response = problem(exc.status, detail=exc.message) if oas else exc.response()
        except Exception:  # an emulator bug must still answer like the API would
            log.exception("e-conomic sandbox failed on %s %s", request.method, request.url.path)
            response = (
                problem(500)
                if oas
                else legacy_error(500, "An unexpected error occurred.", developer_hint=SERVER_ERROR_HINT)
            )
        await response(scope, receive, send)

    # -- plumbing --------------------------------------------------------------------------------
    def _auth(self, request: Request, *, oas: bool) -> Response | None:
        secret = request.headers.get("x-appsecrettoken", "").strip()
        grant = request.headers.get("x-agreementgranttoken", "").strip()
        accepted = self.state.accepted_tokens
        if (
            not secret
            or not grant
            or (
                accepted is not None
                and (secret, grant) not in accepted
                and (secret, grant) != ("demo", "demo")
            )
        ):
            message = (
                "The request is not authorized: send valid X-AppSecretToken and X-AgreementGrantToken "
                "headers."
            )
            if oas:
                return problem(401, detail=message)
            return legacy_error(
                401,
                message,
                developer_hint="Use the word demo for both tokens to access the read-only demo agreement.",
            )
        if (secret, grant) == ("demo", "demo") and request.method != "GET":
            message = "The demo agreement is read-only: only the GET method is allowed with the demo tokens."
            if oas:
                return problem(403, detail=message)
            return legacy_error(
                403, message, developer_hint="Use your own app's and agreement's tokens to write data."
            )
        return None

    async def handle(self, request: Request, *, oas: bool) -> Response:
        """Authenticate, replay idempotent writes, then route."""
        denied = self._auth(request, oas=oas)
        if denied is not None:
            return denied
        if request.method == "GET":
            return await self.route(request, oas=oas)
        key = request.headers.get("idempotency-key")
        if key:
            cached = self.state.recall(key)
            if cached is not None:
                return Response(
                    cached.body,
                    status_code=cached.status,
                    headers={**cached.headers, "X-ResultFromCache": "true"},
                )
        response = await self.route(request, oas=oas)
        if key and 200 <= response.status_code < 300:
            keep = {k: v for k, v in response.headers.items() if k.lower() in ("content-type", "location")}
            self.state.remember(key, response.status_code, bytes(response.body), keep)
        return response

    async def route(self, request: Request, *, oas: bool) -> Response:
        """Dispatch to the handler of the path and method."""
        base = str(request.base_url).rstrip("/")
        if oas:
            return self.oas(request, base)
        parts = [p for p in request.url.path.split("/") if p]
        method = request.method
        if parts == ["self"]:
            if method != "GET":
                return self._not_allowed(method)
            with self.state.lock:
                return EconomicJSONResponse(Renderer(self.state, base).agreement())
        if not parts or parts[0] not in SPECS or len(parts) > 2:
            return legacy_error(
                404,
                "The requested endpoint does not exist.",
                developer_hint=f"See {base}/ for the list of endpoints.",
            )
        spec = SPECS[parts[0]]
        if len(parts) == 1:
            if method == "GET":
                return self.collection(request, spec, base)
            if method == "POST" and spec.writable:
                return await self.create(request, spec, base)
            return self._not_allowed(method)
        key = spec.key_from_text(decode_id(unquote(parts[1])))
        if method == "GET":
            return self.single(spec, key, base)
        if method == "PUT" and spec.writable:
            return await self.replace(request, spec, key, base)
        if method == "DELETE" and spec.writable:
            return self.delete(spec, key, base)
        return self._not_allowed(method)

    @staticmethod
    def _not_allowed(method: str) -> Response:
        return legacy_error(405, f"The requested resource does not support http method '{method}'.")

    def _not_found(self, spec: ResourceSpec, key: Any, base: str) -> Response:
        return legacy_error(
            404,
            f"{spec.singular} '{key}' does not exist.",
            error_code=NOT_FOUND,
            developer_hint=f"Find a list of {spec.name.replace('-', ' ')} at {base}/{spec.name}.",
        )

    # -- legacy REST: reads ----------------------------------------------------------------------
    def collection(self, request: Request, spec: ResourceSpec, base: str) -> Response:
        """``GET /{resource}``: filter, sort, page, and wrap in the collection envelope."""
        params = _query(request)
        page_size = self._int_param(params, "pagesize", DEFAULT_PAGE_SIZE)
        if page_size is None or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise LegacyHttpError(
                400,
                f"pagesize must be a positive whole number between 1 and {MAX_PAGE_SIZE}.",
                error_code=PAGE_SIZE,
                developer_hint="Use the querystring parameter 'pagesize'.",
            )
        skip = self._int_param(params, "skippages", 0)
        if skip is None or skip < 0:
            raise LegacyHttpError(
                400,
                "skippages must be a whole number of 0 or more.",
                developer_hint="Use the querystring parameter 'skippages'.",
            )
        filter_text, sort_text = params.get("filter"), params.get("sort")
        try:
            matcher = (
                compile_filter(
                    filter_text,
                    spec.filterable,
                    server_error_fields=spec.filter_500,
                    boolean_ne_500=spec.name == "products",
                )
                if filter_text
                else None
            )
            sort_keys = parse_sort(sort_text, spec.sortable_fields) if sort_text else None
        except FilterError as exc:
            raise LegacyHttpError(
                400,
                FILTER_MESSAGE,
                developer_hint=FILTER_HINT,
                errors=[exc.detail],
                allowedFilteringFields=list(spec.filterable),
            ) from None
        except SortError as exc:
            raise LegacyHttpError(400, SORT_MESSAGE, developer_hint=SORT_HINT, errors=[str(exc)]) from None
        except FilterServerError:
            raise LegacyHttpError(
                500, "An unexpected error occurred.", developer_hint=SERVER_ERROR_HINT
            ) from None

        renderer = Renderer(self.state, base)
        window = slice(skip * page_size, (skip + 1) * page_size)
        docs: list[dict[str, Any]] = []
        with self.state.lock:
            table = self.state.tables[spec.name]
            keys = sorted(table, key=_key_order)
            total = len(keys)
            if matcher is None and not sort_keys:
                # Plain paging: render only the page (filters and sorts need every document).
                page = [renderer.render(spec.name, table[k]) for k in keys[window]]
                results = total
            else:
                docs = [renderer.render(spec.name, table[k]) for k in keys]
        if matcher is not None or sort_keys:
            try:
                if matcher is not None:
                    docs = [d for d in docs if matcher(d)]
            except FilterError as exc:  # a value that does not fit the property's type
                raise LegacyHttpError(
                    400,
                    FILTER_MESSAGE,
                    developer_hint=FILTER_HINT,
                    errors=[exc.detail],
                    allowedFilteringFields=list(spec.filterable),
                ) from None
            if sort_keys:
                docs = sort_documents(docs, sort_keys)
            results = len(docs)
            page = docs[window]
        last = max(0, (results - 1) // page_size)

        def page_link(number: int) -> str:
            query = f"pagesize={page_size}&skippages={number}"
            if filter_text:
                query += f"&filter={_quote(filter_text)}"
            if sort_text:
                query += f"&sort={_quote(sort_text)}"
            return f"{base}/{spec.name}?{query}"

        pagination: dict[str, Any] = {
            "skipPages": skip,
            "pageSize": page_size,
            "maxPageSizeAllowed": MAX_PAGE_SIZE,
            "results": results,
            "resultsWithoutFilter": total,
            "firstPage": page_link(0),
        }
        if skip < last:
            pagination["nextPage"] = page_link(skip + 1)
        pagination["lastPage"] = page_link(last)
        self_link = str(request.url)
        body: dict[str, Any] = {"collection": page, "pagination": pagination}
        if spec.create_description:
            body["metaData"] = {
                "create": {"description": spec.create_description, "href": self_link, "httpMethod": "post"}
            }
        body["self"] = self_link
        return EconomicJSONResponse(body)

    @staticmethod
    def _int_param(params: Mapping[str, str], name: str, default: int) -> int | None:
        raw = params.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            return None

    def single(self, spec: ResourceSpec, key: Any, base: str) -> Response:
        """``GET /{resource}/{id}``."""
        with self.state.lock:
            record = self.state.tables[spec.name].get(key) if key is not None else None
            if record is None:
                return self._not_found(spec, key, base)
            return EconomicJSONResponse(Renderer(self.state, base).render(spec.name, record, single=True))

    # -- legacy REST: writes ---------------------------------------------------------------------
    def _check_media_type(self, request: Request) -> None:
        content_type = request.headers.get("content-type", "")
        if content_type and "json" not in content_type.lower():
            raise LegacyHttpError(
                415,
                f"The media type '{content_type}' is not supported.",
                developer_hint="Send request bodies as application/json.",
            )

    async def create(self, request: Request, spec: ResourceSpec, base: str) -> Response:
        """``POST /{resource}``: 201 with ``Location`` and the created entity."""
        self._check_media_type(request)
        body = _parse_json(await request.body())
        with self.state.lock:  # number assignment and insert must not interleave with another write
            key, record = validate_write(self.state, spec, body, base=base, path_key=None, existing=None)
            self.state.insert(spec.name, record, keep_last_updated=False)
            rendered = Renderer(self.state, base).render(
                spec.name, self.state.tables[spec.name][key], single=True
            )
        return EconomicJSONResponse(rendered, status_code=201, headers={"Location": rendered["self"]})

    async def replace(self, request: Request, spec: ResourceSpec, key: Any, base: str) -> Response:
        """``PUT /{resource}/{id}``: replace the document (create it when missing)."""
        self._check_media_type(request)
        if key is None:
            return self._not_found(spec, key, base)
        body = _parse_json(await request.body())
        with self.state.lock:
            existing = self.state.tables[spec.name].get(key)
            key, record = validate_write(self.state, spec, body, base=base, path_key=key, existing=existing)
            self.state.replace(spec.name, key, record)
            rendered = Renderer(self.state, base).render(
                spec.name, self.state.tables[spec.name][key], single=True
            )
        if existing is None:  # PUT is an upsert (observed live)
            return EconomicJSONResponse(rendered, status_code=201, headers={"Location": rendered["self"]})
        return EconomicJSONResponse(rendered)

    def delete(self, spec: ResourceSpec, key: Any, base: str) -> Response:
        """``DELETE /{resource}/{id}``: 204, 404 when missing, 400 when still referenced."""
        with self.state.lock:
            if key is None or not self.state.exists(spec.name, key):
                return self._not_found(spec, key, base)
            users = self.state.referrers(spec.name, key)
            if users:
                resource, other = users[0]
                raise LegacyHttpError(
                    400,
                    f"{spec.singular} '{key}' cannot be deleted: it is used by {SPECS[resource].singular} "
                    f"'{other}'" + (f" and {len(users) - 1} more." if len(users) > 1 else "."),
                    developer_hint="Remove the references first.",
                )
            self.state.delete(spec.name, key)
        return Response(status_code=204)

    # -- OpenAPI Suppliers service ---------------------------------------------------------------
    def oas(self, request: Request, base: str) -> Response:
        """The Suppliers OpenAPI service: ``/Groups``, ``/Groups/{n}``, ``/count``, ``/paged``."""
        parts = [p for p in request.url.path[len(OAS_PREFIX) :].split("/") if p]
        if not parts or parts[0] != "Groups" or len(parts) > 2:
            return problem(404)
        if request.method != "GET":
            # Group writes exist on the real service but are not emulated.
            return problem(405, detail=f"The sandbox does not emulate {request.method} on this endpoint.")
        renderer = Renderer(self.state, base)
        with self.state.lock:
            groups = [renderer.oas_supplier_group(r) for r in self.state.records("supplier-groups")]
        if len(parts) == 2 and parts[1] not in ("count", "paged"):
            try:
                number = int(parts[1])
            except ValueError:
                return problem(400, detail=f"The value '{parts[1]}' is not valid for number.")
            found = [g for g in groups if g["number"] == number]
            return EconomicJSONResponse(found[0]) if found else problem(404)
        params = _query(request)
        if params.get("filter"):
            try:
                matcher = compile_filter(params["filter"], OAS_GROUP_FILTERS)
                groups = [g for g in groups if matcher(g)]
            except FilterError as exc:
                return problem(400, detail=exc.detail, error_code="BadFilterRequest")
        if len(parts) == 2 and parts[1] == "count":
            return EconomicJSONResponse(len(groups))
        if len(parts) == 2 and parts[1] == "paged":
            size = self._int_param(params, "pagesize", 20)
            skip = self._int_param(params, "skippages", 0)
            if size is None or not 1 <= size <= OAS_PAGED_MAX or skip is None or skip < 0:
                return problem(
                    400, detail=f"pagesize must be between 1 and {OAS_PAGED_MAX}; skippages 0 or more."
                )
            return EconomicJSONResponse(groups[skip * size : (skip + 1) * size])
        cursor = params.get("cursor")
        if cursor:
            try:
                start = int(cursor)
            except ValueError:
                return problem(400, detail=f"The cursor '{cursor}' is not valid.", error_code="BadRequest")
            groups = [g for g in groups if g["number"] >= start]
        size = max(1, self.state.oas_cursor_page_size)
        body: dict[str, Any] = {}
        if len(groups) > size:
            body["cursor"] = str(groups[size]["number"])  # the id of the first item of the next set
        body["items"] = groups[:size]
        return EconomicJSONResponse(body)


def _key_order(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int) else (1, str(key).lower())


class EconomicSandbox:
    """The ASGI callable :func:`create_app` returns.

    ``economic_state`` is the :class:`EconomicState`, ``kit`` the :class:`SandboxKit` (faults, rate
    limit, request log); ``state`` offers both as ``app.state.kit`` / ``app.state.economic_state``.
    """

    def __init__(
        self, api: ASGIApp, kit: SandboxKit, state: EconomicState, nominal: tuple[int, float]
    ) -> None:
        self.kit = kit
        self.economic_state = state
        self.state = types.SimpleNamespace(kit=kit, economic_state=state)
        self._app = kit.wrap(api)
        self._nominal = nominal

    def _fallback_rate_headers(self, method: str, path: str) -> dict[str, str]:
        cost = self.kit.cost_of(method, path)
        bucket = self.kit.bucket
        if bucket is not None:
            decision = bucket.take(0)  # a peek: reports usage without spending tokens
            return rate_headers_for(bucket.capacity, bucket.window_seconds, decision.used, cost)
        capacity, window = self._nominal
        return rate_headers_for(capacity, window, 0, cost)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            # Responses the kit produced without a bucket decision (injected faults, bucket off)
            # still carry e-conomic's two rate headers.
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                if b"x-callcost" not in names or b"x-ratelimiting" not in names:
                    extra = self._fallback_rate_headers(scope["method"], scope["path"])
                    raw = [(k, v) for k, v in raw if k.lower() not in (b"x-callcost", b"x-ratelimiting")]
                    raw += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
                    message = {**message, "headers": raw}
            await send(message)

        await self._app(scope, receive, send_with_headers)


def create_app(
    state: EconomicState | None = None,
    *,
    seed: str | None = None,
    rate_limit: tuple[int, float] | None = (10000, 60.0),
    latency_ms: int = 0,
) -> EconomicSandbox:
    """Build the e-conomic sandbox.

    ``state``: an existing :class:`EconomicState` (tests keep a handle to change data directly);
    ``seed``: ``"demo"`` (a realistic Danish company, :func:`seed_demo`), ``"minimal"``
    (:func:`seed_minimal`) or None (empty); ``rate_limit``: ``(capacity, window_seconds)`` of the token
    bucket, None for none; ``latency_ms``: added to every request.
    """
    from ledgerbridge.systems.economic.sandbox.demo_data import seed_demo, seed_minimal

    state = state or EconomicState()
    if seed == "demo":
        seed_demo(state)
    elif seed == "minimal":
        seed_minimal(state)
    elif seed is not None:
        raise ValueError(f"unknown seed {seed!r}: use 'demo', 'minimal' or None")
    kit = SandboxKit(error_body=_kit_error_body, cost_of=cost_of)
    kit.rate_headers = lambda decision, cost: _kit_rate_headers(decision, cost, kit)
    if rate_limit is not None:
        kit.set_rate_limit(rate_limit[0], rate_limit[1])
    if latency_ms:
        kit.set_faults(FaultPlan(latency_ms=latency_ms))
    nominal = rate_limit or (10000, 60.0)
    return EconomicSandbox(_EconomicApi(state), kit, state, (int(nominal[0]), float(nominal[1])))


__all__ = ["EconomicSandbox", "create_app", "cost_of", "dumps"]
