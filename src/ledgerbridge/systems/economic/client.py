"""The Visma e-conomic HTTP client: legacy REST (restapi.e-conomic.com) plus the OpenAPI services.

Authentication is two headers on every request, ``X-AppSecretToken`` (the app) and
``X-AgreementGrantToken`` (the agreement's grant); ``demo``/``demo`` reaches the read-only demo
agreement. Collections are paged with ``skippages``/``pagesize`` (max 1000) and followed through
``pagination.nextPage``; the OpenAPI services page with a ``cursor``. Every write carries an
``Idempotency-Key`` (generated when not given, and reused by retries), because e-conomic reuses record
numbers after deletes and a blindly retried POST or DELETE could otherwise hit the wrong record.

Errors come in two dialects and are mapped onto ``systems.errors``: the legacy JSON
(``message``/``developerHint``/``errors``/``errorCode``/``logId``) and RFC 9457 ``problem+json``.

After every successful call ``last_result_from_cache`` tells whether e-conomic answered from its
idempotency cache (``X-ResultFromCache: true``: the write had already been done by an earlier call
with the same key).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from ledgerbridge.systems.economic.filters import Filter
from ledgerbridge.systems.economic.links import encode_id
from ledgerbridge.systems.errors import ApiError
from ledgerbridge.systems.http import JsonApiClient, decode_body, error_for_status
from ledgerbridge.systems.pacing import Budget, economic_cost

DEFAULT_BASE_URL = "https://restapi.e-conomic.com"
DEFAULT_APIS_BASE_URL = "https://apis.e-conomic.com"
SUPPLIER_GROUPS_PATH = "suppliersapi/v2.0.0/Groups"
PRODUCT_GROUPS_PATH = "productsapi/v2.0.0/productgroups"
SEND_BY = ("none", "EAN", "Email")
ORDER_KINDS = ("drafts", "sent", "archived")
OrderKind = Literal["drafts", "sent", "archived"]
MAX_PAGE_SIZE = 1000
_RATE = re.compile(r"token-limit-(\d+)-per-(\d+)-seconds:\s*(\d+(?:\.\d+)?)/(\d+)")


@dataclass(frozen=True)
class RateLimitStatus:
    """The token bucket as the last response reported it (``X-RateLimiting`` / ``X-CallCost``)."""

    limit: int
    window_seconds: int
    used: float
    call_cost: float | None = None

    @property
    def remaining(self) -> float:
        """Tokens left in the current window."""
        return max(0.0, self.limit - self.used)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitStatus | None:
        """Parse ``token-limit-10000-per-60-seconds: 147/10000``; None when absent or unreadable."""
        match = _RATE.search(headers.get("X-RateLimiting", "") or "")
        if not match:
            return None
        try:
            cost: float | None = float(headers["X-CallCost"]) if headers.get("X-CallCost") else None
        except ValueError:
            cost = None
        return cls(int(match.group(1)), int(match.group(2)), float(match.group(3)), cost)


class EconomicClient(JsonApiClient):
    """A client for one e-conomic agreement.

    ``base_url`` is the legacy REST host (``https://restapi.e-conomic.com``, or a sandbox);
    ``apis_base_url`` the OpenAPI services host (``https://apis.e-conomic.com``), defaulting to
    ``base_url`` because the sandbox serves both. Other keyword arguments go to :class:`JsonApiClient`
    (``timeout``, ``backoff_initial``, ``backoff_max``, ``sleep``).
    """

    system = "Visma e-conomic"

    def __init__(
        self,
        base_url: str,
        app_secret_token: str,
        agreement_grant_token: str,
        *,
        apis_base_url: str | None = None,
        http: httpx.Client | None = None,
        max_retries: int = 5,
        budget: Budget | None = None,
        **kwargs: Any,
    ) -> None:
        headers = {
            "X-AppSecretToken": app_secret_token,
            "X-AgreementGrantToken": agreement_grant_token,
            "Content-Type": "application/json",
            **(kwargs.pop("headers", None) or {}),
        }
        super().__init__(base_url, headers=headers, http=http, max_retries=max_retries, **kwargs)
        self.apis_base_url = (apis_base_url or base_url).rstrip("/")
        self.rate_limit: RateLimitStatus | None = None
        self.last_result_from_cache = False
        # Paces calls under the agreement's token bucket (None: no pacing, e.g. tests that want 429s);
        # :func:`~ledgerbridge.systems.pacing.economic_budget` gives the agreement's one budget.
        self.budget = budget
        self.pace = budget

    # -- plumbing --------------------------------------------------------------------------------
    def _send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.last_result_from_cache = False
        response = super()._send_once(method, path, **kwargs)
        self._note_rate(response)
        reported = RateLimitStatus.from_headers(response.headers)
        if self.budget is not None and reported is not None and reported.call_cost is not None:
            self.budget.settle(economic_cost(method, path), reported.call_cost)
        self.last_result_from_cache = response.headers.get("X-ResultFromCache", "").lower() == "true"
        return response

    def _note_rate(self, response: httpx.Response) -> None:
        status = RateLimitStatus.from_headers(response.headers)
        if status is not None:
            self.rate_limit = status

    @staticmethod
    def resource_path(resource: str, key: int | str) -> str:
        """``resource/<key>`` with e-conomic's self-link encoding (``products/VVS_9_8012``)."""
        return f"{resource.strip('/')}/{encode_id(key)}"

    @classmethod
    def product_path(cls, product_number: str) -> str:
        """The path of one product; product numbers may hold spaces, dots, slashes..."""
        return cls.resource_path("products", product_number)

    @staticmethod
    def _write_headers(idempotency_key: str | None) -> dict[str, str]:
        return {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}

    # -- reads -----------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET one document, e.g. ``get("self")`` or ``get("customers/5")``."""
        body = self.decode(self.request("GET", path, params=params))
        if not isinstance(body, dict):
            raise ApiError(
                f"{self.system}: expected a JSON object from GET {path}, got {type(body).__name__}",
                body=body,
                method="GET",
                url=self.url(path),
            )
        return body

    def iter_collection(
        self,
        path: str,
        *,
        filter: str | Filter | None = None,  # noqa: A002 - e-conomic's own parameter name
        sort: str | None = None,
        pagesize: int = MAX_PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a legacy collection, following ``pagination.nextPage`` until it is absent.

        Paging is by page index, so records created or deleted meanwhile can shift items between
        pages; incremental syncs filter on ``lastUpdated`` and re-read from their last checkpoint.
        """
        if not 1 <= pagesize <= MAX_PAGE_SIZE:
            raise ValueError(f"pagesize must be between 1 and {MAX_PAGE_SIZE}")
        params: dict[str, Any] = {"pagesize": pagesize, "skippages": 0}
        if filter is not None:
            params["filter"] = str(filter)
        if sort:
            params["sort"] = sort
        target: str = path
        query: dict[str, Any] | None = params
        seen: set[str] = set()
        while True:
            body = self.decode(self.request("GET", target, params=query))
            yield from body.get("collection") or []
            next_page = (body.get("pagination") or {}).get("nextPage")
            if not next_page:
                return
            if next_page in seen:
                raise ApiError(f"{self.system}: pagination of {path} loops at {next_page}", body=body)
            seen.add(next_page)
            target, query = next_page, self._missing_params(next_page, params)

    @staticmethod
    def _missing_params(link: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        # The server's paging links carry filter and sort; should one ever lack them, put them back
        # rather than silently paging through the unfiltered collection.
        present = httpx.URL(link).params
        missing = {k: v for k, v in params.items() if k in ("filter", "sort") and k not in present}
        return missing or None

    def count(self, path: str, *, filter: str | Filter | None = None) -> int:  # noqa: A002
        """How many records a collection holds (after ``filter``): ``pagination.results`` of a 1-item page."""
        params: dict[str, Any] = {"pagesize": 1}
        if filter is not None:
            params["filter"] = str(filter)
        body = self.decode(self.request("GET", path, params=params))
        return int(body["pagination"]["results"])

    def iter_supplier_groups(self, *, filter: str | Filter | None = None) -> Iterator[dict[str, Any]]:  # noqa: A002
        """Supplier groups from the Suppliers OpenAPI service (``suppliersapi/v2.0.0/Groups``), by cursor."""
        url = f"{self.apis_base_url}/{SUPPLIER_GROUPS_PATH}"
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {}
            if cursor:
                params["cursor"] = cursor
            if filter is not None:
                params["filter"] = str(filter)
            body = self.decode(self.request("GET", url, params=params or None))
            yield from body.get("items") or []
            cursor = body.get("cursor")
            if not cursor:  # "no cursor property" means the end
                return
            if cursor in seen:
                raise ApiError(
                    f"{self.system}: cursor paging of supplier groups loops at {cursor}", body=body
                )
            seen.add(cursor)

    # -- writes ----------------------------------------------------------------------------------
    def create(self, path: str, body: Any, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """POST a new record; returns the created document (e-conomic answers 201 with it)."""
        response = self.request("POST", path, json_body=body, headers=self._write_headers(idempotency_key))
        return self.decode(response)  # type: ignore[no-any-return]

    def replace(self, path: str, body: Any, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """PUT the whole document (omitted properties are cleared); returns the stored document."""
        response = self.request("PUT", path, json_body=body, headers=self._write_headers(idempotency_key))
        return self.decode(response)  # type: ignore[no-any-return]

    def delete(self, path: str, *, idempotency_key: str | None = None) -> None:
        """DELETE a record (204; a retry with the same key is replayed, not re-applied)."""
        self.request("DELETE", path, headers=self._write_headers(idempotency_key))

    # -- invoices --------------------------------------------------------------------------------
    def create_draft_invoice(
        self, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """POST a draft invoice; returns it with the amounts and the due date e-conomic computed."""
        return self.create("invoices/drafts", dict(body), idempotency_key=idempotency_key)

    def book_invoice(
        self,
        draft_number: int,
        *,
        send_by: str | None = None,
        book_with_number: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Book a draft invoice (``POST /invoices/booked``); returns the booked invoice.

        ``send_by``: ``"none"``, ``"EAN"`` (NemHandel e-invoice) or ``"Email"`` — e-conomic's exact,
        case-sensitive enum; ``book_with_number``: the invoice number to use (taken -> 400). Pass the
        same ``idempotency_key`` when retrying, or a retry could book a second invoice.
        """
        if send_by is not None and send_by not in SEND_BY:
            raise ValueError(f"send_by must be one of {SEND_BY}, not {send_by!r}")
        body: dict[str, Any] = {"draftInvoice": {"draftInvoiceNumber": draft_number}}
        if book_with_number is not None:
            body["bookWithNumber"] = book_with_number
        if send_by is not None:
            body["sendBy"] = send_by
        return self.create("invoices/booked", body, idempotency_key=idempotency_key)

    def find_draft_invoice_by_reference(self, other_reference: str) -> dict[str, Any] | None:
        """The draft invoice whose ``references.other`` is exactly ``other_reference`` (with its
        lines), or None. Several matches: the lowest draft number."""
        return self._find_by_reference("invoices/drafts", other_reference)

    def find_booked_invoice_by_reference(self, other_reference: str) -> dict[str, Any] | None:
        """The booked invoice whose ``references.other`` is exactly ``other_reference`` (with its
        lines), or None. Several matches: the lowest invoice number."""
        return self._find_by_reference("invoices/booked", other_reference)

    def _find_by_reference(self, path: str, other_reference: str) -> dict[str, Any] | None:
        # e-conomic compares strings case-insensitively: keep only the exact match.
        for item in self.iter_collection(path, filter=Filter.eq("references.other", other_reference)):
            if (item.get("references") or {}).get("other") == other_reference:
                return self.get(item["self"])  # collections leave the lines out
        return None

    # -- orders ----------------------------------------------------------------------------------
    def iter_orders(
        self, kind: OrderKind, *, changed_since: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """The orders of ``/orders/{kind}`` (``"drafts"``, ``"sent"`` or ``"archived"``), oldest change first.

        ``changed_since``: only orders with ``lastUpdated`` strictly after it
        (``filter=lastUpdated$gt:<UTC, whole seconds, Z>``; a naive datetime is taken as UTC). Archived
        orders have no ``lastUpdated`` (not filterable there): ``changed_since`` with ``"archived"`` ->
        ValueError. Pages of 1000. The schemas do not mark ``lastUpdated`` sortable, so the order is
        made here: every page is read, then sorted by ``lastUpdated`` ascending, ties (and archived
        orders) by ``orderNumber``. Collection items leave the lines out: see :meth:`get_order`.
        An idle poll (nothing changed) costs exactly one call.
        """
        if kind not in ORDER_KINDS:
            raise ValueError(f"kind must be one of {ORDER_KINDS}, not {kind!r}")
        order_filter: Filter | None = None
        if changed_since is not None:
            if kind == "archived":
                raise ValueError("archived orders cannot be filtered on lastUpdated (e-conomic has none)")
            if changed_since.tzinfo is None:
                changed_since = changed_since.replace(tzinfo=UTC)
            order_filter = Filter.gt("lastUpdated", changed_since)
        items = list(self.iter_collection(f"orders/{kind}", filter=order_filter, pagesize=MAX_PAGE_SIZE))
        items.sort(key=_change_order)
        yield from items

    def get_order(self, kind: OrderKind, number: int) -> dict[str, Any]:
        """One order of ``/orders/{kind}/{number}`` with its ``lines`` (404 -> NotFoundError)."""
        if kind not in ORDER_KINDS:
            raise ValueError(f"kind must be one of {ORDER_KINDS}, not {kind!r}")
        return self.get(f"orders/{kind}/{int(number)}")

    # -- journals --------------------------------------------------------------------------------
    def post_vouchers(
        self, journal_number: int, vouchers: list[dict[str, Any]], *, idempotency_key: str | None = None
    ) -> list[dict[str, Any]]:
        """POST vouchers (each ``{"accountingYear": {"year": "2026"}, "entries": {...}}``) to a journal.

        All are created or none; e-conomic answers with an array of the created vouchers (with their
        ``voucherNumber`` and each entry's ``journalEntryNumber``).
        """
        response = self.request(
            "POST",
            f"journals/{journal_number}/vouchers",
            json_body=list(vouchers),
            headers=self._write_headers(idempotency_key),
        )
        body = self.decode(response)
        if not isinstance(body, list):
            raise ApiError(
                f"{self.system}: expected a JSON array from POST journals/{journal_number}/vouchers",
                body=body,
                method="POST",
                url=self.url(f"journals/{journal_number}/vouchers"),
            )
        return body

    # -- OpenAPI groups (objectVersion on PUT) ---------------------------------------------------
    def get_supplier_group(self, number: int) -> dict[str, Any]:
        """One supplier group from the Suppliers OpenAPI service (with its ``objectVersion``)."""
        return self.get(f"{self.apis_base_url}/{SUPPLIER_GROUPS_PATH}/{number}")

    def create_supplier_group(
        self, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Create a supplier group (``{"number", "name", "accountNumber"}``); returns it as stored."""
        return self._oas_create(SUPPLIER_GROUPS_PATH, "number", body, idempotency_key)

    def replace_supplier_group(
        self, number: int, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Replace supplier group ``number`` (``name``, ``accountNumber``); returns it as stored.

        The service wants the current ``objectVersion``: without one in ``body`` the group is read first.
        A stale ``objectVersion`` in ``body`` (someone changed the group since) raises ``ConflictError``.
        """
        return self._oas_replace(SUPPLIER_GROUPS_PATH, "number", number, body, idempotency_key)

    def delete_supplier_group(self, number: int, *, idempotency_key: str | None = None) -> None:
        """Delete a supplier group (refused while suppliers use it)."""
        self.request(
            "DELETE",
            f"{self.apis_base_url}/{SUPPLIER_GROUPS_PATH}/{number}",
            headers=self._write_headers(idempotency_key),
        )

    def create_product_group(
        self, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Create a product group (Products OpenAPI: ``{"id", "name", "domesticAccountId"}``)."""
        return self._oas_create(PRODUCT_GROUPS_PATH, "id", body, idempotency_key)

    def replace_product_group(
        self, number: int, body: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Replace a product group (read-then-PUT with ``objectVersion``, as for supplier groups)."""
        return self._oas_replace(PRODUCT_GROUPS_PATH, "id", number, body, idempotency_key)

    def _oas_create(
        self, path: str, id_field: str, body: Mapping[str, Any], idempotency_key: str | None
    ) -> dict[str, Any]:
        url = f"{self.apis_base_url}/{path}"
        created = self.decode(
            self.request("POST", url, json_body=dict(body), headers=self._write_headers(idempotency_key))
        )
        from_cache = self.last_result_from_cache
        number = created.get(id_field) if isinstance(created, dict) else None
        result = self.get(f"{url}/{number if number is not None else body[id_field]}")
        self.last_result_from_cache = from_cache
        return result

    def _oas_replace(
        self, path: str, id_field: str, number: int, body: Mapping[str, Any], idempotency_key: str | None
    ) -> dict[str, Any]:
        url = f"{self.apis_base_url}/{path}"
        document = {**body, id_field: number}
        if not document.get("objectVersion"):
            document["objectVersion"] = self.get(f"{url}/{number}")["objectVersion"]
        self.request("PUT", url, json_body=document, headers=self._write_headers(idempotency_key))
        from_cache = self.last_result_from_cache
        result = self.get(f"{url}/{number}")
        self.last_result_from_cache = from_cache
        return result

    # -- errors ----------------------------------------------------------------------------------
    def map_error(self, response: httpx.Response) -> ApiError:
        """e-conomic's legacy and problem+json error bodies -> the typed exceptions of ``systems.errors``."""
        self._note_rate(response)
        body = decode_body(response)
        if isinstance(body, dict) and _is_problem(response, body):
            remote, field_errors = _problem_parts(body)
        elif isinstance(body, dict) and ("message" in body or "errors" in body):
            remote, field_errors = _legacy_parts(body)
        else:
            text = body.strip()[:300] if isinstance(body, str) else ""
            remote, field_errors = text or response.reason_phrase or f"HTTP {response.status_code}", {}
        return error_for_status(self.system, response, remote, body, field_errors=field_errors)


def _parse_last_updated(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _change_order(item: Mapping[str, Any]) -> tuple[int, datetime, int]:
    """Sort key: by ``lastUpdated`` (those without one first), then ``orderNumber``."""
    number = item.get("orderNumber")
    number = number if isinstance(number, int) else 0
    text = item.get("lastUpdated")
    if isinstance(text, str):
        try:
            return (1, _parse_last_updated(text), number)
        except ValueError:
            pass
    return (0, datetime.min.replace(tzinfo=UTC), number)


def _is_problem(response: httpx.Response, body: Mapping[str, Any]) -> bool:
    content_type = response.headers.get("content-type", "")
    return "problem+json" in content_type or (
        "title" in body and "status" in body and "httpStatusCode" not in body
    )


def flatten_errors(errors: Any, prefix: str = "") -> list[tuple[str, str, str | None]]:
    """Annotated legacy errors -> ``[(path, message, errorCode)]`` with paths like ``lines[0].unitNetPrice``.

    ``errors`` mirrors the request: a failing property holds ``{"errors": [{errorCode, message, ...}]}``,
    nested objects nest, array items carry ``arrayIndex``. An array of strings (non-validation errors)
    yields entries with the path ``""`` (the request as a whole).
    """
    found: list[tuple[str, str, str | None]] = []
    if isinstance(errors, list):
        for index, item in enumerate(errors):
            if isinstance(item, str):
                found.append((prefix, item, None))
            elif isinstance(item, Mapping) and "message" in item and not prefix:
                found.append(("", str(item["message"]), item.get("errorCode")))
            elif isinstance(item, Mapping):
                position = item.get("arrayIndex", index)
                found.extend(flatten_errors(item, f"{prefix}[{position}]"))
        return found
    if not isinstance(errors, Mapping):
        return found
    own = errors.get("errors")
    if isinstance(own, list) and all(isinstance(e, Mapping) for e in own):
        for entry in own:
            found.append((prefix, str(entry.get("message", "")), entry.get("errorCode")))
    for key, value in errors.items():
        if key in ("errors", "arrayIndex"):
            continue
        if isinstance(value, Mapping | list):
            found.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else key))
    return found


def _group(entries: list[tuple[str, str, str | None]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for path, message, _ in entries:
        grouped.setdefault(path, []).append(message)
    return grouped


def _summary(lead: str, entries: list[tuple[str, str, str | None]], limit: int = 3) -> str:
    parts = [lead.strip()]
    for path, message, code in entries[:limit]:
        text = f"{path}: {message}" if path else message
        parts.append(f"{text} ({code})" if code else text)
    if len(entries) > limit:
        parts.append(f"(+{len(entries) - limit} more)")
    return " ".join(p for p in parts if p)


def _legacy_parts(body: Mapping[str, Any]) -> tuple[str, dict[str, list[str]]]:
    lead = str(body.get("message") or "")
    if body.get("errorCode"):
        lead = f"{lead} ({body['errorCode']})"
    entries = flatten_errors(body.get("errors"))
    remote = _summary(lead, entries)
    allowed = body.get("allowedFilteringFields")
    if isinstance(allowed, list):
        remote += " Allowed filtering fields: " + (", ".join(map(str, allowed)) or "none") + "."
    return remote, _group(entries)


def _problem_parts(body: Mapping[str, Any]) -> tuple[str, dict[str, list[str]]]:
    lead = " ".join(str(body[k]) for k in ("title", "detail") if body.get(k))
    if body.get("errorCode"):
        lead = f"{lead} ({body['errorCode']})"
    entries = [
        (str(e.get("property") or ""), str(e.get("message", "")), e.get("errorCode"))
        for e in body.get("errors") or []
        if isinstance(e, Mapping)
    ]
    return _summary(lead, entries), _group(entries)
