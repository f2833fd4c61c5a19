"""Severa's ``ExceptionModel`` error bodies mapped onto the project's exception tree.

Every operation's ``default`` response is ``{"error": {"httpStatusCode", "type", "details": [{"message",
"url", "location": {"type", "name", "identifier"}}], "stack"}}``; 404 has no body at all. Which HTTP
status goes with which ``type`` is not documented (UNCONFIRMED), so the ``type`` decides the class when it
is known and the status only when it is not: a 400 ``AuthenticationRequired`` is still an auth error, a 403
``InvalidParameter`` still a validation error. A 429 (Severa answers it with a plain-text body, "API calls
quota exceeded! maximum admitted 10 per 1s.", and usually without ``Retry-After``) waits one quota window.
"""

from __future__ import annotations

from typing import Any

import httpx

from ledgerbridge.systems.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from ledgerbridge.systems.http import decode_body, error_for_status, parse_retry_after

#: Severa counts its request quota per second: without ``Retry-After``, one window is the wait.
QUOTA_WINDOW_SECONDS = 1.0

#: ``ExceptionTypeEnum`` values that need a person with rights (scopes, add-ons, licences, terms).
_AUTH_TYPES = frozenset(
    {
        "AuthenticationRequired",
        "InsufficientApiScope",
        "PermissionDenied",
        "AddonMissing",
        "AddonMissingTermsOfServiceApproval",
        "FeatureIsNotEnabled",
        "UserLicenseType",
        "TermsOfServiceNotApproved",
        "OrganizationNotActive",
        "TrialExpired",
        "NotAvailableInTrial",
        "ExcludedFromTrial",
        "InvalidRecaptcha",
    }
)
#: Types that say the request or the data is wrong: fix it, then try again.
_VALIDATION_TYPES = frozenset({"InvalidParameter", "InvalidRequest", "InvalidOperation"})
#: Types that are Severa's own trouble: the same call may succeed later.
_TRANSIENT_TYPES = frozenset({"InternalSystemError"})
#: Types no record can fix (the connection or Severa's configuration is wrong): a plain ``ApiError``.
_SETUP_TYPES = frozenset({"ConfigurationError", "HttpsRequired", "InvalidApiVersion"})


class SeveraAuthError(AuthError):
    """An auth error with Severa's ``type`` (``AuthenticationRequired``, ``InsufficientApiScope``, …)."""


class InsufficientScope(SeveraAuthError):
    """The API client lacks a scope this call needs: add it to the client in Severa and reconnect."""


def error_model(body: Any) -> dict[str, Any] | None:
    """The ``ErrorModel`` inside an ``ExceptionModel`` body, or None when the body is something else."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return None


def error_type(body: Any) -> str | None:
    """``error.type`` of an ``ExceptionModel`` body (``InvalidParameter``, …)."""
    model = error_model(body)
    value = model.get("type") if model else None
    return str(value) if value else None


def error_details(body: Any) -> list[dict[str, Any]]:
    model = error_model(body)
    details = model.get("details") if model else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _location(detail: dict[str, Any]) -> dict[str, Any]:
    location = detail.get("location")
    return location if isinstance(location, dict) else {}


def field_errors(body: Any) -> dict[str, list[str]]:
    """``details[]`` keyed by where Severa says the fault is: ``location.name`` (a field, a parameter),
    ``location.type`` when it names none, ``""`` when there is no location."""
    errors: dict[str, list[str]] = {}
    for detail in error_details(body):
        location = _location(detail)
        key = str(location.get("name") or location.get("type") or "")
        errors.setdefault(key, []).append(str(detail.get("message") or "invalid"))
    return errors


def remote_message(body: Any, fallback: str) -> str:
    """Severa's words: the type, then each detail with its location (``name (RequestBody): message``)."""
    model = error_model(body)
    if model is None:
        if isinstance(body, str) and body.strip():
            return body.strip()[:500]
        if isinstance(body, dict):
            for key in ("message", "Message", "error_description", "error"):
                if isinstance(body.get(key), str) and body[key].strip():
                    return body[key].strip()
        return fallback
    parts: list[str] = []
    for detail in error_details(body):
        message = str(detail.get("message") or "").strip()
        location = _location(detail)
        where = location.get("name")
        if where and location.get("type"):
            where = f"{where} ({location['type']})"
        if message:
            parts.append(f"{where}: {message}" if where else message)
    kind = model.get("type")
    text = "; ".join(parts) or fallback
    return f"{kind}: {text}" if kind else text


def map_severa_error(system: str, response: httpx.Response) -> ApiError:
    """The exception an unsuccessful Severa answer means, with Severa's own message and body attached."""
    body = decode_body(response) if response.content else None
    status = response.status_code
    kind = error_type(body)
    message = remote_message(body, response.reason_phrase or f"HTTP {status}")
    errors = field_errors(body)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        base = error_for_status(system, response, message, body)
        return RateLimitedError(
            base.message,
            retry_after=QUOTA_WINDOW_SECONDS if retry_after is None else retry_after,
            status_code=status,
            remote_message=message,
            body=body,
            method=base.method,
            url=base.url,
        )
    request = response.request
    common: dict[str, Any] = {
        "status_code": status,
        "remote_message": message,
        "body": body,
        "method": request.method,
        "url": str(request.url),
    }
    text = f"{system} answered {status} to {request.method} {request.url.path}: {message}"
    if kind == "InsufficientApiScope":
        return InsufficientScope(text, **common)
    if kind in _AUTH_TYPES:
        return SeveraAuthError(text, **common)
    if kind in _VALIDATION_TYPES:
        return ValidationError(text, errors=errors, **common)
    if kind in _TRANSIENT_TYPES:
        return TransientError(text, **common)
    if kind in _SETUP_TYPES:
        return ApiError(text, **common)
    if status == 404:
        # Severa's 404 has no body: "Resource not found".
        return NotFoundError(
            text if body else f"{system}: {request.method} {request.url.path} not found", **common
        )
    return error_for_status(system, response, message, body, field_errors=errors or None)
