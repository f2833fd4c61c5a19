"""Issue 11, Rackbeat → e-conomic supplier vouchers: a voucher whose VAT e-conomic would make different from
Rackbeat's is refused BEFORE it is posted — nothing reaches the day book — with the account, its VAT code
and both amounts in the error log; ``retry`` posts it once the account or the setting is fixed.

e-conomic gives a supplier-invoice entry sent without a VAT code its expense account's VAT code and splits
the code's share off the entry (``systems/economic/sandbox/voucher_vat.py``): a supplier invoice without
VAT to "Varekøb Danmark" (1210, input VAT code I25) would read back with 25 % input VAT. Both sandboxes
over HTTP; the e-conomic request log shows that no voucher was posted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.integrations.conftest import World
from tests.integrations.test_economic_books import YEAR, Books, book_day_book, books, line, supplier_invoice

D = Decimal
VOUCHERS = "/journals/2/vouchers"


def _calls(world: World) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in list(world.economic_app.kit.requests)]


def _writes(world: World) -> list[tuple[str, str]]:
    return [(m, p) for m, p in _calls(world) if m != "GET"]


def _day_book(b: Books) -> list[dict[str, Any]]:
    return list(b.economic.iter_collection("journals/2/vouchers"))


def _supplier_errors(world: World, b: Books) -> list[str]:
    return [e.message for e in world.service.errors(b.name) if e.entity == "supplier-invoice"]


def _refused(account: int, name: str) -> str:
    return (
        "e-conomic would book input VAT 160.00 where Rackbeat has 0.00: "
        f"account {account} ('{name}') has VAT code I25 (25%): e-conomic gives it to the 800.00 sent there "
        "with 0.00 input VAT and splits 160.00 off. Nothing was posted"
    )


def test_a_zero_vat_supplier_invoice_to_an_account_with_input_vat_is_refused_without_posting(
    world: World,
) -> None:
    with books(world) as b:  # standard_account 1210 "Varekøb Danmark", VAT code I25
        product = b.world.ops.records("products")[0]["number"]
        invoice = supplier_invoice(b, [line(product, "400.00", 0, 2)], invoice_number="F-0")
        assert (D(str(invoice["total_total"])), D(str(invoice["total_vat"]))) == (D(800), D(0))
        world.economic_app.kit.requests.clear()  # e-conomic's request log: this transfer's calls only

        held = b.transfer("supplier-invoice", invoice["number"])

        assert held.outcome == "failed" and held.remote_key is None, held
        reason = _refused(1210, "Varekøb Danmark")
        assert reason in held.message, held.message
        assert "settings.accounting" in held.message
        [logged] = _supplier_errors(world, b)
        assert reason in logged
        # The account and its VAT code were read; nothing was written: no voucher POST, no DELETE.
        calls = _calls(world)
        assert ("GET", "/accounts/1210") in calls and ("GET", "/vat-accounts/I25") in calls, calls
        assert _writes(world) == [], calls
        assert _day_book(b) == [] and list(b.economic.iter_collection("journals/2/entries")) == []

        # The bookkeeper maps the purchase to "Varekøb udland" (1230, no VAT code) and retries: posted once.
        settings = world.service.describe(b.name).settings
        world.service.update_settings(b.name, {**settings, "accounting": {"standard_account": 1230}})
        world.economic_app.kit.requests.clear()
        [(_, outcome)] = b.retry()
        assert "failed" not in outcome, outcome
        assert _writes(world) == [("POST", VOUCHERS)], _calls(world)
        [voucher] = _day_book(b)
        [entry] = voucher["entries"]["supplierInvoices"]
        assert entry["contraAccount"]["accountNumber"] == 1230 and "contraVatAccount" not in entry
        [done] = [t for t in world.service.transfers(b.name) if t.source_key == str(invoice["number"])]
        assert done.state == "confirmed" and done.remote_key == f"2:{YEAR}-{voucher['voucherNumber']}"
        assert _supplier_errors(world, b) == []
        book_day_book(world)
        totals = b.totals()
        assert (totals[6110], totals[1230]) == (D("-800.00"), D("800.00")) and 6220 not in totals
        assert b.trial_balance() == 0


def test_a_retry_in_the_same_session_sees_the_accounts_vat_code_fixed_in_economic(world: World) -> None:
    """The session caches accounts, but what a refused voucher read is read again on its retry: the
    bookkeeper's fix in e-conomic is seen without reopening the session."""
    world.books.add_account(
        {
            "accountNumber": 1290,
            "name": "Varekøb momsfri",
            "accountType": "profitAndLoss",
            "debitCredit": "debit",
            "vatAccount": {"vatCode": "I25"},  # set up by mistake: these purchases carry no VAT
        }
    )
    with books(world) as b:
        settings = world.service.describe(b.name).settings
        world.service.update_settings(b.name, {**settings, "accounting": {"standard_account": 1290}})
        b.retry()  # a session with the new settings (nothing to retry yet)
        product = b.world.ops.records("products")[0]["number"]
        invoice = supplier_invoice(b, [line(product, "400.00", 0, 2)], invoice_number="F-290")
        world.economic_app.kit.requests.clear()

        held = b.transfer("supplier-invoice", invoice["number"])

        assert held.outcome == "failed" and _refused(1290, "Varekøb momsfri") in held.message, held.message
        assert _writes(world) == [] and _day_book(b) == []

        # The bookkeeper takes the VAT code off 1290 in e-conomic; the same session retries.
        world.books.update("accounts", 1290, {"vatAccount": None})
        world.economic_app.kit.requests.clear()
        [(_, outcome)] = b.hub.retry(b.name)
        assert "failed" not in outcome, outcome
        assert ("GET", "/accounts/1290") in _calls(world)  # read again, not taken from the session's cache
        assert _writes(world) == [("POST", VOUCHERS)], _calls(world)
        [voucher] = _day_book(b)
        [entry] = voucher["entries"]["supplierInvoices"]
        assert entry["contraAccount"]["accountNumber"] == 1290 and "contraVatAccount" not in entry
        assert _supplier_errors(world, b) == []
        book_day_book(world)
        totals = b.totals()
        assert (totals[6110], totals[1290]) == (D("-800.00"), D("800.00")) and 6220 not in totals
        assert b.trial_balance() == 0


def test_supplier_invoices_with_vat_read_each_account_once_per_session(world: World) -> None:
    """The check costs no call per voucher once the session knows the account and its VAT code."""
    with books(world) as b:
        product = b.world.ops.records("products")[0]["number"]
        first = supplier_invoice(b, [line(product, "100.00", 25, 4)], invoice_number="F-1")
        second = supplier_invoice(b, [line(product, "50.00", 25, 2)], invoice_number="F-2")
        world.economic_app.kit.requests.clear()
        assert b.transfer("supplier-invoice", first["number"]).ok, b.errors()
        assert b.transfer("supplier-invoice", second["number"]).ok, b.errors()
        calls = _calls(world)
        assert calls.count(("GET", "/accounts/1210")) == 1, calls
        assert calls.count(("GET", "/vat-accounts/I25")) == 1, calls
        assert _writes(world) == [("POST", VOUCHERS), ("POST", VOUCHERS)], calls
        book_day_book(world)
        assert b.totals()[6220] == D(125) and b.trial_balance() == 0
