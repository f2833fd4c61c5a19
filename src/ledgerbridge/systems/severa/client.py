"""The Visma Severa REST API v1 client: two paging styles, ``changedSince``, JSON-Patch, ``ExceptionModel``.

Paths are relative to the base URL (``https://api.severa.visma.com/rest-api``): ``v1/customers``,
``heartbeat/authorized``. What the official OpenAPI says, and how this client follows it:

* **Cursor paging** (``pageToken``/``rowCount``): lists answer a bare JSON array and, while more rows
  exist, a ``NextPageToken`` header; the next request repeats the same query plus ``pageToken``.
* **Offset paging** (``firstRow``/``rowCount``): no total is promised (``calculateRowCount`` puts it
  nowhere documented), so a page shorter than asked is the last one.
* ``rowCount`` is at most 100 on both (one page of the spec says 1000 elsewhere; 100 is the safe one).
* ``changedSince`` is "added or changed after this date time (greater or equal)"; it goes out as an ISO
  date-time with its offset (URL-encoded, so ``+`` survives). Naive date-times are refused: whose clock?
* Writes: ``POST`` → 201 with the model (an array for invoices and project fees); ``PATCH`` takes
  ``[{"op": "Replace", "path": "/status/guid", "value": …}]`` and answers an array of models (or one
  model on a few routes: both are read); ``DELETE`` → 204.
* Errors: ``ExceptionModel`` bodies become :mod:`ledgerbridge.systems.errors` classes
  (:mod:`.errors`); 404 has no body.
* Pacing: Severa allows about 10 requests a second per API client (third-party reports, 429 "API calls
  quota exceeded! maximum admitted 10 per 1s."). :class:`RequestPacer` sends at most 8 a second with a
  burst of 2 (never more than 10 in any one second); :func:`severa_budget` shares that budget by every
  client of one API client id in the process, or across a cluster's workers in PostgreSQL; a 429 still
  waits ``Retry-After`` or, without it, one second, and the request goes again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from ledgerbridge import __version__
from ledgerbridge.systems.errors import ApiError, NotFoundError, RateLimitedError, TransientError
from ledgerbridge.systems.http import JsonApiClient
from ledgerbridge.systems.pacing import Budget, CallBudget, budget_for, credential_key
from ledgerbridge.systems.severa.auth import (
    CLIENT_ID_HEADER,
    AccessTokens,
    MemoryVault,
    SeveraBearer,
    SeveraTokenEndpoint,
    SeveraTokens,
    TokenVault,
)
from ledgerbridge.systems.severa.connection import SeveraConnection
from ledgerbridge.systems.severa.errors import QUOTA_WINDOW_SECONDS, map_severa_error

DEFAULT_USER_AGENT = f"ledgerbridge/{__version__} (open-source Severa/eAccounting sync)"
MAX_ROW_COUNT = 100
NEXT_PAGE_TOKEN = "NextPageToken"


def severa_datetime(value: datetime) -> str:
    """``changedSince`` and other date-time parameters: ISO 8601 with the offset, never a naive time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone: Severa compares instants, give one with an offset")
    return value.isoformat()


def query_value(value: Any) -> Any:
    """One query value as Severa reads it; lists stay lists (repeated keys: ``numbers=1&numbers=2``)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [query_value(v) for v in value]
    if isinstance(value, datetime):
        return severa_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value  # httpx writes booleans as true/false


def query(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters without the ``None``s (an absent filter, not ``?isActive=``)."""
    return {key: query_value(value) for key, value in (params or {}).items() if value is not None}


SORT_DIRECTIONS = ("Asc", "Desc", "AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast")


def sortings(*order: tuple[str, str]) -> dict[str, str]:
    """``sortings`` of the offset lists as the spec spells them:
    ``sortings[0].key=name&sortings[0].value=Asc``."""
    params: dict[str, str] = {}
    for index, (key, direction) in enumerate(order):
        if direction not in SORT_DIRECTIONS:
            raise ValueError(f"{direction!r} is not a Severa sort direction ({', '.join(SORT_DIRECTIONS)})")
        params[f"sortings[{index}].key"] = key
        params[f"sortings[{index}].value"] = direction
    return params


def _row_count(value: int) -> int:
    return max(1, min(MAX_ROW_COUNT, int(value)))


# Severa's quota: about 10 requests a second per API client. 8 a second with bursts of 2 never puts
# more than 10 in any one second.
SEVERA_PER_SECOND = 8.0
SEVERA_BURST = 2


