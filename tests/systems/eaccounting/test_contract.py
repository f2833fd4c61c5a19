"""Sandbox responses against the component schemas of the published eAccounting OpenAPI 3.0 spec.

OpenAPI 3.0 schemas are turned into JSON Schema: ``nullable: true`` becomes a ``null`` alternative and
``$ref``s to ``#/components/schemas`` are inlined. Formats are not asserted by jsonschema (uuid and
date-time are checked by the sandbox tests); types, required fields, enums and bounds are.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from ledgerbridge.systems.eaccounting import EAccountingState

from .conftest import customer_body

pytestmark = pytest.mark.contract

SPEC = "eaccounting/openapi-v2-2026.json"


@cache
def _components(path: Path) -> dict[str, Any]:
    spec = json.loads(path.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def to_json_schema(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema, with component ``$ref``s inlined (cycles left open)."""
    if isinstance(node, list):
        return [to_json_schema(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return {}
        return to_json_schema(components[name], components, (*seen, name))
    converted = {
        key: to_json_schema(value, components, seen)
        for key, value in node.items()
        if key not in ("nullable", "readOnly", "writeOnly", "example", "xml", "discriminator")
    }
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def validator(specs_dir: Path, name: str) -> jsonschema.Draft7Validator:
    components = _components(specs_dir / SPEC)
    return jsonschema.Draft7Validator(to_json_schema(components[name], components))


def assert_valid(specs_dir: Path, name: str, record: dict[str, Any]) -> None:
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '<record>'}: {e.message}"
        for e in validator(specs_dir, name).iter_errors(record)
    ]
    assert not problems, "\n".join(problems)


def test_customers_match_customer_api(
    specs_dir: Path, raw: httpx.Client, ids: dict[str, str], state: EAccountingState
) -> None:
    sparse = raw.post("/v2/customers", json=customer_body(ids["terms"])).json()
    full = raw.post(
        "/v2/customers",
        json=customer_body(
            ids["terms"],
            name="Full AB",
            EmailAddress="a@example.com",
            EmailAddresses=["b@example.com"],
            DiscountPercentage=0.1,
            VatNumber="SE556677889901",
            WebshopCustomerNumber=7,
            IsNorthernIreland=False,
            AutoInvoiceActivationEmailSentDate="2025-01-01T00:00:00Z",
        ),
    ).json()
    for record in (sparse, full, *raw.get("/v2/customers").json()["Data"]):
        assert_valid(specs_dir, "CustomerApi", record)
    assert_valid(specs_dir, "TermsOfPaymentApi", raw.get(f"/v2/termsofpayment/{ids['terms']}").json())


def test_articles_match_article_api(specs_dir: Path, raw: httpx.Client, ids: dict[str, str]) -> None:
    body = {
        "Number": "A-1",
        "Name": "Widget",
        "CodingId": ids["coding"],
        "UnitId": ids["unit"],
        "IsActive": True,
    }
    sparse = raw.post("/v2/articles", json=body).json()
    full = raw.post(
        "/v2/articles",
        json={
            **body,
            "Number": "A-2",
            "NetPrice": 100,
            "GrossPrice": 125,
            "PurchasePrice": 40.5,
            "IsStock": True,
        },
    ).json()
    for record in (sparse, full, *raw.get("/v2/articles").json()["Data"]):
        assert_valid(specs_dir, "ArticleApi", record)
    assert_valid(specs_dir, "UnitApi", raw.get(f"/v2/units/{ids['unit']}").json())


def test_list_meta_matches_pagination_metadata(
    specs_dir: Path, raw: httpx.Client, ids: dict[str, str]
) -> None:
    assert_valid(specs_dir, "CommonPaginationMetadata", raw.get("/v2/units").json()["Meta"])


def test_errors_match_extended_bad_request(specs_dir: Path, raw: httpx.Client, ids: dict[str, str]) -> None:
    body = raw.post("/v2/customers", json={"Name": 5}).json()
    assert_valid(specs_dir, "CommonExtendedBadRequest", body)
