"""A supplier-invoice entry's VAT follows a VAT code (``sandbox/voucher_vat.py``): the one sent, else its
expense account's; the amount is the code's share unless one is sent. Over HTTP, as posted, read back and
booked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic import EconomicState

from .builders import call, doc, finance_voucher, supplier_invoice, voucher
from .test_books import add_books_accounts, totals

D = Decimal


def posted_entry(base_url: str, entry: dict[str, Any]) -> dict[str, Any]:
    answer = call(base_url, "POST", "/journals/2/vouchers", json=voucher(supplierInvoices=[entry]))
    assert answer.status_code == 201, answer.text
    [created] = doc(answer)
    [posted] = created["entries"]["supplierInvoices"]
    return dict(posted)


def read_back(base_url: str, posted: dict[str, Any]) -> dict[str, Any]:
    number = posted["voucher"]["voucherNumber"]
    [entry] = doc(call(base_url, "GET", f"/journals/2/vouchers/2026-{number}"))["entries"]["supplierInvoices"]
    return dict(entry)


def test_an_entry_without_a_vat_code_takes_its_expense_accounts_and_books_it(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)
    posted = posted_entry(base_url, supplier_invoice(amount=D("-800.00"), contra=1210))  # 1210 has I25
    for entry in (posted, read_back(base_url, posted)):
        assert entry["contraVatAccount"]["vatCode"] == "I25"
        assert D(str(entry["contraVatAmount"])) == D("-160.00")  # 800 × 25 / 125
    assert call(base_url, "POST", "/_sandbox/journals/2/book").json() == {"booked": 3}
    assert totals(base_url) == {1210: D("640.00"), 6110: D("-800.00"), 6220: D("160.00")}


def test_an_account_without_a_vat_code_leaves_the_entry_without_vat(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)
    posted = posted_entry(base_url, supplier_invoice(amount=D("-800.00"), contra=1250))
    assert "contraVatAccount" not in read_back(base_url, posted) and "contraVatAmount" not in posted
    call(base_url, "POST", "/_sandbox/journals/2/book")
    assert totals(base_url) == {1250: D("800.00"), 6110: D("-800.00")}


def test_a_code_sent_without_an_amount_gets_the_codes_share_and_an_amount_sent_is_kept(
    base_url: str, state: EconomicState
) -> None:
    add_books_accounts(state)
    computed = posted_entry(
        base_url, supplier_invoice(amount=D("-0.39"), contra=1250, contraVatAccount={"vatCode": "I25"})
    )
    assert read_back(base_url, computed)["contraVatAccount"]["vatCode"] == "I25"
    assert D(str(read_back(base_url, computed)["contraVatAmount"])) == D("-0.08")  # 0.078, half up
    kept = posted_entry(
        base_url,
        supplier_invoice(amount=D("-0.39"), contraVatAccount={"vatCode": "I25"}, contraVatAmount=D("-0.09")),
    )
    assert D(str(read_back(base_url, kept)["contraVatAmount"])) == D("-0.09")


def test_finance_vouchers_are_stored_as_sent(base_url: str, state: EconomicState) -> None:
    answer = call(
        base_url,
        "POST",
        "/journals/3/vouchers",
        json=voucher(financeVouchers=[finance_voucher(1210, 5510, 125)]),
    )
    assert answer.status_code == 201, answer.text
    [entry] = doc(answer)[0]["entries"]["financeVouchers"]
    assert "contraVatAccount" not in entry and "vatAccount" not in entry and "contraVatAmount" not in entry
