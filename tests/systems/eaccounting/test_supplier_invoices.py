"""Booked supplier invoices over HTTP: booking a body or a draft, the balance rule, the voucher they
leave, reading them back changed since a moment, and their project-cost rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState
from ledgerbridge.systems.eaccounting.adapters import ProjectCost, SupplierInvoices, server_time
from ledgerbridge.systems.eaccounting.sandbox.chart import fiscal_year_id
from ledgerbridge.systems.eaccounting.sandbox.odata import parse_datetime
from ledgerbridge.systems.errors import NotFoundError, ValidationError
from tests.support import FakeClock


def _invoice(demo: dict[str, dict[str, str]], number: str = "F-100", **extra: Any) -> dict[str, Any]:
    return {
        "SupplierId": demo["supplier"]["2"],
        "InvoiceNumber": number,
        "InvoiceDate": "2025-01-07",
        "TotalAmount": 1562.5,
        "Rows": [
            {
                "AccountNumber": 4010,
                "DebetAmount": 1000,
                "CostCenterItemId1": demo["costcenteritem"]["P1001"],
                "TransactionText": "Virke",
            },
            {"AccountNumber": 5410, "DebetAmount": 250, "TransactionText": "Verktyg"},
            {"AccountNumber": 2641, "DebetAmount": 312.5},
        ],
        **extra,
    }


def test_a_booked_supplier_invoice_shows_supplier_voucher_and_rows(
    raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    answer = raw.post("/v2/supplierinvoices", json=_invoice(demo))
    assert answer.status_code == 201, answer.text
    invoice = answer.json()
    assert invoice["SupplierName"] == "Beijer Byggmaterial AB" and invoice["SupplierNumber"] == "2"
    assert invoice["VoucherNumber"] == "D1" and invoice["Status"] == 1 and invoice["PaymentStatus"] == 3
    assert invoice["Vat"] == 312.5 and invoice["RemainingAmount"] == -1562.5
    assert invoice["DueDate"] == "2025-02-06T00:00:00Z"  # the supplier's 30 days
    assert [(r["LineNumber"], r["AccountNumber"], r["DebetAmount"]) for r in invoice["Rows"]] == [
        (1, 4010, 1000),
        (2, 5410, 250),
        (3, 2641, 312.5),
    ]
    assert invoice["Rows"][0]["AccountName"] == "Inköp material och varor"
    assert invoice["Rows"][0]["CostCenterItemId1"] == demo["costcenteritem"]["P1001"]
    assert raw.get(f"/v2/supplierinvoices/{invoice['Id']}").json() == invoice
    year = raw.get("/v2/fiscalyears").json()["Data"]
    year_id = next(y["Id"] for y in year if y["StartDate"].startswith("2025"))
    voucher = raw.get(f"/v2/vouchers/{year_id}/{invoice['VoucherId']}").json()
    assert voucher["VoucherType"] == 12 and voucher["NumberAndNumberSeries"] == "D1"
    booked = {(r["AccountNumber"], r["DebitAmount"], r["CreditAmount"]) for r in voucher["Rows"]}
    assert booked == {(4010, 1000, 0), (5410, 250, 0), (2641, 312.5, 0), (2440, 0, 1562.5)}
    assert voucher["Rows"][0]["CostCenterItemId1"] == demo["costcenteritem"]["P1001"]


def test_rows_must_balance_against_the_total(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    answer = raw.post("/v2/supplierinvoices", json=_invoice(demo, TotalAmount=1500))
    assert answer.status_code == 400 and answer.json()["ErrorCode"] == 4032
    assert raw.get("/v2/supplierinvoices").json()["Data"] == []
    credit = _invoice(demo, "K-1", IsCreditInvoice=True, TotalAmount=-125)
    credit["Rows"] = [
        {"AccountNumber": 4010, "CreditAmount": 100},
        {"AccountNumber": 2641, "CreditAmount": 25},
    ]
    booked = raw.post("/v2/supplierinvoices", json=credit)
    assert booked.status_code == 201, booked.text
    assert booked.json()["RemainingAmount"] == 125


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"InvoiceNumber": None}, "InvoiceNumber", 2000),
        ({"SupplierId": "0f0f0f0f-0000-4000-8000-000000000000"}, "SupplierId", 2000),
        ({"Rows": [{"AccountNumber": 9999, "DebetAmount": 1562.5}]}, "Rows[0].AccountNumber", 3002),
        ({"Rows": [{"AccountNumber": 4010, "DebetAmount": 1562.555}]}, "Rows[0].DebetAmount", 2000),
        ({"Rows": [{"AccountNumber": 4010, "DebitAmount": 1562.5}]}, "TotalAmount", 4032),
        (
            {"Rows": [1, {"AccountNumber": 4010, "DebetAmount": 1562.5}]},
            "Rows",
            2000,
        ),  # not a row: 400, not 500
    ],
)
def test_bad_supplier_invoices_are_refused(
    raw: httpx.Client, demo: dict[str, dict[str, str]], change: dict[str, Any], field: str, code: int
) -> None:
    answer = raw.post("/v2/supplierinvoices", json={**_invoice(demo), **change})
    assert answer.status_code == 400
    body = answer.json()
    assert body["ErrorCode"] == code and field in [e["Field"] for e in body["Errors"]]


def test_the_duplicate_check_is_asked_for(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    assert raw.post("/v2/supplierinvoices", json=_invoice(demo)).status_code == 201
    again = raw.post("/v2/supplierinvoices?duplicateCheckExtendedValidation=true", json=_invoice(demo))
    assert again.status_code == 400 and again.json()["ErrorCode"] == 4000
    assert raw.post("/v2/supplierinvoices", json=_invoice(demo)).status_code == 201  # unchecked: allowed
    assert raw.post("/v2/supplierinvoices?duplicateCheckExtendedValidation=maybe", json={}).status_code == 400


def test_a_draft_is_booked_by_convert_and_then_gone(
    raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    draft = raw.post(
        "/v2/supplierinvoicedrafts",
        json={
            "SupplierId": demo["supplier"]["1"],
            "InvoiceNumber": "A-778",
            "TotalAmount": 1250,
            "Rows": [
                {
                    "AccountNumber": 4010,
                    "DebitAmount": 1000,
                    "CostCenterItemId1": demo["costcenteritem"]["P1002"],
                },
                {"AccountNumber": 2641, "DebitAmount": 250},
            ],
        },
    ).json()
    booked = raw.post(f"/v2/supplierinvoicedrafts/{draft['Id']}/convert")
    assert booked.status_code == 201, booked.text
    invoice = booked.json()
    assert invoice["CreatedFromDraftId"] == draft["Id"] and invoice["InvoiceNumber"] == "A-778"
    assert [r["DebetAmount"] for r in invoice["Rows"]] == [1000, 250]
    assert invoice["Rows"][0]["CostCenterItemId1"] == demo["costcenteritem"]["P1002"]
    assert raw.get(f"/v2/supplierinvoicedrafts/{draft['Id']}").status_code == 404
    assert raw.post(f"/v2/supplierinvoicedrafts/{draft['Id']}/convert").status_code == 404
    assert raw.get(f"/v2/supplierinvoicedrafts/{draft['Id']}/convert").status_code == 405
    no_number = raw.post(
        "/v2/supplierinvoicedrafts",
        json={"SupplierId": demo["supplier"]["1"], "TotalAmount": 0, "Rows": []},
    ).json()
    refused = raw.post(f"/v2/supplierinvoicedrafts/{no_number['Id']}/convert")
    assert refused.status_code == 400 and refused.json()["Errors"][0]["Field"] == "InvoiceNumber"
    assert raw.get(f"/v2/supplierinvoicedrafts/{no_number['Id']}").status_code == 200  # the draft stays


def test_supplier_invoices_are_not_changed_or_deleted_over_the_api(
    raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    invoice = raw.post("/v2/supplierinvoices", json=_invoice(demo)).json()
    assert raw.put(f"/v2/supplierinvoices/{invoice['Id']}", json=_invoice(demo)).status_code == 405
    assert raw.delete(f"/v2/supplierinvoices/{invoice['Id']}").status_code == 405
    assert raw.get("/v2/supplierinvoices/0f0f0f0f-0000-4000-8000-000000000000").status_code == 404


# -- the client side ---------------------------------------------------------------------------------
def test_adapter_reads_what_changed_since_the_server_time_and_finds_project_costs(
    client: EAccountingClient, demo: dict[str, dict[str, str]], clock: FakeClock
) -> None:
    invoices = SupplierInvoices(client)
    first = invoices.create(_invoice(demo, "F-1"))
    assert [i["Id"] for i in invoices.since(clock.now)] == [first["Id"]]  # changed at that very instant
    clock.advance(1)
    mark = server_time(client, "supplierinvoices")
    assert mark is not None
    clock.advance(60)
    second = invoices.create(_invoice(demo, "F-2"))
    since = parse_datetime(mark)
    assert since is not None
    assert [i["Id"] for i in invoices.since(since)] == [second["Id"]]
    assert [i["Id"] for i in invoices.since(None)] == [first["Id"], second["Id"]]
    assert list(invoices.since(since + timedelta(minutes=5))) == []
    costs = invoices.project_costs(invoices.get(second["Id"]), {demo["costcenteritem"]["P1001"]})
    assert costs == [
        ProjectCost(
            invoice_id=second["Id"],
            voucher_number="D2",
            supplier_name="Beijer Byggmaterial AB",
            invoice_date="2025-01-07",
            account_number=4010,
            amount=Decimal(1000),
            text="Virke",
            cost_center_item_id=demo["costcenteritem"]["P1001"],
        )
    ]
    with pytest.raises(ValidationError):
        invoices.create(_invoice(demo, "F-2"))  # the adapter asks for the duplicate check
    with pytest.raises(NotFoundError):
        invoices.book_draft("0f0f0f0f-0000-4000-8000-000000000000")


def test_adapter_refuses_a_naive_moment(client: EAccountingClient) -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        list(SupplierInvoices(client).since(datetime(2025, 1, 1)))


def test_the_account_decides_whether_rows_carry_cost_centers(
    raw: httpx.Client, demo: dict[str, dict[str, str]], state: EAccountingState
) -> None:
    year = fiscal_year_id(2025)
    state.records["accounts"][state.account_key(year, 5410)]["IsCostCenterAllowed"] = False
    state.records["accounts"][state.account_key(year, 4010)]["IsFirstCostCenterMandatory"] = True
    on_5410 = _invoice(demo)
    on_5410["Rows"][1]["CostCenterItemId1"] = demo["costcenteritem"]["P1002"]
    refused = raw.post("/v2/supplierinvoices", json=on_5410)
    assert refused.status_code == 400 and refused.json()["ErrorCode"] == 2000
    assert refused.json()["Errors"][0]["Field"] == "Rows[1].CostCenterItemId1"
    without = _invoice(demo)
    del without["Rows"][0]["CostCenterItemId1"]
    missing = raw.post("/v2/supplierinvoices", json=without)
    assert missing.status_code == 400
    assert missing.json()["Errors"][0] == {
        "Field": "Rows[0].CostCenterItemId1",
        "ErrorCode": "Required",
        "Message": "Account 4010 needs an item of the first cost center.",
        "Key": "Rows[0].CostCenterItemId1",
    }
    assert raw.post("/v2/supplierinvoices", json=_invoice(demo)).status_code == 201


def test_project_costs_take_either_spelling_of_the_debit() -> None:
    item = "0f0f0f0f-0000-4000-8000-00000000000a"
    invoice = {
        "Id": "i",
        "Rows": [
            {"AccountNumber": 4010, "DebitAmount": 80, "CreditAmount": 0, "CostCenterItemId2": item.upper()},
            {"AccountNumber": 4010, "DebetAmount": 0, "CreditAmount": 30, "CostCenterItemId1": item},
            {"AccountNumber": 2641, "DebetAmount": 20},
        ],
    }
    costs = SupplierInvoices.project_costs(invoice, {item})
    assert [(c.amount, c.cost_center_item_id) for c in costs] == [(Decimal(80), item), (Decimal(-30), item)]
