"""Request bodies and small HTTP helpers shared by the document, journal and webhook tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from .conftest import APP_SECRET, GRANT, HTTP

AUTH = {"X-AppSecretToken": APP_SECRET, "X-AgreementGrantToken": GRANT}


def call(base_url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request with the test tokens (``headers=`` adds to them); Decimals in ``json=`` go out as
    JSON numbers with exactly their digits."""
    headers = {**AUTH, **kwargs.pop("headers", {})}
    if "json" in kwargs:
        kwargs["content"] = json.dumps(kwargs.pop("json"), default=_number)
        headers.setdefault("Content-Type", "application/json")
    return HTTP.request(method, f"{base_url}{path}", headers=headers, **kwargs)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        as_float = float(value)
        assert Decimal(repr(as_float)) == value, value  # the shortest repr has exactly these digits
        return as_float
    raise TypeError(type(value).__name__)


def line(product: str | None = "1", quantity: Any = 1, price: Any = 100, **extra: Any) -> dict[str, Any]:
    """An invoice line (with a description, which e-conomic wants when a product is set)."""
    out: dict[str, Any] = {"description": extra.pop("description", "Vare")}
    if product is not None:
        out["product"] = {"productNumber": product}
    if quantity is not None:
        out["quantity"] = quantity
    if price is not None:
        out["unitNetPrice"] = price
    out.update(extra)
    return out


def draft_body(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A complete draft invoice for customer 1 (Danish, net 8 days) dated 2026-02-01."""
    body: dict[str, Any] = {
        "date": "2026-02-01",
        "currency": "DKK",
        "customer": {"customerNumber": 1},
        "layout": {"layoutNumber": 19},
        "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {"name": "Hansens Byg ApS", "vatZone": {"vatZoneNumber": 1}},
        "lines": list(lines) if lines else [line()],
    }
    body.update(extra)
    return body


def errors_of(response: httpx.Response) -> Any:
    """The annotated ``errors`` of a 400."""
    assert response.status_code == 400, response.text
    return response.json()["errors"]


def codes(annotated: Any) -> list[str]:
    """Every errorCode in an annotated error document, in document order."""
    found: list[str] = []
    if isinstance(annotated, dict):
        for key, value in annotated.items():
            if key == "errors" and isinstance(value, list):
                found += [e["errorCode"] for e in value if isinstance(e, dict) and "errorCode" in e]
            else:
                found += codes(value)
    elif isinstance(annotated, list):
        for item in annotated:
            found += codes(item)
    return found


def finance_voucher(
    account: int, contra: int | None, amount: Any, *, day: str = "2026-02-01", text: str = "Postering"
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "account": {"accountNumber": account},
        "amount": amount,
        "date": day,
        "text": text,
    }
    if contra is not None:
        entry["contraAccount"] = {"accountNumber": contra}
    return entry


def supplier_invoice(
    supplier: int = 1, amount: Any = -1250, contra: int = 1210, number: str = "F-1", **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "supplier": {"supplierNumber": supplier},
        "amount": amount,
        "contraAccount": {"accountNumber": contra},
        "currency": {"code": "DKK"},
        "date": "2026-02-01",
        "dueDate": "2026-03-03",
        "supplierInvoiceNumber": number,
        "text": f"Leverandørfaktura {number}",
    }
    entry.update(extra)
    return entry


def voucher(year: str = "2026", **entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"accountingYear": {"year": year}, "entries": entries}


def doc(response: httpx.Response) -> Any:
    """The JSON body with fractional numbers as Decimal, to compare amounts to the øre."""
    return json.loads(response.content, parse_float=Decimal)
