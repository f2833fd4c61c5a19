"""Sandbox record shapes against the legacy (2018, v0.5.4) Swagger model docs, where they overlap.

The docs are swagger-codegen markdown: one property table per model. For every documented field the
sandbox returns, the JSON type on the wire must be the documented one (nested models are checked
recursively). Documented fields the sandbox does not return are allowed: the legacy API differs from
today's. Null is accepted only in records left sparse on purpose; fully populated records must carry
a value in every documented field they return.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerbridge.systems.rackbeat import RackbeatState

pytestmark = pytest.mark.contract

_ROW = re.compile(r"^\*\*(?P<name>\w+)\*\*\s*\|\s*(?P<type>[^|]+?)\s*\|")
_MODEL_REF = re.compile(r"\\(?P<model>\w+)(?P<list>\[\])?\*\*\]\((?P=model)\.md\)")


def parse_model(path: Path) -> dict[str, str]:
    """``{field: type}`` from a model doc; types are ``int``, ``string``, ``bool``, ``float``, ``Model``,
    or ``Model[]``."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line.strip())
        if not match:
            continue
        raw_type = match["type"]
        ref = _MODEL_REF.search(raw_type)
        if ref:
            fields[match["name"]] = ref["model"] + (ref["list"] or "")
        else:
            fields[match["name"]] = raw_type.strip("*").strip()
    return fields


def type_problems(
    models: Path, model: str, record: dict[str, Any], where: str, *, allow_null: bool
) -> list[str]:
    """Every documented field of ``model`` in ``record`` whose JSON type differs from the docs."""
    problems: list[str] = []
    for name, doc_type in parse_model(models / f"{model}.md").items():
        if name not in record:
            continue
        value = record[name]
        path = f"{where}.{name}"
        if value is None:
            if not allow_null:
                problems.append(f"{path} is null; documented as {doc_type}")
            continue
        if doc_type.endswith("[]"):
            if not isinstance(value, list):
                problems.append(f"{path}: {type(value).__name__}, documented as a list")
            continue
        if doc_type == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif doc_type in ("float", "double", "number"):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif doc_type == "string":
            ok = isinstance(value, str)
        elif doc_type == "bool":
            ok = isinstance(value, bool)
        elif (models / f"{doc_type}.md").is_file():
            ok = isinstance(value, dict)
            if ok:
                problems += type_problems(models, doc_type, value, path, allow_null=allow_null)
        else:
            raise AssertionError(f"{model}.{name}: unknown documented type {doc_type!r}")
        if not ok:
            problems.append(f"{path}: {type(value).__name__} {value!r}, documented as {doc_type}")
    return problems


@pytest.fixture
def models(specs_dir: Path) -> Path:
    folder = specs_dir / "rackbeat" / "legacy-swagger-0.5.4" / "models"
    if not folder.is_dir():
        pytest.fail(f"legacy Rackbeat model docs missing: {folder}")
    return folder


def test_model_doc_parser_reads_types_and_references(models: Path) -> None:
    customer = parse_model(models / "Customer.md")
    assert customer["number"] == "int"
    assert customer["max_credit"] == "float"
    assert customer["payment_terms"] == "PaymentTerm"
    assert customer["is_deleted"] == "bool"
    assert parse_model(models / "CustomersList.md")["customers"] == "Customer[]"


FULL_RECORDS: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("Unit", "units", 2, {"number": 2, "name": "box"}),
    ("CustomerGroup", "customer-groups", 2, {"number": 2, "name": "EU customers"}),
    ("SupplierGroup", "supplier-groups", 2, {"number": 2, "name": "EU suppliers"}),
    ("ProductGroup", "product-groups", 2, {"number": 2, "name": "Services", "has_inventory": False}),
    (
        "PaymentTerm",
        "payment-terms",
        2,
        {
            "number": 2,
            "name": "Running month + 30",
            "type": "invoice_month",
            "maturity_days": 30,
            "description": "Løbende måned + 30 dage",
        },
    ),
    (
        "Employee",
        "employees",
        2,
        {
            "number": 2,
            "name": "Grace Hopper",
            "initials": "GH",
            "contact_email": "gh@example.com",
            "contact_phone": "+45 12345678",
            "locale": "en-US",
            "job_title": "Bookkeeper",
        },
    ),
    (
        "Customer",
        "customers",
        100,
        {
            "number": 100,
            "name": "Hansen Tømrer ApS",
            "customer_group_id": 1,
            "company_vat": "DK12345678",
            "ean": "5790000000000",
            "currency": "DKK",
            "vat_zone": "domestic",
            "payment_terms_id": 3,
            "layout_id": 1,
            "employee_id": 3,
            "max_credit": 10000.5,
            "contact_email": "info@hansen.dk",
            "contact_phone": "+45 11223344",
            "locale": "da-DK",
            "address_street": "Vestergade 1",
            "address_street2": "1. sal",
            "address_zipcode": "8000",
            "address_city": "Aarhus C",
            "address_country": "Denmark",
            "is_barred": False,
            "our_reference": "AL",
            "their_reference": "Bo",
            "attention": "Bogholderiet",
        },
    ),
    (
        "Supplier",
        "suppliers",
        200,
        {
            "number": 200,
            "name": "Stål A/S",
            "supplier_group_id": 1,
            "company_vat": "DK87654321",
            "currency": "EUR",
            "vat_zone": "eu",
            "payment_terms_id": 3,
            "layout_id": 1,
            "contact_email": "ordre@staal.dk",
            "contact_phone": "+45 99887766",
            "locale": "da-DK",
            "address_street": "Havnen 2",
            "address_street2": "Port 4",
            "address_zipcode": "5000",
            "address_city": "Odense C",
            "address_country": "Denmark",
            "is_barred": False,
        },
    ),
]


