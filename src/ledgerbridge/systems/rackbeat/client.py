"""The Rackbeat API client: envelopes, 206 lists, business-number keys and Laravel error bodies.

Rackbeat wraps every record in a key named after its resource (``{"customer": {...}}``, lists
``{"customers": [...], "total", "pages", "limit", "page"}``, answered with 206). The client unwraps
them, so callers get plain dicts. Fractions in responses are decoded as :class:`~decimal.Decimal`, so
money never passes through a float.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from ledgerbridge import __version__
from ledgerbridge.systems.errors import ApiError, NotFoundError
from ledgerbridge.systems.http import JsonApiClient, decode_body, error_for_status
from ledgerbridge.systems.pacing import Budget

DEFAULT_BASE_URL = "https://app.rackbeat.com/api"
DEFAULT_USER_AGENT = f"ledgerbridge/{__version__} (open-source Rackbeat/e-conomic sync)"

# Envelope keys that are not the last path segment made singular/plural (research A2).
_IRREGULAR_KEYS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), plural, singular)
    for p, plural, singular in (
        (r"^customers/[^/]+/contacts$", "customer_contacts", "customer_contact"),
        (r"^suppliers/[^/]+/contacts$", "supplier_contacts", "supplier_contact"),
        (r"^orders/[^/]+/lines$", "order_lines", "order_line"),
        (r"^orders/[^/]+/shipments$", "order_shipments", "order_shipment"),
        (r"^products/[^/]+/locations$", "product_locations", "product_location"),
        (r"^lots/[^/]+/locations$", "lot_locations", "lot_location"),
        (r"^(products|lots|items)/[^/]+/fields$", "field_values", "field_value"),
        (r"^reports/ledger/[^/]+$", "ledger_items", "ledger_item"),
        (r"^webhooks/[^/]+/logs$", "webhook_logs", "webhook_log"),
    )
]


def _singular(plural: str) -> str:
    """Laravel's ``Str::singular`` for the words Rackbeat's resources use."""
    if plural.endswith("ies"):
        return plural[:-3] + "y"  # currencies -> currency
    if plural.endswith(("sses", "xes", "ches", "shes")):
        return plural[:-2]  # addresses -> address
    if plural.endswith("s"):
        return plural[:-1]
    return plural


@functools.lru_cache(maxsize=1024)  # every call unwraps its answer by these: nine patterns tried per call
def envelope_keys(resource: str) -> tuple[str, str]:
    """``(plural, singular)`` envelope keys of a resource path.

    >>> envelope_keys("customer-groups")
    ('customer_groups', 'customer_group')
    """
    path = resource.strip("/")
    for pattern, plural, singular in _IRREGULAR_KEYS:
        if pattern.match(path):
            return plural, singular
    plural = path.rsplit("/", 1)[-1].replace("-", "_")
    return plural, _singular(plural)


def key_path(resource: str, key: int | str) -> str:
    """``resource/key`` with the key percent-encoded once (product numbers may hold ``/`` and spaces)."""
    text = str(key)
    if not text:
        raise ValueError(f"an empty key would address the {resource} collection, not a record")
    encoded = quote(text, safe="")
    if set(encoded) == {"."}:
        encoded = encoded.replace(".", "%2E")  # "." and ".." would be removed by URL normalisation
    return f"{resource.strip('/')}/{encoded}"


def _flag_params(suppress_webhooks: bool) -> dict[str, str] | None:
    return {"suppress_webhooks": "true"} if suppress_webhooks else None


def _field_errors(body: Any) -> dict[str, list[str]]:
    """Laravel's ``{"errors": {field: [messages]}}`` as a clean map (single strings become lists)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), dict):
        return {}
    errors: dict[str, list[str]] = {}
    for field, messages in body["errors"].items():
        items = messages if isinstance(messages, list) else [messages]
        errors[str(field)] = [str(m) for m in items]
    return errors


