"""The eAccounting invoice guard: Rackbeat's rows against the draft eAccounting computed, compared by the
shared totals guard (the same comparison the e-conomic pair uses)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from ledgerbridge.integrations.rackbeat_eaccounting import invoice_guard

INVOICE: dict[str, Any] = {
    "currency": "SEK",
    "lines": [
        {"name": "Bolt", "child_id": "5020", "quantity": "2", "line_price": "10.00", "vat_percentage": 25},
        {"name": "Bok", "child_id": "7", "quantity": "1", "line_price": "99.99", "vat_percentage": 6},
    ],
}
EXPECTED = invoice_guard.expected_totals(INVOICE, actual_quantity=True, base_currency="SEK")


def draft(vat: D = EXPECTED.vat, **row_changes: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"LineNumber": row.line_number, "Amount": row.net, "VatRate": row.vat_percent / 100}
        for row in EXPECTED.rows
    ]
    for number, changes in row_changes.items():
        rows[int(number[1:])].update(changes)
    return {"Rows": [r for r in rows if r.get("Amount") is not None], "TotalVatAmount": vat}


def test_rackbeats_rows_and_vat_per_line() -> None:
    assert [(r.net, r.vat_percent) for r in EXPECTED.rows] == [(D("20.00"), 25), (D("99.99"), 6)]
    assert EXPECTED.vat == D("5.00") + D("6.00") and EXPECTED.gross == D("130.99")


def test_an_equal_draft_agrees() -> None:
    assert invoice_guard.agrees(EXPECTED, draft())
    assert invoice_guard.rounding_only(EXPECTED, draft()) == EXPECTED.vat


def test_a_rate_difference_says_why_and_what_to_do() -> None:
    text = invoice_guard.explain(EXPECTED, draft(r1={"VatRate": D("0.25")}, vat=D("30.00")))
    assert "line 2 (Bok, article 7): 6% VAT in Rackbeat, eAccounting books 25%" in text
    assert "because the article's account coding has 25% — give article 7 a coding with 6% VAT" in text
    assert invoice_guard.rounding_only(EXPECTED, draft(r1={"VatRate": D("0.25")})) is None


def test_a_vat_rounding_difference_is_rounding_only() -> None:
    off = draft(vat=EXPECTED.vat - D("0.01"))
    assert not invoice_guard.agrees(EXPECTED, off)
    assert invoice_guard.rounding_only(EXPECTED, off) == EXPECTED.vat - D("0.01")
    assert "a rounding difference of -0.01" in invoice_guard.explain(EXPECTED, off)


def test_a_missing_row_is_named_in_line_order() -> None:
    text = invoice_guard.explain(EXPECTED, draft(r0={"Amount": None}, r1={"VatRate": D("0.25")}))
    assert text.index("line 1 (Bolt, article 5020): missing on the eAccounting draft") < text.index("line 2")


def test_a_refusal_is_reported_when_nothing_else_explains_it() -> None:
    assert "eAccounting refused the totals: no" in invoice_guard.explain(EXPECTED, draft(), "no")


def test_the_validation_body_carries_rackbeats_totals() -> None:
    body = invoice_guard.validation_body(EXPECTED)
    assert body["TotalAmountInvoiceCurrency"] == D("130.99")
    assert body["Rows"][0] == {
        "LineNumber": 0,
        "TotalAmountNoVatInvoiceCurrency": D("20.00"),
        "TotalAmountIncVatInvoiceCurrency": D("25.00"),
    }
