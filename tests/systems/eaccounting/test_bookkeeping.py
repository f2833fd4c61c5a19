"""Vouchers, accounts, fiscal years, VAT codes, supplier invoice drafts and company settings over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.chart import VAT_CODE_IDS, fiscal_year_id
from ledgerbridge.systems.errors import ApiError, NotFoundError, ValidationError

Ids = dict[str, dict[str, str]]
FY2025 = fiscal_year_id(2025)


def voucher(
    date: str = "2025-01-08", debit: str = "1250.50", credit: str = "1250.50", **extra: Any
) -> dict[str, Any]:
    return {
        "VoucherDate": date,
        "VoucherText": "Inventeringsjustering",
        "Rows": [
            {
                "AccountNumber": 1460,
                "DebitAmount": Decimal(debit),
                "CreditAmount": 0,
                "TransactionText": "Lager",
            },
            {"AccountNumber": 4990, "DebitAmount": 0, "CreditAmount": Decimal(credit)},
        ],
        **extra,
    }


def test_fiscal_years_accounts_and_vat_codes(client: EAccountingClient, state: EAccountingState) -> None:
    years = list(client.iter_collection("fiscalyears"))
    assert [(y["Id"], y["StartDate"], y["EndDate"]) for y in years] == [
        (fiscal_year_id(2024), "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z"),  # date-time, as the spec
        (FY2025, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z"),
    ]
    assert client.get(f"fiscalyears/{FY2025}")["IsLockedForAccounting"] is False
    receivables = client.get(f"accounts/{FY2025}/1510")
    assert receivables["Name"] == "Kundfordringar" and receivables["Number"] == "1510"
    assert receivables["FiscalYearId"] == FY2025
    sales = client.get(f"accounts/{FY2025}/3001")
    assert sales["VatCodeId"] == VAT_CODE_IDS["05"] and sales["VatCodeDescription"].startswith("05 ")
    in_year = list(client.iter_collection(f"accounts/{FY2025}"))
    assert len(in_year) == len(list(client.iter_collection("accounts"))) // 2
    assert [a["FiscalYearId"] for a in client.iter_collection("accounts", filter="Number eq '2611'")] == [
        fiscal_year_id(2024),
        FY2025,
    ]
    for path in (
        f"accounts/{FY2025}/9999",
        "accounts/00000000-0000-0000-0000-000000000001",
    ):
        with pytest.raises(NotFoundError):
            client.get(path)
    with pytest.raises(ValidationError):  # the spec types accountNumber as an integer
        client.get(f"accounts/{FY2025}/x")
    codes = {c["Code"]: c for c in client.iter_collection("vatcodes")}
    assert codes["05"]["VatRate"] == Decimal("0.25") and codes["06"]["VatRate"] == Decimal("0.12")
    assert codes["10"]["RelatedAccounts"]["AccountNumber1"] == 2611
    assert client.get(f"vatcodes/{VAT_CODE_IDS['07']}")["Description"] == "Momspliktig försäljning 6%"


def test_read_only_resources_refuse_writes(raw: httpx.Client, state: EAccountingState) -> None:
    for path in ("/v2/fiscalyears", "/v2/vatcodes", "/v2/articleaccountcodings", "/v2/accounts"):
        response = raw.post(path, json={"Name": "x"})
        assert response.status_code == 405, path
    assert raw.put(f"/v2/vatcodes/{VAT_CODE_IDS['05']}", json={}).status_code == 405
    assert raw.delete(f"/v2/fiscalyears/{FY2025}").status_code == 405


def test_vouchers_are_numbered_and_listed(client: EAccountingClient, raw: httpx.Client) -> None:
    first = client.create("vouchers", voucher())
    assert (
        first["NumberAndNumberSeries"] == "A1" and first["NumberSeries"] == "A" and first["VoucherType"] == 2
    )
    assert first["VoucherDate"] == "2025-01-08T00:00:00Z"
    assert [r["AccountDescription"] for r in first["Rows"]] == [
        "Lager av handelsvaror",
        "Förändring av lager",
    ]
    assert first["Rows"][0]["DebitAmount"] == Decimal("1250.5")
    second = client.create("vouchers", voucher(NumberSeries="C"))
    assert second["NumberAndNumberSeries"] == "A2"  # the default series unless useDefaultVoucherSeries=false
    own = client.decode(
        client.request(
            "POST",
            "vouchers",
            params={"useDefaultVoucherSeries": "false"},
            json_body=voucher(NumberSeries="C"),
        )
    )
    assert own["NumberAndNumberSeries"] == "C1"
    last_year = client.create("vouchers", voucher(date="2024-12-31"))
    assert last_year["NumberAndNumberSeries"] == "A1"  # numbers count per fiscal year
    assert [v["Id"] for v in client.iter_collection(f"vouchers/{FY2025}")] == [
        first["Id"],
        second["Id"],
        own["Id"],
    ]
    assert len(list(client.iter_collection("vouchers"))) == 4
    assert client.get(f"vouchers/{FY2025}/{first['Id']}") == first
    with pytest.raises(NotFoundError):
        client.get(f"vouchers/{fiscal_year_id(2024)}/{first['Id']}")
    assert raw.put(f"/v2/vouchers/{FY2025}/{first['Id']}", json={"VoucherText": "x"}).status_code == 405
    assert raw.delete(f"/v2/vouchers/{FY2025}").status_code == 405


def test_voucher_rules(client: EAccountingClient) -> None:
    with pytest.raises(ValidationError) as unbalanced:
        client.create("vouchers", voucher(credit="1250.49"))
    assert unbalanced.value.body["ErrorCode"] == 2000 and "Rows" in unbalanced.value.errors
    assert "does not balance" in unbalanced.value.remote_message
    with pytest.raises(ValidationError) as no_year:
        client.create("vouchers", voucher(date="2023-06-30"))
    assert no_year.value.body["ErrorCode"] == 3001
    body = voucher()
    body["Rows"][1]["AccountNumber"] = 4999
    with pytest.raises(ValidationError) as no_account:
        client.create("vouchers", body)
    assert no_account.value.body["ErrorCode"] == 3002 and "Rows[1].AccountNumber" in no_account.value.errors
    body = voucher(VoucherText="x" * 1001)
    body["Rows"][0]["TransactionText"] = "y" * 61
    body["Rows"][0]["DebitAmount"] = Decimal("-1")
    with pytest.raises(ValidationError) as fields:
        client.create("vouchers", body)
    assert {"VoucherText", "Rows[0].TransactionText", "Rows[0].DebitAmount"} <= set(fields.value.errors)
    with pytest.raises(ValidationError) as missing:
        client.create("vouchers", {"VoucherText": "x", "Rows": []})
    assert {"VoucherDate", "Rows"} <= set(missing.value.errors)
    assert list(client.iter_collection("vouchers")) == []


def supplier_draft(demo: Ids, total: str, *rows: tuple[int, str, str], **extra: Any) -> dict[str, Any]:
    return {
        "SupplierId": demo["supplier"]["1"],
        "IsCreditInvoice": False,
        "InvoiceNumber": "F-20250108",
        "TotalAmount": Decimal(total),
        "Rows": [
            {
                "AccountNumber": n,
                "DebitAmount": Decimal(d),
                "CreditAmount": Decimal(c),
                "TransactionText": "Inköp",
            }
            for n, d, c in rows
        ],
        **extra,
    }


def test_supplier_invoice_draft_balance_rule(client: EAccountingClient, demo: Ids) -> None:
    draft = client.create(
        "supplierinvoicedrafts", supplier_draft(demo, "1250", (4010, "1000", "0"), (2641, "250", "0"))
    )
    assert draft["SupplierName"] == "Ahlsell Sverige AB" and draft["SupplierNumber"] == "1"
    assert draft["InvoiceDate"] == "2025-01-08T00:00:00Z" and draft["DueDate"] == "2025-02-07T00:00:00Z"
    assert draft["Vat"] == 250 and draft["Rows"][0]["AccountName"] == "Inköp material och varor"
    assert [r["LineNumber"] for r in draft["Rows"]] == [1, 2]
    with pytest.raises(ValidationError) as off_by_one_ore:
        client.create(
            "supplierinvoicedrafts", supplier_draft(demo, "1250", (4010, "1000", "0"), (2641, "249.99", "0"))
        )
    assert off_by_one_ore.value.body["ErrorCode"] == 4032
    with pytest.raises(ValidationError) as no_total:
        client.create(
            "supplierinvoicedrafts", supplier_draft(demo, "0", (4010, "100", "0")) | {"TotalAmount": None}
        )
    assert no_total.value.body["ErrorCode"] == 4032
    credit = client.create(
        "supplierinvoicedrafts",
        supplier_draft(demo, "-500", (4010, "0", "400"), (2641, "0", "100"), IsCreditInvoice=True),
    )
    assert credit["IsCreditInvoice"] is True and credit["TotalAmount"] == -500
    with pytest.raises(ValidationError) as wrong_side:
        client.create(
            "supplierinvoicedrafts",
            supplier_draft(demo, "500", (4010, "400", "0"), (2641, "100", "0"), IsCreditInvoice=True),
        )
    assert wrong_side.value.body["ErrorCode"] == 4032
    with pytest.raises(ValidationError) as no_account:
        client.create("supplierinvoicedrafts", supplier_draft(demo, "100", (4011, "100", "0")))
    assert no_account.value.body["ErrorCode"] == 3002 and "Rows[0].AccountNumber" in no_account.value.errors
    with pytest.raises(ValidationError) as no_year:
        client.create(
            "supplierinvoicedrafts", supplier_draft(demo, "100", (4010, "100", "0"), InvoiceDate="2023-03-01")
        )
    assert no_year.value.body["ErrorCode"] == 3001
    with pytest.raises(ValidationError) as fields:
        client.create(
            "supplierinvoicedrafts",
            supplier_draft(
                demo,
                "100",
                (4010, "100", "0"),
                InvoiceNumber="x" * 51,
                SupplierId="00000000-0000-0000-0000-000000000001",
            ),
        )
    assert {"InvoiceNumber", "SupplierId"} <= set(fields.value.errors)


def test_supplier_invoice_draft_crud(client: EAccountingClient, demo: Ids) -> None:
    draft = client.create(
        "supplierinvoicedrafts", supplier_draft(demo, "100", (5410, "80", "0"), (2641, "20", "0"))
    )
    replaced = client.replace(
        f"supplierinvoicedrafts/{draft['Id']}",
        supplier_draft(
            demo, "200", (5410, "160", "0"), (2641, "40", "0"), InvoiceNumber=None, DueDate="2025-03-01"
        ),
    )
    assert (
        replaced["InvoiceNumber"] is None
        and replaced["TotalAmount"] == 200
        and replaced["DueDate"] == "2025-03-01T00:00:00Z"
    )
    assert replaced["CreatedUtc"] == draft["CreatedUtc"]
    assert [
        d["Id"] for d in client.iter_collection("supplierinvoicedrafts", filter="TotalAmount gt 150")
    ] == [draft["Id"]]
    client.delete(f"supplierinvoicedrafts/{draft['Id']}")
    with pytest.raises(NotFoundError):
        client.get(f"supplierinvoicedrafts/{draft['Id']}")


def test_company_settings(client: EAccountingClient, state: EAccountingState, demo: Ids) -> None:
    settings = client.get("companysettings")
    assert settings["Name"] == "Norrlands Verktyg & Bygg AB" and settings["CountryCode"] == "SE"
    assert settings["CurrencyCode"] == "SEK" and settings["NextCustomerInvoiceNumber"] == 1001
    assert settings["NextCustomerNumber"] == 1009 and settings["NextSupplierNumber"] == 4
    assert settings["TermsOfPaymentId"] == demo["terms"]["30"] and settings["Website"]
    body = {k: settings[k] for k in ("Name", "Address1", "PostalCode", "City", "CountryCode")}
    replaced = client.replace(
        "companysettings", {**body, "Name": "Norrlands Verktyg AB", "Swish": "1231234567"}
    )
    assert replaced["Name"] == "Norrlands Verktyg AB" and replaced["Swish"] == "1231234567"
    assert replaced["Website"] is None  # a PUT clears the writable settings it leaves out
    assert (
        replaced["NextCustomerInvoiceNumber"] == 1001 and replaced["CorporateIdentityNumber"] == "556812-3456"
    )
    with pytest.raises(ValidationError) as caught:
        client.replace("companysettings", {"Name": "x" * 101})
    assert {"Name", "Address1", "City"} <= set(caught.value.errors)
    with pytest.raises(ApiError) as no_post:
        client.create("companysettings", body)
    assert no_post.value.status_code == 405
    with pytest.raises(NotFoundError):
        client.get("companysettings/1")