class RackbeatClient(JsonApiClient):
    """Rackbeat's REST API with a personal or plugin bearer token.

    Extra keyword arguments go to :class:`~ledgerbridge.systems.http.JsonApiClient` (``timeout``,
    ``backoff_initial``, ``backoff_max``, ``sleep``).
    """

    system = "Rackbeat"

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.Client | None = None,
        max_retries: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
        budget: Budget | None = None,
        **kwargs: Any,
    ) -> None:
        """``budget`` paces requests under Rackbeat's 480 a minute per token (None: no pacing, e.g. tests
        that want to see the server's 429s); :func:`~ledgerbridge.systems.pacing.rackbeat_budget` gives
        the one budget of a token in this process."""
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": user_agent,
        }
        super().__init__(base_url, headers=headers, http=http, max_retries=max_retries, **kwargs)
        self.pace = budget

    def __enter__(self) -> RackbeatClient:
        return self

    # -- collections -----------------------------------------------------------------------------
    def list_page(
        self, resource: str, *, page: int = 1, limit: int = 1000, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One page as Rackbeat sends it: ``{"<plural>": [...], "total", "pages", "limit", "page"}``."""
        query = {**(params or {}), "page": page, "limit": limit}
        return self._decode(self.request("GET", resource, params=query))

    def iter_all(
        self, resource: str, *, params: Mapping[str, Any] | None = None, limit: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``resource``, page by page (200 and 206 both count as success)."""
        plural, _ = envelope_keys(resource)
        page = 1
        while True:
            body = self.list_page(resource, page=page, limit=limit, params=params)
            items = self._unwrap_list(body, plural)
            yield from items
            try:
                pages = int(body.get("pages") or 1)
            except (TypeError, ValueError):
                pages = 1
            # An empty page also ends the walk, so a wrong ``pages`` can never loop forever.
            if page >= pages or not items:
                return
            page += 1

    # -- single records --------------------------------------------------------------------------
    def get(self, resource: str, key: int | str) -> dict[str, Any]:
        """One record by its key (business number; ``id`` for bank accounts). NotFoundError if absent."""
        return self._unwrap(resource, self.request("GET", key_path(resource, key)))

    def find(self, resource: str, key: int | str) -> dict[str, Any] | None:
        """Like :meth:`get`, but None when the record does not exist."""
        try:
            return self.get(resource, key)
        except NotFoundError:
            return None

    def create(
        self, resource: str, body: Mapping[str, Any], *, suppress_webhooks: bool = False
    ) -> dict[str, Any]:
        """POST a new record (Rackbeat answers 201); return the stored record."""
        response = self.request(
            "POST", resource, json_body=dict(body), params=_flag_params(suppress_webhooks)
        )
        return self._unwrap(resource, response)

    def update(
        self, resource: str, key: int | str, body: Mapping[str, Any], *, suppress_webhooks: bool = False
    ) -> dict[str, Any]:
        """PUT the given fields of a record (fields left out are kept); return the stored record."""
        response = self.request(
            "PUT", key_path(resource, key), json_body=dict(body), params=_flag_params(suppress_webhooks)
        )
        return self._unwrap(resource, response)

    def delete(self, resource: str, key: int | str, *, suppress_webhooks: bool = False) -> None:
        """DELETE a record; NotFoundError if it does not exist."""
        self.request("DELETE", key_path(resource, key), params=_flag_params(suppress_webhooks))

    # -- sub-resources (a customer's contacts and addresses) --------------------------------------
    def list_sub(
        self,
        resource: str,
        key: int | str,
        sub: str,
        *,
        params: Mapping[str, Any] | None = None,
        limit: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``/<resource>/<key>/<sub>`` (``list_sub("customers", 12, "contacts")``,
        ``list_sub("orders", 7, "lines")``)."""
        return self.iter_all(f"{key_path(resource, key)}/{sub}", params=params, limit=limit)

    def create_sub(
        self,
        resource: str,
        key: int | str,
        sub: str,
        body: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
    ) -> dict[str, Any]:
        """POST a record under another (a contact or an address of a customer); return it."""
        path = f"{key_path(resource, key)}/{sub}"
        response = self.request("POST", path, json_body=dict(body), params=_flag_params(suppress_webhooks))
        return self._unwrap(path, response)

    def update_sub(
        self,
        resource: str,
        key: int | str,
        sub: str,
        sub_key: int | str,
        body: Mapping[str, Any],
        *,
        suppress_webhooks: bool = False,
    ) -> dict[str, Any]:
        """PUT the given fields of a record under another; return it."""
        path = key_path(f"{key_path(resource, key)}/{sub}", sub_key)
        response = self.request("PUT", path, json_body=dict(body), params=_flag_params(suppress_webhooks))
        return self._unwrap(f"{key_path(resource, key)}/{sub}", response)

    def delete_sub(
        self, resource: str, key: int | str, sub: str, sub_key: int | str, *, suppress_webhooks: bool = False
    ) -> None:
        """DELETE a record under another."""
        path = key_path(f"{key_path(resource, key)}/{sub}", sub_key)
        self.request("DELETE", path, params=_flag_params(suppress_webhooks))

    # -- invoices --------------------------------------------------------------------------------
    def book(self, resource: str, key: int | str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``POST /<resource>/<key>/book`` (invoices, sales orders); return the booked record.

        ``body`` carries the options: ``{"suppress_webhooks": true}``, ``{"mail": {"send": true}}`` for a
        customer invoice or an order, ``{"mark_received": true, "use_invoice_date": true}`` for a supplier
        invoice.
        Booking is not idempotent: if a retried request finds the invoice booked already, Rackbeat
        answers 422 (the sandbox: ``is_booked: The invoice is already booked.``).
        """
        response = self.request("POST", f"{key_path(resource, key)}/book", json_body=dict(body or {}))
        return self._unwrap(resource, response)

    def credit_note(self, invoice_number: int | str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``POST /customer-invoices/<n>/create-creditnote``: a draft credit note of a booked invoice."""
        path = f"{key_path('customer-invoices', invoice_number)}/create-creditnote"
        response = self.request("POST", path, json_body=dict(body or {}))
        return self._unwrap("customer-invoices", response)

    def get_pdf(self, resource: str, key: int | str) -> bytes:
        """The PDF of an invoice (``GET /<resource>/<key>.pdf``); NotFoundError when there is none."""
        return self.request("GET", f"{key_path(resource, key)}.pdf").content

    # -- inventory -------------------------------------------------------------------------------
    def get_valuation(self, date: date | None = None) -> dict[str, Any]:
        """``GET /reports/valuation``: the inventory value at the end of ``date`` (default: now).

        Returns ``{"date", "total_value", "currency", "groups": [{"number", "name", "value"}]}``.
        """
        params = None if date is None else {"date": date.isoformat()}
        body = self._decode(self.request("GET", "reports/valuation", params=params))
        if isinstance(body, dict) and isinstance(body.get("valuation"), dict):
            return dict(body["valuation"])
        raise ApiError(f"{self.system}: expected a 'valuation' object, got {str(body)[:200]}", body=body)

    def iter_ledger(self, item: str, *, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The stock movements of an item (``GET /reports/ledger/<item>``), oldest first."""
        return self.iter_all(key_path("reports/ledger", item), params=params)

    # -- webhooks --------------------------------------------------------------------------------
    def subscribe_webhook(self, event: str, url: str, *, is_active: bool = True) -> dict[str, Any]:
        """Subscribe ``url`` to ``event``; return the webhook with its ``token``.

        Subscribing the same event and url again updates that subscription (Rackbeat's upsert); the
        token is shown only in this answer, so keep it to check ``Rackbeat-Webhook-Token`` on deliveries.
        """
        body = {"event": event, "url": url, "is_active": is_active}
        return self._unwrap("webhooks", self.request("POST", "webhooks", json_body=body))

    def list_webhooks(self, event: str | None = None) -> list[dict[str, Any]]:
        """Every webhook subscription (without tokens), optionally only those for ``event``."""
        return list(self.iter_all("webhooks", params={"event": event} if event else None))

    def delete_webhook(self, webhook_id: int) -> None:
        self.delete("webhooks", webhook_id)

    def webhook_logs(self, webhook_id: int) -> list[dict[str, Any]]:
        """The delivery log of one subscription (status, attempts, response code, timestamps)."""
        return list(self.iter_all(f"{key_path('webhooks', webhook_id)}/logs"))

    # -- account ---------------------------------------------------------------------------------
    def get_self(self) -> dict[str, Any]:
        """``GET /self``: ``{"user_account": {"id", "company_name", ...}, "user": {...}}``."""
        return self._decode(self.request("GET", "self"))

    def get_setting(self, identifier: str) -> Any:
        """The value of a company setting (``company`` holds name, address, VAT number...)."""
        body = self._decode(self.request("GET", key_path("settings", identifier)))
        return body["setting"]["value"]

    def put_setting(self, identifier: str, value: Any) -> Any:
        """Set a company setting; return the value Rackbeat stored."""
        body = self._decode(self.request("PUT", key_path("settings", identifier), json_body={"value": value}))
        return body["setting"]["value"]

    # -- errors ----------------------------------------------------------------------------------
    def map_error(self, response: httpx.Response) -> ApiError:
        """Laravel's bodies: 422 ``{"errors": {field: [msgs]}}``; everything else ``{"message": ...}``."""
        body = decode_body(response)
        errors = _field_errors(body)
        if errors:
            remote = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        elif isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
            remote = body["message"]
        elif isinstance(body, str) and body.strip():
            remote = body.strip()[:500]
        else:
            remote = response.reason_phrase or f"HTTP {response.status_code}"
        return error_for_status(self.system, response, remote, body, field_errors=errors or None)

    # -- decoding --------------------------------------------------------------------------------
    def _decode(self, response: httpx.Response) -> Any:
        # Rackbeat answers some writes with an empty body; callers expect a document.
        return self.decode(response) if response.content.strip() else {}

    def _unwrap(self, resource: str, response: httpx.Response) -> dict[str, Any]:
        _, singular = envelope_keys(resource)
        body = self._decode(response)
        if isinstance(body, dict):
            if isinstance(body.get(singular), dict):
                return body[singular]
            # A key we derived wrongly should not break the caller: one object inside is the record.
            objects = [v for v in body.values() if isinstance(v, dict)]
            if len(body) == 1 and len(objects) == 1:
                return objects[0]
        raise ApiError(
            f"{self.system}: expected a {singular!r} envelope from {resource}, got {str(body)[:200]}",
            status_code=response.status_code,
            body=body,
            method=response.request.method,
            url=str(response.request.url),
        )

    def _unwrap_list(self, body: Any, plural: str) -> list[dict[str, Any]]:
        if isinstance(body, dict):
            if isinstance(body.get(plural), list):
                return list(body[plural])
            lists = [v for v in body.values() if isinstance(v, list)]
            if len(lists) == 1:
                return list(lists[0])
        raise ApiError(f"{self.system}: expected a {plural!r} list, got {str(body)[:200]}", body=body)
