"""What every eAccounting sandbox answer shares: Decimal JSON, the error envelope, field checks, paging."""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledgerbridge.sandbox.routes import HttpError
from ledgerbridge.systems.eaccounting.sandbox.odata import FilterError, parse_datetime, parse_filter
from ledgerbridge.systems.eaccounting.sandbox.resources import F, Resource

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
INVALID_MODEL = "The data model is not valid, see Errors for details."


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


def field_error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"Field": field, "ErrorCode": code, "Message": message, "Key": field}


def invalid(errors: list[dict[str, Any]], code: int = 2000, message: str = INVALID_MODEL) -> HttpError:
    """A 400 with ``Errors[]`` (ErrorCode 2000 unless a more specific code applies)."""
    return HttpError(error_response(400, code, message, errors))


def not_found(what: str) -> HttpError:
    return HttpError(error_response(404, 3000, f"The {what} was not found."))


def no_route(path: str) -> HttpError:
    return HttpError(error_response(404, 3000, f"No HTTP resource was found that matches {path}."))


def not_allowed(method: str) -> HttpError:
    return HttpError(
        error_response(405, 4000, f"The requested resource does not support http method '{method}'.")
    )


async def read_body(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The JSON object in the body (Decimals for fractions); ``optional`` lets an empty body be ``{}``."""
    raw = await request.body()
    if optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        data = None
    if optional and data is None and raw.strip() == b"null":
        return {}
    if not isinstance(data, dict):
        raise HttpError(error_response(400, 6001, "The request body must be a JSON object."))
    return data


# -- field checks --------------------------------------------------------------------------------------
def type_problem(spec: F, value: Any) -> tuple[str, str] | None:
    """Why ``value`` does not fit ``spec`` (an error code word and a message), or None."""
    kind = spec.kind
    if kind in ("str", "uuid", "datetime", "date"):
        if not isinstance(value, str):
            return "InvalidType", "must be a string"
        if kind == "uuid" and not GUID.match(value):
            return "InvalidFormat", "must be a GUID"
        if kind in ("datetime", "date") and parse_datetime(value) is None:
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
    elif kind == "uuids" and not (
        isinstance(value, list) and all(isinstance(v, str) and GUID.match(v) for v in value)
    ):
        return "InvalidType", "must be a list of GUIDs"
    elif kind == "labels" and not (
        isinstance(value, list)
        and all(isinstance(v, dict) and isinstance(v.get("Id"), str) and GUID.match(v["Id"]) for v in value)
    ):
        return "InvalidType", "must be a list of objects with an Id"
    elif kind == "object" and not isinstance(value, dict):
        return "InvalidType", "must be an object"
    elif kind == "object" and spec.shape:
        for name, inner in spec.shape.items():
            problem = type_problem(inner, value[name]) if value.get(name) is not None else None
            if problem:
                return problem[0], f"{name} {problem[1]}"
    elif kind == "rows" and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
        return "InvalidType", "must be a list of row objects"
    return None


def check_fields(
    fields: dict[str, F],
    data: dict[str, Any],
    required: Iterable[str] = (),
    prefix: str = "",
) -> list[dict[str, Any]]:
    """Required, type, format and length problems of ``data`` (field names get ``prefix``)."""
    errors: list[dict[str, Any]] = []
    for name in required:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(field_error(prefix + name, "Required", f"The {name} field is required."))
    for name, spec in fields.items():
        value = data.get(name)
        if value is None:
            continue
        problem = type_problem(spec, value)
        if problem:
            errors.append(field_error(prefix + name, problem[0], f"{name}: {problem[1]}"))
    return errors


def decimals(value: Decimal | int) -> int:
    """How many decimals a number has as written (``1.50`` has 2; ``2`` has 0)."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def as_date(text: str | None) -> date | None:
    """The calendar date of a ``YYYY-MM-DD`` or date-time text (its own date, no zone shift)."""
    if not text:
        return None
    moment = parse_datetime(text)
    return moment.date() if moment else None


# -- lists ---------------------------------------------------------------------------------------------
def _int_param(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise HttpError(error_response(400, 6000, f"{name} must be a whole number.")) from None


def page_of(
    request: Request, records: list[dict[str, Any]], fields: Iterable[str], server_time: str
) -> Response:
    """``{"Meta", "Data"}`` for ``records`` after ``$filter`` (on ``fields`` and the records' own keys)."""
    query = request.query_params
    page = _int_param(query.get("$page"), "$page", 1)
    size = _int_param(query.get("$pagesize"), "$pagesize", DEFAULT_PAGE_SIZE)
    if page < 1 or size < 1:
        raise HttpError(error_response(400, 6000, "$page and $pagesize must be at least 1."))
    size = min(size, MAX_PAGE_SIZE)
    text = query.get("$filter")
    if text:
        names = set().union(*(r.keys() for r in records)) | set(fields) | {"Id"}
        try:
            predicate = parse_filter(text, names)
        except FilterError as exc:
            raise HttpError(error_response(400, 6000, f"Invalid $filter: {exc}")) from None
        records = [r for r in records if predicate(r)]
    total = len(records)
    meta = {
        "CurrentPage": page,
        "PageSize": size,
        "TotalNumberOfPages": max(1, math.ceil(total / size)),
        "TotalNumberOfResults": total,
        "ServerTimeUtc": server_time,
    }
    return json_response({"Meta": meta, "Data": records[(page - 1) * size : page * size]})


def resource_filter_fields(resource: Resource) -> set[str]:
    return set(resource.fields) | {"Id", "ChangedUtc", "ModifiedUtc", "CreatedUtc"}
