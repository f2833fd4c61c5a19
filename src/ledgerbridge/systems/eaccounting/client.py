"""The Visma eAccounting API v2 client: ``Meta``/``Data`` pages, full-replace PUT, Visma error bodies.

Lists answer ``{"Meta": {CurrentPage, PageSize, TotalNumberOfPages, TotalNumberOfResults,
ServerTimeUtc}, "Data": [...]}`` and are paged with ``$page`` (1-based) and ``$pagesize``; ``$filter``
takes OData (``ChangedUtc gt 2025-01-01T00:00:00Z``). A PUT replaces the whole record (omitted fields
are cleared), so callers read, modify and write back. Errors carry ``ErrorCode``,
``DeveloperErrorMessage``, ``ErrorId`` and ``Errors[{Field, ErrorCode, Message, Key}]``; a 429 says
``ErrorCode 4010`` and "Try again in N seconds", which becomes ``retry_after`` even without a
``Retry-After`` header. Fractions are decoded as :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from ledgerbridge import __version__
from ledgerbridge.systems.errors import ApiError, RateLimitedError
from ledgerbridge.systems.http import JsonApiClient, decode_body, error_for_status
from ledgerbridge.systems.pacing import Budget, CallBudget, budgets_for, credential_key

DEFAULT_BASE_URL = "https://eaccountingapi.vismaonline.com/v2"
DEFAULT_USER_AGENT = f"ledgerbridge/{__version__} (open-source Rackbeat/eAccounting sync)"
TOO_MANY_REQUESTS = 4010
# Visma's published limit: 600 requests a minute per API client and endpoint.
EACCOUNTING_PER_MINUTE = 600

_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


def retry_after_from_message(message: str | None) -> float | None:
    """Seconds from eAccounting's "... Try again in 55 seconds." text, or None."""
    if not message:
        return None
    match = _TRY_AGAIN.search(message)
    return float(match.group(1)) if match else None


