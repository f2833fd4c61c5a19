"""A local emulator of Visma e-conomic, as an ASGI app (see :func:`create_app`).

The legacy REST operations it serves are registered in ``routes.py``; the handlers are the methods of
:class:`_EconomicApi` below, the OpenAPI services are in ``oas.py``, webhooks in ``webhooks.py``, the books
in ``books.py`` and the document rules in ``documents.py``. What is served, what deliberately is not, and
every choice made where e-conomic's public material is silent (auth, error bodies, call costs, numbering,
Idempotency-Key, filters) are in ``docs/sandboxes/economic.md``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import types
from collections.abc import Callable, Mapping, MutableMapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import FaultPlan, SandboxKit
from ledgerbridge.sandbox.faults import CONTROL_PREFIX
from ledgerbridge.sandbox.ratelimit import BucketDecision
from ledgerbridge.sandbox.routes import Call, HttpError, NotAllowed
from ledgerbridge.systems.economic.links import decode_id, encode_id
from ledgerbridge.systems.economic.sandbox import documents
from ledgerbridge.systems.economic.sandbox.books import (
    ENTRY_FILTERS,
    books_of,
    render_entry,
    render_total,
    vat_accounts,
)
from ledgerbridge.systems.economic.sandbox.errors import (
    FILTER_HINT,
    FILTER_MESSAGE,
    NOT_FOUND,
    PAGE_SIZE,
    SORT_HINT,
    SORT_MESSAGE,
    UNPUBLISHED,
    VALIDATION_HINT,
    VALIDATION_MESSAGE,
    EconomicJSONResponse,
    LegacyHttpError,
    dumps,
    field_error,
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
from ledgerbridge.systems.economic.sandbox.oas import OasServices, is_oas_path, required_roles
from ledgerbridge.systems.economic.sandbox.render import Renderer
from ledgerbridge.systems.economic.sandbox.resources import (
    BOOKED_STATE_FILTERS,
    NUMBER,
    SALES_FAMILIES,
    SPECS,
    STRING,
    Field,
    ResourceSpec,
    SalesFamily,
)
from ledgerbridge.systems.economic.sandbox.routes import legacy_routes, path_parts
from ledgerbridge.systems.economic.sandbox.state import EconomicState, Grant, get_path, to_decimal
from ledgerbridge.systems.economic.sandbox.stored import base_of as request_base
from ledgerbridge.systems.economic.sandbox.validation import (
    Annotated,
    check_document,
    raise_if,
    require_object,
    validate_write,
)
from ledgerbridge.systems.economic.sandbox.vat import DOMESTIC_ZONE
from ledgerbridge.systems.economic.sandbox.voucher_vat import settle_entries
from ledgerbridge.systems.economic.sandbox.webhooks import WebhookDispatcher, subscription_json

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
WRITE_COST = 3.0
READ_COST = 1.0
SERVER_ERROR_HINT = (
    "If you continue to see errors here, please contact api@e-conomic.com. Remember to include "
    "log id and agreement number when contacting support."
)
WEBHOOK_CONTROL = CONTROL_PREFIX + "/webhooks"
JOURNAL_CONTROL = CONTROL_PREFIX + "/journals/"
GRANT_CONTROL = CONTROL_PREFIX + "/grants"
DRAFTS, BOOKED, SENT = SPECS["invoices-drafts"], SPECS["invoices-booked"], SPECS["invoices-sent"]
CONTACTS, LOCATIONS = SPECS["customer-contacts"], SPECS["delivery-locations"]
ENTRIES = SPECS["journal-entries"]
Select = Callable[[Mapping[str, Any]], bool]
# A currency-specific sales price as its POST and PUT schemas type it (the POST must name the currency).
_PRICE_SPEC = ResourceSpec(name="currency-prices", key="code", key_is_str=True, singular="price")
_PRICE_FIELDS_PUT = (
    Field("price", NUMBER, required=True, max_decimals=2),
    Field("product.productNumber", STRING, min_length=1, max_length=25),
    Field("product.self", STRING),
    Field("currency.code", STRING),
    Field("currency.self", STRING),
)
_PRICE_FIELDS_POST = tuple(
    Field("currency.code", STRING, required=True) if f.path == "currency.code" else f
    for f in _PRICE_FIELDS_PUT
)
_CURRENCY_CODE = re.compile("[a-zA-Z]{3}")  # the schemas' pattern (unanchored, as published)


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

    def __init__(self, state: EconomicState, webhooks: WebhookDispatcher) -> None:
        self.state = state
        self.oas_services = OasServices(state, webhooks)
        self.routes = legacy_routes(self)
        self._key_locks: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan etc.: nothing to do
            return
        request = Request(scope, receive)
        oas = is_oas_path(scope["path"])
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
                and (secret, grant) not in self.state.grants
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
        minted = self.state.grants.get((secret, grant))
        if minted is not None:
            return self._role_refusal(request, minted, oas=oas)
        return None

    @staticmethod
    def _role_refusal(request: Request, grant: Grant, *, oas: bool) -> Response | None:
        """403 when the grant's roles do not reach the path (the OpenAPI services' ``x-required-roles``;
        legacy REST publishes none per endpoint) or a read-only grant writes; else None."""
        needed = required_roles(request.url.path) if oas else ()
        if needed and not set(needed) & set(grant.roles):
            message = (
                f"Access forbidden: the grant was issued with the role(s) {', '.join(grant.roles)}; "
                f"this resource requires one of {', '.join(needed)}."
            )
            return problem(403, detail=message)
        if grant.read_only and request.method not in ("GET", "HEAD"):
            message = "Access forbidden: the grant's role is read-only; only the GET method is allowed."
            if oas:
                return problem(403, detail=message)
            return legacy_error(
                403, message, developer_hint="Ask the agreement for a grant with a role that may write."
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
        if not key:
            return await self.route(request, oas=oas)
        lock = self._key_locks.setdefault(key, asyncio.Lock())
        async with lock:  # a second request with the key waits for the first, then replays it
            cached = self.state.recall(key)
            if cached is not None:
                return Response(
                    cached.body,
                    status_code=cached.status,
                    headers={**cached.headers, "X-ResultFromCache": "true"},
                )
            response = await self.route(request, oas=oas)
            if 200 <= response.status_code < 300:
                keep = {
                    k: v for k, v in response.headers.items() if k.lower() in ("content-type", "location")
                }
                self.state.remember(key, response.status_code, bytes(response.body), keep)
        if not lock.locked():
            self._key_locks.pop(key, None)
        return response

    async def _body(self, request: Request) -> Any:
        self._check_media_type(request)
        return _parse_json(await request.body())

    async def route(self, request: Request, *, oas: bool) -> Response:
        """Dispatch to the handler the route table names for the path and method."""
        base = str(request.base_url).rstrip("/")
        if oas:
            return await self.oas_services.handle(request, lambda: self._body(request))
        found = self.routes.resolve(request.method, "/" + "/".join(path_parts(request)))
        if found is None:
            return self._no_endpoint(base)
        if isinstance(found, NotAllowed):
            return self._not_allowed(request.method, found.allow)
        try:
            return await found.route.handler(Call(request, found.params, found.route))
        except HttpError as exc:  # the generic CRUD handlers (stored.py) answer 404 so
            return exc.response

    def agreement(self, base: str) -> Response:
        """``GET /self``."""
        with self.state.lock:
            return EconomicJSONResponse(Renderer(self.state, base).agreement())

    @staticmethod
    def _no_endpoint(base: str) -> Response:
        return legacy_error(
            404,
            "The requested endpoint does not exist.",
            developer_hint=f"See {base}/ for the list of endpoints.",
        )

    @staticmethod
    def _not_allowed(method: str, allow: tuple[str, ...] = ()) -> Response:
        response = legacy_error(405, f"The requested resource does not support http method '{method}'.")
        if allow:
            response.headers["Allow"] = ", ".join(allow)
        return response

    def _not_found(self, spec: ResourceSpec, key: Any, base: str, route: str | None = None) -> Response:
        return legacy_error(
            404,
            f"{spec.singular} '{key}' does not exist.",
            error_code=NOT_FOUND,
            developer_hint=f"Find a list of {spec.singular}s at {base}/{route or spec.path}.",
        )

    # -- legacy REST: reads ----------------------------------------------------------------------
    def collection(
        self,
        request: Request,
        spec: ResourceSpec,
        base: str,
        *,
        route: str | None = None,
        select: Select | None = None,
        documents_: list[dict[str, Any]] | None = None,
        filterable: Mapping[str, str] | None = None,
        create_description: str | None = None,
        read_only: bool = False,
    ) -> Response:
        """``GET /{resource}``: filter, sort, page, and wrap in the collection envelope.

        ``route`` is the collection's path when not ``spec.path``; ``select`` keeps the records of
        a sub-collection (a customer's contacts); ``documents_`` gives ready documents instead of the
        table (vouchers); ``filterable`` overrides the spec's filterable (and sortable) properties;
        ``create_description`` the spec's ``metaData.create``, which ``read_only`` leaves out.
        """
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
        allowed = spec.filterable if filterable is None else filterable
        sortable = spec.sortable_fields if filterable is None else (spec.key, *filterable)
        filter_text, sort_text = params.get("filter"), params.get("sort")
        try:
            matcher = (
                compile_filter(
                    filter_text,
                    allowed,
                    server_error_fields=spec.filter_500,
                    boolean_ne_500=spec.name == "products",
                )
                if filter_text
                else None
            )
            sort_keys = parse_sort(sort_text, sortable) if sort_text else None
        except FilterError as exc:
            raise LegacyHttpError(
                400,
                FILTER_MESSAGE,
                developer_hint=FILTER_HINT,
                errors=[exc.detail],
                allowedFilteringFields=list(allowed),
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
            if documents_ is not None:
                docs = documents_
                total = len(docs)
                page = docs[window]
                results = total
            else:
                table = self.state.tables[spec.name]
                keys = sorted(table, key=_key_order)
                if select is not None:
                    keys = [k for k in keys if select(table[k])]
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
                    allowedFilteringFields=list(allowed),
                ) from None
            if sort_keys:
                docs = sort_documents(docs, sort_keys)
            results = len(docs)
            page = docs[window]
        last = max(0, (results - 1) // page_size)
        path = route or spec.path

        def page_link(number: int) -> str:
            query = f"pagesize={page_size}&skippages={number}"
            if filter_text:
                query += f"&filter={_quote(filter_text)}"
            if sort_text:
                query += f"&sort={_quote(sort_text)}"
            return f"{base}/{path}?{query}"

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
        description = None if read_only else create_description or spec.create_description
        if description:
            body["metaData"] = {
                "create": {"description": description, "href": self_link, "httpMethod": "post"}
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

    def single(
        self,
        spec: ResourceSpec,
        key: Any,
        base: str,
        *,
        select: Select | None = None,
        route: str | None = None,
    ) -> Response:
        """``GET /{resource}/{id}`` (``select``: the record must also belong to the parent)."""
        with self.state.lock:
            record = self.state.tables[spec.name].get(key) if key is not None else None
            if record is None or (select is not None and not select(record)):
                return self._not_found(spec, key, base, route)
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

    def _created(self, spec: ResourceSpec, key: Any, base: str) -> Response:
        rendered = Renderer(self.state, base).render(
            spec.name, self.state.tables[spec.name][key], single=True
        )
        return EconomicJSONResponse(rendered, status_code=201, headers={"Location": rendered["self"]})

    def _fill_sort_key(self, spec: ResourceSpec, record: dict[str, Any]) -> None:
        if spec in (CONTACTS, LOCATIONS) and "sortKey" not in record:
            customer = get_path(record, "customer.customerNumber")
            record["sortKey"] = self.state.next_sort_key(spec.name, customer)

    async def replace(
        self,
        request: Request,
        spec: ResourceSpec,
        key: Any,
        base: str,
        *,
        parent: dict[str, Any] | None = None,
        select: Select | None = None,
    ) -> Response:
        """``PUT /{resource}/{id}``: replace the document (create it when missing)."""
        if key is None:
            return self._not_found(spec, key, base)
        body = await self._body(request)
        with self.state.lock:
            existing = self.state.tables[spec.name].get(key)
            if existing is not None and select is not None and not select(existing):
                return self._not_found(spec, key, base)
            key, record = validate_write(self.state, spec, body, base=base, path_key=key, existing=existing)
            if parent:
                record.update(parent)
                if existing is not None and "sortKey" not in record and "sortKey" in existing:
                    record["sortKey"] = existing["sortKey"]
                self._fill_sort_key(spec, record)
            self.state.replace(spec.name, key, record)
            rendered = Renderer(self.state, base).render(
                spec.name, self.state.tables[spec.name][key], single=True
            )
        if existing is None:  # PUT is an upsert (observed live)
            return EconomicJSONResponse(rendered, status_code=201, headers={"Location": rendered["self"]})
        return EconomicJSONResponse(rendered)

    def check_deletable(self, spec: ResourceSpec, key: Any) -> None:
        """400 while other records refer to the record (a customer's own contacts and delivery locations
        do not count: they go with it)."""
        with self.state.lock:
            users = self.state.referrers(spec.name, key)
            if spec.name == "customers":
                users = [u for u in users if u[0] not in (CONTACTS.name, LOCATIONS.name)]
            if users:
                resource, other = users[0]
                raise LegacyHttpError(
                    400,
                    f"{spec.singular} '{key}' cannot be deleted: it is used by {SPECS[resource].singular} "
                    f"'{other}'" + (f" and {len(users) - 1} more." if len(users) > 1 else "."),
                    developer_hint="Remove the references first.",
                )

    def remove(self, spec: ResourceSpec, key: Any) -> None:
        """Delete the record (a customer with its contacts and delivery locations)."""
        with self.state.lock:
            if spec.name == "customers":
                for child in (CONTACTS, LOCATIONS):
                    for child_key, child_record in list(self.state.tables[child.name].items()):
                        if get_path(child_record, "customer.customerNumber") == key:
                            self.state.delete(child.name, child_key)
            self.state.delete(spec.name, key)

    # -- customers' contacts, delivery locations and invoices ------------------------------------
    async def customer_routes(self, request: Request, parts: list[str], base: str) -> Response:
        """``/customers/{n}/invoices/drafts|booked`` (GET). The contacts and delivery locations below a
        customer are generic CRUD resources (``stored.py``), but for their PUT."""
        number = SPECS["customers"].key_from_text(parts[0])
        with self.state.lock:
            customer_exists = number is not None and self.state.exists("customers", number)
        if not customer_exists:
            return self._not_found(SPECS["customers"], parts[0], base)

        def mine(record: Mapping[str, Any]) -> bool:
            return get_path(record, "customer.customerNumber") == number

        spec = DRAFTS if parts[2] == "drafts" else BOOKED
        return self.collection(
            request,
            spec,
            base,
            route=f"customers/{number}/invoices/{parts[2]}",
            select=mine,
            read_only=True,
        )

    async def replace_customer_child(
        self, request: Request, child: ResourceSpec, customer_text: str, key_text: str, base: str
    ) -> Response:
        """``PUT /customers/{n}/contacts/{c}`` (``/delivery-locations/{d}``): e-conomic's upsert, the
        record belonging to the path's customer."""
        number = SPECS["customers"].key_from_text(customer_text)
        with self.state.lock:
            if number is None or not self.state.exists("customers", number):
                return self._not_found(SPECS["customers"], customer_text, base)

        def mine(record: Mapping[str, Any]) -> bool:
            return get_path(record, "customer.customerNumber") == number

        parent = {"customer": {"customerNumber": number}}
        key = child.key_from_text(decode_id(key_text))
        return await self.replace(request, child, key, base, parent=parent, select=mine)

    # -- invoices --------------------------------------------------------------------------------
    def invoices_index(self, base: str) -> Response:
        """``GET /invoices``: the links to the invoice collections (no totals: unserved)."""
        names = {"drafts": "drafts", "booked": "booked", "paid": "paid", "unpaid": "unpaid"}
        names.update({"overdue": "overdue", "notDue": "not-due", "sent": "sent"})
        links = {name: f"{base}/invoices/{path}" for name, path in names.items()}
        return EconomicJSONResponse({**links, "self": f"{base}/invoices"})

    def invoice_view(self, request: Request, view: str, base: str) -> Response:
        """``GET /invoices/paid|unpaid|overdue|not-due``: booked invoices by their remainder."""
        today = self.state.today().isoformat()
        views: dict[str, Select] = {
            "paid": lambda r: to_decimal(r.get("remainder", 0)) == 0,
            "unpaid": lambda r: to_decimal(r.get("remainder", 0)) != 0,
            "overdue": lambda r: to_decimal(r.get("remainder", 0)) != 0 and str(r.get("dueDate")) < today,
            "not-due": lambda r: to_decimal(r.get("remainder", 0)) != 0 and str(r.get("dueDate")) >= today,
        }
        return self.collection(
            request,
            BOOKED,
            base,
            route=f"invoices/{view}",
            select=views[view],
            filterable=BOOKED_STATE_FILTERS,
            read_only=True,
        )

    def create_draft(self, call: Call, body: Any) -> dict[str, Any]:
        """``POST /invoices/drafts`` (the generic create's hook): the stored draft."""
        with self.state.lock:
            record = documents.validate_draft(self.state, body, base=request_base(call))
            record["draftInvoiceNumber"] = self.state.next_key(DRAFTS.name)
            self.state.insert(DRAFTS.name, record, keep_last_updated=False)
            return self.state.tables[DRAFTS.name][record["draftInvoiceNumber"]]

    async def add_draft_lines(self, request: Request, number_text: str, base: str) -> Response:
        """``POST /invoices/drafts/{n}/lines``: the draft with the lines appended (201, the draft)."""
        key = DRAFTS.key_from_text(number_text)
        body = await self._body(request)
        with self.state.lock:
            draft = self.state.get(DRAFTS.name, key) if key is not None else None
            if draft is None:
                return self._not_found(DRAFTS, number_text, base)
            updated = documents.validate_new_lines(self.state, draft, body, base=base)
            assert key is not None
            self.state.replace(DRAFTS.name, key, updated)
            return self._created(DRAFTS, key, base)

    async def replace_draft(self, request: Request, number_text: str, base: str) -> Response:
        """``PUT /invoices/drafts/{n}``: replace a draft (404 when missing: drafts are made by POST)."""
        key = DRAFTS.key_from_text(number_text)
        body = await self._body(request)
        with self.state.lock:
            if key is None or not self.state.exists(DRAFTS.name, key):
                return self._not_found(DRAFTS, number_text, base)
            record = documents.validate_draft(self.state, body, base=base, replacing=True)
            record["draftInvoiceNumber"] = key
            self.state.replace(DRAFTS.name, key, record)
            rendered = Renderer(self.state, base).render(
                DRAFTS.name, self.state.tables[DRAFTS.name][key], single=True
            )
        return EconomicJSONResponse(rendered)

    def delete_drafts(self, request: Request, number_text: str | None, base: str) -> Response:
        """``DELETE /invoices/drafts[/{n}]``."""
        if number_text is None:
            return self._delete_drafts(request, None, base)
        key = DRAFTS.key_from_text(number_text)
        if key is None:  # not a number: no draft (not "every draft", which None means below)
            return self._not_found(DRAFTS, number_text, base)
        return self._delete_drafts(request, key, base)

    def _delete_drafts(self, request: Request, key: Any, base: str) -> Response:
        """DELETE one draft, or every draft (the filter applies): 200 with a status document."""
        renderer = Renderer(self.state, base)
        with self.state.lock:
            if key is not None:
                if not self.state.exists(DRAFTS.name, key):
                    return self._not_found(DRAFTS, key, base)
                numbers = [key]
            else:
                filter_text = _query(request).get("filter")
                records = self.state.records(DRAFTS.name)
                if filter_text:
                    try:
                        matcher = compile_filter(filter_text, DRAFTS.filterable)
                        records = [r for r in records if matcher(renderer.render(DRAFTS.name, r))]
                    except FilterError as exc:
                        raise LegacyHttpError(
                            400,
                            FILTER_MESSAGE,
                            developer_hint=FILTER_HINT,
                            errors=[exc.detail],
                            allowedFilteringFields=list(DRAFTS.filterable),
                        ) from None
                numbers = [r["draftInvoiceNumber"] for r in records]
            for number in numbers:
                self.state.delete(DRAFTS.name, number)
        count = len(numbers)
        message = (
            "Deleted invoice." if key is not None else f"Deleted {count} invoice{'s' if count != 1 else ''}."
        )
        return EconomicJSONResponse(
            {
                "message": message,
                "deletedCount": count,
                "deletedItems": [
                    {"draftInvoiceNumber": n, "self": f"{base}/invoices/drafts/{n}"} for n in numbers
                ],
            }
        )

    def book(self, call: Call, body: Any) -> dict[str, Any]:
        """``POST /invoices/booked`` (the generic create's hook): the stored booked invoice."""
        with self.state.lock:
            return documents.book(self.state, body, base=request_base(call))

    async def book_with_number(self, request: Request, number_text: str, base: str) -> Response:
        """``PUT /invoices/booked/{bookWithNumber}``: book a draft with that number."""
        key = BOOKED.key_from_text(number_text)
        if not isinstance(key, int):
            return self._not_found(BOOKED, number_text, base)
        body = await self._body(request)
        with self.state.lock:
            stored = documents.book(self.state, body, base=base, book_with_number=key)
            return self._created(BOOKED, stored["bookedInvoiceNumber"], base)

    # -- orders and quotes -----------------------------------------------------------------------
    def sales_index(self, family: SalesFamily, base: str) -> Response:
        """``GET /orders`` (``/quotes``): the links to the family's collections."""
        links = {kind: f"{base}/{family.name}/{kind}" for kind in ("archived", "drafts", "sent")}
        return EconomicJSONResponse({**links, "self": f"{base}/{family.name}"})

    async def replace_sales_draft(
        self, request: Request, family: SalesFamily, number_text: str, base: str
    ) -> Response:
        """``PUT /orders/drafts/{n}`` (``/quotes/drafts/{n}``): replace a draft (404 when missing)."""
        spec = family.specs["drafts"]
        key = spec.key_from_text(number_text)
        body = await self._body(request)
        with self.state.lock:
            if not isinstance(key, int) or not self.state.exists(spec.name, key):
                return self._not_found(spec, number_text, base)
            record = documents.validate_draft(self.state, body, base=base, spec=spec, replacing=True)
            record[spec.key] = key
            self.state.replace(spec.name, key, record)
            rendered = Renderer(self.state, base).render(
                spec.name, self.state.tables[spec.name][key], single=True
            )
        return EconomicJSONResponse(rendered)

    def post_sales_document(self, family: SalesFamily, kind: str) -> Callable[[Call, Any], dict[str, Any]]:
        """The generic create's hook for ``POST /orders/drafts`` (create; or, with the ``orderNumber``
        of a sent order, cancel its sent status) and ``POST /orders/sent`` (the full document of a draft
        order: mark it as sent); the same for quotes (``quoteNumber``)."""
        drafts, sent = family.specs["drafts"], family.specs["sent"]
        spec = family.specs[kind]

        def create(call: Call, body: Any) -> dict[str, Any]:
            base = request_base(call)
            with self.state.lock:
                number = body.get(family.key) if isinstance(body, dict) else None
                source = sent if spec is drafts else drafts
                moving = (
                    isinstance(number, int)
                    and not isinstance(number, bool)
                    and self.state.exists(source.name, number)
                )
                if spec is sent and not moving:
                    if number is None and isinstance(body, dict):
                        missing = field_error(
                            UNPUBLISHED,
                            f"Required property '{family.key}' is missing.",
                            hint=f"POST the full document of a draft {family.noun} to mark it as sent.",
                        )
                        raise LegacyHttpError(
                            400,
                            VALIDATION_MESSAGE,
                            developer_hint=VALIDATION_HINT,
                            errors={family.key: {"errors": [missing]}},
                        )
                    raise HttpError(self._not_found(drafts, number, base))
                record = documents.validate_draft(self.state, body, base=base, spec=drafts)
                if moving:
                    assert isinstance(number, int)
                    self.state.delete(source.name, number)
                    record[family.key] = number
                else:
                    record[family.key] = self.state.next_key(spec.name)
                self.state.insert(spec.name, record, keep_last_updated=False)
                return self.state.tables[spec.name][record[family.key]]

        return create

    def sales_templates(self, request: Request, family: SalesFamily, parts: list[str], base: str) -> Response:
        """``/orders/drafts|sent/{n}/templates`` and ``…/templates/upgrade-instructions/draftInvoice`` (the
        same below ``/quotes``): the body to POST to ``/invoices/drafts``."""
        if request.method != "GET":
            return self._not_allowed(request.method)
        drafts = family.specs["drafts"]
        key = drafts.key_from_text(parts[2])
        with self.state.lock:
            found = self.state.find_sales_document(family.name, key) if isinstance(key, int) else None
            if found is None or found[0] == "archived":
                return self._not_found(drafts, parts[2], base)
            own = f"{base}/{family.name}/{found[0]}/{key}/templates"
            if len(parts) == 4:
                return EconomicJSONResponse(
                    {"upgradeInstructions": f"{own}/upgrade-instructions/draftInvoice", "self": own}
                )
            if parts[4:] != ["upgrade-instructions", "draftInvoice"]:
                return self._no_endpoint(base)
            leave = (family.key, "self", "metaData", "soap", "templates", "pdf", "lastUpdated")
            rendered = Renderer(self.state, base).render(family.table(found[0]), found[1], single=True)
            return EconomicJSONResponse({k: v for k, v in rendered.items() if k not in leave})

    # -- journals --------------------------------------------------------------------------------
    async def post_vouchers(self, request: Request, journal_text: str, base: str) -> Response:
        """``POST /journals/{n}/vouchers``: one voucher or an array of them in, always an array out
        (201). Reading them is a generic resource (``stored.journal_vouchers_resource``)."""
        journal = SPECS["journals"].key_from_text(journal_text)
        with self.state.lock:
            exists = journal is not None and self.state.exists("journals", journal)
        if not exists:
            return self._not_found(SPECS["journals"], journal_text, base)
        assert isinstance(journal, int)
        renderer = Renderer(self.state, base)
        body = await self._body(request)
        with self.state.lock:
            created = documents.post_vouchers(self.state, journal, body, base=base)
            for _, _, entries in created:  # a supplier invoice's VAT follows a VAT code (voucher_vat.py)
                settle_entries(self.state, journal, entries)
            answer = [renderer.voucher(journal, year, number, entries) for year, number, entries in created]
        return EconomicJSONResponse(answer, status_code=201)

    # -- the books (books.py) ---------------------------------------------------------------------
    def book_routes(self, request: Request, parts: list[str], base: str) -> Response:
        """``/accounting-years/{y}/entries|totals``, ``/accounts/{n}/accounting-years/{y}/entries|totals``."""
        if request.method != "GET":
            return self._not_allowed(request.method)
        account: int | None = None
        if parts[0] == "accounts":
            if len(parts) != 5 or parts[2] != "accounting-years" or not parts[1].isdigit():
                return self._no_endpoint(base)
            account = int(parts[1])
            year, what = decode_id(parts[3]), parts[4]
            with self.state.lock:
                if not self.state.exists("accounts", account):
                    return self._not_found(SPECS["accounts"], parts[1], base)
        else:
            if len(parts) != 3:
                return self._no_endpoint(base)
            year, what = decode_id(parts[1]), parts[2]
        with self.state.lock:
            if not self.state.exists("accounting-years", year):
                return self._not_found(SPECS["accounting-years"], year, base)
            books = books_of(self.state)
            if what == "entries":
                docs = [render_entry(e, base) for e in books.in_year(year, account)]
            elif what == "totals":
                totals = books.totals(year)
                if account is not None:
                    total = totals.get(account, Decimal("0.00"))
                    return EconomicJSONResponse(render_total(self.state, year, account, total, base))
                docs = [render_total(self.state, year, n, t, base) for n, t in totals.items()]
            else:
                return self._no_endpoint(base)
        route = "/".join(parts)
        return self.collection(
            request, ENTRIES, base, route=route, documents_=docs, filterable=ENTRY_FILTERS, read_only=True
        )

    def sales_accounts(self, request: Request, group_text: str, base: str) -> Response:
        """``/product-groups/{n}/sales-accounts`` (GET): the sales account per VAT zone — the group's own
        ``salesAccount`` in the domestic zone (zone 1), then those set per zone
        (``state.set_zone_sales_account``), by zone number."""
        if request.method != "GET":
            return self._not_allowed(request.method)
        spec = SPECS["product-groups"]
        key = spec.key_from_text(decode_id(group_text))
        renderer = Renderer(self.state, base)
        with self.state.lock:
            group = self.state.tables[spec.name].get(key) if key is not None else None
            if group is None:
                return self._not_found(spec, group_text, base)
            per_zone: dict[int, Any] = {DOMESTIC_ZONE: get_path(group, "salesAccount.accountNumber")}
            per_zone.update(self.state.zone_sales_accounts.get(int(group["productGroupNumber"]), {}))
            docs = []
            for zone_number, number in sorted(per_zone.items()):
                account = self.state.tables["accounts"].get(number) if number is not None else None
                zone = self.state.tables["vat-zones"].get(zone_number)
                if account is not None and zone is not None:
                    docs.append(
                        {
                            "salesAccount": renderer.render("accounts", account, single=True),
                            "vatZone": renderer.render("vat-zones", zone, single=True),
                        }
                    )
        return self.collection(
            request,
            ENTRIES,
            base,
            route=f"product-groups/{group_text}/sales-accounts",
            documents_=docs,
            filterable={},
            read_only=True,
        )

    def vat_accounts(self, request: Request, parts: list[str], base: str) -> Response:
        """``/vat-accounts[/{vatCode}]`` (GET): the VAT codes in use and their rates (books.py)."""
        if request.method != "GET":
            return self._not_allowed(request.method)
        with self.state.lock:
            docs = vat_accounts(self.state, base)
        if len(parts) == 2:
            wanted = decode_id(parts[1]).upper()
            found = next((d for d in docs if d["vatCode"].upper() == wanted), None)
            if found is None:
                return legacy_error(404, f"vatAccount '{parts[1]}' does not exist.", error_code=NOT_FOUND)
            return EconomicJSONResponse(found)
        return self.collection(
            request, ENTRIES, base, route="vat-accounts", documents_=docs, filterable={}, read_only=True
        )

    # -- sub-collections the real API serves below a parent -------------------------------------
    def children(
        self, request: Request, parent: ResourceSpec, key_text: str, child: ResourceSpec, at: str, base: str
    ) -> Response:
        """``GET /{parent}/{n}/{children}``: the child records whose ``at`` path names the parent
        (``/product-groups/{n}/products``, ``/customer-groups/{n}/customers``, …); 404 for no parent."""
        key = parent.key_from_text(decode_id(key_text))
        with self.state.lock:
            if key is None or not self.state.exists(parent.name, key):
                return self._not_found(parent, key_text, base)
        tail = "/".join(path_parts(request)[2:])
        return self.collection(
            request,
            child,
            base,
            route=f"{parent.path}/{key_text}/{tail}",
            select=lambda record: get_path(record, at) == key,
            read_only=True,
        )

    def invoices_of(
        self, request: Request, parent: ResourceSpec, key_text: str, booked: bool, base: str
    ) -> Response:
        """``/products/{n}/invoices/drafts|booked`` (a line on the product), ``/employees/{n}/invoices/…``
        (the employee is the invoice's sales person)."""
        key = parent.key_from_text(decode_id(key_text))
        with self.state.lock:
            if key is None or not self.state.exists(parent.name, key):
                return self._not_found(parent, key_text, base)

        def mine(record: Mapping[str, Any]) -> bool:
            if parent.name == "products":
                return any(get_path(line, "product.productNumber") == key for line in record.get("lines", []))
            return get_path(record, "references.salesPerson.employeeNumber") == key

        kind = "booked" if booked else "drafts"
        return self.collection(
            request,
            BOOKED if booked else DRAFTS,
            base,
            route=f"{parent.path}/{key_text}/invoices/{kind}",
            select=mine,
            read_only=True,
        )

    def invoice_links(self, parent: ResourceSpec, key_text: str, base: str) -> Response:
        """``/customers/{n}/invoices`` and ``/products/{n}/invoices``: links to the drafts and booked."""
        key = parent.key_from_text(decode_id(key_text))
        with self.state.lock:
            if key is None or not self.state.exists(parent.name, key):
                return self._not_found(parent, key_text, base)
        own = f"{base}/{parent.path}/{key_text}/invoices"
        return EconomicJSONResponse({"drafts": f"{own}/drafts", "booked": f"{own}/booked", "self": own})

    def account_years(
        self, request: Request, account_text: str, year_text: str | None, base: str
    ) -> Response:
        """``/accounts/{n}/accounting-years[/{y}]``: the years, with the account's entries and totals."""
        account = SPECS["accounts"].key_from_text(decode_id(account_text))
        with self.state.lock:
            if account is None or not self.state.exists("accounts", account):
                return self._not_found(SPECS["accounts"], account_text, base)
            renderer = Renderer(self.state, base)
            years = [
                renderer.account_year(account, record)
                for _, record in sorted(self.state.tables["accounting-years"].items())
            ]
        if year_text is None:
            return self.collection(
                request,
                ENTRIES,
                base,
                route=f"accounts/{account_text}/accounting-years",
                documents_=years,
                filterable={},
                read_only=True,
            )
        wanted = decode_id(year_text)
        found = next((y for y in years if str(y["year"]) == wanted), None)
        if found is None:
            return self._not_found(SPECS["accounting-years"], wanted, base)
        return EconomicJSONResponse(found)

    def year_entry(self, parts: list[str], base: str) -> Response:
        """``/accounting-years/{y}/entries/{entryNumber}``: one posted entry (the ``self`` of each entry
        of the year's entries; not in the published schemas)."""
        year = decode_id(parts[1])
        with self.state.lock:
            if not self.state.exists("accounting-years", year):
                return self._not_found(SPECS["accounting-years"], year, base)
            entries = [render_entry(e, base) for e in books_of(self.state).in_year(year, None)]
        found = next((e for e in entries if str(e.get("entryNumber")) == parts[3]), None)
        if found is None:
            return legacy_error(404, f"entry '{parts[3]}' does not exist in {year}.", error_code=NOT_FOUND)
        return EconomicJSONResponse(found)

    # -- PDFs and booking instructions of documents -----------------------------------------------
    def document_pdf(self, parts: list[str], base: str) -> Response:
        """``/invoices/drafts|booked/{n}/pdf``, ``/orders|quotes/drafts|sent|archived/{n}/pdf``: a one-page
        PDF naming the document (the real API renders the layout; the sandbox only proves the link)."""
        kinds = {("invoices", "drafts"): DRAFTS, ("invoices", "booked"): BOOKED}
        for family in SALES_FAMILIES.values():
            kinds.update({(family.name, kind): spec for kind, spec in family.specs.items()})
        spec = kinds[(parts[0], parts[1])]
        key = spec.key_from_text(parts[2])
        with self.state.lock:
            if key is None or not self.state.exists(spec.name, key):
                return self._not_found(spec, parts[2], base)
        return Response(_one_page_pdf(f"{spec.singular} {key}"), media_type="application/pdf")

    def booking_instructions(self, parts: list[str], base: str) -> Response:
        """``/invoices/drafts/{n}/templates[/booking-instructions]``: the body that books the draft."""
        key = DRAFTS.key_from_text(parts[2])
        with self.state.lock:
            if key is None or not self.state.exists(DRAFTS.name, key):
                return self._not_found(DRAFTS, parts[2], base)
        own = f"{base}/invoices/drafts/{key}/templates"
        if len(parts) == 4:
            return EconomicJSONResponse({"bookingInstructions": f"{own}/booking-instructions", "self": own})
        return EconomicJSONResponse(
            {
                "draftInvoice": {"draftInvoiceNumber": key, "self": f"{base}/invoices/drafts/{key}"},
                "self": f"{own}/booking-instructions",
            }
        )

    # -- a customer's templates and totals ---------------------------------------------------------
    def customer_templates(self, request: Request, parts: list[str], base: str) -> Response:
        """``/customers/{n}/templates``, ``…/invoice`` (a draft invoice body for the customer),
        ``…/invoiceline`` (one line template per product) and ``…/invoiceline/{productNumber}``."""
        customers = SPECS["customers"]
        number = customers.key_from_text(decode_id(parts[1]))
        own = f"{base}/customers/{parts[1]}/templates"
        renderer = Renderer(self.state, base)
        with self.state.lock:
            customer = self.state.tables["customers"].get(number) if number is not None else None
            if customer is None:
                return self._not_found(customers, parts[1], base)
            rest = parts[3:]
            if not rest:
                return EconomicJSONResponse(
                    {"invoice": f"{own}/invoice", "invoiceline": f"{own}/invoiceline", "self": own}
                )
            if rest == ["invoice"]:
                return EconomicJSONResponse(self._invoice_template(renderer.render("customers", customer)))
            products = sorted(self.state.tables["products"].items(), key=lambda item: _key_order(item[0]))
            lines = [self._line_template(renderer.render("products", p), own) for _, p in products]
        if len(rest) == 1:
            summaries = [
                {"description": line.get("description", ""), "product": line["product"], "self": line["self"]}
                for line in lines
            ]
            return self.collection(
                request,
                ENTRIES,
                base,
                route=f"customers/{parts[1]}/templates/invoiceline",
                documents_=summaries,
                filterable={},
                read_only=True,
            )
        wanted = decode_id(rest[1])
        found = next((line for line in lines if line["product"]["productNumber"] == wanted), None)
        if found is None:
            return self._not_found(SPECS["products"], wanted, base)
        return EconomicJSONResponse(found)

    def _invoice_template(self, customer: dict[str, Any]) -> dict[str, Any]:
        template: dict[str, Any] = {"date": self.state.today().isoformat()}
        for name in ("currency", "paymentTerms"):
            if name in customer:
                template[name] = customer[name]
        template["customer"] = {"customerNumber": customer["customerNumber"], "self": customer["self"]}
        names = ("name", "address", "zip", "city", "country", "ean")
        recipient: dict[str, Any] = {k: customer[k] for k in names if k in customer}
        if "vatZone" in customer:
            recipient["vatZone"] = customer["vatZone"]
        if "attention" in customer:
            recipient["attention"] = customer["attention"]
        template["recipient"] = recipient
        if "defaultDeliveryLocation" in customer:
            template["deliveryLocation"] = customer["defaultDeliveryLocation"]
        references = {k: customer[k] for k in ("customerContact", "salesPerson") if k in customer}
        if references:
            template["references"] = references
        return template

    @staticmethod
    def _line_template(product: dict[str, Any], own: str) -> dict[str, Any]:
        number = product["productNumber"]
        line: dict[str, Any] = {"description": product.get("name", "")}
        if "unit" in product:
            line["unit"] = {k: product["unit"][k] for k in ("unitNumber", "self")}
        line["product"] = {"productNumber": number, "self": product["self"]}
        line["quantity"] = Decimal("1.00")
        line["unitNetPrice"] = product.get("salesPrice", Decimal("0.00"))
        line["discountPercentage"] = Decimal("0.00")
        if "costPrice" in product:
            line["unitCostPrice"] = product["costPrice"]
        line["self"] = f"{own}/invoiceline/{encode_id(number)}"
        return line

    def customer_totals(self, parts: list[str], base: str) -> Response:
        """``/customers/{n}/totals``: links to the customer's draft and booked invoice totals."""
        customers = SPECS["customers"]
        number = customers.key_from_text(decode_id(parts[1]))
        with self.state.lock:
            if number is None or not self.state.exists("customers", number):
                return self._not_found(customers, parts[1], base)
        totals = f"{base}/invoices/totals"
        return EconomicJSONResponse(
            {
                "drafts": f"{totals}/drafts/customers/{number}",
                "booked": f"{totals}/booked/customers/{number}",
                "self": f"{base}/customers/{number}/totals",
            }
        )

    def invoice_totals(self, kind: str, customer_text: str, base: str) -> Response:
        """``/invoices/totals/drafts|booked/customers/{n}``: count, net amount in base currency and the
        date range of the customer's draft (booked) invoices."""
        customers = SPECS["customers"]
        number = customers.key_from_text(decode_id(customer_text))
        with self.state.lock:
            if number is None or not self.state.exists("customers", number):
                return self._not_found(customers, customer_text, base)
            spec = DRAFTS if kind == "drafts" else BOOKED
            mine = [
                r
                for r in self.state.tables[spec.name].values()
                if get_path(r, "customer.customerNumber") == number
            ]
        body: dict[str, Any] = {
            "netAmountInBaseCurrency": sum(
                (to_decimal(r.get("netAmountInBaseCurrency", 0)) for r in mine), Decimal("0.00")
            ),
            "invoiceCount": len(mine),
        }
        dates = sorted(str(r["date"]) for r in mine if r.get("date"))
        if dates:
            body["maxDate"], body["minDate"] = dates[-1], dates[0]
        body["customer"] = {"customerNumber": number, "self": f"{base}/customers/{number}"}
        body["self"] = f"{base}/invoices/totals/{kind}/customers/{number}"
        return EconomicJSONResponse(body)

    # -- currency-specific sales prices ------------------------------------------------------------
    async def currency_prices(self, request: Request, parts: list[str], base: str) -> Response:
        """``/products/{n}/pricing/currency-specific-sales-prices[/{code}]``: GET, POST, PUT."""
        products = SPECS["products"]
        number = decode_id(parts[1])
        route = f"products/{parts[1]}/pricing/currency-specific-sales-prices"
        with self.state.lock:
            if not self.state.exists("products", number):
                return self._not_found(products, number, base)
        code = parts[4].upper() if len(parts) == 5 else None
        if request.method in ("POST", "PUT"):
            body = await self._body(request)
            require_object(body)
            errors = Annotated()
            # As the schemas type them; on PUT the path names the currency, on POST the body must.
            checked = check_document(
                self.state,
                _PRICE_SPEC,
                body,
                errors,
                base=base,
                creating=True,
                fields=_PRICE_FIELDS_POST if request.method == "POST" else _PRICE_FIELDS_PUT,
                refs=(),
            )
            sent = body.get("currency")
            if request.method == "PUT" and isinstance(sent, Mapping) and "code" not in sent:
                errors.add("currency.code", field_error(UNPUBLISHED, "Required property 'code' is missing."))
            given = get_path(checked, "currency.code")
            if isinstance(given, str) and not _CURRENCY_CODE.search(given):
                errors.add("currency.code", field_error(UNPUBLISHED, f"'{given}' is no currency code."))
            code = code or (given.upper() if isinstance(given, str) else None)
            with self.state.lock:
                if not errors and (code is None or code not in self.state.tables["currencies"]):
                    errors.add(
                        "currency", field_error(UNPUBLISHED, f"Currency '{given or code}' does not exist.")
                    )
                raise_if(errors)
                assert code is not None
                existed = (number, code) in self.state.currency_prices
                if request.method == "POST" and existed:
                    raise LegacyHttpError(400, f"A price in {code} already exists for product '{number}'.")
                self.state.currency_prices[(number, code)] = to_decimal(checked["price"])
            document = self._currency_price(number, code, base)
            created = request.method == "POST" or not existed
            headers = {"Location": document["self"]} if created else {}
            return EconomicJSONResponse(document, status_code=201 if created else 200, headers=headers)
        with self.state.lock:
            codes = sorted(c for (n, c) in self.state.currency_prices if n == number)
        if code is None:
            docs = [self._currency_price(number, c, base) for c in codes]
            return self.collection(
                request,
                ENTRIES,
                base,
                route=route,
                documents_=docs,
                filterable={},
                create_description="Create a currency-specific sales price.",
            )
        if code not in codes:
            return legacy_error(404, f"No price in {code} for product '{number}'.", error_code=NOT_FOUND)
        return EconomicJSONResponse(self._currency_price(number, code, base))

    def _currency_price(self, number: str, code: str, base: str) -> dict[str, Any]:
        product = f"{base}/products/{encode_id(number)}"
        return {
            "price": self.state.currency_prices[(number, code)],
            "product": {"productNumber": number, "self": product},
            "currency": {"code": code, "self": f"{base}/currencies/{code}"},
            "self": f"{product}/pricing/currency-specific-sales-prices/{code}",
        }

    # -- what /self links to ------------------------------------------------------------------------
    def self_part(self, request: Request, what: str, number_text: str | None, base: str) -> Response:
        """``/app-roles[/{n}]`` (the roles the agreement's app requires), ``/languages/{n}`` and
        ``/apps/{n}`` (the user's language and the app as ``/self`` embeds them; both undocumented)."""
        with self.state.lock:
            agreement = Renderer(self.state, base).agreement()
        application = agreement.get("application") or {}
        if what == "app-roles":
            found = list(application.get("requiredRoles", []))
        elif what == "languages":
            language = (agreement.get("user") or {}).get("language")
            found = [language] if language else []
        else:
            found = [{k: v for k, v in application.items() if k != "requiredRoles"}] if application else []
        if number_text is None:
            return self.collection(
                request, ENTRIES, base, route=what, documents_=found, filterable={}, read_only=True
            )
        match = next((d for d in found if d["self"].rsplit("/", 1)[-1] == number_text), None)
        if match is None:
            return legacy_error(404, f"'{number_text}' does not exist.", error_code=NOT_FOUND)
        return EconomicJSONResponse(match)

    def _vouchers(self, journal: int) -> dict[tuple[str, int], list[dict[str, Any]]]:
        """The journal's entries grouped into vouchers, ordered by year and number."""
        grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
        table = self.state.tables[ENTRIES.name]
        for key in sorted(table):
            entry = table[key]
            if get_path(entry, "journal.journalNumber") != journal:
                continue
            voucher_key = (
                str(get_path(entry, "voucher.accountingYear.year")),
                int(get_path(entry, "voucher.voucherNumber")),
            )
            grouped.setdefault(voucher_key, []).append(entry)
        return dict(sorted(grouped.items()))


def _one_page_pdf(title: str) -> bytes:
    """A minimal valid PDF with ``title`` as its only text."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\n"
    return out + b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"


def _grant_json(pair: tuple[str, str], grant: Grant) -> dict[str, Any]:
    return {
        "appSecretToken": pair[0],
        "agreementGrantToken": pair[1],
        "roles": list(grant.roles),
        "readOnly": grant.read_only,
    }


def _key_order(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int) else (1, str(key).lower())


class EconomicSandbox:
    """The ASGI callable :func:`create_app` returns.

    ``economic_state`` is the :class:`EconomicState`, ``kit`` the :class:`SandboxKit` (faults, rate
    limit, request log), ``webhooks`` the :class:`WebhookDispatcher` (``app.webhooks.flush(timeout)``
    waits for deliveries); ``state`` offers them as ``app.state.kit`` / ``.economic_state`` /
    ``.webhooks``. Besides the kit's control routes, ``/_sandbox/webhooks`` registers UI-style web
    hooks (see ``webhooks.py``) and ``/_sandbox/grants`` mints token pairs with chosen app roles.
    """

    def __init__(
        self,
        api: ASGIApp,
        kit: SandboxKit,
        state: EconomicState,
        nominal: tuple[int, float],
        webhooks: WebhookDispatcher,
    ) -> None:
        self.kit = kit
        self.economic_state = state
        self.webhooks = webhooks
        self.state = types.SimpleNamespace(kit=kit, economic_state=state, webhooks=webhooks)
        self._app = kit.wrap(api)
        self._nominal = nominal

    async def _webhook_control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``/_sandbox/webhooks``: POST registers, GET lists, DELETE removes all; ``/deliveries`` GET."""
        request = Request(scope, receive)
        path, method = scope["path"].rstrip("/"), request.method
        response: Response
        if path == WEBHOOK_CONTROL + "/deliveries" and method == "GET":
            response = JSONResponse([d.as_json() for d in list(self.webhooks.deliveries)])
        elif path != WEBHOOK_CONTROL:
            response = JSONResponse({"message": "unknown sandbox control route"}, status_code=404)
        elif method == "GET":
            subscriptions = list(self.economic_state.webhook_subscriptions)
            response = JSONResponse([subscription_json(s) for s in subscriptions])
        elif method == "DELETE":
            self.webhooks.clear()
            response = Response(status_code=204)
        elif method == "POST":
            try:
                data = json.loads(await request.body() or b"null")
                if not isinstance(data, dict):
                    raise ValueError("send a JSON object: {type, url, method?, body?, headers?}")
                subscription = self.webhooks.register(
                    str(data.get("type", "")),
                    str(data.get("url", "")),
                    method=str(data.get("method", "POST")),
                    body=data.get("body"),
                    headers=data.get("headers"),
                )
                response = JSONResponse(subscription_json(subscription), status_code=201)
            except (ValueError, TypeError) as exc:
                response = JSONResponse({"message": str(exc)}, status_code=400)
        else:
            response = JSONResponse({"message": f"method {method} not allowed here"}, status_code=405)
        await response(scope, receive, send)

    def _fallback_rate_headers(self, method: str, path: str) -> dict[str, str]:
        cost = self.kit.cost_of(method, path)
        bucket = self.kit.bucket
        if bucket is not None:
            decision = bucket.take(0)  # a peek: reports usage without spending tokens
            return rate_headers_for(bucket.capacity, bucket.window_seconds, decision.used, cost)
        capacity, window = self._nominal
        return rate_headers_for(capacity, window, 0, cost)

    async def _journal_control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /_sandbox/journals/{n}/book``: book the journal's draft entries, as a user in the UI."""
        parts = [p for p in scope["path"].split("/") if p]
        response: Response
        if len(parts) != 4 or parts[3] != "book" or not parts[2].isdigit():
            response = JSONResponse({"message": "unknown sandbox control route"}, status_code=404)
        elif scope["method"] != "POST":
            response = JSONResponse({"message": "POST books the journal"}, status_code=405)
        else:
            state = self.economic_state
            with state.lock:
                if not state.exists("journals", int(parts[2])):
                    response = JSONResponse({"message": f"no journal {parts[2]}"}, status_code=404)
                else:
                    booked = books_of(state).book_journal(int(parts[2]))
                    response = JSONResponse({"booked": len(booked)})
        await response(scope, receive, send)

    async def _grant_control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``/_sandbox/grants``: POST ``{"roles": [...], "readOnly": bool}`` mints a token pair whose
        grant has those roles (201 with both tokens); GET lists the minted grants; DELETE forgets them."""
        request = Request(scope, receive)
        state = self.economic_state
        response: Response
        if scope["path"].rstrip("/") != GRANT_CONTROL:
            response = JSONResponse({"message": "unknown sandbox control route"}, status_code=404)
        elif request.method == "GET":
            with state.lock:
                minted = [_grant_json(pair, grant) for pair, grant in state.grants.items()]
            response = JSONResponse(minted)
        elif request.method == "DELETE":
            with state.lock:
                state.grants.clear()
            response = Response(status_code=204)
        elif request.method == "POST":
            try:
                data = json.loads(await request.body() or b"{}")
                if not isinstance(data, dict):
                    raise ValueError("send a JSON object: {roles?: [...], readOnly?: bool}")
                roles = data.get("roles", ["SuperUser"])
                read_only = data.get("readOnly", False)
                if not isinstance(roles, list) or not isinstance(read_only, bool):
                    raise ValueError("roles is a list of role names, readOnly a boolean")
                secret, token, grant = state.mint_grant([str(r) for r in roles], read_only=read_only)
                response = JSONResponse(_grant_json((secret, token), grant), status_code=201)
            except ValueError as exc:
                response = JSONResponse({"message": str(exc)}, status_code=400)
        else:
            response = JSONResponse({"message": "GET, POST or DELETE"}, status_code=405)
            response.headers["Allow"] = "GET, POST, DELETE"
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(GRANT_CONTROL):
            await self._grant_control(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"].startswith(WEBHOOK_CONTROL):
            await self._webhook_control(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"].startswith(JOURNAL_CONTROL):
            await self._journal_control(scope, receive, send)
            return
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
        seed_demo(state, documents=True)  # contacts, delivery locations and orders, as a real agreement
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
    webhooks = WebhookDispatcher(state)
    return EconomicSandbox(
        _EconomicApi(state, webhooks), kit, state, (int(nominal[0]), float(nominal[1])), webhooks
    )


__all__ = ["EconomicSandbox", "create_app", "cost_of", "dumps"]
