"""Sandbox responses against the component schemas of the published eAccounting OpenAPI 3.0 spec.

OpenAPI 3.0 schemas are turned into JSON Schema: ``nullable: true`` becomes a ``null`` alternative and
``$ref``s to ``#/components/schemas`` are inlined. Types, required fields, enums, bounds
and the uuid and date-time formats are asserted (a date-time the sandbox answers has its time of day).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from uuid import uuid4

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


def validator(specs_dir: Path, name: str, *, strict_dates: bool = True) -> jsonschema.Draft7Validator:
    components = _components(specs_dir / SPEC)
    formats = _formats(strict_dates=strict_dates)
    return jsonschema.Draft7Validator(to_json_schema(components[name], components), format_checker=formats)


def assert_valid(specs_dir: Path, name: str, record: dict[str, Any], *, strict_dates: bool = True) -> None:
    """``record`` against the schema ``name``; ``strict_dates=False`` for a request body (see _formats)."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '<record>'}: {e.message}"
        for e in validator(specs_dir, name, strict_dates=strict_dates).iter_errors(record)
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
    assert_valid(specs_dir, "TermsOfPaymentApi", raw.get(f"/v2/termsofpayments/{ids['terms']}").json())


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


# -- the documents and bookkeeping endpoints ----------------------------------------------------------
def _draft_body(demo: dict[str, dict[str, str]], customer: str = "1001") -> dict[str, Any]:
    """A draft as the integration sends it, with the fields the spec marks required."""
    return {
        "CustomerId": demo["customer"][customer],
        "EuThirdParty": False,
        "RotReducedInvoicingType": 0,
        "YourReference": "Order 17",
        "Rows": [
            {
                "ArticleId": demo["article"]["SKR-18V"],
                "Quantity": 2,
                "DiscountPercentage": 0.1,
                "IsTextRow": False,
                "ReversedConstructionServicesVatFree": False,
            },
            {
                "ArticleId": demo["article"]["FIK-01"],
                "Quantity": 1.5,
                "UnitPrice": 400,
                "IsTextRow": False,
                "ReversedConstructionServicesVatFree": False,
            },
            {"IsTextRow": True, "Text": "Leverans vecka 3", "ReversedConstructionServicesVatFree": False},
        ],
    }


def _voucher_body() -> dict[str, Any]:
    return {
        "VoucherDate": "2025-01-08",
        "VoucherText": "Lagervärde januari",
        "Rows": [
            {"AccountNumber": 1460, "DebitAmount": 1250.5, "CreditAmount": 0, "TransactionText": "Lager"},
            {"AccountNumber": 4990, "DebitAmount": 0, "CreditAmount": 1250.5, "TransactionText": "Lager"},
        ],
    }


def test_request_bodies_match_the_spec(specs_dir: Path) -> None:
    demo = {"customer": {"1001": str(uuid4())}, "article": {"SKR-18V": str(uuid4()), "FIK-01": str(uuid4())}}
    assert_valid(specs_dir, "CustomerInvoiceDraftApi", _draft_body(demo), strict_dates=False)
    assert_valid(specs_dir, "VoucherApi", _voucher_body(), strict_dates=False)
    assert_valid(
        specs_dir, "EmailApi", {"Email": "a@example.com", "Subject": "Faktura ####"}, strict_dates=False
    )
    assert_valid(specs_dir, "CustomerInvoiceDraftValidationApi", {}, strict_dates=False)


