"""The eAccounting gaps of issue 13, over HTTP: only the methods the spec documents (405 with ``Allow``
otherwise), the registers general clients call, query parameters typed as declared, company settings
that keep no garbage, date-time where the spec says date-time, and DELETE of supplier invoice drafts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from ledgerbridge.systems.eaccounting import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.chart import fiscal_year_id
from ledgerbridge.systems.eaccounting.sandbox.documents import Documents
from ledgerbridge.systems.eaccounting.sandbox.purchases import SupplierInvoices
from ledgerbridge.systems.eaccounting.sandbox.resources import RESOURCES
from ledgerbridge.systems.eaccounting.sandbox.routes import build_routes

from .test_contract import (
    SPEC,
    Recorder,
    _draft_body,
    _operation,
    _voucher_body,
    assert_exchanges_follow_the_spec,
    assert_valid,
)

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
# What the spec documents on a served route but the sandbox does not serve (405 there, on purpose).
NOT_SERVED: dict[tuple[str, tuple[str | None, ...]], set[str]] = {
    ("fiscalyears", ()): {"POST"},
    ("fiscalyears", (None,)): {"PUT"},
    ("accounts", ()): {"POST"},
    ("accounts", (None, None)): {"PUT"},
}


def _examples(state: EAccountingState, demo: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """One record per resource, as the path segments after ``/v2/<resource>`` that name it."""
    documents = Documents(state)
    customer, article = demo["customer"]["1001"], demo["article"]["HAM-600"]
    rows = [{"ArticleId": article, "Quantity": 1, "IsTextRow": False}]
    draft = documents.save_draft({"CustomerId": customer, "Rows": rows})
    invoice = documents.convert(documents.save_draft({"CustomerId": customer, "Rows": rows})["Id"])
    supplier_draft = documents.save_supplier_draft(
        {"SupplierId": demo["supplier"]["1"], "TotalAmount": 0, "Rows": []}
    )
    voucher = documents.create_voucher(
        {
            "VoucherDate": "2025-01-08",
            "VoucherText": "Test",
            "Rows": [
                {"AccountNumber": 1930, "DebitAmount": 1, "CreditAmount": 0},
                {"AccountNumber": 2081, "DebitAmount": 0, "CreditAmount": 1},
            ],
        }
    )
    state.add("deliverymethods", {"Name": "Posten", "Code": "P"})  # a new company has none
    state.add("deliveryterms", {"Name": "Fritt vårt lager", "Code": "FVL"})
    year = fiscal_year_id(2025)
    booked = SupplierInvoices(state, documents).create(
        {"SupplierId": demo["supplier"]["1"], "InvoiceNumber": "X", "TotalAmount": 0, "Rows": []}
    )
    first = {name: next(iter(records), None) for name, records in state.records.items()}
    named = {name: [record_id] for name, record_id in first.items() if record_id}
    named.update(
        customerinvoicedrafts=[draft["Id"]],
        customerinvoices=[invoice["Id"]],
        supplierinvoicedrafts=[supplier_draft["Id"]],
        supplierinvoices=[booked["Id"]],
        vouchers=[year, voucher["Id"]],
        accounts=[year, "1930"],
        countries=["SE"],
        costcenteritems=[demo["costcenteritem"]["P1001"]],
    )
    # Routes whose shapes take different examples: "<name>/<segments>".
    named.update({"accountbalances/1": ["2025-01-08"], "accountbalances/2": ["1930", "2025-01-08"]})
    return named


Shape = tuple[str | None, ...]


def _served() -> dict[tuple[str, Shape], tuple[str, ...]]:
    """The sandbox's route table as (resource, shape after ``/v2/<resource>``) → methods it answers."""
    state = EAccountingState(seed_chart=False)
    served: dict[tuple[str, Shape], set[str]] = {}
    for route in build_routes(state, Documents(state)):
        _, name, *rest = route.segments
        shape = tuple(None if part.startswith("{") else part for part in rest)
        served.setdefault((name.lower(), shape), set()).add(route.method)
    return {key: tuple(sorted(methods)) for key, methods in served.items()}


SERVED = _served()