def field_errors(body: Any) -> dict[str, list[str]]:
    """``Errors[{Field, Message}]`` as ``{field: [messages]}`` (no field: the key ``""``)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body, dict) or not isinstance(body.get("Errors"), list):
        return errors
    for item in body["Errors"]:
        if not isinstance(item, dict):
            continue
        field = str(item.get("Field") or "")
        message = item.get("Message") or item.get("ErrorCode") or "invalid"
        errors.setdefault(field, []).append(str(message))
    return errors


def remote_message(body: Any, fallback: str) -> str:
    """A readable message: the developer message, then each field error, then the error id."""
    if not isinstance(body, dict):
        return body.strip()[:500] if isinstance(body, str) and body.strip() else fallback
    parts: list[str] = []
    developer = body.get("DeveloperErrorMessage") or body.get("Message") or body.get("message")
    if isinstance(developer, str) and developer.strip():
        parts.append(developer.strip())
    for field, messages in field_errors(body).items():
        for message in messages:
            parts.append(f"{field}: {message}" if field else message)
    text = "; ".join(parts) or fallback
    if body.get("ErrorCode") is not None:
        text = f"{text} (ErrorCode {body['ErrorCode']})"
    if body.get("ErrorId"):
        text = f"{text} [ErrorId {body['ErrorId']}]"
    return text


class EndpointBudget:
    """eAccounting's documented budget: 600 requests a minute per client and endpoint.

    One budget per endpoint, made by ``budget_of(endpoint)`` when the endpoint is first reached; by default
    a bucket of its own holding ``requests`` and refilled over ``window_seconds``. :func:`eaccounting_budget`
    takes them from the installed :class:`~ledgerbridge.systems.pacing.BudgetSource` instead, so every
    client of one API client id (in this process, or in the cluster) shares each endpoint's budget. A
    request waits until its endpoint has room; the 429 handling remains for use outside ours.
    """

    _shared: dict[tuple[str, float, float], EndpointBudget] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        requests: int = EACCOUNTING_PER_MINUTE,
        window_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        budget_of: Callable[[str], Budget] | None = None,
    ) -> None:
        if requests < 1 or window_seconds <= 0:
            raise ValueError("an endpoint budget needs requests >= 1 and a positive window")
        self.requests = requests
        self.window_seconds = window_seconds
        self._budget_of = budget_of or self._own_bucket(clock, sleep)
        self._budgets: dict[str, Budget] = {}
        self._lock = threading.Lock()

    def _own_bucket(
        self, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> Callable[[str], Budget]:
        per_minute = self.requests * 60.0 / self.window_seconds

        def bucket(endpoint: str) -> Budget:
            # The whole window's requests at once, then the window's rate: Visma's own count.
            return CallBudget(per_minute, share=1.0, burst=self.requests, clock=clock, sleep=sleep)

        return bucket

    @classmethod
    def shared(cls, key: str, requests: int = 600, window_seconds: float = 60.0) -> EndpointBudget:
        """One budget per ``key`` in this process with buckets of its own (no cluster source)."""
        with cls._shared_lock:
            found = cls._shared.get((key, requests, window_seconds))
            if found is None:
                found = cls._shared[(key, requests, window_seconds)] = cls(requests, window_seconds)
            return found

    @staticmethod
    def endpoint(path: str) -> str:
        """The endpoint a path counts against: its collection (``customerinvoicedrafts/{id}/convert`` →
        ``customerinvoicedrafts``), as Visma keys the limit by endpoint."""
        return path.split("?", 1)[0].strip("/").split("/", 1)[0].lower()

    def budget(self, path: str) -> Budget:
        """The budget ``path``'s endpoint spends from."""
        key = self.endpoint(path)
        with self._lock:
            found = self._budgets.get(key)
            if found is None:
                found = self._budgets[key] = self._budget_of(key)
            return found

    def __call__(self, method: str, path: str) -> None:
        self.budget(path)(method, path)

    def settle(self, charged: float, actual: float) -> None:
        """Every request counts one, whatever it did: nothing to correct."""

    def _spent(self) -> list[Budget]:
        with self._lock:
            return list(self._budgets.values())

    @property
    def calls(self) -> int:
        """Requests let through by this process on the endpoints this budget reached."""
        return sum(budget.calls for budget in self._spent())

    @property
    def waited(self) -> float:
        """Seconds this process waited on those endpoints (tests, benchmarks)."""
        return sum(budget.waited for budget in self._spent())


def eaccounting_budget(
    base_url: str, client_id: str, *, requests: int = EACCOUNTING_PER_MINUTE, window_seconds: float = 60.0
) -> EndpointBudget:
    """The budget of one API client id: one bucket per endpoint from the source installed now (this
    process's, or the cluster's in PostgreSQL), keyed by a hash of the client id with the endpoint."""
    client = credential_key("eaccounting", base_url.rstrip("/"), client_id)
    per_minute = requests * 60.0 / window_seconds
    budget_of = budgets_for("eaccounting", per_minute, burst=requests, share=1.0)
    return EndpointBudget(
        requests,
        window_seconds,
        budget_of=lambda endpoint: budget_of(credential_key(client, endpoint)),
    )


