"""A local emulator of the Rackbeat API (app.rackbeat.com/api) for tests and demos.

What it follows (see shared/research/rackbeat-severa-api.md, PART A): bearer-token auth; lists answer
**206** with ``{"<plural>": [...], "total", "pages", "limit", "page"}``; single records are wrapped in
their singular key; POST answers 201, PUT and DELETE 200; keys are business numbers (product numbers
are strings and are URL-encoded in paths); validation errors are Laravel's 422
``{"errors": {field: [messages]}}``; other errors are ``{"message": "..."}``.

Choices made where the public material is silent (each marked UNCONFIRMED in the research):

Protocol
- Routes are served at the root (``/customers``) and, as well, under ``/api`` (``/api/customers``) so a
  base URL copied from production works. Unknown routes are 404 ``{"message": "The route x could not be
  found."}`` and are answered before authentication, as Laravel matches routes before middleware; a
  known route with the wrong method is 405.
- 401 body is ``{"message": "Unauthenticated."}``; 404 for a missing record is Laravel's
  ``{"message": "No query results for model [App\\Models\\Customer] 123"}``; 429 is
  ``{"message": "Too Many Attempts."}`` with ``Retry-After`` (whole seconds), ``X-RateLimit-Limit`` and
  ``X-RateLimit-Remaining`` (Laravel's throttle headers). Default bucket: 480 requests per 60 s.
- A body that is not a JSON object is 400 ``{"message": "The request body is not valid JSON."}``.
- ``limit`` defaults to 20 and may be 1..1000; larger or smaller is 422 on ``limit`` (``page`` >= 1 likewise).
  ``pages`` is at least 1 (Laravel's ``lastPage``); a page past the end is 206 with an empty list.
- Lists are ordered by key ascending unless ``order_by`` (a scalar field; others are 422) and
  ``order_direction`` (``asc``/``desc``, any case) say otherwise.
- ``search`` is a case-insensitive substring match on the key and on ``name`` (plus ``barcode`` and
  ``description`` for products; ``company_vat``, ``contact_email``, ``ean`` for customers and suppliers;
  ``bank_name``, ``account_number``, ``iban`` for bank accounts).
- ``is_barred`` filters (``true/false/1/0``) where records have it; ``updated_at_from``/``updated_at_to``
  (ISO-8601 or ``Y-m-d H:i:s``; no offset means UTC) work on every collection, bounds inclusive.
- ``fields=a,b`` keeps only those top-level fields, on lists and single records.
- ``DELETE`` answers 200 with an empty object ``{}``. Deleting a record that other records reference
  (a group with customers, a unit with products...) is refused with 422 on the key field.
- ``suppress_webhooks`` is accepted as a query parameter (``true``/``1``) or a body field (``true``/``1``) on
  every write; it is removed from the data and recorded in ``state.writes()``. No webhooks are sent yet.

Keys and numbers
- ``number`` is caller-supplied on create; when omitted or null the sandbox assigns the highest number
  + 1 (products: the highest all-digit number + 1, as a string). Integer numbers must be 1..2147483647.
  A PUT may change the number (Rackbeat's webhooks carry ``old_key``/``new_key``); references follow.
- ``urlfriendly_number`` is the product number percent-encoded once (RFC 3986 ``rawurlencode``). Paths are
  decoded once; a segment that then equals some product's ``urlfriendly_number`` also finds it, so
  clients that encode once and clients that encode the ``urlfriendly_number`` again (two layers) both work.
- References in payloads (``customer_group_id``, ``payment_terms_id``, ``layout_id``, ``employee_id``,
  ``supplier_group_id``, a product's ``group`` and ``unit_id``) take the referenced record's *number*,
  and responses show numbers too (``group_id``, ``unit_id`` on products are the numbers). Products also
  accept ``group_id`` for ``group`` and ``unit`` for ``unit_id``, and both as the ``{number, ...}`` objects a
  GET returns, so a read-modify-write works.
- Bank accounts are keyed by the ``id`` the server assigns; there is one default account: setting
  ``is_default`` on one clears it on the others.

Writes and validation
- PUT is a partial update (Laravel style): fields the body omits are kept. ``updated_at`` moves only
  when a value changed (Eloquent's dirty check).
- Validation follows Laravel 10 rules and messages. Strings are trimmed and empty strings become
  null (Laravel's global middleware). Unknown and read-only fields (``cost_price``, ``id``, timestamps,
  quantities...) are ignored. Strings are at most 255 characters unless noted (product ``number`` 25,
  ``description`` 65535, ``initials``/``locale``/``reg_number`` 10, ``account_number``/``iban`` 34,
  ``swift`` 11); ``currency`` must be 3 characters (default ``DKK``). Money has at most 6 decimals (more
  is 422, not rounded) and is stored as Decimal and written as exact JSON numbers. E-mail addresses are
  stored verbatim (e-conomic allows several in one field).
- Required on create: ``name`` everywhere; customers ``customer_group_id``; suppliers
  ``supplier_group_id``; payment terms ``type`` and ``maturity_days`` (0..32767); product groups
  ``has_inventory``; products ``group`` and ``sales_price``; bank accounts ``account_number``. This
  follows the legacy ``*Form`` models where they mark fields required (product ``unit_id`` is optional
  there, so a product may have no unit); ``customer_group_id``/``supplier_group_id`` are our choice
  (e-conomic requires a group too). The legacy ``CustomerForm`` also requires ``payment_terms_id``;
  the sandbox does not. Customers and suppliers take ``name`` or its alias ``company_name`` (if both
  come, ``name`` wins) and return both.
- Defaults: ``vat_zone`` ``domestic`` (one of ``domestic``, ``eu``, ``abroad``, ``domestic_exempt``);
  ``is_sellable`` true; money 0; flags false; references null.
- Payment term ``type`` is one of ``net``, ``invoice_month``, ``current_month``, ``paid_in_cash``,
  ``prepaid``, ``due_date``; responses add an English ``type_translated``. The sandbox stores the type and
  computes no due dates.
- Customers and suppliers also show the referenced records as objects (``customer_group`` /
  ``supplier_group``, ``payment_terms``, ``layout``, and ``employee`` on customers; null when unset) and
  ``is_deleted: false``; product groups show ``num_products``; groups and units show ``is_draft: false``.
- Products show ``type: "product"``, ``group``/``unit`` objects, ``cost_price`` 0 (it is the average cost,
  read-only), ``sales_profit`` = ``sales_price`` - ``cost_price``, and every stock quantity and minimum 0.

Settings and account
- ``GET /settings`` lists ``{"settings": [{"identifier", "value"}]}`` (206, paged). ``GET /settings/{id}``
  answers ``{"setting": {"identifier", "value"}}``; PUT takes ``{"value": ...}``. ``company`` holds
  ``name, address_street, address_street2, address_zipcode, address_city, address_country, phone,
  email, website, company_identification_number, vat_number, attention`` (strings or null); a PUT
  merges the keys it carries and refuses unknown keys (422 ``value.<key>``). Other identifiers are
  created by PUT and hold any JSON value; an unknown identifier is 404 on GET.
- ``GET /self`` answers ``{"user_account": {id, company_name, address{street, street2, city, zipcode,
  country}, vat_number, base_currency}, "user": {id, name, email}}`` from the ``company`` setting.

Timestamps are ISO-8601 in UTC with an explicit offset, to the second (``2025-01-08T10:30:00+00:00``).
The account starts empty apart from the ``company`` setting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import SandboxKit, TokenBucket
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.sandbox.ratelimit import BucketDecision
from ledgerbridge.systems.rackbeat.sandbox import jsonio
from ledgerbridge.systems.rackbeat.sandbox.resources import RESOURCES, ResourceSpec
from ledgerbridge.systems.rackbeat.sandbox.state import (
    RackbeatState,
    SandboxNotFoundError,
    SandboxValidationError,
)

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
_TRUE = ("true", "1")
_FALSE = ("false", "0")


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response whose Decimals are exact numbers."""
    return Response(jsonio.dumps(payload), status_code=status, headers=headers, media_type="application/json")


