"""Severa's wire format: JSON bodies, ``ExceptionModel`` errors, date-times, GUIDs, Money, body checks."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from ledgerbridge.sandbox.routes import HttpError

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Severa's ExceptionTypeEnum → the status the sandbox answers with (the spec has no mapping; see the docs).
STATUS_OF = {
    "InvalidParameter": 400,
    "InvalidRequest": 400,
    "InvalidOperation": 400,
    "AuthenticationRequired": 401,
    "InsufficientApiScope": 403,
    "PermissionDenied": 403,
    "AddonMissing": 403,
    "InternalSystemError": 500,
}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Severa's numbers are doubles on the wire; Decimal keeps money exact up to here.
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def dumps(body: Any) -> bytes:
    return json.dumps(body, default=_default, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps(body), status_code=status, headers=headers, media_type="application/json; charset=utf-8"
    )


def timestamp(moment: datetime) -> str:
    """Severa writes date-times with milliseconds and an explicit offset (UTC here)."""
    return moment.isoformat(timespec="milliseconds")


def error_response(
    status: int,
    kind: str,
    message: str,
    *,
    location: tuple[str, str] | None = None,  # (ExceptionLocationTypeEnum, name)
    headers: dict[str, str] | None = None,
) -> Response:
    detail: dict[str, Any] = {"message": message}
    if location is not None:
        detail["location"] = {"type": location[0], "name": location[1]}
    body = {"error": {"httpStatusCode": status, "type": kind, "details": [detail], "stack": None}}
    return json_response(status, body, headers)


def fail(kind: str, message: str, location: tuple[str, str] | None = None) -> HttpError:
    return HttpError(error_response(STATUS_OF.get(kind, 400), kind, message, location=location))


def invalid_body(name: str, message: str) -> HttpError:
    return fail("InvalidParameter", message, ("RequestBody", name))


def invalid_query(name: str, message: str) -> HttpError:
    return fail("InvalidParameter", message, ("UriParameter", name))


def not_found() -> HttpError:
    """Severa documents every 404 as "Resource not found" without a body."""
    return HttpError(Response(status_code=404))


def new_guid() -> str:
    return str(uuid.uuid4())


def check_guid(value: str, name: str = "guid") -> str:
    if not GUID.match(value):
        raise fail("InvalidParameter", f"'{value}' is not a valid GUID.", ("PathParameter", name))
    return value.lower()


# -- request bodies ------------------------------------------------------------------------------------
def _given(body: dict[str, Any], name: str, required: bool) -> Any:
    """The field's value; ``None`` when absent or null, which a required field refuses with a 400."""
    value = body.get(name)
    if value is None and required:
        raise invalid_body(name, f"The {name} field is required.")
    return value


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise fail("InvalidRequest", "The request body must be a JSON object.", ("RequestBody", "body"))
    return body


def text(
    body: dict[str, Any], name: str, *, required: bool = False, max_length: int | None = None
) -> str | None:
    value = _given(body, name, required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_body(name, f"The {name} field must be a string.")
    if required and not value.strip():
        raise invalid_body(name, f"The {name} field is required.")
    if max_length is not None and len(value) > max_length:
        raise invalid_body(name, f"The field {name} must be a string with a maximum length of {max_length}.")
    return value


def flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid_body(name, f"The {name} field must be true or false.")
    return value


def integer(body: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = _given(body, name, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_body(name, f"The {name} field must be an integer.")
    return value


def number(body: dict[str, Any], name: str, *, required: bool = False) -> Decimal | None:
    value = _given(body, name, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_body(name, f"The {name} field must be a number.")
    return Decimal(str(value))


def day(body: dict[str, Any], name: str, *, required: bool = False) -> date | None:
    value = _given(body, name, required)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise invalid_body(name, f"The {name} field must be a date (YYYY-MM-DD).") from None


def reference(
    body: dict[str, Any], name: str, table: dict[str, Any], *, required: bool = False
) -> str | None:
    """``{"guid": ...}`` naming an existing record of ``table``; its guid."""
    value = _given(body, name, required)
    if value is None:
        return None
    guid = value.get("guid") if isinstance(value, dict) else None
    if not isinstance(guid, str) or not guid:
        if required:
            raise invalid_body(f"{name}.guid", f"The {name}.guid field is required.")
        return None
    if guid.lower() not in table:
        raise invalid_body(f"{name}.guid", f"No {name} with guid '{guid}'.")
    return guid.lower()


def money_in(
    body: dict[str, Any], name: str, currency: str, *, required: bool = False
) -> dict[str, Any] | None:
    """A ``MoneyInputModel`` → the stored ``{amount: Decimal, currencyCode}``."""
    value = _given(body, name, required)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_body(name, f"The {name} field must be an object with amount and currencyCode.")
    amount = number(value, "amount")
    code = value.get("currencyCode") or currency
    if not isinstance(code, str) or len(code) != 3:
        raise invalid_body(f"{name}.currencyCode", "currencyCode must be a three-letter ISO code.")
    return {"amount": amount if amount is not None else Decimal(0), "currencyCode": code.upper()}


def money_out(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"amount": value["amount"], "currencyCode": value["currencyCode"], "multiCurrencyInfo": []}
