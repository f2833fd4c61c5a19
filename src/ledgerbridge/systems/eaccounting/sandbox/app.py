"""The eAccounting sandbox ASGI app: routing, auth, per-endpoint rate limits, validation, paging."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ledgerbridge.sandbox import SandboxKit, TokenBucket
from ledgerbridge.systems.eaccounting.sandbox.odata import FilterError, parse_datetime, parse_filter
from ledgerbridge.systems.eaccounting.sandbox.resources import F, Resource
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PATH = re.compile(r"^/v2/(?P<resource>[A-Za-z]+)(?:/(?P<id>[^/]+))?/?$")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, default=_json_default).encode()
    return Response(
        content, status_code=status, media_type="application/json; charset=utf-8", headers=headers
    )


def error_response(
    status: int, code: int, message: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    """eAccounting's error envelope (``CommonExtendedBadRequest``)."""
    return json_response(
        {
            "ErrorCode": code,
            "DeveloperErrorMessage": message,
            "ErrorId": str(uuid.uuid4()),
            "Errors": errors,
        },
        status,
    )


def _kit_error_body(status: int, message: str) -> Response:
    code = {429: 4010, 503: 5001, 504: 5002}.get(status, 5000 if status >= 500 else 4000)
    return error_response(status, code, message)


class _HttpError(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _field_error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"Field": field, "ErrorCode": code, "Message": message, "Key": field}