def _routes() -> list[tuple[str, Shape]]:
    return [(name, shape) for name, shape in SERVED if name in RESOURCES]  # aliases are not walked


def allowed_methods(name: str, shape: Shape) -> tuple[str, ...]:
    return SERVED[(name, shape)]


def _path(name: str, shape: tuple[str | None, ...], examples: dict[str, list[str]]) -> str:
    ids = iter(examples.get(f"{name}/{len(shape)}", examples.get(name, [])))
    segments = [part if part is not None else next(ids) for part in shape]
    return "/".join(["/v2", name, *segments])


def test_every_route_serves_a_known_resource_and_every_resource_is_routed() -> None:
    routed = {name for name, _ in SERVED}
    assert routed - set(RESOURCES) == {"termsofpayment"}  # the singular alias of the field docs
    assert set(RESOURCES) <= routed


def test_methods_a_route_lacks_answer_405_with_allow(
    raw: httpx.Client, state: EAccountingState, demo: dict[str, dict[str, str]], specs_dir: Path
) -> None:
    import json

    spec = json.loads((specs_dir / SPEC).read_text(encoding="utf-8"))
    examples = _examples(state, demo)
    checked = 0
    for name, shape in _routes():
        allowed = allowed_methods(name, shape)
        path = _path(name, shape, examples)
        documented = {m for m in METHODS if _operation(spec, m, path) is not None}
        assert set(allowed) <= documented, f"{path}: serves {allowed}, the spec has {sorted(documented)}"
        assert documented - set(allowed) <= NOT_SERVED.get((name, shape), set()), path
        for method in METHODS:
            if method in allowed:
                continue
            answer = raw.request(method, path, json={})
            assert answer.status_code == 405, (method, path, answer.text)
            assert answer.headers["allow"] == ", ".join(allowed), (method, path)
            checked += 1
        if "GET" in allowed:
            assert raw.get(path).status_code == 200, path
    assert checked > 60


def test_units_and_terms_of_payment_are_read_only(raw: httpx.Client, ids: dict[str, str]) -> None:
    for path in ("/v2/units", "/v2/termsofpayments"):
        answer = raw.post(path, json={"Name": "Ny"})
        assert answer.status_code == 405 and answer.headers["allow"] == "GET"
    assert raw.put(f"/v2/units/{ids['unit']}", json={"Name": "x"}).headers["allow"] == "GET"
    assert raw.delete(f"/v2/termsofpayments/{ids['terms']}").status_code == 405
    assert raw.get(f"/v2/units/{ids['unit']}").status_code == 200


def test_registers_are_served_and_match_the_spec(
    raw: httpx.Client, state: EAccountingState, specs_dir: Path
) -> None:
    currencies = raw.get("/v2/currencies").json()
    assert {"SEK", "EUR", "NOK"} <= {c["Code"] for c in currencies["Data"]}
    assert_valid(specs_dir, "PaginatedResponseOfCurrencyApi", currencies)
    countries = raw.get("/v2/countries", params={"$pagesize": 100}).json()
    assert_valid(specs_dir, "PaginatedResponseOfCountryApi", countries)
    by_code = {c["Code"]: c for c in countries["Data"]}
    assert by_code["DE"]["IsEuMember"] and not by_code["NO"]["IsEuMember"]
    assert raw.get("/v2/countries/se").json() == {
        "Name": "Sverige",
        "NameEnglish": "Sweden",
        "Code": "SE",
        "IsEuMember": True,
    }
    assert raw.get("/v2/countries/XX").status_code == 400
    eu = raw.get("/v2/countries", params={"$filter": "IsEuMember eq true", "$pagesize": 100}).json()
    assert len(eu["Data"]) == 27
    types = raw.get("/v2/accountTypes").json()
    assert_valid(specs_dir, "PaginatedResponseOfAccountTypesApi", types)
    assert [t["Type"] for t in types["Data"]][:2] == [1, 2]


