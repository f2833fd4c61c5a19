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
  every write (``/book`` included); it is removed from the data, recorded in ``state.writes()``, and the
  write then fires no webhook.
- ``updated_at_from``/``updated_at_to`` and ``order_by=updated_at`` work on every collection, also on
  invoices, BOMs and a customer's contacts and addresses (research A2 confirms them on invoices only).

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
- Products show ``type: "product"``, ``group``/``unit`` objects, ``cost_price`` (the moving average cost
  from stock movements, read-only; 0 without any), ``sales_profit`` = ``sales_price`` - ``cost_price``,
  ``stock_quantity``/``available_quantity`` from the movements, and every other quantity and minimum 0.

Settings and account
- ``GET /settings`` lists ``{"settings": [{"identifier", "value"}]}`` (206, paged). ``GET /settings/{id}``
  answers ``{"setting": {"identifier", "value"}}``; PUT takes ``{"value": ...}``. ``company`` holds
  ``name, address_street, address_street2, address_zipcode, address_city, address_country, phone,
  email, website, company_identification_number, vat_number, attention`` (strings or null); a PUT
  merges the keys it carries and refuses unknown keys (422 ``value.<key>``). Other identifiers are
  created by PUT and hold any JSON value; an unknown identifier is 404 on GET.
- ``GET /self`` answers ``{"user_account": {id, company_name, address{street, street2, city, zipcode,
  country}, vat_number, base_currency}, "user": {id, name, email}}`` from the ``company`` setting.

BOMs (``/lots``, ``lot``/``lots``)
- Keyed by a string ``number`` like products (``urlfriendly_number`` too), ``type: "lot"``. Writable:
  ``number, name`` (required), ``description, sales_price, recommended_sales_price,
  recommended_cost_price, barcode, group``/``group_id``, ``unit_id``/``unit``, ``is_barred,
  department_id`` and ``lines`` (required, at least one, as the legacy ``LotForm``):
  ``[{product_id (product number), quantity (> 0)}]``. A PUT with ``lines`` replaces them all (a line
  that sends its ``id`` back keeps it). Read: also ``group``/``unit`` objects, ``lines[{id, product_id,
  name, quantity}]`` and ``cost_price`` = Σ component quantity × the component's average cost (6
  decimals). A product used by a BOM or an invoice line cannot be deleted (422, as other references).