def message_response(status: int, message: str) -> Response:
    """Rackbeat's (Laravel's) non-validation error body."""
    return json_response({"message": message}, status)


def errors_response(errors: dict[str, list[str]]) -> Response:
    """Rackbeat's validation error: 422 with the Laravel field map."""
    return json_response({"errors": errors}, 422)


def _kit_error_body(status: int, message: str) -> Response:
    if status == 429:
        message = "Too Many Attempts."  # Laravel's throttle middleware
    return message_response(status, message)


def _rate_headers(decision: BucketDecision, cost: float) -> dict[str, str]:
    remaining = max(0, int(decision.capacity - decision.used))
    return {"X-RateLimit-Limit": str(decision.capacity), "X-RateLimit-Remaining": str(remaining)}


class _HttpError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _invalid(field: str, message: str) -> _HttpError:
    return _HttpError(errors_response({field: [message]}))


Handler = Callable[[Request, "_Route"], Awaitable[Response]]


class _Route:
    """A matched path: the resource spec (if any), the key segment (if any), and the URL base."""

    def __init__(self, base_url: str, spec: ResourceSpec | None = None, key: str | None = None) -> None:
        self.base_url = base_url
        self.spec = spec
        self.key = key


class RackbeatApi:
    """The emulated API itself (no faults or rate limit: :func:`create_app` wraps it with the kit)."""

    def __init__(self, state: RackbeatState, token: str) -> None:
        self.state = state
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # nothing to start; acknowledge so servers with lifespan on work
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        try:
            response = await self._dispatch(request)
        except _HttpError as exc:
            response = exc.response
        except SandboxValidationError as exc:
            response = errors_response(exc.errors)
        except SandboxNotFoundError as exc:
            response = message_response(404, exc.message)
        except Exception:  # a sandbox bug must look like Rackbeat's 500, and be visible in the log
            log.exception("rackbeat sandbox failed on %s %s", request.method, request.url.path)
            response = message_response(500, "Server Error")
        await response(scope, receive, send)

    # -- routing ---------------------------------------------------------------------------------
    def _match(self, request: Request) -> tuple[dict[str, Handler], _Route, str] | None:
        raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
        # Split the raw path before decoding, so a %2F inside a product number stays in its segment.
        segments = [unquote_to_bytes(s).decode("utf-8", "replace") for s in raw.split(b"/") if s]
        base = str(request.base_url).rstrip("/")
        if segments[:1] == ["api"]:
            segments = segments[1:]
            base += "/api"
        display = "/".join(segments)
        if segments == ["self"]:
            return {"GET": self._self}, _Route(base), display
        if segments[:1] == ["settings"] and len(segments) in (1, 2):
            route = _Route(base, key=segments[1] if len(segments) == 2 else None)
            if route.key is None:
                return {"GET": self._list_settings}, route, display
            return {"GET": self._get_setting, "PUT": self._put_setting}, route, display
        spec = RESOURCES.get(segments[0]) if segments else None
        if spec is None or len(segments) > 2:
            return None
        if len(segments) == 1:
            return {"GET": self._list, "POST": self._create}, _Route(base, spec), display
        return (
            {"GET": self._show, "PUT": self._update, "DELETE": self._delete},
            _Route(base, spec, segments[1]),
            display,
        )

    async def _dispatch(self, request: Request) -> Response:
        matched = self._match(request)
        if matched is None:
            return message_response(404, f"The route {request.url.path.lstrip('/')} could not be found.")
        handlers, route, display = matched
        method = "GET" if request.method == "HEAD" else request.method
        handler = handlers.get(method)
        if handler is None:
            allowed = ", ".join(sorted({*handlers, "HEAD"} if "GET" in handlers else set(handlers)))
            return message_response(
                405,
                f"The {request.method} method is not supported for route {display}. "
                f"Supported methods: {allowed}.",
            )
        if request.headers.get("authorization", "") != f"Bearer {self.token}":
            return message_response(401, "Unauthenticated.")
        return await handler(request, route)

    # -- request helpers -------------------------------------------------------------------------
    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            body = jsonio.parse(raw)
        except ValueError as exc:
            raise _HttpError(message_response(400, "The request body is not valid JSON.")) from exc
        if not isinstance(body, dict):
            raise _HttpError(message_response(400, "The request body is not valid JSON."))
        return body

    @staticmethod
    def _suppress(request: Request, body: dict[str, Any]) -> bool:
        """Read and remove ``suppress_webhooks`` from the query or the body."""
        in_body = body.pop("suppress_webhooks", None)
        in_query = request.query_params.get("suppress_webhooks", "")
        return in_body in (True, 1, "1", "true") or in_query.lower() in _TRUE

    @staticmethod
    def _flag(request: Request, name: str) -> bool | None:
        value = request.query_params.get(name)
        if value is None or value == "":
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise _invalid(name, f"The {name.replace('_', ' ')} field must be true or false.")

    @staticmethod
    def _int_param(request: Request, name: str, default: int, maximum: int | None = None) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        label = name.replace("_", " ")
        if not raw.isdigit():
            raise _invalid(name, f"The {label} field must be an integer.")
        value = int(raw)
        if value < 1:
            raise _invalid(name, f"The {label} field must be at least 1.")
        if maximum is not None and value > maximum:
            raise _invalid(name, f"The {label} field must not be greater than {maximum}.")
        return value

    @staticmethod
    def _date_param(request: Request, name: str) -> datetime | None:
        raw = request.query_params.get(name)
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise _invalid(name, f"The {name.replace('_', ' ')} field must be a valid date.") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @staticmethod
    def _sparse(request: Request, record: dict[str, Any]) -> dict[str, Any]:
        wanted = [f.strip() for f in request.query_params.get("fields", "").split(",") if f.strip()]
        return {k: v for k, v in record.items() if k in wanted} if wanted else record

    def _page(self, request: Request, key: str, items: list[dict[str, Any]]) -> Response:
        limit = self._int_param(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        page = self._int_param(request, "page", 1)
        total = len(items)
        pages = max(1, -(-total // limit))
        window = items[(page - 1) * limit : page * limit]
        return json_response(
            {
                key: [self._sparse(request, r) for r in window],
                "total": total,
                "pages": pages,
                "limit": limit,
                "page": page,
            },
            206,
        )

    # -- resources -------------------------------------------------------------------------------
    async def _list(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        order_by = request.query_params.get("order_by") or None
        if order_by is not None and order_by not in self.state.sortable_fields(spec.path):
            raise _invalid("order_by", "The selected order by is invalid.")
        direction = request.query_params.get("order_direction", "asc").lower()
        if direction not in ("asc", "desc"):
            raise _invalid("order_direction", "The selected order direction is invalid.")
        is_barred = self._flag(request, "is_barred") if spec.has_barred else None
        items = self.state.query(
            spec.path,
            base_url=route.base_url,
            search=request.query_params.get("search") or None,
            is_barred=is_barred,
            updated_from=self._date_param(request, "updated_at_from"),
            updated_to=self._date_param(request, "updated_at_to"),
            order_by=order_by,
            descending=direction == "desc",
        )
        return self._page(request, spec.plural, items)

    async def _show(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        record = self.state.get(spec.path, route.key, base_url=route.base_url)
        if record is None:
            raise SandboxNotFoundError(spec.model, route.key)
        return json_response({spec.singular: self._sparse(request, record)})

    async def _create(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.create(
            spec.path, body, suppress_webhooks=suppress, base_url=route.base_url, log=True
        )
        return json_response({spec.singular: record}, 201)

    async def _update(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.update(
            spec.path, route.key, body, suppress_webhooks=suppress, base_url=route.base_url, log=True
        )
        return json_response({spec.singular: record})

    async def _delete(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        self.state.delete(spec.path, route.key, suppress_webhooks=suppress, log=True)
        return json_response({})

    # -- account ---------------------------------------------------------------------------------
    async def _self(self, request: Request, route: _Route) -> Response:
        return json_response(self.state.account())

    async def _list_settings(self, request: Request, route: _Route) -> Response:
        items = [{"identifier": k, "value": v} for k, v in sorted(self.state.settings().items())]
        return self._page(request, "settings", items)

    async def _get_setting(self, request: Request, route: _Route) -> Response:
        identifier = _need(route.key)
        return json_response({"setting": {"identifier": identifier, "value": self.state.setting(identifier)}})

    async def _put_setting(self, request: Request, route: _Route) -> Response:
        identifier = _need(route.key)
        body = await self._body(request)
        if "value" not in body:
            raise _invalid("value", "The value field must be present.")
        value = self.state.put_setting(identifier, body["value"])
        return json_response({"setting": {"identifier": identifier, "value": value}})


_T = TypeVar("_T")


def _need(value: _T | None) -> _T:
    """Narrow an optional the router guarantees (a resource route always has its spec)."""
    assert value is not None
    return value


class RackbeatSandboxApp:
    """The ASGI app :func:`create_app` returns, with the objects tests reach in-process.

    ``rackbeat_state`` is the account's data, ``kit`` the fault/rate-limit/request-log controls,
    ``api`` the unwrapped emulator; ``state.kit`` and ``state.rackbeat`` mirror them in the
    ``app.state`` convention the shared sandbox kit documents.
    """

    def __init__(self, asgi: ASGIApp, api: RackbeatApi, kit: SandboxKit) -> None:
        self._asgi = asgi
        self.api = api
        self.kit = kit
        self.rackbeat_state = api.state
        self.state = SimpleNamespace(kit=kit, rackbeat=api.state)

    @property
    def token(self) -> str:
        return self.api.token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(
    state: RackbeatState | None = None,
    *,
    token: str = "sandbox",
    rate_limit: tuple[int, float] | None = (480, 60.0),
    latency_ms: int = 0,
) -> RackbeatSandboxApp:
    """A Rackbeat sandbox: the emulated API wrapped with the shared kit (faults, rate limit, log).

    ``rate_limit`` is ``(requests, window_seconds)`` or None for no limit; ``latency_ms`` delays every
    response (a fault-plan setting, changeable later through ``PUT /_sandbox/faults``).
    """
    api = RackbeatApi(state or RackbeatState(), token)
    bucket = TokenBucket(rate_limit[0], rate_limit[1]) if rate_limit else None
    kit = SandboxKit(error_body=_kit_error_body, rate_headers=_rate_headers, bucket=bucket)
    if latency_ms:
        kit.set_faults(FaultPlan(latency_ms=latency_ms))
    return RackbeatSandboxApp(kit.wrap(api), api, kit)
