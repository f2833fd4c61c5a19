"""Every ``ExceptionTypeEnum`` value of the official OpenAPI maps onto the project's exception tree.

Which HTTP status goes with which type is not documented, so each type is tried with the status the
research proposes and with a contrary one: the type decides. (The types the sandbox produces are also
tested over HTTP in ``test_client.py``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ledgerbridge.systems.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from ledgerbridge.systems.severa.errors import InsufficientScope, SeveraAuthError, map_severa_error

EXPECTED: dict[str, type[ApiError]] = {
    "InternalSystemError": TransientError,
    "AuthenticationRequired": SeveraAuthError,
    "AddonMissing": SeveraAuthError,
    "FeatureIsNotEnabled": SeveraAuthError,
    "InvalidParameter": ValidationError,
    "InvalidOperation": ValidationError,
    "InvalidRequest": ValidationError,
    "InsufficientApiScope": InsufficientScope,
    "InvalidApiVersion": ApiError,
    "ConfigurationError": ApiError,
    "UserLicenseType": SeveraAuthError,
    "TermsOfServiceNotApproved": SeveraAuthError,
    "HttpsRequired": ApiError,
    "OrganizationNotActive": SeveraAuthError,
    "PermissionDenied": SeveraAuthError,
    "TrialExpired": SeveraAuthError,
    "NotAvailableInTrial": SeveraAuthError,
    "InvalidRecaptcha": SeveraAuthError,
    "AddonMissingTermsOfServiceApproval": SeveraAuthError,
    "ExcludedFromTrial": SeveraAuthError,  # only in the generated client, not the official file
}


@pytest.fixture(scope="module")
def official_types(specs_dir: Path) -> list[str]:
    text = (specs_dir / "severa" / "openapi-v1.0.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    schemas = yaml.load(text, Loader=loader)["components"]["schemas"]
    return list(schemas["ExceptionTypeEnum"]["enum"])


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://api.severa.visma.com/rest-api/v1/customers")
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def exception_model(kind: str, status: int, *details: dict[str, Any]) -> dict[str, Any]:
    return {"error": {"httpStatusCode": status, "type": kind, "details": list(details), "stack": None}}


def test_every_official_type_has_a_mapping(official_types: list[str]) -> None:
    assert set(official_types) <= set(EXPECTED), set(official_types) - set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("status", [400, 401, 403, 500])
def test_the_type_decides_the_class_whatever_the_status(kind: str, status: int) -> None:
    detail = {"message": "Nope.", "location": {"type": "RequestBody", "name": "name"}}
    error = map_severa_error("Severa", answer(status, exception_model(kind, status, detail)))
    assert type(error) is EXPECTED[kind]
    assert error.status_code == status
    assert error.remote_message == f"{kind}: name (RequestBody): Nope."
    assert error.body["error"]["type"] == kind


def test_validation_errors_are_keyed_by_location() -> None:
    body = exception_model(
        "InvalidParameter",
        400,
        {"message": "The name field is required.", "location": {"type": "RequestBody", "name": "name"}},
        {"message": "Must be a number.", "location": {"type": "RequestBody", "name": "number"}},
        {"message": "Malformed guid.", "location": {"type": "PathParameter"}},
        {"message": "Something else."},
    )
    error = map_severa_error("Severa", answer(400, body))
    assert isinstance(error, ValidationError)
    assert error.errors == {
        "name": ["The name field is required."],
        "number": ["Must be a number."],
        "PathParameter": ["Malformed guid."],
        "": ["Something else."],
    }


def test_404_without_a_body_is_not_found() -> None:
    error = map_severa_error("Severa", answer(404))
    assert isinstance(error, NotFoundError) and error.body is None


@pytest.mark.parametrize(("header", "wait"), [(None, 1.0), ("3", 3.0)])
def test_429_waits_retry_after_or_one_quota_window(header: str | None, wait: float) -> None:
    headers = {"Retry-After": header} if header else None
    error = map_severa_error(
        "Severa", answer(429, "API calls quota exceeded! maximum admitted 10 per 1s.", headers)
    )
    assert isinstance(error, RateLimitedError) and error.retry_after == wait
    assert "quota exceeded" in error.remote_message


@pytest.mark.parametrize(
    ("status", "cls"), [(401, AuthError), (403, AuthError), (409, ApiError), (502, TransientError)]
)
def test_without_an_exception_model_the_status_decides(status: int, cls: type[ApiError]) -> None:
    error = map_severa_error("Severa", answer(status, "<html>gateway</html>"))
    assert isinstance(error, cls)