Customer and supplier invoices (``/customer-invoices``, ``/supplier-invoices``)
- Keyed by an integer ``number`` (max + 1 when not given). ``POST`` and ``POST .../drafts`` both create a
  **draft** (the real ``POST /customer-invoices`` may create a booked one: UNCONFIRMED; booking is a
  separate ``POST /{n}/book`` here). Writable: ``customer_id`` (customer number; ``customer`` may be the
  ``{number}`` object) / ``supplier_id``, ``invoice_date``, ``due_date``, ``delivery_date`` (``Y-m-d``;
  a date-time's date counts), ``currency``, ``currency_rate`` (DKK per 100 units, > 0), ``heading``,
  ``note``, ``our_reference_id`` (an employee number; ``our_reference`` may be the number or object),
  ``their_reference``, ``other_reference``, ``project`` (the project *number* as text), ``vat_zone``,
  ``layout_id``, ``payment_terms_id``, and ``lines``; customer invoices also ``attention``, ``ean``,
  ``company_vat``, ``locale``, ``address_{name,street,street2,zipcode,city,country}``,
  ``delivery_address_{...}``, ``delivery_terms``, ``is_sent``; supplier invoices ``invoice_number`` (the
  supplier's own number). Lines may be empty on a draft.
- Defaults on create for fields left out: from the customer ``address_name`` (its name), the address,
  ``vat_zone, currency, layout_id, payment_terms_id, ean, company_vat, locale, attention,
  their_reference`` and ``our_reference_id`` (its ``employee_id``), and ``delivery_address_*`` from its
  first ``delivery`` address; from the supplier ``vat_zone, currency, layout_id, payment_terms_id``.
  ``invoice_date`` is today; ``due_date`` follows the payment term (``net``: + days; ``invoice_month``/
  ``current_month``: end of month + days; others or none: the invoice date). ``currency_rate`` is 100 for
  DKK and a fixed sandbox rate for EUR/SEK/NOK/USD/GBP (``state.currency_rates``); another currency
  without a rate is 422 on ``currency_rate``. Defaults apply on create only, never on a later PUT.
- Lines take ``child_id`` (item number; ``item_id``, or the legacy ``product_id``/``lot_id``, work too),
  ``child_type`` (``product``/``lot``; when omitted, a product of that number wins over a BOM),
  ``name`` (required on a text line, i.e. one without ``child_id``), ``quantity`` (required, 6
  decimals, may be negative), ``line_price`` (unit price excl. VAT; default the item's ``sales_price``
  on customer invoices, ``recommended_cost_price`` on supplier invoices, 0 on text lines),
  ``discount_percentage`` (0..100, default 0; the customer's general discount is not applied),
  ``vat_percentage`` (0..100; default 25 in the ``domestic`` zone, else 0) and ``unit_id`` (default the
  item's unit). ``line_total`` = round-half-up-2(quantity × line_price × (1 − discount/100));
  ``total_subtotal`` = Σ line_total; ``total_vat`` = Σ round2(line_total × vat/100); ``total_total`` their
  sum, all in the invoice's currency. Supplier invoice lines add ``product_group`` (the item's group).
  Read shapes add ``customer``/``supplier`` and ``our_reference`` as ``{number, name}``, ``is_booked``,
  ``booked_at`` and (supplier) ``is_received``.
- ``PUT`` on a draft changes anything (``lines`` are replaced as on BOMs). On a booked invoice a PUT that
  would change any value but ``is_sent`` is 422 ``{"message": "A booked invoice cannot be changed.",
  "errors": {"is_booked": [...]}}`` (sending a GET body back unchanged is fine); ``DELETE`` of a booked
  invoice is 422 likewise. Lists filter on ``is_booked``, ``invoice_date_from/_to``, ``number_from/_to``.
- ``POST /{n}/book`` answers 200 with the booked invoice; booking twice or booking without lines is 422.
- ``POST /customer-invoices/{n}/create-creditnote`` (a booked invoice) answers 201 with a draft credit note:
  the invoice's lines with negated quantities, ``is_credit_note: true``, ``credit_note_for`` (see
  ``state.create_credit_note``). Every customer invoice shows ``is_credit_note`` and ``credit_note_for``.
- Product groups carry ``vat_domestic``/``vat_eu``/``vat_abroad``/``vat_domestic_exempt``: a line that names
  no ``vat_percentage`` takes its product's group's rate for the invoice's zone, else the zone's default.
  ``state.set_base_currency("SEK")`` makes a Swedish company (``/self``'s ``base_currency``, documents'
  default currency, the fixed rates per 100 SEK).
  Body options: ``suppress_webhooks``; ``mail.send`` (or ``?send_mail=true``) marks a customer invoice
  ``is_sent`` (no mail is sent); ``mark_received`` (default false) receives a supplier invoice's products
  into stock at the line's net price × ``currency_rate``/100, dated the invoice date if
  ``use_invoice_date``, else now. Booking a customer invoice takes its products out of stock at the
  average cost (a BOM line takes its components). Only products whose group has inventory move.
- ``GET /{n}.pdf`` is a small generated PDF for a booked invoice and 404 for a draft.

Sales orders (``/orders``, ``order``/``orders``; research A3/A4 "Order")
- Built on the customer-invoice machinery: integer ``number`` (max + 1 unless given), ``POST`` and
  ``POST /orders/drafts`` both create an unbooked order, ``GET/PUT/DELETE /{n}``, ``POST /{n}/book``,
  ``GET /{n}.pdf`` (booked only). Writable: ``customer_id`` (required; ``customer`` object too),
  ``order_date``, ``deliver_at`` (both ``Y-m-d``; a date-time's date counts: UNCONFIRMED whether
  ``deliver_at`` is a date or a date-time), ``currency``, ``currency_rate``, ``heading``, ``note``,
  ``our_reference_id`` (``our_reference``/``employee_id``), ``their_reference``, ``other_reference``,
  ``vat_zone``, ``layout_id``, ``payment_terms_id``, ``delivery_terms``, ``address_{name,street,street2,
  zipcode,city,country}``, ``delivery_address_{...}`` and ``lines``. Defaults on create are the
  customer invoice's (address, delivery address, ``vat_zone``, ``currency`` and rate, ``layout_id``,
  ``payment_terms_id``, ``their_reference``, ``our_reference_id``); ``order_date`` is today; there is no
  due date.
- Lines are invoice lines (``item_id`` as in the research's create payload, or ``child_id`` or the legacy
  ``product_id``/``lot_id``; ``quantity``, ``name``, ``line_price``, ``discount_percentage``,
  ``vat_percentage``, ``unit_id``; same defaults and rounding), except that **every line needs an
  item**: a missing or unknown one is 422 ``lines.N.item_id: ["Product needed"]`` (Rackbeat's message,
  research A2), whichever alias was sent. Read: as invoice lines, plus ``total_subtotal``,
  ``total_vat``, ``total_total``, ``customer``/``our_reference`` ``{number, name}``, ``is_booked``,
  ``booked_at`` and ``is_archived``, ``is_cancelled``, ``is_shipped``, ``is_invoiced`` (always false:
  the sandbox neither ships, invoices, archives nor cancels).
- Booking (``{mail?: {send}}`` is accepted and ignored; ``suppress_webhooks`` honoured) needs a line and
  moves **no stock**; booked orders reserve nothing either (products' ``available_quantity`` stays
  ``stock_quantity``). After booking a PUT may still change ``note`` and ``heading`` (our choice:
  UNCONFIRMED which fields Rackbeat keeps open); any other change is 422 ``is_booked: ["A booked
  order cannot be changed."]`` (the same values sent back are fine); ``DELETE`` is 422 likewise.
- ``/orders/{n}/lines`` (``order_lines``/``order_line``): GET (206 list, in order), POST (201, one
  line validated as above, errors keyed without ``lines.N.``: ``item_id: ["Product needed"]``),
  ``GET/PUT/DELETE /{id}`` (``id`` is the line's id; PUT is partial: a new item re-defaults ``name``,
  ``line_price`` and ``unit_id`` the body leaves out). Each write moves the order's ``updated_at``,
  fires ``order.updated`` and is logged as ``order-lines`` (``key`` = the order's number, ``id`` = the
  line's); on a booked order every change is 422 as above.
- Lists filter on ``is_booked``, ``order_date_from/_to``, ``number_from/_to``, ``updated_at_from/_to``
  and ``other_reference`` (exact match, also on invoices); ``search`` looks in ``heading``,
  ``their_reference``, ``other_reference``, ``address_name``.
- Events: ``order.created``, ``order.updated`` (only when a value changed), ``order.booked``
  (``state.book_order(n)`` emits it as a UI user would). No ``order.deleted`` (UNCONFIRMED in Rackbeat).

Stock and reports
- Stock is a list of movements per product (``state.adjust_stock``, invoice bookings). Products show
  ``stock_quantity`` (= ``available_quantity``: sales orders reserve nothing), ``cost_price`` = the moving
  average cost (6 decimals) and ``sales_profit`` from it. A movement does not move ``updated_at`` or fire
  a webhook. Deleting a product drops its movements.
- ``GET /reports/valuation?date=Y-m-d`` (date optional: now) answers 200 ``{"valuation": {"date",
  "total_value", "currency": "DKK", "groups": [{"number", "name", "value"}]}}``: each product is valued at
  round2(stock × average cost) from its movements up to the end of that day (UTC), summed into its
  current group; every group with inventory is listed, others only when they hold value.
- ``GET /reports/ledger/{product}`` answers 206 ``ledger_items`` (paged, oldest first): ``{id, date,
  quantity, unit_cost, value, type ("adjustment"|"sale"|"purchase"|...), reference, stock_quantity,
  cost_price}`` (the last two: the position after the movement).

A customer's contacts and addresses
- ``/customers/{n}/contacts[/{number}]`` (``customer_contacts``/``customer_contact``): ``number`` (per
  customer, max + 1), ``name`` (required), ``contact_email``, ``contact_phone``, ``role``.
  ``/customers/{n}/addresses[/{id}]`` (``addresses``/``address``): ``type`` (``delivery``/``invoice``,
  required), ``name, street, street2, zipcode, city, country``. Both have GET (206 lists, 200 single),
  POST (201), PUT, DELETE. Every write touches the customer's ``updated_at`` and fires
  ``customer.updated`` for it; deleting a customer deletes them.

Webhooks (``/webhooks``; the delivery machinery is described in :mod:`.webhooks`)
- ``POST {"event", "url", "is_active"?}``: 201 ``{"webhook": {id, event, url, is_active, plugin: null,
  failures_since_last_success, token, created_at, updated_at}}``. The same event and url again is an
  upsert: 200, the same id, ``is_active`` updated, and the same ``token`` shown again (so a client that
  re-subscribes after losing it can still check deliveries). GET, PUT and the list never show
  ``token``. ``event`` must be a known name (422 "The selected event is invalid."), ``url`` an http(s)
  URL (loopback allowed, unlike production). ``GET /webhooks`` is 206 with ``?event=``;
  ``GET/PUT/DELETE /webhooks/{id}``; ``GET /webhooks/{id}/logs`` is 206 ``webhook_logs`` (oldest first,
  ``order_direction=desc`` reverses): ``{id, webhook_id, event, url, payload, status
  (pending|retrying|succeeded|failed|cancelled), attempts, response_code, response_body, error,
  is_duplicate, created_at, last_attempt_at, next_attempt_at, delivered_at}``;
  ``GET /webhooks/logs/{id}`` one entry (``webhook_log``).
- Events (``resources.WEBHOOK_EVENTS``): ``customer``, ``customer_group``, ``supplier``,
  ``supplier_group``, ``product``, ``product_group``, ``lot``, ``payment_terms``, ``employee``, ``unit``
  ``.created|.updated|.deleted``; ``customer_invoice.created|.booked``,
  ``supplier_invoice.created|.booked``, ``order.created|.updated|.booked``.
  ``delivery_terms.created|.updated`` and ``plugin.uninstalled`` may be subscribed to but only
  ``state.emit`` fires them. A PUT that changes
  nothing fires nothing (Eloquent fires ``updated`` only when dirty); a renumbering fires ``updated``
  with the new number. Deleting or switching off a subscription cancels its queued deliveries.
  Subscriptions are never switched off automatically after failures.
- Every API write fires its event unless ``suppress_webhooks``; Python writes to the state do not unless
  ``emit=True`` (``state.update("customers", 1, {...}, emit=True)`` is a user editing in the UI);
  ``state.book_customer_invoice(n)``/``state.book_supplier_invoice(n)``/``state.book_order(n)`` emit
  by default;
  ``state.emit(event, key)`` fires without a change.
- Delivery: ``POST <url>`` with ``Rackbeat-Webhook-Token``, ``Rackbeat-Webhook-Event``,
  ``Rackbeat-Account-Id``, ``User-Agent: Rackbeat Webhook``, ``Content-Type: application/json`` and the
  body ``{"key_name":"number","key":"<number>"}`` (the key always a string), from a background thread,
  timeouts connect 3 s / read 15 s, retried with exponential back-off on a non-2xx or failed attempt.

Control routes for tests and demos (outside the emulated API, no token needed)
- ``GET /_sandbox/webhooks`` (switches + ``pending``), ``PUT /_sandbox/webhooks`` with any of
  ``retry_base_seconds, retry_max_seconds, max_attempts, duplicate_rate, out_of_order,
  out_of_order_hold_seconds, paused, seed, connect_timeout, read_timeout`` (others keep their value),
  ``POST /_sandbox/webhooks/flush {"timeout": 5}`` -> ``{"flushed": bool, "pending": n}``,
  ``GET``/``DELETE /_sandbox/webhooks/deliveries`` (every delivery / forget finished ones),
  ``POST /_sandbox/webhooks/emit {"event", "key"}`` -> ``{"deliveries": [ids]}``. In Python the same is
  ``app.webhooks`` (``configure(...)``, ``flush(timeout=5.0) -> bool``, ``pause()``, ``resume()``,
  ``deliveries``, ``pending``, ``config``, ``emit(event, key)``); ``state.reset()`` also resets it.

Timestamps are ISO-8601 in UTC with an explicit offset, to the second (``2025-01-08T10:30:00+00:00``).
The account starts empty apart from the ``company`` setting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import SandboxKit, TokenBucket
from ledgerbridge.sandbox.faults import CONTROL_PREFIX, FaultPlan
from ledgerbridge.sandbox.ratelimit import BucketDecision
from ledgerbridge.sandbox.routes import Call, NotAllowed, RouteTable
from ledgerbridge.systems.rackbeat.sandbox import jsonio
from ledgerbridge.systems.rackbeat.sandbox.errors import SandboxNotFoundError, SandboxValidationError
from ledgerbridge.systems.rackbeat.sandbox.resources import RESOURCES, SUB_RESOURCES, ResourceSpec
from ledgerbridge.systems.rackbeat.sandbox.state import RackbeatState, RowFilter
from ledgerbridge.systems.rackbeat.sandbox.webhooks import WebhookHub

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


def errors_response(errors: dict[str, list[str]], message: str | None = None) -> Response:
    """Rackbeat's validation error: 422 with the Laravel field map (and a ``message`` when one is set)."""
    body: dict[str, Any] = {"message": message} if message else {}
    body["errors"] = errors
    return json_response(body, 422)


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
    """A matched path: the resource spec (if any), the key segment (if any), and the URL base.

    For ``/customers/{n}/contacts[/{c}]`` ``spec``/``key`` are the customer's and ``sub``/``sub_key``
    the contact's; ``name`` is the sub-resource segment (``contacts``).
    """

    def __init__(
        self,
        base_url: str,
        spec: ResourceSpec | None = None,
        key: str | None = None,
        *,
        sub: ResourceSpec | None = None,
        name: str | None = None,
        sub_key: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.spec = spec
        self.key = key
        self.sub = sub
        self.name = name
        self.sub_key = sub_key


Build = Callable[[list[str], str], _Route]  # decoded path segments, base URL -> the handler's _Route


def _adapt(handler: Handler, build: Build) -> Callable[[Call], Awaitable[Response]]:
    """A route-table handler calling ``handler`` with the :class:`_Route` built from the decoded path."""

    async def serve(call: Call) -> Response:
        scope = call.request.scope
        return await handler(call.request, build(scope["rackbeat.segments"], scope["rackbeat.base"]))

    return serve


class RackbeatApi:
    """The emulated API itself (no faults or rate limit: :func:`create_app` wraps it with the kit)."""

    def __init__(self, state: RackbeatState, token: str) -> None:
        self.state = state
        self.token = token
        self.routes = self._routes()

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
            response = errors_response(exc.errors, exc.message)
        except SandboxNotFoundError as exc:
            response = message_response(404, exc.message)
        except Exception:  # a sandbox bug must look like Rackbeat's 500, and be visible in the log
            log.exception("rackbeat sandbox failed on %s %s", request.method, request.url.path)
            response = message_response(500, "Server Error")
        await response(scope, receive, send)

    # -- routing ---------------------------------------------------------------------------------
    def _routes(self) -> RouteTable:
        """Every operation served, registered explicitly: method + template -> (handler, how the
        matched segments make the handler's :class:`_Route`)."""
        table = RouteTable()

        def add(handlers: Mapping[str, Handler], template: str, build: Build) -> None:
            for method, handler in handlers.items():
                table.add(method, template, _adapt(handler, build))

        def plain(segments: list[str], base: str) -> _Route:
            return _Route(base)

        def keyed(segments: list[str], base: str) -> _Route:
            return _Route(base, key=segments[-1])

        add({"GET": self._self}, "/self", plain)
        add({"GET": self._list_settings}, "/settings", plain)
        add({"GET": self._get_setting, "PUT": self._put_setting}, "/settings/{key}", keyed)
        add({"GET": self._list_webhooks, "POST": self._subscribe}, "/webhooks", plain)
        add({"GET": self._webhook_log}, "/webhooks/logs/{id}", keyed)
        add(
            {"GET": self._show_webhook, "PUT": self._update_webhook, "DELETE": self._delete_webhook},
            "/webhooks/{id}",
            keyed,
        )
        add({"GET": self._webhook_logs}, "/webhooks/{id}/logs", lambda s, base: _Route(base, key=s[1]))
        add({"GET": self._valuation}, "/reports/valuation", plain)
        add(
            {"GET": self._ledger},
            "/reports/ledger/{product}",
            lambda s, base: _Route(base, RESOURCES["products"], s[2]),
        )
        for spec in RESOURCES.values():
            self._resource_routes(add, spec)
        return table

    def _resource_routes(self, add: Callable[..., None], spec: ResourceSpec) -> None:
        path = f"/{spec.path}"

        def collection(segments: list[str], base: str) -> _Route:
            return _Route(base, spec)

        def one(segments: list[str], base: str) -> _Route:
            return _Route(base, spec, segments[1])

        add({"GET": self._list, "POST": self._create}, path, collection)
        add({"GET": self._show_or_pdf, "PUT": self._update, "DELETE": self._delete}, path + "/{key}", one)
        if spec.document:
            add({"POST": self._create}, path + "/drafts", collection)
            add({"POST": self._book}, path + "/{key}/book", one)
        if spec.path == "products":  # drafts are made in Rackbeat's UI: the sandbox has none to list
            add({"GET": self._no_drafts}, path + "/drafts", collection)
        if spec.path == "product-categories":  # the products of one category (ProductCategoriesApi)
            add({"GET": self._category_products}, path + "/{key}/products", one)
        if spec.path == "customer-invoices":
            add({"POST": self._credit_note}, path + "/{key}/create-creditnote", one)
        if spec.is_order:

            def lines(segments: list[str], base: str) -> _Route:
                sub_key = segments[3] if len(segments) == 4 else None
                return _Route(base, spec, segments[1], name="lines", sub_key=sub_key)

            add({"GET": self._list_lines, "POST": self._create_line}, path + "/{key}/lines", lines)
            add(
                {"GET": self._show_line, "PUT": self._update_line, "DELETE": self._delete_line},
                path + "/{key}/lines/{line}",
                lines,
            )
        for (parent, name), sub in SUB_RESOURCES.items():
            if parent != spec.path:
                continue

            def below(segments: list[str], base: str, sub: ResourceSpec = sub, name: str = name) -> _Route:
                sub_key = segments[3] if len(segments) == 4 else None
                return _Route(base, spec, segments[1], sub=sub, name=name, sub_key=sub_key)

            add({"GET": self._list_sub, "POST": self._create_sub}, f"{path}/{{key}}/{name}", below)
            add(
                {"GET": self._show_sub, "PUT": self._update_sub, "DELETE": self._delete_sub},
                f"{path}/{{key}}/{name}/{{id}}",
                below,
            )

    async def _show_or_pdf(self, request: Request, route: _Route) -> Response:
        """``GET /{documents}/{n}.pdf`` is the document's PDF; any other key is a record."""
        if route.spec is not None and route.spec.document and route.key and route.key.endswith(".pdf"):
            return await self._pdf(request, _Route(route.base_url, route.spec, route.key[: -len(".pdf")]))
        return await self._show(request, route)

    async def _dispatch(self, request: Request) -> Response:
        raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
        # Split the raw path before decoding, so a %2F inside a product number stays in its segment.
        encoded = [s.decode("latin-1") for s in raw.split(b"/") if s]
        segments = [unquote_to_bytes(s).decode("utf-8", "replace") for s in encoded]
        base = str(request.base_url).rstrip("/")
        if segments[:1] == ["api"]:
            encoded, segments = encoded[1:], segments[1:]
            base += "/api"
        method = "GET" if request.method == "HEAD" else request.method
        found = self.routes.resolve(method, "/" + "/".join(encoded))
        if found is None:
            return message_response(404, f"The route {request.url.path.lstrip('/')} could not be found.")
        if isinstance(found, NotAllowed):
            methods = set(found.allow) | ({"HEAD"} if "GET" in found.allow else set())
            allowed = ", ".join(sorted(methods))
            response = message_response(
                405,
                f"The {request.method} method is not supported for route {'/'.join(segments)}. "
                f"Supported methods: {allowed}.",
            )
            response.headers["Allow"] = allowed
            return response
        if request.headers.get("authorization", "") != f"Bearer {self.token}":
            return message_response(401, "Unauthenticated.")
        request.scope["rackbeat.segments"] = segments
        request.scope["rackbeat.base"] = base
        return await found.route.handler(Call(request, found.params, found.route))

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

    @classmethod
    def _day_param(cls, request: Request, name: str) -> date | None:
        moment = cls._date_param(request, name)
        return None if moment is None else moment.date()

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
    def _ordering(self, request: Request, spec: ResourceSpec) -> tuple[str | None, bool]:
        order_by = request.query_params.get("order_by") or None
        if order_by is not None and order_by not in self.state.sortable_fields(spec):
            raise _invalid("order_by", "The selected order by is invalid.")
        direction = request.query_params.get("order_direction", "asc").lower()
        if direction not in ("asc", "desc"):
            raise _invalid("order_direction", "The selected order direction is invalid.")
        return order_by, direction == "desc"

    def _document_filter(self, request: Request, spec: ResourceSpec) -> RowFilter | None:
        """Invoice and order list filters: ``is_booked``, ``invoice_date_from/_to`` (orders:
        ``order_date_from/_to``), ``number_from/_to`` and ``other_reference`` (exact)."""
        tests: list[RowFilter] = []
        booked = self._flag(request, "is_booked")
        if booked is not None:
            tests.append(lambda row: row["is_booked"] is booked)
        dated = spec.date_field
        day_from = self._day_param(request, f"{dated}_from")
        if day_from is not None:
            tests.append(lambda row: row[dated] is not None and row[dated] >= day_from)
        day_to = self._day_param(request, f"{dated}_to")
        if day_to is not None:
            tests.append(lambda row: row[dated] is not None and row[dated] <= day_to)
        other_reference = request.query_params.get("other_reference")
        if other_reference:  # exact, as stored (trimmed); an empty value filters nothing
            wanted = other_reference.strip()
            tests.append(lambda row: row.get("other_reference") == wanted)
        number_from = self._int_param(request, "number_from", 0) or None
        if number_from is not None:
            tests.append(lambda row: row["number"] >= number_from)
        number_to = self._int_param(request, "number_to", 0) or None
        if number_to is not None:
            tests.append(lambda row: row["number"] <= number_to)
        if not tests:
            return None
        return lambda row: all(test(row) for test in tests)

    async def _list(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        order_by, descending = self._ordering(request, spec)
        is_barred = self._flag(request, "is_barred") if spec.has_barred else None
        items = self.state.query(
            spec.path,
            base_url=route.base_url,
            search=request.query_params.get("search") or None,
            is_barred=is_barred,
            updated_from=self._date_param(request, "updated_at_from"),
            updated_to=self._date_param(request, "updated_at_to"),
            order_by=order_by,
            descending=descending,
            where=self._document_filter(request, spec) if spec.document else None,
        )
        return self._page(request, spec.plural, items)

    async def _no_drafts(self, request: Request, route: _Route) -> Response:
        """``GET /products/drafts``: the product drafts (a 206 list like any other, its query parameters
        checked the same way; always empty here)."""
        spec = _need(route.spec)
        self._ordering(request, spec)
        self._flag(request, "is_barred")
        self._date_param(request, "updated_at_from")
        self._date_param(request, "updated_at_to")
        return self._page(request, spec.plural, [])

    async def _category_products(self, request: Request, route: _Route) -> Response:
        """``GET /product-categories/{n}/products``: the category's products, a 206 list like ``/products``
        (its search, order, ``is_barred`` and ``updated_at`` window); 404 for a category that is not."""
        spec = _need(route.spec)
        if self.state.get(spec.path, route.key, base_url=route.base_url) is None:
            raise SandboxNotFoundError(spec.model, route.key)
        category = int(_need(route.key))
        products = RESOURCES["products"]
        order_by, descending = self._ordering(request, products)
        items = self.state.query(
            products.path,
            base_url=route.base_url,
            search=request.query_params.get("search") or None,
            is_barred=self._flag(request, "is_barred"),
            updated_from=self._date_param(request, "updated_at_from"),
            updated_to=self._date_param(request, "updated_at_to"),
            order_by=order_by,
            descending=descending,
            where=lambda row: row.get("product_category") == category,
        )
        return self._page(request, products.plural, items)

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
            spec.path, body, suppress_webhooks=suppress, base_url=route.base_url, log=True, emit=not suppress
        )
        return json_response({spec.singular: record}, 201)

    async def _update(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.update(
            spec.path,
            route.key,
            body,
            suppress_webhooks=suppress,
            base_url=route.base_url,
            log=True,
            emit=not suppress,
        )
        return json_response({spec.singular: record})

    async def _delete(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        self.state.delete(spec.path, route.key, suppress_webhooks=suppress, log=True, emit=not suppress)
        return json_response({})

    # -- invoices --------------------------------------------------------------------------------
    async def _book(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        mail = body.get("mail")
        send = (isinstance(mail, dict) and _truthy(mail.get("send"))) or _truthy(
            request.query_params.get("send_mail")
        )
        record = self.state.book(
            spec.path,
            _need(route.key),
            send=send,
            mark_received=_truthy(body.get("mark_received")),
            use_invoice_date=_truthy(body.get("use_invoice_date")),
            suppress_webhooks=suppress,
            base_url=route.base_url,
            log=True,
            emit=not suppress,
        )
        return json_response({spec.singular: record})

    async def _credit_note(self, request: Request, route: _Route) -> Response:
        """``POST /customer-invoices/{n}/create-creditnote`` → 201 with the draft credit note."""
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.create_credit_note(
            int(_need(route.key)), suppress_webhooks=suppress, base_url=route.base_url, log=True
        )
        return json_response({spec.singular: record}, 201)

    async def _pdf(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        record = self.state.get(spec.path, route.key, base_url=route.base_url)
        if record is None:
            raise SandboxNotFoundError(spec.model, route.key)
        if not record["is_booked"]:
            return message_response(404, f"The PDF is not available until the {spec.noun} is booked.")
        title = f"{spec.model} {record['number']}"
        lines = [title, f"Total {record['total_total']} {record['currency']}"]
        return Response(
            _pdf_document(lines),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{spec.singular}-{record["number"]}.pdf"'},
        )

    # -- an order's lines ------------------------------------------------------------------------
    async def _list_lines(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        items = self.state.lines(spec.path, _need(route.key))
        return self._page(request, f"{spec.singular}_lines", items)

    async def _show_line(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        record = self.state.line(spec.path, _need(route.key), _need(route.sub_key))
        return json_response({f"{spec.singular}_line": self._sparse(request, record)})

    async def _create_line(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.add_line(
            spec.path, _need(route.key), body, suppress_webhooks=suppress, log=True, emit=not suppress
        )
        return json_response({f"{spec.singular}_line": record}, 201)

    async def _update_line(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.update_line(
            spec.path,
            _need(route.key),
            _need(route.sub_key),
            body,
            suppress_webhooks=suppress,
            log=True,
            emit=not suppress,
        )
        return json_response({f"{spec.singular}_line": record})

    async def _delete_line(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        self.state.delete_line(
            spec.path,
            _need(route.key),
            _need(route.sub_key),
            suppress_webhooks=suppress,
            log=True,
            emit=not suppress,
        )
        return json_response({})

    # -- a customer's contacts and addresses -----------------------------------------------------
    async def _list_sub(self, request: Request, route: _Route) -> Response:
        spec, sub = _need(route.spec), _need(route.sub)
        order_by, descending = self._ordering(request, sub)
        items = self.state.sub_records(
            spec.path,
            _need(route.key),
            _need(route.name),
            base_url=route.base_url,
            search=request.query_params.get("search") or None,
            updated_from=self._date_param(request, "updated_at_from"),
            updated_to=self._date_param(request, "updated_at_to"),
            order_by=order_by,
            descending=descending,
        )
        return self._page(request, sub.plural, items)

    async def _show_sub(self, request: Request, route: _Route) -> Response:
        spec, sub = _need(route.spec), _need(route.sub)
        record = self.state.sub_get(
            spec.path, route.key, _need(route.name), route.sub_key, base_url=route.base_url
        )
        return json_response({sub.singular: self._sparse(request, record)})

    async def _create_sub(self, request: Request, route: _Route) -> Response:
        spec, sub = _need(route.spec), _need(route.sub)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.sub_create(
            spec.path,
            route.key,
            _need(route.name),
            body,
            suppress_webhooks=suppress,
            base_url=route.base_url,
            log=True,
            emit=not suppress,
        )
        return json_response({sub.singular: record}, 201)

    async def _update_sub(self, request: Request, route: _Route) -> Response:
        spec, sub = _need(route.spec), _need(route.sub)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        record = self.state.sub_update(
            spec.path,
            route.key,
            _need(route.name),
            route.sub_key,
            body,
            suppress_webhooks=suppress,
            base_url=route.base_url,
            log=True,
            emit=not suppress,
        )
        return json_response({sub.singular: record})

    async def _delete_sub(self, request: Request, route: _Route) -> Response:
        spec = _need(route.spec)
        body = await self._body(request)
        suppress = self._suppress(request, body)
        self.state.sub_delete(
            spec.path,
            route.key,
            _need(route.name),
            route.sub_key,
            suppress_webhooks=suppress,
            log=True,
            emit=not suppress,
        )
        return json_response({})

    # -- reports ---------------------------------------------------------------------------------
    async def _valuation(self, request: Request, route: _Route) -> Response:
        raw = request.query_params.get("date")
        day = None
        if raw:
            try:
                day = date.fromisoformat(raw[:10])
            except ValueError as exc:
                raise _invalid("date", "The date field must be a valid date.") from exc
        return json_response({"valuation": self.state.valuation(day)})

    async def _ledger(self, request: Request, route: _Route) -> Response:
        return self._page(request, "ledger_items", self.state.ledger(_need(route.key)))

    # -- webhooks --------------------------------------------------------------------------------
    async def _list_webhooks(self, request: Request, route: _Route) -> Response:
        items = self.state.webhooks.subscriptions(request.query_params.get("event") or None)
        return self._page(request, "webhooks", items)

    async def _subscribe(self, request: Request, route: _Route) -> Response:
        body = await self._body(request)
        self._suppress(request, body)
        webhook, created = self.state.webhooks.subscribe(body)
        return json_response({"webhook": webhook}, 201 if created else 200)

    async def _show_webhook(self, request: Request, route: _Route) -> Response:
        return json_response({"webhook": self.state.webhooks.subscription(route.key)})

    async def _update_webhook(self, request: Request, route: _Route) -> Response:
        body = await self._body(request)
        self._suppress(request, body)
        return json_response({"webhook": self.state.webhooks.update(route.key, body)})

    async def _delete_webhook(self, request: Request, route: _Route) -> Response:
        self.state.webhooks.unsubscribe(route.key)
        return json_response({})

    async def _webhook_logs(self, request: Request, route: _Route) -> Response:
        items = self.state.webhooks.logs(route.key)
        if request.query_params.get("order_direction", "asc").lower() == "desc":
            items.reverse()
        return self._page(request, "webhook_logs", items)

    async def _webhook_log(self, request: Request, route: _Route) -> Response:
        return json_response({"webhook_log": self.state.webhooks.log_entry(route.key)})

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


def _truthy(value: Any) -> bool:
    """A boolean input the way Laravel's ``boolean`` accepts it (plus ``"true"`` in query strings)."""
    return value in (True, 1, "1") or (isinstance(value, str) and value.lower() == "true")


def _pdf_document(lines: list[str]) -> bytes:
    """A minimal one-page PDF showing ``lines`` (enough for a client to store and open)."""
    text = "".join(
        f"BT /F1 12 Tf 72 {760 - 18 * i} Td ({_pdf_escape(line)}) Tj ET\n" for i, line in enumerate(lines)
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text.encode('latin-1', 'replace'))} >>\nstream\n{text}endstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1", "replace")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _need(value: _T | None) -> _T:
    """Narrow an optional the router guarantees (a resource route always has its spec)."""
    assert value is not None
    return value


WEBHOOK_CONTROL = f"{CONTROL_PREFIX}/webhooks"


class RackbeatSandboxApp:
    """The ASGI app :func:`create_app` returns, with the objects tests reach in-process.

    ``rackbeat_state`` is the account's data, ``kit`` the fault/rate-limit/request-log controls,
    ``webhooks`` the account's webhook hub (switches, queue, deliveries), ``api`` the unwrapped
    emulator; ``state.kit``, ``state.rackbeat`` and ``state.webhooks`` mirror them in the ``app.state``
    convention the shared sandbox kit documents.
    """

    def __init__(self, asgi: ASGIApp, api: RackbeatApi, kit: SandboxKit) -> None:
        self._asgi = asgi
        self.api = api
        self.kit = kit
        self.rackbeat_state = api.state
        self.webhooks: WebhookHub = api.state.webhooks
        self.state = SimpleNamespace(kit=kit, rackbeat=api.state, webhooks=self.webhooks)

    @property
    def token(self) -> str:
        return self.api.token

    def close(self) -> None:
        """Stop the webhook sender thread (a daemon thread: only needed for a tidy shutdown)."""
        self.webhooks.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").startswith(WEBHOOK_CONTROL):
            await self._webhook_control(scope, receive, send)
            return
        await self._asgi(scope, receive, send)

    async def _webhook_control(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``/_sandbox/webhooks``: the delivery switches, flushing, the delivery log, firing events."""
        request = Request(scope, receive)
        route = (request.method, scope["path"].rstrip("/")[len(WEBHOOK_CONTROL) :])
        hub = self.webhooks
        try:
            raw = await request.body()
            body = jsonio.parse(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            if route == ("GET", ""):
                response = json_response(hub.status())
            elif route == ("PUT", ""):
                hub.configure(**{k: float(v) if isinstance(v, Decimal) else v for k, v in body.items()})
                response = json_response(hub.status())
            elif route == ("POST", "/flush"):
                timeout = float(body.get("timeout", 5.0))
                flushed = await run_in_threadpool(hub.flush, timeout)
                response = json_response({"flushed": flushed, "pending": hub.pending})
            elif route == ("GET", "/deliveries"):
                response = json_response([d.render() for d in hub.deliveries])
            elif route == ("DELETE", "/deliveries"):
                hub.clear_deliveries()
                response = Response(status_code=204)
            elif route == ("POST", "/emit"):
                if not isinstance(body.get("event"), str) or body.get("key") is None:
                    raise ValueError('emit takes {"event": "customer.updated", "key": 12}')
                response = json_response({"deliveries": hub.emit(body["event"], body["key"])})
            else:
                response = json_response({"message": "unknown sandbox control route"}, 404)
        except (ValueError, TypeError) as exc:
            response = json_response({"message": str(exc)}, 400)
        await response(scope, receive, send)


def create_app(
    state: RackbeatState | None = None,
    *,
    token: str = "sandbox",
    rate_limit: tuple[int, float] | None = (480, 60.0),
    latency_ms: int = 0,
    webhooks: Mapping[str, Any] | None = None,
) -> RackbeatSandboxApp:
    """A Rackbeat sandbox: the emulated API wrapped with the shared kit (faults, rate limit, log).

    ``rate_limit`` is ``(requests, window_seconds)`` or None for no limit; ``latency_ms`` delays every
    response (a fault-plan setting, changeable later through ``PUT /_sandbox/faults``); ``webhooks``
    are initial webhook switches (``{"retry_base_seconds": 1, ...}``, see ``app.webhooks.configure``).
    """
    api = RackbeatApi(state or RackbeatState(), token)
    if webhooks:
        api.state.webhooks.configure(**webhooks)
    bucket = TokenBucket(rate_limit[0], rate_limit[1]) if rate_limit else None
    kit = SandboxKit(error_body=_kit_error_body, rate_headers=_rate_headers, bucket=bucket)
    if latency_ms:
        kit.set_faults(FaultPlan(latency_ms=latency_ms))
    return RackbeatSandboxApp(kit.wrap(api), api, kit)