class RequestPacer(CallBudget):
    """At most ``per_second`` requests a second with bursts of ``burst``: a token bucket that waits.

    ``per_second + burst`` is the most requests any one second can see, so the defaults (8 and 2) stay
    within Severa's 10. A pacer of one's own (tests, benchmarks); :func:`severa_budget` gives the API
    client id's, shared by every client of it in this process or, in a cluster, across the workers.
    """

    def __init__(
        self,
        per_second: float = SEVERA_PER_SECOND,
        burst: int = SEVERA_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a pacer needs a positive rate and a burst of at least 1")
        super().__init__(per_second * 60.0, share=1.0, burst=burst, clock=clock, sleep=sleep)
        self.burst = burst

    @property
    def requests(self) -> int:
        """Requests let through (the sign-ins count too)."""
        return self.calls


def severa_budget(base_url: str, client_id: str) -> Budget:
    """The budget of one API client id from the source installed now: this process's, or the cluster's
    (kept in PostgreSQL, keyed by a hash of the base URL and client id)."""
    key = credential_key("severa", base_url.rstrip("/"), client_id)
    return budget_for("severa", key, SEVERA_PER_SECOND * 60.0, burst=SEVERA_BURST, share=1.0)


@dataclass(frozen=True)
class CursorPage:
    rows: list[dict[str, Any]]
    next_page_token: str | None


class _Shared:
    """Marker for "the process-wide pacer of this API client"."""


SHARED_PACER = _Shared()


class SeveraClient(JsonApiClient):
    """Severa's REST API v1 for one API client.

    ``tokens`` supplies access tokens (:class:`~.auth.SeveraTokens`); every request carries
    ``Authorization: Bearer`` and ``Client_Id``, and a 401 renews the token once. :meth:`open` builds the
    whole thing from a :class:`~.connection.SeveraConnection` and a token vault. ``pacer`` is
    :data:`SHARED_PACER` (:func:`severa_budget`: one per API client id), a budget of one's own such as a
    :class:`RequestPacer`, or None (tests
    that want to see Severa's 429s). Other keyword arguments go to :class:`JsonApiClient`.
    """

    system = "Severa"
    #: ``PatchOperationType`` in the spec is ``Add|Copy|Move|Remove|Replace``; Severa supports only replace.
    patch_op = "Replace"

    def __init__(
        self,
        base_url: str,
        client_id: str,
        tokens: AccessTokens,
        *,
        http: httpx.Client | None = None,
        pacer: Budget | _Shared | None = SHARED_PACER,
        user_agent: str = DEFAULT_USER_AGENT,
        **kwargs: Any,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": user_agent, CLIENT_ID_HEADER: client_id}
        if isinstance(pacer, _Shared):
            pacer = severa_budget(base_url, client_id)
        auth = SeveraBearer(tokens, client_id, pace=pacer)
        super().__init__(base_url, headers=headers, http=http, auth=auth, **kwargs)
        self.client_id = client_id
        self.tokens = tokens
        self.pacer = pacer
        self.pace = pacer
        self._closing: list[Callable[[], None]] = []

    @classmethod
    def open(
        cls,
        connection: SeveraConnection,
        vault: TokenVault | None = None,
        *,
        http: httpx.Client | None = None,
        pacer: Budget | _Shared | None = SHARED_PACER,
        timeout: float | None = None,
        token_margin: float = 60.0,
        clock: Callable[[], datetime] | None = None,
        **kwargs: Any,
    ) -> SeveraClient:
        """A client signed in with ``connection``'s client credentials; tokens kept in ``vault``
        (a :class:`~.auth.MemoryVault` when none is given: nothing outlives the process)."""
        # Without ``http``, the token endpoint and the API client each make a pool of their own at their
        # first call (the process's one TLS context) and let it go when idle (release_idle_clients).
        timeout = timeout if timeout is not None else connection.timeout_seconds
        base_url = connection.api_url
        if isinstance(pacer, _Shared):
            pacer = severa_budget(base_url, connection.client_id)
        now = clock or (lambda: datetime.now(UTC))
        endpoint = SeveraTokenEndpoint(
            base_url,
            connection.client_id,
            connection.client_secret.get_secret_value(),
            connection.scopes,
            http=http,
            timeout=timeout,
            before_request=pacer,
            clock=now,
        )
        tokens = SeveraTokens(endpoint, vault or MemoryVault(), margin=token_margin, clock=now)
        client = cls(
            base_url, connection.client_id, tokens, http=http, pacer=pacer, timeout=timeout, **kwargs
        )
        client._closing.append(endpoint.close)  # closes the endpoint's own pool (a given client stays open)
        return client

    def close(self) -> None:
        super().close()
        for close in self._closing:
            close()
        self._closing.clear()

    def __enter__(self) -> SeveraClient:
        return self

    def map_error(self, response: httpx.Response) -> ApiError:
        return map_severa_error(self.system, response)

    # -- connection ------------------------------------------------------------------------------
    def test_connection(self) -> None:
        """Sign in and call ``GET /heartbeat/authorized`` (204); raises what Severa's answer means."""
        response = self.request("GET", "heartbeat/authorized")
        if response.status_code not in (200, 204):
            raise ApiError(
                f"{self.system}: /heartbeat/authorized answered {response.status_code}, not 204",
                status_code=response.status_code,
            )

    # -- reading ---------------------------------------------------------------------------------
    def read(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One resource (``NotFoundError`` when Severa answers 404)."""
        return self.decode(self.request("GET", path, params=query(params)))

    def read_list(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """A list route without paging parameters (VAT rates, countries, price-list versions)."""
        return self._rows(path, self.read(path, params))

    def cursor_page(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_token: str | None = None,
        row_count: int = MAX_ROW_COUNT,
    ) -> CursorPage:
        """One page of a ``pageToken`` list and the token of the next one (None on the last page)."""
        sent = {**query(params), "rowCount": _row_count(row_count)}
        if page_token:
            sent["pageToken"] = page_token
        response = self.request("GET", path, params=sent)
        token = response.headers.get(NEXT_PAGE_TOKEN, "").strip() or None
        return CursorPage(self._rows(path, self.decode(response)), token)

    def iter_cursor(
        self, path: str, params: Mapping[str, Any] | None = None, *, row_count: int = MAX_ROW_COUNT
    ) -> Iterator[dict[str, Any]]:
        """Every row of a ``pageToken`` list, following ``NextPageToken`` until Severa sends none."""
        seen: set[str] = set()
        token: str | None = None
        while True:
            page = self.cursor_page(path, params, page_token=token, row_count=row_count)
            yield from page.rows
            token = page.next_page_token
            if token is None:
                return
            if token in seen:  # a server that hands out the same token again would loop forever
                raise ApiError(f"{self.system}: GET {path} answered the page token {token!r} twice")
            seen.add(token)

    def offset_page(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        first_row: int = 0,
        row_count: int = MAX_ROW_COUNT,
    ) -> list[dict[str, Any]]:
        sent = {**query(params), "firstRow": max(0, int(first_row)), "rowCount": _row_count(row_count)}
        return self._rows(path, self.read(path, sent))

    def iter_offset(
        self, path: str, params: Mapping[str, Any] | None = None, *, row_count: int = MAX_ROW_COUNT
    ) -> Iterator[dict[str, Any]]:
        """Every row of a ``firstRow`` list: pages until one is shorter than asked.

        A page *longer* than asked means the server ignored ``rowCount`` and sent everything (the
        spec's "Default all" on travel expense types): that is the whole list, and the end.
        """
        size = _row_count(row_count)
        first = 0
        while True:
            rows = self.offset_page(path, params, first_row=first, row_count=size)
            yield from rows
            if len(rows) != size:
                return
            first += size

    # -- writing ---------------------------------------------------------------------------------
    def create(self, path: str, body: Any) -> Any:
        """``POST`` → the created model (or the array Severa answers on invoices and project fees).

        A create is not repeated after a timeout or a 5xx (it may have happened: the caller finds before
        it creates again); a 429 was refused before anything happened, so it is waited out and sent again.
        """
        return self.decode(self._send_refused_again("POST", path, body))

    def _send_refused_again(self, method: str, path: str, body: Any) -> httpx.Response:
        for attempt in range(self._max_retries + 1):
            try:
                return self.request(method, path, json_body=body, retry=False)
            except RateLimitedError as exc:
                if attempt == self._max_retries:
                    raise
                self._sleep(exc.retry_after if exc.retry_after is not None else QUOTA_WINDOW_SECONDS)
        raise AssertionError("unreachable")  # pragma: no cover

    def patch(
        self, path: str, changes: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """``PATCH`` with replace operations; ``changes`` maps JSON pointers (``/status/guid``) or plain
        field names to new values, or is a ready ``PatchOperation[]``. Answers the updated models."""
        answer = self.decode(self.request("PATCH", path, json_body=self.patch_operations(changes)))
        if isinstance(answer, list):
            return [row for row in answer if isinstance(row, dict)]
        return [answer] if isinstance(answer, dict) else []

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> None:
        """``DELETE`` → 204, retried like a read; a 404 on a retry means the lost first attempt did it."""
        sent = query(params)
        for attempt in range(self._max_retries + 1):
            try:
                self.request("DELETE", path, params=sent, retry=False)
                return
            except NotFoundError:
                if attempt > 0:
                    return
                raise
            except TransientError as exc:
                if attempt == self._max_retries:
                    raise
                wait = exc.retry_after if isinstance(exc, RateLimitedError) else None
                self._sleep(wait if wait is not None else min(0.2 * 2**attempt, 30.0))

    @classmethod
    def patch_operations(
        cls, changes: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        if not isinstance(changes, Mapping):
            return [dict(op) for op in changes]
        operations = []
        for pointer, value in changes.items():
            path = pointer if pointer.startswith("/") else "/" + pointer.replace(".", "/")
            operations.append({"op": cls.patch_op, "path": path, "value": _patch_value(value)})
        if not operations:
            raise ValueError("a PATCH needs at least one change")
        return operations

    # -- internals -------------------------------------------------------------------------------
    def _rows(self, path: str, body: Any) -> list[dict[str, Any]]:
        if body is None:
            return []
        if isinstance(body, dict):  # a few list routes are declared with a single model (workhourprices)
            return [body]
        if not isinstance(body, list):
            raise ApiError(f"{self.system}: GET {path} did not answer a JSON array", body=body)
        return [row for row in body if isinstance(row, dict)]


def _patch_value(value: Any) -> Any:
    """Values as JSON knows them (the spec types ``value`` as string, but Severa reads typed values, as
    third-party clients send them); dates as ISO strings, money as exact numbers."""
    if isinstance(value, datetime):
        return severa_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