@pytest.mark.parametrize(
    "query",
    [
        {"showPricesWithTwoDecimals": "null"},
        {"showPricesWithTwoDecimals": ""},
        {"customerId": "not-a-guid"},
    ],
)
def test_article_query_parameters_are_typed(
    raw: httpx.Client, ids: dict[str, str], query: dict[str, str]
) -> None:
    answer = raw.get("/v2/articles", params=query)
    assert answer.status_code == 400 and answer.json()["ErrorCode"] == 6000
    assert answer.json()["DeveloperErrorMessage"].startswith("The value '")


def test_typed_query_parameters_pass_when_right(raw: httpx.Client, ids: dict[str, str]) -> None:
    assert raw.get("/v2/articles", params={"showPricesWithTwoDecimals": "true"}).status_code == 200
    assert raw.get("/v2/vatcodes", params={"vatRateDate": "2025-01-01"}).status_code == 200
    assert raw.get("/v2/vatcodes", params={"vatRateDate": "soon"}).status_code == 400
    assert raw.get("/v2/customerinvoices", params={"modifiedSinceUtc": "yesterday"}).status_code == 400


def test_company_settings_keep_no_garbage(
    raw: httpx.Client, state: EAccountingState, specs_dir: Path
) -> None:
    settings = raw.get("/v2/companysettings").json()
    writable = {k: settings[k] for k in ("Name", "Address1", "PostalCode", "City", "CountryCode")}
    kept = raw.put(
        "/v2/companysettings",
        json={
            **writable,
            "CompanyText": {"garbage": [1, 2], "InvoiceEmailDomestic": "Hej"},
            "Junk": {"x": 1},
        },
    )
    assert kept.status_code == 200, kept.text
    text = raw.get("/v2/companysettings").json()["CompanyText"]
    assert "garbage" not in text and text["InvoiceEmailDomestic"] == "Hej"
    assert "Junk" not in raw.get("/v2/companysettings").json()
    assert_valid(specs_dir, "CompanySettingsApi", raw.get("/v2/companysettings").json())
    for bad in ({"InvoiceEmailDomestic": 5}, "text", {"OrderTextDomestic": "x" * 401}):
        refused = raw.put("/v2/companysettings", json={**writable, "CompanyText": bad})
        assert refused.status_code == 400, bad
        assert refused.json()["Errors"][0]["Field"] == "CompanyText"
    refused = raw.put(
        "/v2/companysettings", json={**writable, "CompanyRotRutSettings": {"RotReducedInvoicingPercent": "x"}}
    )
    assert refused.status_code == 400
    assert raw.get("/v2/companysettings").json()["CompanyText"]["InvoiceEmailDomestic"] == "Hej"


