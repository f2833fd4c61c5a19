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
from ledgerbridge.sandbox.ratelimit import TokenBucket
from ledgerbridge.systems.errors import ApiError, RateLimitedError
from ledgerbridge.systems.http import JsonApiClient, decode_body, error_for_status

DEFAULT_BASE_URL = "https://eaccountingapi.vismaonline.com/v2"
DEFAULT_USER_AGENT = f"ledgerbridge/{__version__} (open-source Rackbeat/eAccounting sync)"
TOO_MANY_REQUESTS = 4010

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

    One budget is shared by every client of one API client id in this process (``shared``), so the
    start-up sync, the real-time session and the console's reads together stay under it. A request
    waits (``sleep``) until its endpoint has room; the 429 handling remains for other processes.
    """

    _shared: dict[tuple[str, float, float], EndpointBudget] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        requests: int = 600,
        window_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.requests = requests
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for tests and benchmarks

    @classmethod
    def shared(cls, key: str, requests: int = 600, window_seconds: float = 60.0) -> EndpointBudget:
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

    def __call__(self, method: str, path: str) -> None:
        key = self.endpoint(path)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(
                    self.requests, self.window_seconds, clock=self._clock
                )
        while True:
            decision = bucket.take()
            if decision.allowed:
                return
            self.waited += decision.retry_after
            self._sleep(decision.retry_after)


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
        that want to see the server's 429s); :meth:`EndpointBudget.shared` gives one per API client id."""
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
