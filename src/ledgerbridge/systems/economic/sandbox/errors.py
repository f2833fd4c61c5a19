"""e-conomic's two error dialects, and the JSON encoding every sandbox response uses.

Legacy REST (restapi.e-conomic.com) answers with its own JSON::

    {"message": ..., "developerHint": ..., "logId": "a2a282a789f20523-CPH", "httpStatusCode": 400,
     "errors": ..., "logTime": "2026-08-12T23:18:03", ["errorCode": ...], ["allowedFilteringFields": [...]]}

where ``errors`` is either an annotated copy of the request document (validation) or an array of
strings (e.g. a bad filter). The OpenAPI services answer ``application/problem+json``
(``type``, ``title``, ``status``, ``traceId``, ``errorCode``, optional ``detail``/``errors``).

Error codes: E04042, E04500, E04730, E04740, E04760, E04810, E06000 and E06151 are e-conomic's (seen in
its docs or live).
e-conomic has not published codes for plain schema violations (required, type, length, range, enum,
null); the sandbox marks those with :data:`UNPUBLISHED` ("E00000") and words the messages like the
live server's JSON-schema messages ("Expected String but got Null.", "Integer 0 is less than minimum
value of 1.").
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

UNPUBLISHED = "E00000"
NOT_FOUND = "E06000"
NO_IDENTIFIER = "E04500"
SCALE = "E04740"
PAGE_SIZE = "E04810"
IMMUTABLE_TERMS = "E06151"

VALIDATION_MESSAGE = "Validation error."
VALIDATION_HINT = "Inspect validation errors and correct your request."
FILTER_MESSAGE = "Could not parse query string filter."
FILTER_HINT = "Filtering on collections can be done using the querystring parameter 'filter'."
SORT_MESSAGE = "Could not parse query string sort parameter."
SORT_HINT = "Sorting on collections can be done using the querystring parameter 'sort'."


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Amounts go out as JSON numbers, as e-conomic sends them (40.0, -1600.0, 12.5).
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(data: Any) -> bytes:
    """Compact JSON with Decimals as numbers and non-ASCII kept (e-conomic sends UTF-8)."""
    return json.dumps(data, default=_json_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class EconomicJSONResponse(Response):
    """A JSON response that serialises Decimal money as numbers."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        """Serialise ``content`` with :func:`dumps`."""
        return dumps(content)


class ProblemJSONResponse(EconomicJSONResponse):
    """``application/problem+json`` for the OpenAPI services."""

    media_type = "application/problem+json; charset=utf-8"


def log_id() -> str:
    """Looks like e-conomic's ``logId``/``traceId`` values (``a2a282a789f20523-CPH``)."""
    return f"{secrets.token_hex(8)}-CPH"


def _log_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def legacy_body(
    status: int,
    message: str,
    *,
    developer_hint: str | None = None,
    errors: Any = None,
    error_code: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A legacy REST error document."""
    body: dict[str, Any] = {"message": message}
    if error_code:
        body["errorCode"] = error_code
    if developer_hint:
        body["developerHint"] = developer_hint
    body["logId"] = log_id()
    body["httpStatusCode"] = status
    if errors is not None:
        body["errors"] = errors
    body["logTime"] = _log_time()
    body.update(extra)
    return body


def legacy_error(status: int, message: str, **kwargs: Any) -> Response:
    """A legacy REST error response."""
    return EconomicJSONResponse(legacy_body(status, message, **kwargs), status_code=status)


_PROBLEM_TYPES = {
    400: ("https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad request.", "BadRequest"),
    401: ("https://tools.ietf.org/html/rfc9110#section-15.5.2", "Unauthorized.", "Unauthorized"),
    403: ("https://tools.ietf.org/html/rfc9110#section-15.5.4", "Forbidden.", "Forbidden"),
    404: ("https://tools.ietf.org/html/rfc9110#section-15.5.5", "Resource not found.", "ResourceNotFound"),
    405: ("https://tools.ietf.org/html/rfc9110#section-15.5.6", "Method not allowed.", "MethodNotAllowed"),
    409: (
        "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        "Update conflict. Version does not match.",
        "UpdateConflict",
    ),
    415: (
        "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        "Unsupported media type.",
        "UnsupportedMediaType",
    ),
    429: ("https://tools.ietf.org/html/rfc6585#section-4", "Too many requests.", "TooManyRequests"),
    500: (
        "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        "Internal server error.",
        "InternalServerError",
    ),
}


def problem(
    status: int,
    *,
    detail: str | None = None,
    error_code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Response:
    """An OpenAPI-services ``problem+json`` response (404 matches the recorded one field for field)."""
    kind, default_title, default_code = _PROBLEM_TYPES.get(status, _PROBLEM_TYPES[500])
    body: dict[str, Any] = {"type": kind, "title": title or default_title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body["traceId"] = log_id()
    body["errorCode"] = error_code or default_code
    return ProblemJSONResponse(body, status_code=status)


class LegacyHttpError(Exception):
    """Raised inside handlers; becomes a legacy error response."""

    def __init__(self, status: int, message: str, **kwargs: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kwargs = kwargs

    def response(self) -> Response:
        """This error as a legacy-format response."""
        return legacy_error(self.status, self.message, **self.kwargs)


def field_error(
    code: str, message: str, *, value: Any = None, hint: str | None = None, include_value: bool = False
) -> dict[str, Any]:
    """One entry of an annotated ``errors`` list."""
    entry: dict[str, Any] = {"errorCode": code, "message": message}
    if include_value or value is not None:
        entry["value"] = value
    entry["developerHint"] = hint or "Please check your request data."
    return entry
