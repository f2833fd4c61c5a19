"""Seed 001 "Leverandørfaktura": a booked Rackbeat supplier invoice as supplier-invoice entries in an
e-conomic day book: the synced fields reach the entries, attention and payment type stay out; accounts
per product group and VAT zone, input VAT, currency and credit notes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.rackbeat_economic.mappers.supplier_invoice import SupplierInvoiceToEconomic
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext


class Refs:
    """Accounts 1310 and 1320 carry input VAT code I25 (25 %); 1330 has none."""

    def __init__(self, base: str = "DKK") -> None:
        self.base = base

    def base_currency(self) -> str:
        return self.base

    def source_base_currency(self) -> str | None:
        return self.base

    def account_vat_code(self, account_number: int) -> str | None:
        return {1310: "I25", 1320: "I25"}.get(account_number)

    def vat_code_rate(self, code: str) -> Decimal | None:
        return Decimal(25)


SETTINGS = RackbeatEconomicSettings.model_validate(
    {
        "accounting": {
            "standard_account": 1310,
            "account_matrix": {"2": {"domestic": 1320, "eu": 1330}},
        }
    }
)
CTX = FakeContext(SETTINGS, bindings={("supplier", 50): "7050"})
LINE: dict[str, Any] = {"line_total": "100.00", "vat_percentage": "25", "product_group": 1}
INVOICE: dict[str, Any] = {
    "number": 9,
    "supplier_id": 50,
    "invoice_number": "F-1001",
    "invoice_date": "2026-03-02",
    "lines": [LINE],
}


def voucher(refs: Refs | None = None, **fields: Any) -> dict[str, Any]:
    return SupplierInvoiceToEconomic(refs or Refs()).map({**INVOICE, **fields}, CTX)


def entry(**fields: Any) -> dict[str, Any]:
    [first] = voucher(**fields)["entries"]["supplierInvoices"]
    return first


@pytest.mark.parametrize(
    ("seed_field", "rackbeat", "target", "expected"),
    [
        # Number, name, group, CVR, status, phone, currency, layout, terms and VAT zone come with the
        # supplier: the bound e-conomic supplier.
        ("Nummer (leverandøren)", {}, "supplier", {"supplierNumber": 7050}),
        ("Leverandørens fakturanummer", {"invoice_number": "F-77"}, "supplierInvoiceNumber", "F-77"),
        ("Fakturadato", {"invoice_date": "2026-04-30"}, "date", "2026-04-30"),
        ("Overskrift", {"heading": "Skruer"}, "text", "Skruer"),
        ("Noter", {"note": "Levering 2"}, "text", "Levering 2"),
        ("Overskrift og noter", {"heading": "Skruer", "note": "Lev. 2"}, "text", "Skruer – Lev. 2"),
        (
            "Deres reference",
            {"their_reference": "Bo"},
            "text",
            "Rackbeat supplier invoice 9 (Deres ref.: Bo)",
        ),
        (
            "Vores reference",
            {"our_reference": {"number": 1, "name": "Ada"}},
            "text",
            "Rackbeat supplier invoice 9 (Vores ref.: Ada)",
        ),
        (
            "Anden reference",
            {"other_reference": "PO-1"},
            "text",
            "Rackbeat supplier invoice 9 (Anden ref.: PO-1)",
        ),
        ("Projekt", {"project": "P-42"}, "text", "Rackbeat supplier invoice 9 (Projekt: P-42)"),
        ("Valuta", {"currency": "EUR"}, "currency", {"code": "EUR"}),
        ("Forfaldsdato", {"due_date": "2026-04-01"}, "dueDate", "2026-04-01"),
    ],
)
def test_a_synced_field_reaches_the_entry(
    seed_field: str, rackbeat: dict[str, Any], target: str, expected: Any
) -> None:
    assert entry(**rackbeat)[target] == expected, seed_field


@pytest.mark.parametrize(
    ("seed_field", "rackbeat_field"), [("Attention", "attention"), ("Betalingstype", "payment_type")]
)
def test_an_unsynced_field_stays_out(seed_field: str, rackbeat_field: str) -> None:
    assert rackbeat_field in SupplierInvoiceToEconomic.ignored
    assert "sentinel" not in json.dumps(voucher(**{rackbeat_field: "sentinel"}), default=str), seed_field


def test_one_entry_per_account_with_input_vat() -> None:
    lines = [
        LINE,  # group 1: not in the matrix, the standard account 1310
        {"line_total": "40.00", "vat_percentage": "25", "product_group": 2},  # 1320
        {"line_total": "60.00", "vat_percentage": "25", "product_group": 2},
    ]
    document = voucher(lines=lines)
    assert document["accountingYear"] == {"year": "2026"}
    entries = document["entries"]["supplierInvoices"]
    assert [(e["contraAccount"]["accountNumber"], e["amount"], e["contraVatAmount"]) for e in entries] == [
        (1310, Decimal("-125.00"), Decimal("-25.00")),
        (1320, Decimal("-125.00"), Decimal("-25.00")),
    ]
    assert {e["contraVatAccount"]["vatCode"] for e in entries} == {"I25"}
    assert all(e["text"] == "Rackbeat supplier invoice 9" for e in entries)


def test_a_vat_free_line_and_a_credit_note() -> None:
    free = entry(lines=[{"line_total": "80.00", "vat_percentage": "0", "product_group": 2}], vat_zone="eu")
    assert free["contraAccount"] == {"accountNumber": 1330} and free["amount"] == Decimal("-80.00")
    assert "contraVatAccount" not in free and "contraVatAmount" not in free
    credit = entry(lines=[{**LINE, "line_total": "-100.00"}])
    assert credit["amount"] == Decimal("125.00") and credit["contraVatAmount"] == Decimal("25.00")


@pytest.mark.parametrize(
    ("currency", "rate", "base", "expected"),
    [
        ("EUR", "745.50", "DKK", Decimal("745.50")),
        ("EUR", None, "DKK", None),  # no rate of Rackbeat's: e-conomic's daily rate
        ("DKK", "100", "DKK", None),
        ("EUR", "745.50", "EUR", None),  # the agreement's own currency
    ],
)
def test_currency_and_exchange_rate(currency: str, rate: str | None, base: str, expected: Any) -> None:
    [found] = voucher(Refs(base), currency=currency, currency_rate=rate)["entries"]["supplierInvoices"]
    assert found["currency"] == {"code": currency} and found.get("exchangeRate") == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"supplier_id": None}, "the supplier invoice has no supplier"),
        ({"invoice_number": ""}, "the supplier invoice has no supplier's invoice number"),
        ({"lines": []}, "the supplier invoice has no lines"),
        (
            {"lines": [{**LINE, "product_group": 2}], "vat_zone": "eu"},
            "go to e-conomic account 1330, which has no VAT code",
        ),
        (
            {"lines": [{**LINE, "vat_percentage": "12"}]},
            "lines at 12% VAT go to e-conomic account 1310, whose VAT code I25 is 25%",
        ),
    ],
)
def test_refusals(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        voucher(**fields)


def test_no_account_for_the_line() -> None:
    settings = RackbeatEconomicSettings()
    with pytest.raises(MappingError, match="no purchase account for product group 1 in VAT zone domestic"):
        SupplierInvoiceToEconomic(Refs()).map(INVOICE, FakeContext(settings))