def test_sales_documents_match_the_spec(
    specs_dir: Path, raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    draft = raw.post("/v2/customerinvoicedrafts", json=_draft_body(demo))
    assert draft.status_code == 201, draft.text
    for record in (draft.json(), *raw.get("/v2/customerinvoicedrafts").json()["Data"]):
        assert_valid(specs_dir, "CustomerInvoiceDraftApi", record)
    invoice = raw.post(f"/v2/customerinvoicedrafts/{draft.json()['Id']}/convert", json={})
    assert invoice.status_code == 201, invoice.text
    direct = raw.post(
        "/v2/customerinvoices",
        json={
            "CustomerId": demo["customer"]["1007"],
            "Rows": [{"Text": "Frakt", "UnitPrice": 0, "Quantity": 0}],
        },
    )
    assert direct.status_code == 201, direct.text
    for record in (invoice.json(), direct.json(), *raw.get("/v2/customerinvoices").json()["Data"]):
        assert_valid(specs_dir, "CustomerInvoiceApi", record)
    for record in raw.get("/v2/orders").json()["Data"]:
        assert_valid(specs_dir, "OrderApi", record)


def test_purchase_and_bookkeeping_match_the_spec(
    specs_dir: Path, raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    supplier_draft = raw.post(
        "/v2/supplierinvoicedrafts",
        json={
            "SupplierId": demo["supplier"]["1"],
            "IsCreditInvoice": False,
            "InvoiceNumber": "A-778",
            "TotalAmount": 1250,
            "Rows": [
                {"AccountNumber": 4010, "DebitAmount": 1000, "CreditAmount": 0},
                {"AccountNumber": 2641, "DebitAmount": 250, "CreditAmount": 0},
            ],
        },
    )
    assert supplier_draft.status_code == 201, supplier_draft.text
    assert_valid(specs_dir, "SupplierInvoiceDraftApi", supplier_draft.json())
    voucher = raw.post("/v2/vouchers", json=_voucher_body())
    assert voucher.status_code == 201, voucher.text
    assert_valid(specs_dir, "VoucherApi", voucher.json())
    for name, schema in (
        ("suppliers", "SupplierApi"),
        ("articlelabels", "ArticleLabelApi"),
        ("customerlabels", "CustomerLabelApi"),
        ("articleaccountcodings", "ArticleAccountCodingApi"),
        ("fiscalyears", "FiscalYearApi"),
        ("vatcodes", "VatCodeApi"),
        ("accounts", "AccountApi"),
        ("vouchers", "VoucherApi"),
        ("termsofpayments", "TermsOfPaymentApi"),
        ("customers", "CustomerApi"),
        ("articles", "ArticleApi"),
    ):
        page = raw.get(f"/v2/{name}", params={"$pagesize": 1000}).json()
        assert page["Data"], name
        assert_valid(specs_dir, "CommonPaginationMetadata", page["Meta"])
        for record in page["Data"]:
            assert_valid(specs_dir, schema, record)
    assert_valid(specs_dir, "CompanySettingsApi", raw.get("/v2/companysettings").json())


# -- the routes the Severa integration needs: every exchange checked against its operation ------------
class Recorder:
    """Every request and response of an httpx client, kept to be checked against the spec afterwards."""

    def __init__(self) -> None:
        self.exchanges: list[httpx.Response] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append(response)


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The spec's operation for ``method`` on a concrete ``/v2/...`` path (templates matched by segment)."""
    segments = path.removeprefix("/v2").strip("/").split("/")
    for template, item in spec["paths"].items():
        parts = template.strip("/").split("/")
        if len(parts) == len(segments) and all(
            p.startswith("{") or p.lower() == s.lower() for p, s in zip(parts, segments, strict=True)
        ):
            operation = item.get(method.lower())
            if operation is not None:
                return dict(operation)
    return None


def _formats(*, strict_dates: bool = True) -> jsonschema.FormatChecker:
    """uuid and date-time checked. What the sandbox answers has the time of day in every date-time (the
    offset may be left out, as eAccounting answers local times): a bare date is a violation, the 2026
    spec types every date so. Requests (``strict_dates=False``) may send a bare date: the real API
    (ASP.NET model binding) reads one as midnight."""
    from ledgerbridge.systems.eaccounting.sandbox.odata import parse_datetime
    from ledgerbridge.systems.eaccounting.sandbox.wire import GUID

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(lambda value: not isinstance(value, str) or bool(GUID.match(value)))
    checker.checks("date-time")(
        lambda value: (
            not isinstance(value, str)
            or (("T" in value or not strict_dates) and parse_datetime(value) is not None)
        )
    )
    return checker


def _problems(
    schema: dict[str, Any], components: dict[str, Any], body: Any, *, strict_dates: bool = True
) -> list[str]:
    formats = _formats(strict_dates=strict_dates)
    check = jsonschema.Draft7Validator(to_json_schema(schema, components), format_checker=formats)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in check.iter_errors(body)
    ]


def assert_exchanges_follow_the_spec(specs_dir: Path, exchanges: list[httpx.Response]) -> None:
    """Each request's route, method and query parameters, each response's status and body, as the spec's
    operation declares them; a request body the schema refuses must have been refused (4xx)."""
    spec = json.loads((specs_dir / SPEC).read_text(encoding="utf-8"))
    components = spec["components"]["schemas"]
    problems: list[str] = []
    for response in exchanges:
        request = response.request
        what = f"{request.method} {request.url.path} → {response.status_code}"
        operation = _operation(spec, request.method, request.url.path)
        if operation is None:
            problems.append(f"{what}: no such operation in the spec")
            continue
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        undeclared = set(request.url.params) - declared - {"$page", "$pagesize", "$filter"}
        if undeclared:
            problems.append(f"{what}: query parameters {sorted(undeclared)} not declared")
        if request.content:
            schema = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            )
            if schema is None:
                problems.append(f"{what}: a body where the spec takes none")
            else:
                body = json.loads(request.content)
                if response.is_success:
                    accepted = _problems(schema, components, body, strict_dates=False)
                    problems += [f"{what} accepted {p}" for p in accepted]
        answer = operation.get("responses", {}).get(str(response.status_code))
        if answer is None:
            problems.append(f"{what}: status not declared ({sorted(operation.get('responses', {}))})")
            continue
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            problems += [f"{what} response {p}" for p in _problems(schema, components, response.json())]
    assert not problems, "\n".join(problems)


