"""Customer invoices as the Severa integration reads them back: payments (PaymentStatus,
RemainingAmount, PaymentDate and the voucher), the OCR reference, CreatedFromDraftId and
modifiedSinceUtc — over HTTP against the sandbox."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState
from ledgerbridge.systems.eaccounting.adapters import (
    PARTIAL_PAYMENT,
    CustomerInvoices,
)
from ledgerbridge.systems.eaccounting.sandbox.chart import fiscal_year_id
from ledgerbridge.systems.eaccounting.sandbox.ocr import luhn_digit, ocr_reference
from ledgerbridge.systems.errors import ValidationError
from tests.support import FakeClock

TODAY = "2025-01-08"  # the suite's clock


def _booked(raw: httpx.Client, demo: dict[str, dict[str, str]], hours: str = "2") -> dict[str, Any]:
    """A draft for 2 hours of consultation (950 kr + 25 %), converted: total 2375."""
    draft = raw.post(
        "/v2/customerinvoicedrafts",
        json={
            "CustomerId": demo["customer"]["1001"],
            "Rows": [{"ArticleId": demo["article"]["KON-TIM"], "Quantity": int(hours), "IsTextRow": False}],
        },
    ).json()
    invoice = raw.post(f"/v2/customerinvoicedrafts/{draft['Id']}/convert").json()
    assert invoice["CreatedFromDraftId"] == draft["Id"]
    return dict(invoice)


def _payment(demo: dict[str, dict[str, str]], amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "CompanyBankAccountId": demo["bankaccount"]["1930"],
        "PaymentDate": TODAY,
        "PaymentAmount": amount,
        "PaymentCurrency": "SEK",
        "PaymentType": 1,
        **extra,
    }


def test_partial_then_complete_payment(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    invoice = _booked(raw, demo)
    assert (invoice["TotalAmount"], invoice["RemainingAmount"], invoice["PaymentStatus"]) == (2375, 2375, 1)
    assert invoice["PaymentDate"] is None
    first = raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments", json=_payment(demo, 1000, Reference="Del 1")
    )
    assert first.status_code == 201, first.text
    assert first.json()["PaymentAmount"] == 1000 and first.json()["BankTransactionId"]
    after_first = raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()
    assert (after_first["RemainingAmount"], after_first["PaymentStatus"], after_first["PaymentDate"]) == (
        1375,
        1,
        None,
    )
    rest = raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments",
        json=_payment(demo, 1365, PaymentType=2, BankFeeAmount=10),
    )
    assert rest.status_code == 201, rest.text
    paid = raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()
    assert (paid["RemainingAmount"], paid["RemainingAmountInvoiceCurrency"]) == (0, 0)
    assert paid["PaymentStatus"] == 0 and paid["PaymentDate"] == f"{TODAY}T00:00:00Z"
    vouchers = raw.get(f"/v2/vouchers/{fiscal_year_id(2025)}").json()["Data"]
    payments = [v for v in vouchers if v["NumberSeries"] == "C"]
    assert [v["NumberAndNumberSeries"] for v in payments] == ["C1", "C2"]
    assert {(r["AccountNumber"], r["DebitAmount"], r["CreditAmount"]) for r in payments[1]["Rows"]} == {
        (1930, 1365, 0),
        (6570, 10, 0),
        (1510, 0, 1375),
    }
    customer = raw.get(f"/v2/customers/{demo['customer']['1001']}").json()
    assert customer["UnpaidInvoicesAmount"] == 0


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"PaymentAmount": 2400}, "PaymentAmount", 2000),  # more than remains
        ({"PaymentAmount": 1000, "PaymentType": 2}, "PaymentAmount", 2000),  # "complete" but not all
        ({"PaymentAmount": -5}, "PaymentAmount", 2000),
        ({"PaymentCurrency": "EUR"}, "PaymentCurrency", 2000),
        ({"PaymentType": 7}, "PaymentType", 2000),
        ({"CompanyBankAccountId": "0f0f0f0f-0000-4000-8000-000000000000"}, "CompanyBankAccountId", 2000),
        ({"PaymentDate": "2025-01-09"}, "PaymentDate", 4023),  # tomorrow in Stockholm
        ({"PaymentDate": None}, "PaymentDate", 2000),
        ({"PaymentAmount": 10.005}, "PaymentAmount", 2000),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(
    raw: httpx.Client, demo: dict[str, dict[str, str]], change: dict[str, Any], field: str, code: int
) -> None:
    invoice = _booked(raw, demo)
    answer = raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments", json={**_payment(demo, 100), **change}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["ErrorCode"] == code
    assert field in [e["Field"] for e in answer.json()["Errors"] or []]
    assert raw.get(f"/v2/customerinvoices/{invoice['Id']}").json() == invoice


def test_payment_date_outside_every_fiscal_year(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    invoice = _booked(raw, demo)
    answer = raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments", json=_payment(demo, 100, PaymentDate="2020-05-05")
    )
    assert answer.status_code == 400 and answer.json()["ErrorCode"] == 3001


def test_payments_route_only_takes_post(raw: httpx.Client, demo: dict[str, dict[str, str]]) -> None:
    invoice = _booked(raw, demo)
    assert raw.get(f"/v2/customerinvoices/{invoice['Id']}/payments").status_code == 405
    missing = "0f0f0f0f-0000-4000-8000-000000000000"
    assert raw.post(f"/v2/customerinvoices/{missing}/payments", json=_payment(demo, 1)).status_code == 404


# -- OCR ---------------------------------------------------------------------------------------------
def test_ocr_check_digit_is_luhn() -> None:
    # Bankgirot's example: 1234567897 (the last digit checks the rest)
    assert luhn_digit("123456789") == 7
    assert ocr_reference(1001) == "10017"  # 1·2 + 0 + 0·2 + 1 = 3 → 7
    assert ocr_reference(5) == "59"


def test_payment_reference_only_when_the_company_uses_it(
    raw: httpx.Client, demo: dict[str, dict[str, str]], state: EAccountingState
) -> None:
    without = _booked(raw, demo)
    assert without["PaymentReferenceNumber"] is None
    state.update_company(UsesPaymentReferenceNumber=True)
    with_ocr = _booked(raw, demo)
    number = with_ocr["InvoiceNumber"]
    assert with_ocr["PaymentReferenceNumber"] == f"{number}{luhn_digit(str(number))}"


# -- reading back ------------------------------------------------------------------------------------
def test_modified_since_finds_new_and_paid_invoices(
    raw: httpx.Client, client: EAccountingClient, demo: dict[str, dict[str, str]], clock: FakeClock
) -> None:
    invoices = CustomerInvoices(client)
    old = _booked(raw, demo)
    clock.advance(3600)
    mark = clock.now
    new = _booked(raw, demo, hours="1")
    assert [i["Id"] for i in invoices.modified_since(mark)] == [new["Id"]]
    clock.advance(60)
    later = clock.now
    assert list(invoices.modified_since(later)) == []
    payment = invoices.pay(
        old["Id"],
        bank_account_id=demo["bankaccount"]["1930"],
        amount=Decimal("2375"),
        currency="SEK",
        day=date(2025, 1, 8),
    )
    assert payment["PaymentType"] == 2
    changed = list(invoices.modified_since(later))
    assert [i["Id"] for i in changed] == [old["Id"]]
    assert CustomerInvoices.is_paid(changed[0]) and not CustomerInvoices.is_paid(invoices.get(new["Id"]))
    assert len(list(invoices.modified_since(None))) == 2
    bad = raw.get("/v2/customerinvoices", params={"modifiedSinceUtc": "yesterday"})
    assert bad.status_code == 400


def test_adapter_payment_errors_are_typed(
    client: EAccountingClient, raw: httpx.Client, demo: dict[str, Any]
) -> None:
    invoice = _booked(raw, demo)
    invoices = CustomerInvoices(client)
    with pytest.raises(ValidationError) as refused:
        invoices.pay(
            invoice["Id"],
            bank_account_id=demo["bankaccount"]["1930"],
            amount=Decimal(1),
            currency="SEK",
            day=date(2025, 1, 8) + timedelta(days=1),
            payment_type=PARTIAL_PAYMENT,
        )
    assert "PaymentDate" in refused.value.errors
    assert invoices.get(invoice["Id"])["RemainingAmount"] == 2375


def test_the_swedish_demo_company_has_km_and_a_project_cost_center(
    client: EAccountingClient, demo: dict[str, dict[str, str]]
) -> None:
    units = {u["Code"]: u for u in client.iter_collection("units")}
    assert units["km"]["Name"] == "Kilometer"
    centers = list(client.iter_collection("costcenters"))
    project = next(c for c in centers if c["Name"] == "Projekt")
    assert project["Number"] == 1 and project["IsActive"]
    assert {i["ShortName"]: i["IsActive"] for i in project["Items"]} == {
        "P1001": True,
        "P1002": True,
        "P0999": False,
    }
    assert client.get("companysettings")["UsesCostCenter"] is True


def test_an_unpaid_invoice_past_its_due_date_is_overdue_until_paid(
    raw: httpx.Client, demo: dict[str, dict[str, str]], clock: FakeClock
) -> None:
    invoice = _booked(raw, demo)
    assert invoice["DueDate"] == "2025-02-07T00:00:00Z"  # the customer's 30 days
    clock.advance(30 * 86400)
    assert raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()["PaymentStatus"] == 1  # due today
    clock.advance(86400)
    assert raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()["PaymentStatus"] == 2
    overdue = raw.get("/v2/customerinvoices", params={"$filter": "PaymentStatus eq 2"}).json()["Data"]
    assert [i["Id"] for i in overdue] == [invoice["Id"]]
    partly = raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments", json=_payment(demo, 375, PaymentDate="2025-02-08")
    )
    assert partly.status_code == 201, partly.text
    assert raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()["PaymentStatus"] == 2
    raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments", json=_payment(demo, 2000, PaymentDate="2025-02-08")
    )
    paid = raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()
    assert (paid["PaymentStatus"], paid["PaymentDate"], paid["RemainingAmount"]) == (
        0,
        "2025-02-08T00:00:00Z",
        0,
    )


def test_a_payment_in_another_currency_settles_in_both(
    raw: httpx.Client, demo: dict[str, dict[str, str]], state: EAccountingState
) -> None:
    customer = state.add(
        "customers",
        {
            "Name": "Hamburger Werkzeughandel GmbH",
            "IsPrivatePerson": False,
            "IsActive": True,
            "TermsOfPaymentId": demo["terms"]["30"],
            "InvoicePostalCode": "20097",
            "InvoiceCity": "Hamburg",
            "InvoiceCountryCode": "DE",
            "CurrencyCode": "EUR",
        },
    )
    booked = raw.post(
        "/v2/customerinvoices",
        json={
            "CustomerId": customer["Id"],
            "CurrencyRate": 11.5,
            "Rows": [{"ArticleId": demo["article"]["KON-TIM"], "Quantity": 1, "UnitPrice": 100}],
        },
    )
    assert booked.status_code == 201, booked.text
    invoice = booked.json()
    assert (invoice["TotalAmountInvoiceCurrency"], invoice["TotalAmount"]) == (
        100,
        1150,
    )  # EU business: 0 % VAT
    answer = raw.post(
        f"/v2/customerinvoices/{invoice['Id']}/payments",
        json=_payment(demo, 40, PaymentCurrency="EUR", DomesticPaymentAmount=462),
    )
    assert answer.status_code == 201, answer.text
    partly = raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()
    assert (partly["RemainingAmountInvoiceCurrency"], partly["RemainingAmount"]) == (60, 688)
    raw.post(f"/v2/customerinvoices/{invoice['Id']}/payments", json=_payment(demo, 60, PaymentCurrency="EUR"))
    paid = raw.get(f"/v2/customerinvoices/{invoice['Id']}").json()
    assert (paid["RemainingAmountInvoiceCurrency"], paid["RemainingAmount"], paid["PaymentStatus"]) == (
        0,
        0,
        0,
    )
    vouchers = raw.get(f"/v2/vouchers/{fiscal_year_id(2025)}").json()["Data"]
    first = next(v for v in vouchers if v["NumberAndNumberSeries"] == "C1")
    assert {(r["AccountNumber"], r["DebitAmount"], r["CreditAmount"]) for r in first["Rows"]} == {
        (1930, 462, 0),
        (1510, 0, 462),
    }
    last = next(v for v in vouchers if v["NumberAndNumberSeries"] == "C2")
    assert {(r["AccountNumber"], r["DebitAmount"], r["CreditAmount"]) for r in last["Rows"]} == {
        (1930, 690, 0),  # 60 EUR at the invoice's 11.50
        (1510, 0, 688),  # what was left of the receivable
        (3960, 0, 2),  # the first payment's rate (11.55) was the better one
    }