def test_dates_are_date_times_where_the_spec_says_so(
    raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    strict = jsonschema.Draft7Validator(
        {"type": "string", "format": "date-time"}, format_checker=jsonschema.FormatChecker()
    )
    values = [raw.get("/v2/companysettings").json()["AccountingLockedTo"]]
    for year in raw.get("/v2/fiscalyears").json()["Data"]:
        values += [year["StartDate"], year["EndDate"]]
    order = raw.get(f"/v2/orders/{demo['order']['1']}").json()
    values.append(order["OrderDate"])
    for value in values:
        assert strict.is_valid(value), value
    assert datetime.fromisoformat(order["OrderDate"]).date().isoformat() == "2025-01-08"


def test_supplier_invoice_drafts_can_be_deleted(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    draft = raw.post(
        "/v2/supplierinvoicedrafts", json={"SupplierId": demo["supplier"]["1"], "TotalAmount": 0, "Rows": []}
    ).json()
    assert raw.delete(f"/v2/supplierinvoicedrafts/{draft['Id']}").status_code == 200
    assert raw.get(f"/v2/supplierinvoicedrafts/{draft['Id']}").status_code == 404


def test_garbage_bodies_on_the_write_routes_are_4xx_never_5xx(
    raw: httpx.Client, state: EAccountingState, demo: dict[str, dict[str, str]]
) -> None:
    """A bounded, seeded fuzz of the routes the Severa integration writes to (found a 500 once)."""
    import json
    import random

    examples = _examples(state, demo)
    values: list[object] = [None, True, 0, -1, 1.5, 1e300, "", "x", "2025-01-08", "9" * 300]
    values += ["0f0f0f0f-0000-4000-8000-000000000000", [], [1], [{}], {}, {"a": 1}]
    fields = (
        "CostCenterId Name ShortName IsActive SupplierId InvoiceNumber TotalAmount InvoiceDate "
        "IsCreditInvoice CompanyBankAccountId PaymentDate PaymentAmount PaymentCurrency PaymentType "
        "BankFeeAmount CompanyText CustomerId AccountNumber DebetAmount DebitAmount ArticleId Quantity "
        "CostCenterItemId1 CostCenterItemId2"
    ).split()
    routes = [
        ("POST", "/v2/costcenteritems"),
        ("PUT", f"/v2/costcenteritems/{examples['costcenteritems'][0]}"),
        ("PUT", f"/v2/costcenters/{examples['costcenters'][0]}"),
        ("POST", "/v2/supplierinvoices"),
        ("POST", f"/v2/customerinvoices/{examples['customerinvoices'][0]}/payments"),
        ("PUT", "/v2/companysettings"),
        ("POST", "/v2/customerinvoicedrafts"),
        ("POST", "/v2/supplierinvoicedrafts"),
    ]
    pick = random.Random(14)
    for method, path in routes:
        for _ in range(60):
            body = {f: pick.choice(values) for f in pick.sample(fields, pick.randint(0, 8))}
            if pick.random() < 0.4:
                body["Rows"] = [{f: pick.choice(values) for f in pick.sample(fields, 4)} for _ in range(2)]
            answer = raw.request(method, path, content=json.dumps(body))
            assert answer.status_code < 500, (method, path, body, answer.text)


def test_every_served_read_answers_as_its_operation_declares(
    specs_dir: Path, server: Any, state: EAccountingState, demo: dict[str, dict[str, str]]
) -> None:
    """Every routed shape that answers GET, once, against the spec's operation (status, schema, uuid and
    date-time formats), plus a draft's whole life and a voucher."""
    recorder = Recorder()
    examples = _examples(state, demo)
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": "Bearer reads"},
        event_hooks={"response": [recorder]},
    ) as http:
        for name, shape in _routes():
            if "GET" in allowed_methods(name, shape):
                assert http.get(_path(name, shape, examples), params={"$pagesize": 1000}).status_code == 200
        draft = http.post("/v2/customerinvoicedrafts", json=_draft_body(demo)).json()
        http.put(f"/v2/customerinvoicedrafts/{draft['Id']}", json=_draft_body(demo, "1002"))
        http.post(f"/v2/customerinvoicedrafts/{draft['Id']}/convert", json={})
        http.post("/v2/vouchers", json=_voucher_body())
    assert len(recorder.exchanges) > 30
    assert_exchanges_follow_the_spec(specs_dir, recorder.exchanges)


def test_delivery_methods_and_terms_are_created_with_200_and_read_back(
    raw: httpx.Client, state: EAccountingState, specs_dir: Path
) -> None:
    for path, schema in (
        ("/v2/deliverymethods", "DeliveryMethodApi"),
        ("/v2/deliveryterms", "DeliveryTermApi"),
    ):
        assert raw.get(path).json()["Data"] == []  # a new company has none (UNCONFIRMED)
        made = raw.post(path, json={"Name": "Schenker", "NameEnglish": "Schenker", "Code": "DBS"})
        assert made.status_code == 200, made.text  # the spec answers a create 200 here
        assert_valid(specs_dir, schema, made.json())
        assert raw.get(f"{path}/{made.json()['Id']}").json()["Code"] == "DBS"
        assert [x["Name"] for x in raw.get(path).json()["Data"]] == ["Schenker"]
        refused = raw.post(path, json={"Code": "X" * 21})
        assert refused.status_code == 400
        assert {e["Field"] for e in refused.json()["Errors"]} == {"Name", "Code"}
        other = raw.put(f"{path}/{made.json()['Id']}", json={"Name": "x"})
        assert other.status_code == 405 and other.headers["Allow"] == "GET"
    assert raw.get("/v2/deliveryterms").json()["Data"][0]["Editable"] is True