@pytest.fixture
def recorded(server: Any, state: EAccountingState) -> Any:
    recorder = Recorder()
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": "Bearer contract"},
        event_hooks={"response": [recorder]},
    ) as http:
        yield http, recorder


def test_severa_routes_follow_the_spec(
    specs_dir: Path, recorded: tuple[httpx.Client, Recorder], demo: dict[str, dict[str, str]]
) -> None:
    http, recorder = recorded
    centers = http.get("/v2/costcenters").json()["Data"]
    center = centers[1]
    http.put(f"/v2/costcenters/{center['Id']}", json={"Name": "Avdelning", "IsActive": True})
    http.put(f"/v2/costcenters/{center['Id']}", json={"Name": "A name longer than twenty", "IsActive": True})
    item = http.post(
        "/v2/costcenteritems",
        json={"CostCenterId": center["Id"], "Name": "Ekonomi", "ShortName": "EK", "IsActive": True},
    ).json()
    http.post(
        "/v2/costcenteritems", json={"CostCenterId": center["Id"], "Name": "Too short", "IsActive": True}
    )
    http.get(f"/v2/costcenteritems/{item['Id']}")
    http.get("/v2/costcenteritems/0f0f0f0f-0000-4000-8000-000000000000")
    http.put(
        f"/v2/costcenteritems/{item['Id']}",
        json={"CostCenterId": center["Id"], "Name": "Ekonomi", "ShortName": "EKO", "IsActive": False},
    )
    project = demo["costcenteritem"]["P1001"]
    supplier_invoice = {
        "SupplierId": demo["supplier"]["1"],
        "InvoiceNumber": "C-1",
        "InvoiceDate": "2025-01-08",
        "TotalAmount": 125,
        "Rows": [
            {
                "AccountNumber": 4010,
                "DebetAmount": 100,
                "CostCenterItemId1": project,
                "TransactionText": "Material",
            },
            {"AccountNumber": 2641, "DebetAmount": 25},
        ],
    }
    booked = http.post(
        "/v2/supplierinvoices", params={"duplicateCheckExtendedValidation": "true"}, json=supplier_invoice
    )
    http.post(
        "/v2/supplierinvoices", params={"duplicateCheckExtendedValidation": "true"}, json=supplier_invoice
    )
    http.get(f"/v2/supplierinvoices/{booked.json()['Id']}")
    http.get("/v2/supplierinvoices", params={"$filter": "ModifiedUtc gt 2025-01-01T00:00:00Z"})
    draft = http.post(
        "/v2/supplierinvoicedrafts",
        json={
            "SupplierId": demo["supplier"]["2"],
            "IsCreditInvoice": False,
            "InvoiceNumber": "C-2",
            "TotalAmount": 50,
            "Rows": [{"AccountNumber": 6110, "DebitAmount": 40}, {"AccountNumber": 2641, "DebitAmount": 10}],
        },
    ).json()
    http.post(f"/v2/supplierinvoicedrafts/{draft['Id']}/convert")
    sales = http.post(
        "/v2/customerinvoicedrafts",
        json={
            "CustomerId": demo["customer"]["1002"],
            "EuThirdParty": False,
            "RotReducedInvoicingType": 0,
            "Rows": [
                {
                    "ArticleId": demo["article"]["KON-TIM"],
                    "Quantity": 3,
                    "IsTextRow": False,
                    "ReversedConstructionServicesVatFree": False,
                    "CostCenterItemId1": project,
                }
            ],
        },
    ).json()
    invoice = http.post(f"/v2/customerinvoicedrafts/{sales['Id']}/convert", json={}).json()
    payment = {
        "CompanyBankAccountId": demo["bankaccount"]["1930"],
        "PaymentDate": "2025-01-08",
        "PaymentAmount": 1000,
        "PaymentCurrency": "SEK",
        "PaymentType": 1,
        "Reference": "OCR",
    }
    http.post(f"/v2/customerinvoices/{invoice['Id']}/payments", json=payment)
    http.post(f"/v2/customerinvoices/{invoice['Id']}/payments", json={**payment, "PaymentAmount": 99999})
    http.get("/v2/customerinvoices", params={"modifiedSinceUtc": "2025-01-08T00:00:00Z"})
    http.get(f"/v2/customerinvoices/{invoice['Id']}")
    http.get("/v2/bankaccounts")
    statuses = [r.status_code for r in recorder.exchanges]
    assert statuses.count(400) == 4 and statuses.count(404) == 1 and 201 in statuses, statuses
    assert_exchanges_follow_the_spec(specs_dir, recorder.exchanges)


