"""Customer and supplier invoices, Rackbeat → eAccounting drafts (seed 002 "Invoice settings", seed 000
"Vad kan överföras från Rackbeat till eEkonomi"): the fields that reach the draft and those that stay out;
rows per line (exact quantity, rounding rows, discounts), credit notes, currency and references."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError, Record
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.invoice import InvoiceToEAccounting
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.supplier_invoice import (
    SupplierInvoiceToEAccounting,
)
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from tests.integrations.mappers.support import FakeContext


class Refs:
    """eAccounting ids: customer "C-<n>", article "A-<item>" (a VAT-free line: "A-<item>-0"), terms
    "T-<n>", supplier "S-<n>"; Rackbeat's rate per 100 as eAccounting's per unit."""

    def __init__(self) -> None:
        self.asked: list[Any] = []

    def customer_id(self, number: Any) -> str:
        return f"C-{number}"

    def article_id(self, item: Any, line: Record) -> str:
        self.asked.append(item)
        return f"A-{item}-0" if str(line.get("vat_percentage")) == "0" else f"A-{item}"

    def terms_id(self, payment_terms_id: Any) -> str:
        return f"T-{payment_terms_id}"

    def supplier_id(self, number: Any) -> str:
        return f"S-{number}"

    def currency_rate(self, invoice: Record) -> Decimal | None:
        rate = invoice.get("currency_rate")
        return None if rate is None else Decimal(str(rate)) / 100


LINE: dict[str, Any] = {
    "child_id": "P1",
    "name": "Bult",
    "quantity": "2",
    "line_price": "50",
    "discount_percentage": "0",
    "line_total": "100.00",
    "vat_percentage": "25",
}
INVOICE: dict[str, Any] = {"number": 17, "customer_id": 100, "invoice_date": "2026-03-01", "lines": [LINE]}


def context(**invoices: Any) -> FakeContext:
    return FakeContext(RackbeatEAccountingSettings.model_validate({"invoices": invoices}))


def draft(ctx: FakeContext | None = None, refs: Refs | None = None, **fields: Any) -> dict[str, Any]:
    return InvoiceToEAccounting(refs or Refs()).map({**INVOICE, **fields}, ctx or context())


@pytest.mark.parametrize(
    ("field", "rackbeat", "target", "expected"),
    [
        ("customer", {"customer": {"number": 104}, "customer_id": None}, "CustomerId", "C-104"),
        ("invoice date", {"invoice_date": "2026-04-30T10:00:00+02:00"}, "InvoiceDate", "2026-04-30"),
        ("due date", {"due_date": "2026-05-30"}, "DueDate", "2026-05-30"),
        ("payment terms", {"payment_terms_id": 3}, "TermsOfPaymentId", "T-3"),
        ("their reference", {"their_reference": "Bo"}, "YourReference", "Bo"),
        ("our reference", {"our_reference": {"number": 1, "name": "Ada"}}, "OurReference", "Ada"),
        ("our reference as text", {"our_reference": "AL"}, "OurReference", "AL"),
        ("delivery street", {"delivery_address_street": "Lager 3"}, "DeliveryAddress1", "Lager 3"),
        ("delivery street 2", {"delivery_address_street2": "Port 2"}, "DeliveryAddress2", "Port 2"),
        ("delivery postcode", {"delivery_address_zipcode": "11122"}, "DeliveryPostalCode", "11122"),
        ("delivery city", {"delivery_address_city": "Solna"}, "DeliveryCity", "Solna"),
        ("delivery country", {"delivery_address_country": "SE"}, "DeliveryCountryCode", "SE"),
        ("credit note", {"total_total": "-125.00"}, "IsCreditInvoice", True),
    ],
)
def test_a_synced_field_reaches_the_draft(
    field: str, rackbeat: dict[str, Any], target: str, expected: Any
) -> None:
    assert draft(**rackbeat)[target] == expected, field


@pytest.mark.parametrize("rackbeat_field", InvoiceToEAccounting.ignored)
def test_an_unsynced_field_stays_out(rackbeat_field: str) -> None:
    assert "sentinel" not in json.dumps(draft(**{rackbeat_field: "sentinel"}), default=str)


def test_the_marker_and_the_defaults() -> None:
    document = draft()
    assert document["ContractNumber"] == "Rackbeat invoice 17"  # how an earlier attempt is found
    assert (document["EuThirdParty"], document["RotReducedInvoicingType"], document["IsCreditInvoice"]) == (
        False,
        0,
        False,
    )
    for absent in ("DueDate", "TermsOfPaymentId", "YourReference", "OurReference", "DeliveryCity"):
        assert absent not in document  # eAccounting's defaults, not blanks


def test_rows_at_the_line_amount_or_the_exact_quantity_with_discounts() -> None:
    line = {**LINE, "quantity": "4", "line_price": "25", "discount_percentage": "10", "line_total": "90.00"}
    [plain] = draft(lines=[line])["Rows"]
    assert plain == {
        "ArticleId": "A-P1",
        "IsTextRow": False,
        "ReversedConstructionServicesVatFree": False,
        "Text": "Bult",
        "Quantity": Decimal(1),
        "UnitPrice": Decimal("90.00"),
        "DiscountPercentage": Decimal("0.0000"),
    }
    [exact] = draft(context(use_exact_quantity=True), lines=[line])["Rows"]
    assert (exact["Quantity"], exact["UnitPrice"], exact["DiscountPercentage"]) == (4, 25, Decimal("0.1000"))


def test_a_rounding_row_keeps_the_line_total() -> None:
    line = {**LINE, "quantity": "2.333", "line_price": "0.4243", "line_total": "0.99"}
    rows = draft(context(use_exact_quantity=True), lines=[line])["Rows"]
    assert [(r["Text"], r["Quantity"], r["UnitPrice"]) for r in rows] == [
        ("Bult", Decimal("2.33"), Decimal("0.42")),
        ("Avrundning (Bult)", Decimal(1), Decimal("0.01")),
    ]
    assert rows[1]["ArticleId"] == "A-P1"


def test_a_vat_free_line_goes_to_the_article_the_refs_choose() -> None:
    refs = Refs()
    rows = draft(
        refs=refs, lines=[LINE, {**LINE, "vat_percentage": "0", "child_id": None, "item": {"number": "P2"}}]
    )
    assert [r["ArticleId"] for r in rows["Rows"]] == ["A-P1", "A-P2-0"]
    assert refs.asked == ["P1", "P2"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customer_id": None}, "the invoice has no customer"),
        ({"lines": []}, "the invoice has no lines"),
        ({"lines": [{**LINE, "child_id": None}]}, "line 'Bult' has no product"),
    ],
)
def test_refusals(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        draft(**fields)


# -- supplier invoices ---------------------------------------------------------------------------------
SUPPLIER_INVOICE: dict[str, Any] = {
    "number": 9,
    "supplier_id": 50,
    "invoice_number": "F-1001",
    "invoice_date": "2026-03-02",
    "total_subtotal": "100.00",
    "total_vat": "25.00",
}


def supplier_draft(**fields: Any) -> dict[str, Any]:
    return SupplierInvoiceToEAccounting(Refs()).map({**SUPPLIER_INVOICE, **fields}, context())


def test_a_supplier_invoice_debits_cost_and_input_vat() -> None:
    document = supplier_draft(due_date="2026-04-01")
    assert document == {
        "SupplierId": "S-50",
        "IsCreditInvoice": False,
        "InvoiceNumber": "F-1001",
        "InvoiceDate": "2026-03-02",
        "DueDate": "2026-04-01",
        "TotalAmount": Decimal("125.00"),
        "Vat": Decimal("25.00"),
        "Message": "Rackbeat 9",
        "Rows": [
            {
                "AccountNumber": 4010,
                "DebitAmount": Decimal("100.00"),
                "CreditAmount": Decimal(0),
                "TransactionText": "Rackbeat 9",
            },
            {
                "AccountNumber": 2641,
                "DebitAmount": Decimal("25.00"),
                "CreditAmount": Decimal(0),
                "TransactionText": "Rackbeat 9",
            },
        ],
    }


def test_a_supplier_credit_note_a_vat_free_invoice_and_a_currency() -> None:
    credit = supplier_draft(total_subtotal="-100.00", total_vat="-25.00")
    assert credit["IsCreditInvoice"] is True and credit["TotalAmount"] == Decimal("-125.00")
    assert credit["Rows"][0]["CreditAmount"] == Decimal("100.00") and credit["Rows"][0]["DebitAmount"] == 0
    free = supplier_draft(total_vat="0")
    assert [row["AccountNumber"] for row in free["Rows"]] == [4010]
    euro = supplier_draft(currency="EUR", currency_rate="1150")
    assert (euro["CurrencyCode"], euro["CurrencyRate"]) == ("EUR", Decimal("11.5"))
    assert "CurrencyCode" not in supplier_draft() and "CurrencyRate" not in supplier_draft()
    assert supplier_draft(invoice_number=None)["InvoiceNumber"] == "9"  # Rackbeat's own number


@pytest.mark.parametrize("rackbeat_field", SupplierInvoiceToEAccounting.ignored)
def test_a_supplier_invoice_field_not_carried_stays_out(rackbeat_field: str) -> None:
    assert "sentinel" not in json.dumps(supplier_draft(**{rackbeat_field: "sentinel"}), default=str)


def test_a_supplier_invoice_without_supplier_is_refused() -> None:
    with pytest.raises(MappingError, match="the supplier invoice has no supplier"):
        supplier_draft(supplier_id=None)
