"""The sandbox's books over HTTP: booked invoices and journals post double-entry, VAT on VAT accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic import EconomicState

from .builders import call, doc, draft_body, line, supplier_invoice, voucher

D = Decimal


def add_books_accounts(state: EconomicState) -> None:
    """The minimal chart plus the VAT accounts and a VAT-free sales account with its product group."""
    for number, name, kind, vat in (
        (1110, "Salg u/moms", "profitAndLoss", None),
        (6210, "Salgsmoms", "status", None),
        (6220, "Købsmoms", "status", None),
    ):
        record: dict[str, Any] = {"accountNumber": number, "name": name, "accountType": kind}
        if vat:
            record["vatAccount"] = {"vatCode": vat}
        state.add_account(record)
    state.add_product_group(
        {"productGroupNumber": 3, "name": "Varer u/moms", "salesAccount": {"accountNumber": 1110}}
    )
    state.add_product({"productNumber": "5020", "name": "Bog", "productGroup": {"productGroupNumber": 3}})


def totals(base_url: str, year: str = "2026") -> dict[int, Decimal]:
    response = call(base_url, "GET", f"/accounting-years/{year}/totals", params={"pagesize": 1000})
    assert response.status_code == 200, response.text
    return {t["account"]["accountNumber"]: t["totalInBaseCurrency"] for t in doc(response)["collection"]}


def book_draft(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    created = call(base_url, "POST", "/invoices/drafts", json=body)
    assert created.status_code == 201, created.text
    number = created.json()["draftInvoiceNumber"]
    booked = call(base_url, "POST", "/invoices/booked", json={"draftInvoice": {"draftInvoiceNumber": number}})
    assert booked.status_code == 201, booked.text
    return dict(doc(booked))


def test_a_booked_invoice_posts_sales_vat_and_debtor_and_balances(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)
    booked = book_draft(
        base_url,
        draft_body(line("1", 2, D("100.00")), line("5020", 1, D("40.00"), description="Bog")),
    )
    assert (booked["netAmount"], booked["vatAmount"], booked["grossAmount"]) == (D(240), D(50), D(290))
    books = totals(base_url)
    assert books == {1100: D(-200), 1110: D(-40), 5600: D(290), 6210: D(-50)}
    assert sum(books.values()) == 0  # the trial balance
    entries = doc(call(base_url, "GET", "/accounting-years/2026/entries"))["collection"]
    debtor = next(e for e in entries if e["account"]["accountNumber"] == 5600)
    assert debtor["bookedInvoice"]["bookedInvoiceNumber"] == booked["bookedInvoiceNumber"]
    assert debtor["customer"]["customerNumber"] == 1
    vat = next(e for e in entries if e["account"]["accountNumber"] == 6210)
    assert vat["vatAccount"]["vatCode"] == "U25"
    one = doc(call(base_url, "GET", "/accounts/6210/accounting-years/2026/totals"))
    assert one["totalInBaseCurrency"] == D(-50) and one["fromDate"] == "2026-01-01"
    mine = doc(call(base_url, "GET", "/accounts/5600/accounting-years/2026/entries"))["collection"]
    assert [e["amount"] for e in mine] == [D(290)]


def test_a_foreign_currency_invoice_posts_in_base_currency_and_still_balances(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)
    body = draft_body(line("1", 3, D("33.33")), currency="EUR", exchangeRate=D("745.57"))
    booked = book_draft(base_url, body)
    assert booked["grossAmount"] == D("124.99")
    books = totals(base_url)
    assert sum(books.values()) == 0
    # round(99.99 × 7.4557) and round(25.00 × 7.4557); the debtor takes the øre that makes it balance
    # (round(124.99 × 7.4557) would be 931.88).
    assert (books[1100], books[6210], books[5600]) == (D("-745.50"), D("-186.39"), D("931.89"))
    entries = doc(call(base_url, "GET", "/accounting-years/2026/entries"))["collection"]
    assert {e["currency"] for e in entries} == {"EUR"}


def test_an_oss_zone_charges_the_buyer_countrys_rate(base_url: str, state: EconomicState) -> None:
    add_books_accounts(state)
    state.add_vat_zone({"vatZoneNumber": 17, "name": "Tyskland (OSS)", "enabledForCustomer": True})
    body = draft_body(line("1", 1, D("100.00")))
    body["recipient"]["vatZone"] = {"vatZoneNumber": 17}
    booked = book_draft(base_url, body)
    assert booked["vatAmount"] == D(19) and booked["lines"][0]["vatRate"] == D(19)
    entries = doc(call(base_url, "GET", "/accounting-years/2026/entries"))["collection"]
    assert {e["vatAccount"]["vatCode"] for e in entries if "vatAccount" in e} == {"OSSDE"}
    assert sum(totals(base_url).values()) == 0


def test_an_oss_invoice_carries_the_buyer_countrys_rate_per_line_and_books_it(
    base_url: str, state: EconomicState
) -> None:
    """Issue 11: a German private customer (OSS zone) buying a standard-rated product and a book. The
    book's group has a sales account for the zone with Germany's reduced rate; the other group has none
    there and takes Germany's standard rate. Each line carries its rate; the VAT lands on the output VAT
    account per code; the trial balance is zero."""
    add_books_accounts(state)
    state.add_vat_zone({"vatZoneNumber": 17, "name": "Tyskland (OSS)", "enabledForCustomer": True})
    state.add_account(
        {
            "accountNumber": 1131,
            "name": "Salg bøger OSS Tyskland",
            "accountType": "profitAndLoss",
            "vatAccount": {"vatCode": "OSSDE7"},
        }
    )
    state.set_zone_sales_account(3, 17, 1131)
    groups = doc(call(base_url, "GET", "/product-groups/3/sales-accounts"))["collection"]
    assert [(g["vatZone"]["vatZoneNumber"], g["salesAccount"]["accountNumber"]) for g in groups] == [
        (1, 1110),
        (17, 1131),
    ]
    reduced = doc(call(base_url, "GET", "/vat-accounts/OSSDE7"))
    assert reduced["ratePercentage"] == D(7)

    body = draft_body(line("1", 2, D("50.00")), line("5020", 1, D("40.00"), description="Bog"))
    body["recipient"]["vatZone"] = {"vatZoneNumber": 17}
    booked = book_draft(base_url, body)
    assert [ln["vatRate"] for ln in booked["lines"]] == [D(19), D(7)]
    assert [ln["vatAmount"] for ln in booked["lines"]] == [D(19), D("2.80")]
    assert (booked["netAmount"], booked["vatAmount"], booked["grossAmount"]) == (
        D(140),
        D("21.80"),
        D("161.80"),
    )

    entries = doc(call(base_url, "GET", "/accounting-years/2026/entries"))["collection"]
    vat = {e["vatAccount"]["vatCode"]: e for e in entries if "vatAccount" in e}
    assert {code: e["amountInBaseCurrency"] for code, e in vat.items()} == {
        "OSSDE": D(-19),
        "OSSDE7": D("-2.80"),
    }
    assert {e["account"]["accountNumber"] for e in vat.values()} == {6210}  # output VAT
    books = totals(base_url)
    assert books == {1100: D(-100), 1131: D(-40), 5600: D("161.80"), 6210: D("-21.80")}
    assert sum(books.values()) == 0  # the trial balance
    assert doc(call(base_url, "GET", "/accounts/6210/accounting-years/2026/totals"))[
        "totalInBaseCurrency"
    ] == D("-21.80")


def test_a_booked_supplier_invoice_splits_input_vat_and_a_credit_note_books_the_other_way(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)
    invoice = supplier_invoice(amount=D(-1250), contraVatAccount={"vatCode": "I25"}, number="F-1")
    credit = supplier_invoice(amount=D(250), contraVatAccount={"vatCode": "I25"}, number="K-1")
    answer = call(
        base_url,
        "POST",
        "/journals/2/vouchers",
        json=[voucher(supplierInvoices=[invoice]), voucher(supplierInvoices=[credit])],
    )
    assert answer.status_code == 201, answer.text
    assert totals(base_url) == {}  # drafts until the journal is booked
    booked = call(base_url, "POST", "/_sandbox/journals/2/book")
    assert booked.json() == {"booked": 6}
    assert totals(base_url) == {1210: D(800), 6110: D(-1000), 6220: D(200)}
    assert call(base_url, "GET", "/journals/2/entries").json()["collection"] == []
    entries = doc(
        call(
            base_url,
            "GET",
            "/accounting-years/2026/entries",
            params={"filter": "supplierInvoiceNumber$eq:K-1"},
        )
    )["collection"]
    assert [(e["account"]["accountNumber"], e["amount"]) for e in entries] == [(6110, D(250))]


def test_a_foreign_currency_voucher_books_at_its_rate(base_url: str, state: EconomicState) -> None:
    add_books_accounts(state)
    entry = supplier_invoice(
        amount=D(-125), currency={"code": "EUR"}, exchangeRate=D("746.1"), contraVatAccount={"vatCode": "I25"}
    )
    assert (
        call(base_url, "POST", "/journals/2/vouchers", json=voucher(supplierInvoices=[entry])).status_code
        == 201
    )
    call(base_url, "POST", "/_sandbox/journals/2/book")
    books = totals(base_url)
    assert books == {1210: D("746.10"), 6110: D("-932.63"), 6220: D("186.53")}
    assert sum(books.values()) == 0


def test_voucher_numbers_are_not_reused_after_the_journal_is_booked(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)

    def post_one(number: str) -> int:
        answer = call(
            base_url,
            "POST",
            "/journals/2/vouchers",
            json=voucher(supplierInvoices=[supplier_invoice(amount=D(-100), number=number)]),
        )
        assert answer.status_code == 201, answer.text
        return int(doc(answer)[0]["voucherNumber"])

    first = post_one("F-1")
    assert call(base_url, "POST", "/_sandbox/journals/2/book").is_success
    second = post_one("F-2")
    assert second == first + 1  # the booked voucher keeps its number; the journal moves on
    call(base_url, "POST", "/_sandbox/journals/2/book")
    entries = doc(call(base_url, "GET", "/accounting-years/2026/entries", params={"pagesize": 1000}))
    by_voucher = {(e["voucherNumber"], e.get("supplierInvoiceNumber")) for e in entries["collection"]}
    assert {n for n, invoice in by_voucher if invoice == "F-1"} == {first}
    assert {n for n, invoice in by_voucher if invoice == "F-2"} == {second}