def test_the_contract_check_catches_what_the_spec_does_not_have(
    specs_dir: Path, recorded: tuple[httpx.Client, Recorder]
) -> None:
    """The checker itself: an undeclared route, an accepted body the schema refuses, an undeclared query
    parameter and a response that does not fit its schema are all reported."""
    http, recorder = recorded
    http.get("/v2/costcenteritems")  # 405: the spec has no item list
    bad_item = {"CostCenterId": "x", "Name": 5, "ShortName": "S", "IsActive": True}
    recorder.exchanges.append(
        httpx.Response(
            201,
            json={"CostCenterId": "x", "Name": 5, "ShortName": "S", "IsActive": True},
            request=httpx.Request("POST", "http://sandbox/v2/costcenteritems?sneaky=1", json=bad_item),
        )
    )
    with pytest.raises(AssertionError) as caught:
        assert_exchanges_follow_the_spec(specs_dir, recorder.exchanges)
    report = str(caught.value)
    assert "GET /v2/costcenteritems → 405: no such operation" in report
    assert "POST /v2/costcenteritems → 201 accepted Name: 5 is not of type 'string'" in report
    assert "accepted CostCenterId: 'x' is not a 'uuid'" in report
    assert "query parameters ['sneaky'] not declared" in report
    assert "response Name: 5 is not of type 'string'" in report