class EAccountingClient(JsonApiClient):
    """eAccounting's REST API v2 with an OAuth2 access token, or an ``httpx.Auth`` that supplies one.

    ``base_url`` ends with ``/v2`` (``DEFAULT_BASE_URL``); paths are relative to it (``customers``).
    Give either ``access_token`` (sent as ``Authorization: Bearer``) or ``auth`` (an ``httpx.Auth``
    passed on every request, e.g. one that refreshes the token; no Authorization header is set then).
    Extra keyword arguments go to :class:`~ledgerbridge.systems.http.JsonApiClient`.
    """

    system = "eAccounting"

    def __init__(
        self,
        base_url: str,
        access_token: str | None = None,
        *,
        auth: httpx.Auth | None = None,
        http: httpx.Client | None = None,
        max_retries: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
        budget: EndpointBudget | None = None,
        **kwargs: Any,
    ) -> None:
        """``budget`` paces requests to eAccounting's 600 a minute per endpoint (None: no pacing, e.g. tests
        that want to see the server's 429s); :func:`eaccounting_budget` gives the API client id's."""
        if auth is None and not access_token:
            raise ValueError("EAccountingClient needs an access_token or an httpx.Auth (auth=...)")
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if auth is None:
            headers["Authorization"] = f"Bearer {access_token}"
        super().__init__(base_url, headers=headers, http=http, max_retries=max_retries, auth=auth, **kwargs)
        self.pace = budget

    def __enter__(self) -> EAccountingClient:
        return self

    # -- collections -----------------------------------------------------------------------------
    def list_page(
        self,
        path: str,
        *,
        page: int = 1,
        pagesize: int = 1000,
        filter: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One page as eAccounting sends it: ``{"Meta": {...}, "Data": [...]}``."""
        query: dict[str, Any] = {**(params or {}), "$page": page, "$pagesize": pagesize}
        if filter:
            query["$filter"] = filter
        body = self.decode(self.request("GET", path, params=query))
        if not isinstance(body, dict) or not isinstance(body.get("Data"), list):
            raise ApiError(f"{self.system}: GET {path} did not answer a Meta/Data page", body=body)
        return body

    def iter_collection(
        self,
        path: str,
        *,
        filter: str | None = None,
        pagesize: int = 1000,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``path`` matching ``filter``, page by page from ``$page=1``."""
        page = 1
        while True:
            body = self.list_page(path, page=page, pagesize=pagesize, filter=filter, params=params)
            items = body["Data"]
            yield from items
            meta = body.get("Meta") or {}
            try:
                pages = int(meta.get("TotalNumberOfPages") or 1)
            except (TypeError, ValueError):
                pages = 1
            # An empty page also ends the walk, so a wrong page count can never loop forever.
            if page >= pages or not items:
                return
            page += 1

    # -- records ---------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One record, or an object that is not a list (``companysettings``), as sent."""
        return self.get_json(path, params)

    def create(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST a new record; answers the created record (201) with its ``Id``.

        Not retried: a lost answer could mean the record exists; look it up before trying again.
        """
        return self.decode(self.request("POST", path, json_body=dict(body), retry=False))

    def replace(self, path: str, body: Mapping[str, Any]) -> Any:
        """PUT the whole record (fields left out are cleared by eAccounting); answers the record."""
        return self.decode(self.request("PUT", path, json_body=dict(body)))

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def action(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """POST to an action: ``customerinvoicedrafts/{id}/convert``, ``customerinvoices/{id}/email``.

        ``body`` defaults to ``{}`` (the 2021 Swagger marks the convert body as required). Answers the
        decoded body (the invoice for ``/convert``) or None for an empty 200 (``/email``). Not retried:
        a lost answer could mean the action happened.
        """
        payload = dict(body) if body is not None else {}
        return self.decode(self.request("POST", path, json_body=payload, retry=False))

    # -- errors ----------------------------------------------------------------------------------
    def map_error(self, response: httpx.Response) -> ApiError:
        body = decode_body(response)
        message = remote_message(body, response.reason_phrase or f"HTTP {response.status_code}")
        error = error_for_status(self.system, response, message, body, field_errors=field_errors(body))
        code = body.get("ErrorCode") if isinstance(body, dict) else None
        if response.status_code == 429 or code == TOO_MANY_REQUESTS:
            if isinstance(error, RateLimitedError) and error.retry_after is not None:
                return error
            developer = body.get("DeveloperErrorMessage") if isinstance(body, dict) else None
            retry_after = retry_after_from_message(developer if isinstance(developer, str) else None)
            return RateLimitedError(
                error.message,
                retry_after=retry_after,
                status_code=response.status_code,
                remote_message=message,
                body=body,
                method=response.request.method,
                url=str(response.request.url),
            )
        return error
