"""Issue 11, Rackbeat → e-conomic supplier vouchers: read back after posting, kept out of the books when
e-conomic's voucher is not Rackbeat's supplier invoice, and keyed ``DAY BOOK:YEAR-NUMBER``.

Both sandboxes over HTTP: the Rackbeat supplier invoice is booked without webhooks and transferred by hand;
the voucher is read from e-conomic's day book and entries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.integrations.conftest import World
from tests.integrations.test_economic_books import YEAR, Books, book_day_book, books, line, supplier_invoice

D = Decimal


def _day_book(b: Books) -> list[dict[str, Any]]:
    return list(b.economic.iter_collection("journals/2/vouchers"))


def test_a_supplier_voucher_is_keyed_by_year_and_number_and_read_back_equal(world: World) -> None:
    with books(world) as b:
        product = b.world.ops.records("products")[0]["number"]
        invoice = supplier_invoice(b, [line(product, "100.00", 25, 4)], invoice_number="F-40")
        result = b.transfer("supplier-invoice", invoice["number"])
        assert result.ok, b.errors()
        [voucher] = _day_book(b)
        assert result.remote_key == f"2:{YEAR}-{voucher['voucherNumber']}"
        book_day_book(world)
        assert b.trial_balance() == 0


def test_a_voucher_in_the_day_book_with_other_amounts_is_not_taken_as_transferred(world: World) -> None:
    """A bookkeeper typed supplier invoice F-7 into the day book by hand, on an account without a VAT code
    (1230), so no input VAT is split off: the transfer finds it (same supplier and invoice number), reads
    it back and says what differs, leaves it unbooked in the day book; once deleted there, a retry posts
    Rackbeat's and checks it."""
    with books(world) as b:
        product = b.world.ops.records("products")[0]["number"]
        supplier = b.world.ops.records("suppliers")[0]["number"]
        b.economic.post_vouchers(
            2,
            [
                {
                    "accountingYear": {"year": YEAR},
                    "entries": {
                        "supplierInvoices": [
                            {
                                "supplier": {"supplierNumber": int(supplier)},
                                "supplierInvoiceNumber": "F-7",
                                "amount": D("-1250.00"),
                                "contraAccount": {"accountNumber": 1230},
                                "currency": {"code": "DKK"},
                                "date": date.today().isoformat(),
                                "text": "typed by hand",
                            }
                        ]
                    },
                }
            ],
        )
        invoice = supplier_invoice(b, [line(product, "250.00", 25, 4)], invoice_number="F-7")
        assert D(str(invoice["total_total"])) == D("1250.00") and D(str(invoice["total_vat"])) == D(250)

        held = b.transfer("supplier-invoice", invoice["number"])

        assert held.outcome == "failed", held
        assert (
            f"supplier invoice {invoice['number']}: e-conomic's voucher differs from Rackbeat's — input VAT "
            "250.00 in Rackbeat, 0.00 in e-conomic"
        ) in held.message, held.message
        assert "is still in the day book, not booked: correct or delete it in e-conomic" in held.message
        [typed] = _day_book(b)  # the bookkeeper's voucher is left as it is
        [entry] = typed["entries"]["supplierInvoices"]
        assert entry["text"] == "typed by hand"

        b.economic.delete(f"journals/2/entries/{entry['journalEntryNumber']}")
        [(_, outcome)] = b.retry()
        assert "transferred" in outcome or "voucher" in outcome, outcome
        [posted] = _day_book(b)
        [ours] = posted["entries"]["supplierInvoices"]
        assert D(str(ours["amount"])) == D("-1250.00") and D(str(ours["contraVatAmount"])) == D(-250)
        book_day_book(world)
        totals = b.totals()
        assert (totals[6110], totals[1210], totals[6220]) == (D("-1250.00"), D("1000.00"), D("250.00"))
        assert b.trial_balance() == 0