class EAccountingApi:
    """The emulated API (the kit wraps it with faults and the request log)."""

    def __init__(self, state: EAccountingState, rate_limit: tuple[int, float] | None) -> None:
        self.state = state
        self.rate_limit = rate_limit
        self.bucket_clock: Callable[[], float] = time.monotonic  # tests may freeze it
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def set_rate_limit(self, capacity: int | None, window_seconds: float = 60.0) -> None:
        """Requests allowed per (token, endpoint) and window; None switches the limit off."""
        self.rate_limit = (capacity, window_seconds) if capacity else None
        self._buckets.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._handle(request)
        except _HttpError as exc:
            response = exc.response
        await response(scope, receive, send)

    # -- protocol --------------------------------------------------------------------------------
    def _token(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _HttpError(error_response(401, 4005, "Authorization has been denied for this request."))
        if self.state.allowed_tokens and token not in self.state.allowed_tokens:
            raise _HttpError(error_response(401, 4005, "Authorization has been denied for this request."))
        return token

    def _throttle(self, token: str, endpoint: str) -> None:
        if not self.rate_limit:
            return
        capacity, window = self.rate_limit
        key = (token, endpoint)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(int(capacity), window, clock=self.bucket_clock)
        decision = bucket.take()
        if not decision.allowed:
            seconds = max(1, math.ceil(decision.retry_after))
            per = "Minute" if window == 60 else f"{window:g} seconds"
            raise _HttpError(
                error_response(
                    429,
                    4010,
                    f"API calls quota exceeded! maximum admitted {capacity} per {per}. "
                    f"Try again in {seconds} seconds.",
                )
            )

    async def _handle(self, request: Request) -> Response:
        match = _PATH.match(request.url.path)
        if not match:
            return error_response(404, 3000, f"No HTTP resource was found that matches {request.url.path}.")
        name = match["resource"].lower()
        try:
            resource = self.state.resource(name)
        except KeyError:
            return error_response(404, 3000, f"No HTTP resource was found that matches {request.url.path}.")
        token = self._token(request)
        self._throttle(token, f"/v2/{name}")
        record_id = match["id"]
        method = request.method
        if record_id is None:
            if method == "GET":
                return self._list(request, resource)
            if method == "POST":
                data = await self._body(request)
                self._validate(resource, data)
                data.pop("Id", None)
                return json_response(self.state.add(name, data), 201)
            return self._not_allowed(method, request)
        if not _GUID.match(record_id):
            return error_response(404, 3000, f"No HTTP resource was found that matches {request.url.path}.")
        record_id = record_id.lower()
        if method == "GET":
            return json_response(self._existing(resource, record_id))
        if method == "PUT":
            self._existing(resource, record_id)
            data = await self._body(request)
            self._validate(resource, data)
            return json_response(self.state.replace(name, record_id, data))
        if method == "DELETE" and resource.deletable:
            self._existing(resource, record_id)
            self.state.delete(name, record_id)
            return Response(status_code=200)
        return self._not_allowed(method, request)

    @staticmethod
    def _not_allowed(method: str, request: Request) -> Response:
        return error_response(405, 4000, f"The requested resource does not support http method '{method}'.")

    def _existing(self, resource: Resource, record_id: str) -> dict[str, Any]:
        record = self.state.get(resource.name, record_id)
        if record is None:
            raise _HttpError(error_response(404, 3000, f"The {resource.name} {record_id} was not found."))
        return record

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body(), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise _HttpError(error_response(400, 6001, "The request body must be a JSON object."))
        return data

    # -- lists -----------------------------------------------------------------------------------
    def _list(self, request: Request, resource: Resource) -> Response:
        query = request.query_params
        page = self._int_param(query.get("$page"), "$page", 1)
        size = self._int_param(query.get("$pagesize"), "$pagesize", DEFAULT_PAGE_SIZE)
        if page < 1 or size < 1:
            raise _HttpError(error_response(400, 6000, "$page and $pagesize must be at least 1."))
        size = min(size, MAX_PAGE_SIZE)
        records = self.state.all(resource.name)
        text = query.get("$filter")
        if text:
            fields = set().union(*(r.keys() for r in records)) | set(resource.fields) | {"Id", "ChangedUtc"}
            try:
                predicate = parse_filter(text, fields)
            except FilterError as exc:
                raise _HttpError(error_response(400, 6000, f"Invalid $filter: {exc}")) from None
            records = [r for r in records if predicate(r)]
        total = len(records)
        pages = max(1, math.ceil(total / size))
        meta = {
            "CurrentPage": page,
            "PageSize": size,
            "TotalNumberOfPages": pages,
            "TotalNumberOfResults": total,
            "ServerTimeUtc": self.state.now_text(),
        }
        return json_response({"Meta": meta, "Data": records[(page - 1) * size : page * size]})

    @staticmethod
    def _int_param(value: str | None, name: str, default: int) -> int:
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise _HttpError(error_response(400, 6000, f"{name} must be a whole number.")) from None

    # -- validation ------------------------------------------------------------------------------
    def _validate(self, resource: Resource, data: dict[str, Any]) -> None:
        errors: list[dict[str, Any]] = []
        for name in resource.required:
            value = data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors.append(_field_error(name, "Required", f"The {name} field is required."))
        for name, spec in resource.fields.items():
            value = data.get(name)
            if value is None:
                continue
            problem = _type_problem(spec, value)
            if problem:
                errors.append(_field_error(name, problem[0], f"{name}: {problem[1]}"))
        for name, target in resource.references.items():
            value = data.get(name)
            if isinstance(value, str) and _GUID.match(value) and self.state.get(target, value) is None:
                errors.append(
                    _field_error(name, "NotFound", f"{name} {value} does not exist in /v2/{target}.")
                )
        if errors:
            raise _HttpError(
                error_response(400, 2000, "The data model is not valid, see Errors for details.", errors)
            )


def _type_problem(spec: F, value: Any) -> tuple[str, str] | None:
    kind = spec.kind
    if kind in ("str", "uuid", "datetime"):
        if not isinstance(value, str):
            return "InvalidType", "must be a string"
        if kind == "uuid" and not _GUID.match(value):
            return "InvalidFormat", "must be a GUID"
        if kind == "datetime" and parse_datetime(value) is None:
            return "InvalidFormat", "must be an ISO-8601 date-time"
        if spec.max_length is not None and len(value) > spec.max_length:
            return "MaxLength", f"may be at most {spec.max_length} characters"
    elif kind == "bool" and not isinstance(value, bool):
        return "InvalidType", "must be true or false"
    elif kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return "InvalidType", "must be a whole number"
    elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | Decimal)):
        return "InvalidType", "must be a number"
    elif kind == "list" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "InvalidType", "must be a list of strings"
    return None


class EAccountingSandboxApp:
    """The ASGI app :func:`create_app` returns: ``eaccounting_state`` (the data), ``kit`` (faults,
    request log), ``api`` (the unwrapped emulator, with ``set_rate_limit``)."""

    def __init__(self, asgi: ASGIApp, api: EAccountingApi, kit: SandboxKit) -> None:
        self._asgi = asgi
        self.api = api
        self.kit = kit
        self.eaccounting_state = api.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(
    state: EAccountingState | None = None, *, rate_limit: tuple[int, float] | None = (600, 60.0)
) -> EAccountingSandboxApp:
    """An eAccounting sandbox; ``rate_limit`` is ``(requests, window_seconds)`` per token and endpoint."""
    api = EAccountingApi(state or EAccountingState(), rate_limit)
    kit = SandboxKit(error_body=_kit_error_body)
    return EAccountingSandboxApp(kit.wrap(api), api, kit)
