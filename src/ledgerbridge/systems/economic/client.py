"""The Visma e-conomic HTTP client: legacy REST (restapi.e-conomic.com) plus the OpenAPI services.

Authentication is two headers on every request, ``X-AppSecretToken`` (the app) and
``X-AgreementGrantToken`` (the agreement's grant); ``demo``/``demo`` reaches the read-only demo
agreement. Collections are paged with ``skippages``/``pagesize`` (max 1000) and followed through
``pagination.nextPage``; the OpenAPI services page with a ``cursor``. Every write carries an
``Idempotency-Key`` (generated when not given, and reused by retries), because e-conomic reuses record
numbers after deletes and a blindly retried POST or DELETE could otherwise hit the wrong record.

Errors come in two dialects and are mapped onto ``systems.errors``: the legacy JSON
(``message``/``developerHint``/``errors``/``errorCode``/``logId``) and RFC 9457 ``problem+json``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerbridge.systems.economic.filters import Filter
from ledgerbridge.systems.economic.links import encode_id
from ledgerbridge.systems.errors import ApiError
from ledgerbridge.systems.http import JsonApiClient, decode_body, error_for_status

DEFAULT_BASE_URL = "https://restapi.e-conomic.com"
DEFAULT_APIS_BASE_URL = "https://apis.e-conomic.com"
SUPPLIER_GROUPS_PATH = "suppliersapi/v2.0.0/Groups"
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

    # -- plumbing --------------------------------------------------------------------------------
    def _send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = super()._send_once(method, path, **kwargs)
        self._note_rate(response)
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