@pytest.mark.parametrize(("model", "resource", "key", "body"), FULL_RECORDS, ids=[r[0] for r in FULL_RECORDS])
def test_returned_fields_have_the_documented_json_types(
    models: Path,
    raw: httpx.Client,
    seeded: RackbeatState,
    model: str,
    resource: str,
    key: Any,
    body: dict[str, Any],
) -> None:
    # Fully populated records to point at, so nested payment_terms/employee are checked strictly too.
    seeded.add(
        "payment-terms",
        {"number": 3, "name": "Net 30", "type": "net", "maturity_days": 30, "description": "Netto 30 dage"},
    )
    seeded.add(
        "employees",
        {
            "number": 3,
            "name": "Ada Lovelace",
            "initials": "AL",
            "contact_email": "al@x.dk",
            "contact_phone": "+45 1234",
            "locale": "da-DK",
            "job_title": "Sales",
        },
    )
    assert raw.post(f"/{resource}", json=body).status_code == 201
    single_key = resource.replace("-", "_")[:-1]
    single = raw.get(f"/{resource}/{key}").json()[single_key]
    listed = raw.get(f"/{resource}").json()[resource.replace("-", "_")]
    documented = parse_model(models / f"{model}.md")
    overlap = set(documented) & set(single)
    # The check must bite: most of what the docs list is returned.
    assert len(overlap) >= len(documented) // 2, f"{model}: only {sorted(overlap)} overlap"
    assert type_problems(models, model, single, model, allow_null=False) == []
    for record in listed:
        assert type_problems(models, model, record, f"{model}[]", allow_null=True) == []


def test_sparse_records_use_null_not_wrong_types(
    models: Path, raw: httpx.Client, seeded: RackbeatState
) -> None:
    customer = raw.post("/customers", json={"number": 300, "name": "Bare", "customer_group_id": 1}).json()
    assert type_problems(models, "Customer", customer["customer"], "Customer", allow_null=True) == []
    assert customer["customer"]["payment_terms"] is None


NEW_MODELS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "CustomerInvoice",
        "customer-invoices",
        {
            "number": 1001,
            "customer_id": 100,
            "heading": "Ordre 17",
            "note": "Tak for handlen",
            "address_street": "Vestergade 1",
            "address_street2": "1. sal",
            "address_zipcode": "8000",
            "address_city": "Aarhus C",
            "address_country": "Denmark",
            "invoice_date": "2025-01-08",
            "lines": [{"child_id": "P1", "quantity": 3, "line_price": "12.5"}],
        },
    ),
    (
        "SupplierInvoice",
        "supplier-invoices",
        {
            "number": 2001,
            "supplier_id": 200,
            "note": "Leverance 4",
            "invoice_date": "2025-01-08",
            "lines": [{"child_id": "P1", "quantity": 10, "line_price": "4.25"}],
        },
    ),
    (
        "Lot",
        "lots",
        {"number": "KIT-1", "name": "Kit", "lines": [{"product_id": "P1", "quantity": 4}]},
    ),
]


@pytest.mark.parametrize(("model", "resource", "body"), NEW_MODELS, ids=[m[0] for m in NEW_MODELS])
def test_invoices_and_boms_have_the_documented_json_types(
    models: Path, raw: httpx.Client, seeded: RackbeatState, model: str, resource: str, body: dict[str, Any]
) -> None:
    seeded.add("customers", {"number": 100, "name": "Hansen ApS", "customer_group_id": 1})
    seeded.add("suppliers", {"number": 200, "name": "Stål A/S", "supplier_group_id": 1})
    seeded.add("products", {"number": "P1", "name": "Bolt", "group": 1, "unit_id": 1, "sales_price": 1})
    created = raw.post(f"/{resource}", json=body)
    assert created.status_code == 201, created.text
    plural = resource.replace("-", "_")
    record = created.json()[plural[:-1]]
    documented = parse_model(models / f"{model}.md")
    overlap = set(documented) & set(record)
    assert len(overlap) >= len(documented) // 2, f"{model}: only {sorted(overlap)} overlap"
    # the nested customer is {number, name} here: checked against the Customer model's types too
    assert type_problems(models, model, record, model, allow_null=False) == []
    for listed in raw.get(f"/{resource}").json()[plural]:
        assert type_problems(models, model, listed, f"{model}[]", allow_null=True) == []


def test_webhooks_have_the_documented_json_types(
    models: Path, raw: httpx.Client, state: RackbeatState
) -> None:
    hook = raw.post("/webhooks", json={"event": "product.created", "url": "https://x.example/hook"}).json()
    documented = parse_model(models / "Webhook.md")
    assert set(documented) <= set(hook["webhook"])
    assert type_problems(models, "Webhook", hook["webhook"], "Webhook", allow_null=False) == []
    listed = raw.get("/webhooks").json()
    assert set(parse_model(models / "WebhookList.md")) == set(listed)
