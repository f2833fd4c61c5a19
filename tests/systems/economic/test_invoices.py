"""Draft invoices and booking over HTTP: validation, computed amounts, due dates, the invoice lists."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.systems.economic import EconomicClient, EconomicState
from ledgerbridge.systems.economic.sandbox.resources import DRAFT_INVOICE_FILTERS
from ledgerbridge.systems.errors import ValidationError

from .builders import call, codes, doc, draft_body, errors_of, line
from .conftest import FakeClock

D = Decimal


def create_draft(base_url: str, body: dict[str, Any], **kwargs: Any) -> Any:
    response = call(base_url, "POST", "/invoices/drafts", json=body, **kwargs)
    assert response.status_code == 201, response.text
    return doc(response)


def book(base_url: str, draft: int, **extra: Any) -> Any:
    headers = extra.pop("headers", {})
    response = call(
        base_url,
        "POST",
        "/invoices/booked",
        json={"draftInvoice": {"draftInvoiceNumber": draft}, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return doc(response)


def numbers(base_url: str, path: str, key: str = "bookedInvoiceNumber", **params: Any) -> list[int]:
    response = call(base_url, "GET", path, params=params or None)
    assert response.status_code == 200, response.text
    return [item[key] for item in response.json()["collection"]]


# -- creating drafts: amounts ----------------------------------------------------------------------


def test_totals_margins_and_due_date_of_a_domestic_invoice(base_url: str, state: EconomicState) -> None:
    body = draft_body(
        line("1", 3, D("149.95"), discountPercentage=10),
        line(None, 1, D("99.99"), description="Fragt"),
        line("1", D("2.5"), D("10.01")),
        references={"other": "RB-ORDER-1001"},
        notes={"heading": "Ordre 1001", "textLine1": "Tak for ordren"},
    )
    created = call(base_url, "POST", "/invoices/drafts", json=body)
    assert created.status_code == 201
    draft = doc(created)
    assert created.headers["Location"] == draft["self"] == f"{base_url}/invoices/drafts/1"
    # 3 × 149.95 × 0.90 = 404.865 -> 404.87 (half up); 2.5 × 10.01 = 25.025 -> 25.03
    assert [ln["totalNetAmount"] for ln in draft["lines"]] == [D("404.87"), D("99.99"), D("25.03")]
    assert draft["netAmount"] == D("529.89")
    assert draft["vatAmount"] == D("132.47")  # 529.89 × 25 % = 132.4725
    assert draft["roundingAmount"] == 0
    assert draft["grossAmount"] == D("662.36")
    assert draft["netAmountInBaseCurrency"] == D("529.89") and draft["grossAmountInBaseCurrency"] == D(
        "662.36"
    )
    assert draft["exchangeRate"] == 100
    # cost: the product's costPrice 40 on lines 1 and 3 (3 + 2.5 units); the free line has none
    assert draft["costPriceInBaseCurrency"] == D("220.00")
    assert draft["marginInBaseCurrency"] == D("309.89") and draft["marginPercentage"] == D("58.48")
    first = draft["lines"][0]
    assert first["unitCostPrice"] == 40 and first["marginInBaseCurrency"] == D("284.87")
    assert first["marginPercentage"] == D("70.36")
    assert first["unit"]["unitNumber"] == 1 and first["unit"]["name"] == "stk."  # the product's unit
    assert (
        [ln["lineNumber"] for ln in draft["lines"]] == [1, 2, 3] == [ln["sortKey"] for ln in draft["lines"]]
    )
    assert draft["dueDate"] == "2026-02-09"  # net 8 days
    assert draft["paymentTerms"]["paymentTermsType"] == "net" and draft["paymentTerms"]["daysOfCredit"] == 8
    assert draft["references"]["other"] == "RB-ORDER-1001"
    assert draft["notes"] == {"heading": "Ordre 1001", "textLine1": "Tak for ordren"}
    assert draft["recipient"]["vatZone"]["name"] == "Domestic"
    assert draft["recipient"]["cvr"] == "29403473"  # from the customer
    assert draft["lastUpdated"] == "2026-02-01T09:00:00Z"


def test_vat_is_rounded_per_rate_on_the_total(base_url: str) -> None:
    draft = create_draft(base_url, draft_body(line("1", 1, D("33.33")), line("1", 1, D("33.33"))))
    # per line 8.3325 + 8.3325 would round to 16.66; on the total 16.665 -> 16.67
    assert draft["netAmount"] == D("66.66") and draft["vatAmount"] == D("16.67")
    assert draft["grossAmount"] == D("83.33")


def test_product_group_without_vat_and_booked_line_vat(base_url: str, state: EconomicState) -> None:
    state.add_account(
        {
            "accountNumber": 1110,
            "name": "Salg u/moms",
            "accountType": "profitAndLoss",
            "debitCredit": "credit",
        }
    )
    state.add_product_group(
        {"productGroupNumber": 3, "name": "Varer u/moms", "salesAccount": {"accountNumber": 1110}}
    )
    state.add_product({"productNumber": "U1", "name": "Bog", "productGroup": {"productGroupNumber": 3}})
    draft = create_draft(base_url, draft_body(line("1", 1, 100), line("U1", 1, 50)))
    assert draft["netAmount"] == 150 and draft["vatAmount"] == 25 and draft["grossAmount"] == 175
    booked = book(base_url, draft["draftInvoiceNumber"])
    assert [(ln["vatRate"], ln["vatAmount"]) for ln in booked["lines"]] == [(25, 25), (0, 0)]


def test_foreign_currency_eu_customer_has_no_vat_and_converts(base_url: str, state: EconomicState) -> None:
    body = draft_body(
        line("1", 2, None),  # unitNetPrice from the product: 70 DKK / 7.46 = 9.38 EUR
        line(None, 1, D("100.50"), description="Service"),
        currency="EUR",
        customer={"customerNumber": 2},
        paymentTerms={"paymentTermsNumber": 2},
        recipient={"name": "Schmidt Bau GmbH", "vatZone": {"vatZoneNumber": 2}},
        layout={"layoutNumber": 21},
    )
    draft = create_draft(base_url, body)
    assert draft["lines"][0]["unitNetPrice"] == D("9.38") and draft["lines"][0]["totalNetAmount"] == D(
        "18.76"
    )
    assert draft["exchangeRate"] == 746
    assert (
        draft["netAmount"] == D("119.26") and draft["vatAmount"] == 0 and draft["grossAmount"] == D("119.26")
    )
    assert draft["netAmountInBaseCurrency"] == D("889.68")  # 119.26 × 7.46 = 889.6796
    assert draft["costPriceInBaseCurrency"] == 80 and draft["marginInBaseCurrency"] == D("809.68")
    assert draft["dueDate"] == "2026-03-03"  # net 30
    fixed_prices = [line("1", 2, D("9.38")), line(None, 1, D("100.50"), description="Service")]
    explicit = create_draft(base_url, {**body, "exchangeRate": D("750.5"), "lines": fixed_prices})
    assert explicit["netAmountInBaseCurrency"] == D("895.05")  # 119.26 × 7.505 = 895.0463
    converted = create_draft(base_url, {**body, "exchangeRate": D("750.5")})
    assert converted["lines"][0]["unitNetPrice"] == D("9.33")  # 70 / 7.505 = 9.327
    assert (
        create_draft(base_url, {**draft_body(), "exchangeRate": 123})["exchangeRate"] == 100
    )  # base currency


@pytest.mark.parametrize(
    ("kind", "days", "due"),
    [
        ("net", 14, "2026-02-24"),
        ("invoiceMonth", 30, "2026-03-30"),  # end of February + 30 days
        ("invoiceMonth", 0, "2026-02-28"),
        ("paidInCash", 0, "2026-02-10"),
        ("prepaid", 0, "2026-02-10"),
        ("invoiceWeekStartingMonday", 7, "2026-02-22"),  # week Mon 9 – Sun 15, + 7
        ("invoiceWeekStartingSunday", 0, "2026-02-14"),  # week Sun 8 – Sat 14
    ],
)
def test_due_date_per_payment_terms_type(
    base_url: str, state: EconomicState, kind: str, days: int, due: str
) -> None:
    terms = state.add_payment_terms({"name": kind, "paymentTermsType": kind, "daysOfCredit": days})
    body = draft_body(date="2026-02-10", paymentTerms={"paymentTermsNumber": terms["paymentTermsNumber"]})
    body["dueDate"] = "2030-01-01"  # ignored for every type but dueDate
    assert create_draft(base_url, body)["dueDate"] == due


def test_due_date_terms_need_a_due_date_not_before_the_date(base_url: str, state: EconomicState) -> None:
    terms = state.add_payment_terms(
        {"name": "Forfaldsdato", "paymentTermsType": "dueDate", "daysOfCredit": 0}
    )
    body = draft_body(date="2026-02-10", paymentTerms={"paymentTermsNumber": terms["paymentTermsNumber"]})
    missing = errors_of(call(base_url, "POST", "/invoices/drafts", json=body))
    assert missing["dueDate"]["errors"][0]["errorCode"] == "E04042"
    early = errors_of(call(base_url, "POST", "/invoices/drafts", json={**body, "dueDate": "2026-02-09"}))
    assert early["dueDate"]["errors"][0]["errorCode"] == "E04760"
    assert create_draft(base_url, {**body, "dueDate": "2026-03-15"})["dueDate"] == "2026-03-15"
    assert create_draft(base_url, {**body, "dueDate": "2026-02-10"})["dueDate"] == "2026-02-10"


# -- creating drafts: validation -------------------------------------------------------------------


def test_required_properties(base_url: str) -> None:
    errors = errors_of(call(base_url, "POST", "/invoices/drafts", json={}))
    assert set(errors) == {"date", "currency", "customer", "layout", "paymentTerms", "recipient"}
    recipient = errors_of(call(base_url, "POST", "/invoices/drafts", json={**draft_body(), "recipient": {}}))
    assert set(recipient["recipient"]) == {"name", "vatZone"}


def test_two_decimals_on_amounts_and_quantities(base_url: str) -> None:
    body = draft_body(
        line("1", 1, D("10.123")),
        line("1", D("1.005"), 10),
        line("1", 1, 10, discountPercentage=D("1.234"), unitCostPrice=D("0.001")),
    )
    errors = errors_of(call(base_url, "POST", "/invoices/drafts", json=body))
    lines = {item["arrayIndex"]: item for item in errors["lines"]}
    assert lines[0]["unitNetPrice"]["errors"][0]["errorCode"] == "E04740"
    assert lines[0]["unitNetPrice"]["errors"][0]["message"].startswith("unitNetPrice scale cannot be greater")
    assert lines[1]["quantity"]["errors"][0]["errorCode"] == "E04740"
    assert codes(lines[2]) == ["E04740", "E04740"]
    six = errors_of(
        call(base_url, "POST", "/invoices/drafts", json={**draft_body(), "exchangeRate": D("7.1234567")})
    )
    assert six["exchangeRate"]["errors"][0]["errorCode"] == "E04740"


def test_unknown_references_are_e06000(base_url: str) -> None:
    body = draft_body(
        line("NOPE", 1, 10),
        line("1", 1, 10, unit={"unitNumber": 99}),
        customer={"customerNumber": 999},
        layout={"layoutNumber": 5},
    )
    errors = errors_of(call(base_url, "POST", "/invoices/drafts", json=body))
    assert errors["customer"]["errors"][0] == {
        "errorCode": "E06000",
        "message": "customer does not exist.",
        "value": 999,
        "developerHint": f"Find a list of customers at {base_url}/customers.",
    }
    assert errors["layout"]["errors"][0]["errorCode"] == "E06000"
    assert errors["lines"][0]["arrayIndex"] == 0 and codes(errors["lines"][0]["product"]) == ["E06000"]
    assert errors["lines"][1]["arrayIndex"] == 1 and codes(errors["lines"][1]["unit"]) == ["E06000"]
    no_id = errors_of(call(base_url, "POST", "/invoices/drafts", json=draft_body(line(**{}), customer={})))
    assert codes(no_id["customer"]) == ["E04500"]


def test_a_product_line_needs_quantity_and_description(base_url: str) -> None:
    body = draft_body(
        line("1", None, 10), line("1", 1, 10, description=""), line(None, None, None, description="Tekst")
    )
    errors = errors_of(call(base_url, "POST", "/invoices/drafts", json=body))
    assert [item["arrayIndex"] for item in errors["lines"]] == [0, 1]  # a text line is fine
    assert errors["lines"][0]["quantity"]["errors"][0] == {
        "errorCode": "E04730",
        "message": "Property quantity must have a value when product is set.",
        "developerHint": "Please check your request data.",
    }
    assert "description" in errors["lines"][1]


def test_contacts_and_delivery_locations_must_be_the_customers(base_url: str, state: EconomicState) -> None:
    other = state.add_contact(2, {"name": "Herr Schmidt"})
    own = state.add_contact(1, {"name": "Jens Hansen"})
    body = draft_body(
        references={"customerContact": {"customerContactNumber": other["customerContactNumber"]}}
    )
    assert "references" in errors_of(call(base_url, "POST", "/invoices/drafts", json=body))
    body["references"]["customerContact"]["customerContactNumber"] = own["customerContactNumber"]
    draft = create_draft(base_url, body)
    contact = draft["references"]["customerContact"]
    assert contact["customer"]["customerNumber"] == 1
    assert contact["self"] == f"{base_url}/customers/1/contacts/{own['customerContactNumber']}"


# -- reading, replacing and deleting drafts -------------------------------------------------------


def test_collection_leaves_lines_out_and_filters(base_url: str, clock: FakeClock) -> None:
    create_draft(base_url, draft_body(references={"other": "rb:order:17"}))
    clock.advance(60)
    create_draft(
        base_url,
        draft_body(
            currency="EUR",
            customer={"customerNumber": 2},
            recipient={"name": "Schmidt Bau GmbH", "vatZone": {"vatZoneNumber": 2}},
            references={"other": "rb:order:18"},
        ),
    )
    page = call(base_url, "GET", "/invoices/drafts").json()
    assert page["pagination"]["results"] == 2 and all("lines" not in d for d in page["collection"])
    assert page["metaData"]["create"]["httpMethod"] == "post"
    assert numbers(
        base_url, "/invoices/drafts", "draftInvoiceNumber", filter="references.other$eq:rb:order:18"
    ) == [2]
    assert numbers(
        base_url, "/invoices/drafts", "draftInvoiceNumber", filter="customer.customerNumber$eq:1"
    ) == [1]
    assert numbers(
        base_url, "/invoices/drafts", "draftInvoiceNumber", filter="lastUpdated$gt:2026-02-01T09:00:30Z"
    ) == [2]
    assert numbers(base_url, "/invoices/drafts", "draftInvoiceNumber", sort="-draftInvoiceNumber") == [2, 1]
    bad = call(base_url, "GET", "/invoices/drafts", params={"filter": "bookedInvoiceNumber$eq:1"})
    assert bad.status_code == 400 and set(bad.json()["allowedFilteringFields"]) == set(DRAFT_INVOICE_FILTERS)


def test_put_replaces_the_whole_draft(base_url: str, clock: FakeClock) -> None:
    created = create_draft(
        base_url, draft_body(line("1", 1, 10), line("1", 2, 20), notes={"heading": "Gammel"})
    )
    clock.advance(3600)
    replaced = call(base_url, "PUT", "/invoices/drafts/1", json=draft_body(line("1", 5, 10)))
    assert replaced.status_code == 200
    now = doc(replaced)
    assert now["draftInvoiceNumber"] == created["draftInvoiceNumber"] == 1
    assert len(now["lines"]) == 1 and now["netAmount"] == 50 and "notes" not in now
    assert now["lastUpdated"] == "2026-02-01T10:00:00Z"
    assert call(base_url, "PUT", "/invoices/drafts/9", json=draft_body()).status_code == 404


def test_adding_lines(base_url: str) -> None:
    create_draft(base_url, draft_body(line("1", 1, 10)))
    added = call(
        base_url, "POST", "/invoices/drafts/1/lines", json={"lines": [line("1", 2, 5), line(None, 1, 1)]}
    )
    assert added.status_code == 201
    draft = doc(added)
    assert [ln["lineNumber"] for ln in draft["lines"]] == [1, 2, 3] and draft["netAmount"] == 21
    assert codes(
        errors_of(call(base_url, "POST", "/invoices/drafts/1/lines", json={"lines": [line("1", None, 1)]}))
    )


def test_delete_one_or_all_drafts(base_url: str) -> None:
    for other in ("a", "b", "c"):
        create_draft(base_url, draft_body(references={"other": other}))
    deleted = call(base_url, "DELETE", "/invoices/drafts/2")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "message": "Deleted invoice.",
        "deletedCount": 1,
        "deletedItems": [{"draftInvoiceNumber": 2, "self": f"{base_url}/invoices/drafts/2"}],
    }
    assert call(base_url, "GET", "/invoices/drafts/2").json()["errorCode"] == "E06000"
    assert call(base_url, "DELETE", "/invoices/drafts/2").status_code == 404
    some = call(base_url, "DELETE", "/invoices/drafts", params={"filter": "references.other$eq:c"}).json()
    assert some["deletedCount"] == 1 and some["message"] == "Deleted 1 invoice."
    everything = call(base_url, "DELETE", "/invoices/drafts").json()
    assert (
        everything["message"] == "Deleted 1 invoice."
        and everything["deletedItems"][0]["draftInvoiceNumber"] == 1
    )


def test_customers_and_products_on_drafts_cannot_be_deleted(base_url: str) -> None:
    create_draft(base_url, draft_body())
    assert call(base_url, "DELETE", "/customers/1").status_code == 400
    assert call(base_url, "DELETE", "/products/1").status_code == 400
    assert call(base_url, "GET", "/customers/1/invoices/drafts").json()["pagination"]["results"] == 1


# -- booking ---------------------------------------------------------------------------------------


def test_booking_numbers_remainder_and_the_draft_goes(base_url: str, state: EconomicState) -> None:
    draft = create_draft(base_url, draft_body(line("1", 2, 100), references={"other": "RB-1"}))
    booked = book(base_url, draft["draftInvoiceNumber"])
    assert booked["bookedInvoiceNumber"] == 1 and booked["self"] == f"{base_url}/invoices/booked/1"
    assert booked["grossAmount"] == booked["remainder"] == 250 and booked["remainderInBaseCurrency"] == 250
    assert booked["references"]["other"] == "RB-1" and booked["dueDate"] == "2026-02-09"
    assert "draftInvoiceNumber" not in booked and "lastUpdated" not in booked and "sent" not in booked
    assert call(base_url, "GET", "/invoices/drafts/1").status_code == 404
    assert doc(call(base_url, "GET", "/invoices/booked/1"))["lines"][0]["vatAmount"] == 50
    assert state.get("customers", 1)["balance"] == D("1500.50")  # 1250.50 + 250.00
    create_draft(base_url, draft_body())
    create_draft(base_url, draft_body())
    assert book(base_url, 1)["bookedInvoiceNumber"] == 2  # draft numbers are reused, booked are not
    assert book(base_url, 2, bookWithNumber=10)["bookedInvoiceNumber"] == 10
    create_draft(base_url, draft_body())
    taken = call(
        base_url,
        "POST",
        "/invoices/booked",
        json={"draftInvoice": {"draftInvoiceNumber": 1}, "bookWithNumber": 10},
    )
    assert "bookWithNumber" in errors_of(taken)
    assert call(base_url, "GET", "/invoices/drafts/1").status_code == 200  # not booked
    by_put = call(base_url, "PUT", "/invoices/booked/7", json={"draftInvoice": {"draftInvoiceNumber": 1}})
    assert by_put.status_code == 201 and by_put.json()["bookedInvoiceNumber"] == 7
    create_draft(base_url, draft_body())
    assert book(base_url, 1)["bookedInvoiceNumber"] == 11
    assert numbers(base_url, "/invoices/booked") == [1, 2, 7, 10, 11]


def test_booking_refusals(base_url: str) -> None:
    missing = errors_of(
        call(base_url, "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": 5}})
    )
    assert codes(missing["draftInvoice"]) == ["E06000"]
    create_draft(base_url, draft_body())
    casing = errors_of(
        call(
            base_url,
            "POST",
            "/invoices/booked",
            json={"draftInvoice": {"draftInvoiceNumber": 1}, "sendBy": "ean"},
        )
    )
    assert "sendBy" in casing  # the enum is none | EAN | Email, case-sensitive
    empty = create_draft(base_url, {**draft_body(), "lines": []})
    assert "draftInvoice" in errors_of(
        call(
            base_url,
            "POST",
            "/invoices/booked",
            json={"draftInvoice": {"draftInvoiceNumber": empty["draftInvoiceNumber"]}},
        )
    )
    outside = create_draft(base_url, draft_body(date="2031-01-05"))
    refused = call(
        base_url,
        "POST",
        "/invoices/booked",
        json={"draftInvoice": {"draftInvoiceNumber": outside["draftInvoiceNumber"]}},
    )
    assert "accounting year" in errors_of(refused)["draftInvoice"]["errors"][0]["message"]


def test_sent_unpaid_overdue_and_paid_lists(base_url: str, state: EconomicState, clock: FakeClock) -> None:
    contact = state.add_contact(1, {"name": "Jens Hansen", "email": "jh@hansensbyg.dk"})
    ean_body = draft_body(
        recipient={"name": "Hansens Byg ApS", "ean": "5790000123457", "vatZone": {"vatZoneNumber": 1}},
        references={"customerContact": {"customerContactNumber": contact["customerContactNumber"]}},
    )
    for _ in range(3):
        create_draft(base_url, draft_body())
    create_draft(base_url, ean_body)
    first = book(base_url, 1)  # due 2026-02-09
    book(base_url, 2, sendBy="Email")
    book(base_url, 3, sendBy="none")
    sent = book(base_url, 4, sendBy="EAN")
    assert sent["sent"] == f"{base_url}/invoices/sent/1" and "sent" not in first
    log = call(base_url, "GET", "/invoices/sent").json()["collection"]
    assert [(s["id"], s["invoice"]["bookedInvoiceNumber"], s["sendBy"]) for s in log] == [(1, 4, "ean")]
    assert log[0]["recipient"]["ean"] == "5790000123457" and log[0]["creationDate"] == "2026-02-01"
    assert (
        call(base_url, "GET", "/invoices/sent/1").json()["invoice"]["self"] == f"{base_url}/invoices/booked/4"
    )
    no_ean = create_draft(base_url, draft_body())
    refused = call(
        base_url,
        "POST",
        "/invoices/booked",
        json={"draftInvoice": {"draftInvoiceNumber": no_ean["draftInvoiceNumber"]}, "sendBy": "EAN"},
    )
    assert len(errors_of(refused)["sendBy"]["errors"]) == 2  # no EAN, no contact person

    assert numbers(base_url, "/invoices/unpaid") == [1, 2, 3, 4]
    assert numbers(base_url, "/invoices/overdue") == [] and numbers(base_url, "/invoices/not-due") == [
        1,
        2,
        3,
        4,
    ]
    clock.now = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    assert numbers(base_url, "/invoices/overdue") == [1, 2, 3, 4]
    state.pay_invoice(1)
    state.pay_invoice(2, D("100"))
    assert numbers(base_url, "/invoices/paid") == [1]
    assert numbers(base_url, "/invoices/unpaid") == [2, 3, 4]
    assert call(base_url, "GET", "/invoices/booked/2").json()["remainder"] == 25  # 125 - 100
    assert numbers(base_url, "/invoices/unpaid", filter="bookedInvoiceNumber$gt:2") == [3, 4]
    assert call(base_url, "GET", "/invoices").json()["notDue"] == f"{base_url}/invoices/not-due"


def test_booked_invoices_filter_like_the_schema_says(base_url: str) -> None:
    for other in ("RB-1", "RB-2"):
        create_draft(base_url, draft_body(references={"other": other}))
        book(base_url, 1)
    assert numbers(base_url, "/invoices/booked", filter="references.other$eq:rb-2") == [2]
    assert numbers(
        base_url, "/invoices/booked", filter="customer.customerNumber$eq:1$and:date$gte:2026-02-01"
    ) == [1, 2]
    refused = call(base_url, "GET", "/invoices/booked", params={"filter": "lastUpdated$gt:2020-01-01"})
    assert refused.status_code == 400 and "lastUpdated" not in refused.json()["allowedFilteringFields"]
    assert call(base_url, "GET", "/customers/1/invoices/booked").json()["pagination"]["results"] == 2


# -- idempotency -----------------------------------------------------------------------------------


def test_idempotent_draft_and_booking(base_url: str) -> None:
    key = {"Idempotency-Key": "rb-order-55-draft"}
    first = call(base_url, "POST", "/invoices/drafts", json=draft_body(), headers=key)
    again = call(base_url, "POST", "/invoices/drafts", json=draft_body(line("1", 9, 9)), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["X-ResultFromCache"] == "true" and "X-ResultFromCache" not in first.headers
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert call(base_url, "GET", "/invoices/drafts").json()["pagination"]["results"] == 1
    booking = {"Idempotency-Key": "rb-order-55-book"}
    booked = book(base_url, 1, headers=booking)
    replay = call(
        base_url,
        "POST",
        "/invoices/booked",
        json={"draftInvoice": {"draftInvoiceNumber": 1}},
        headers=booking,
    )
    assert replay.status_code == 201 and replay.headers["X-ResultFromCache"] == "true"
    assert replay.json()["bookedInvoiceNumber"] == booked["bookedInvoiceNumber"] == 1
    assert numbers(base_url, "/invoices/booked") == [1]


# -- the client ------------------------------------------------------------------------------------


def test_client_books_and_finds_by_reference(client: EconomicClient) -> None:
    draft = client.create_draft_invoice(
        draft_body(references={"other": "Rackbeat order 1001"}), idempotency_key="d-1"
    )
    assert client.last_result_from_cache is False
    again = client.create_draft_invoice(
        draft_body(references={"other": "Rackbeat order 1001"}), idempotency_key="d-1"
    )
    assert (
        client.last_result_from_cache is True and again["draftInvoiceNumber"] == draft["draftInvoiceNumber"]
    )
    client.create_draft_invoice(
        draft_body(references={"other": "rackbeat ORDER 1001"})
    )  # differs in case only
    found = client.find_draft_invoice_by_reference("Rackbeat order 1001")
    assert found is not None and found["draftInvoiceNumber"] == 1 and found["lines"]
    assert client.find_draft_invoice_by_reference("Rackbeat order 9") is None
    assert client.find_booked_invoice_by_reference("Rackbeat order 1001") is None
    booked = client.book_invoice(1, send_by="none", book_with_number=100, idempotency_key="b-1")
    assert booked["bookedInvoiceNumber"] == 100 and client.last_result_from_cache is False
    assert client.book_invoice(1, idempotency_key="b-1")["bookedInvoiceNumber"] == 100
    assert client.last_result_from_cache is True
    found_booked = client.find_booked_invoice_by_reference("Rackbeat order 1001")
    assert found_booked is not None and found_booked["bookedInvoiceNumber"] == 100 and found_booked["lines"]
    assert client.find_draft_invoice_by_reference("Rackbeat order 1001") is None
    with pytest.raises(ValueError):
        client.book_invoice(2, send_by="ean")
    with pytest.raises(ValidationError) as caught:
        client.book_invoice(2, book_with_number=100)
    assert "bookWithNumber" in (caught.value.errors or {})


def test_references_with_filter_syntax_characters_are_found(client: EconomicClient, base_url: str) -> None:
    for number, reference in enumerate(["RB(1):x$y,z*", "order [7]", "æøå #1 / 2"], start=1):
        client.create_draft_invoice(draft_body(references={"other": reference}))
        found = client.find_draft_invoice_by_reference(reference)
        assert found is not None and found["draftInvoiceNumber"] == number
    assert "metaData" not in call(base_url, "GET", "/invoices/unpaid").json()
    assert call(base_url, "GET", "/invoices/booked").json()["metaData"]["create"]["httpMethod"] == "post"


def test_deleting_a_draft_by_a_number_that_is_no_number_deletes_nothing(base_url: str) -> None:
    """``DELETE /invoices/drafts/abc`` names no draft: 404, and every draft stays (it used to read as
    the collection's DELETE and delete them all)."""
    for _ in range(2):
        assert call(base_url, "POST", "/invoices/drafts", json=draft_body()).status_code == 201
    before = call(base_url, "GET", "/invoices/drafts").json()["pagination"]["results"]
    assert before >= 2
    for text in ("abc", "1x"):
        answer = call(base_url, "DELETE", f"/invoices/drafts/{text}")
        assert answer.status_code == 404, answer.text
        assert answer.json()["message"] == f"draftInvoice '{text}' does not exist."
    assert call(base_url, "GET", "/invoices/drafts").json()["pagination"]["results"] == before
