"""Seed 001 "Kundefaktura": each synced field of a booked Rackbeat invoice reaches the e-conomic draft,
each unsynced one stays out; lines (actual quantity, rounding lines, discounts), VAT-free invoices,
currency and references."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.invoice_math import line_amount
from ledgerbridge.integrations.rackbeat_economic.mappers.invoice import (
    InvoiceLineToEconomic,
    InvoiceToEconomic,
    invoice_lines,
)
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext


class Refs:
    """e-conomic as the invoice sees it: contact persons by name, the customer's terms and layout."""

    def __init__(self, *, customer_terms: dict[str, int] | None = None, base: str = "DKK") -> None:
        self.contacts = {"Ada Lovelace": 7, "Bo Berg": 8}
        self.created: list[tuple[int, str]] = []
        self._terms = customer_terms
        self._base = base

    def contact(self, customer_number: int, name: str) -> int:
        if name not in self.contacts:
            self.contacts[name] = 100 + len(self.contacts)
            self.created.append((customer_number, name))
        return self.contacts[name]

    def customer_terms(self, customer_number: int) -> dict[str, int] | None:
        return self._terms

    def customer_layout(self, customer_number: int) -> dict[str, int] | None:
        return {"layoutNumber": 21}

    def base_currency(self) -> str:
        return self._base

    def source_base_currency(self) -> str | None:
        return self._base


LINE: dict[str, Any] = {
    "child_id": "P1",
    "name": "Bolt",
    "quantity": "2",
    "line_price": "50",
    "discount_percentage": "0",
    "line_total": "100.00",
    "vat_percentage": "25",
}
INVOICE: dict[str, Any] = {
    "number": 17,
    "customer_id": 100,
    "invoice_date": "2026-03-01",
    "payment_terms_id": 1,
    "lines": [LINE],
}
# Rackbeat customer 100 is e-conomic customer 2001; Rackbeat employee 1 is e-conomic employee 5.
BINDINGS = {("customer", 100): "2001", ("payment_term", 1): "3", ("employee", 1): "5"}


def context(**customer_invoices: Any) -> FakeContext:
    settings = RackbeatEconomicSettings.model_validate({"customer_invoices": customer_invoices})
    return FakeContext(settings, bindings=BINDINGS)


def draft(refs: Refs | None = None, ctx: FakeContext | None = None, **fields: Any) -> dict[str, Any]:
    return InvoiceToEconomic(refs or Refs()).map({**INVOICE, **fields}, ctx or context())


def at(payload: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        payload = payload[key]
    return payload


@pytest.mark.parametrize(
    ("seed_field", "rackbeat", "target", "expected"),
    [
        ("Fakturadato", {"invoice_date": "2026-04-30"}, ("date",), "2026-04-30"),
        ("Kundenavn", {"address_name": "Hansen ApS"}, ("recipient", "name"), "Hansen ApS"),
        ("Overskrift", {"heading": "April"}, ("notes", "heading"), "April"),
        ("Note", {"note": "Tak for handlen"}, ("notes", "textLine1"), "Tak for handlen"),
        ("By", {"address_city": "Aarhus"}, ("recipient", "city"), "Aarhus"),
        ("Momszone", {"vat_zone": "abroad"}, ("recipient", "vatZone"), {"vatZoneNumber": 3}),
        ("ATT", {"attention": "Ada Lovelace"}, ("recipient", "attention"), {"customerContactNumber": 7}),
        ("EAN-nummer", {"ean": "5790000000012"}, ("recipient", "ean"), "5790000000012"),
        (
            "Faktureringsadresse (Vej 1, Vej 2)",
            {"address_street": "Vej 1", "address_street2": "2. sal"},
            ("recipient", "address"),
            "Vej 1\n2. sal",
        ),
        ("Postnummer", {"address_zipcode": "8000"}, ("recipient", "zip"), "8000"),
        (
            "Leveringsadresse (Vej 1, Vej 2)",
            {"delivery_address_street": "Lager 3", "delivery_address_street2": "Port 2"},
            ("delivery", "address"),
            "Lager 3\nPort 2",
        ),
        ("Leveringsadresse: postnummer", {"delivery_address_zipcode": "7100"}, ("delivery", "zip"), "7100"),
        ("Leveringsadresse: by", {"delivery_address_city": "Vejle"}, ("delivery", "city"), "Vejle"),
        (
            "Deres reference",
            {"their_reference": "Bo Berg"},
            ("references", "customerContact"),
            {"customerContactNumber": 8},
        ),
        (
            "Vores reference",
            {"our_reference": {"number": 1, "name": "Ada Lovelace"}},
            ("references", "salesPerson"),
            {"employeeNumber": 5},
        ),
        ("Øvrig reference", {"other_reference": "PO-77"}, ("references", "other"), "PO-77"),
        ("Projektnummer", {"project": "42"}, ("project",), {"projectNumber": 42}),
        ("Layout", {"layout_id": 19}, ("layout",), {"layoutNumber": 19}),
        # Kundegruppe, CVR-nummer and Max kredit come with the customer: the bound e-conomic customer.
        ("Kundegruppe / CVR-nummer / Max kredit", {}, ("customer",), {"customerNumber": 2001}),
    ],
)
def test_a_synced_field_reaches_economic(
    seed_field: str, rackbeat: dict[str, Any], target: tuple[str, ...], expected: Any
) -> None:
    assert at(draft(**rackbeat), target) == expected, seed_field


@pytest.mark.parametrize(
    ("seed_field", "rackbeat_field"),
    [
        ("Leveringsbetingelser", "delivery_terms"),
        ("Sprog", "locale"),
        ("Brugerdefinerede felter", "custom_fields"),
        ("Leveringsdato", "delivery_date"),
        ("Mail til leveringsadresse", "delivery_address_email"),
        ("Telefon til leveringsadresse", "delivery_address_phone"),
        ("Vægt", "weight"),
    ],
)
def test_an_unsynced_field_stays_out(seed_field: str, rackbeat_field: str) -> None:
    assert rackbeat_field in InvoiceToEconomic.ignored
    assert "sentinel" not in json.dumps(draft(**{rackbeat_field: "sentinel"}), default=str), seed_field


def test_our_reference_and_the_defaults() -> None:
    document = draft()
    assert document["notes"] == {"textLine2": "Rackbeat invoice 17"}  # how a renumbered booking is found
    assert document["currency"] == "DKK" and "exchangeRate" not in document
    assert document["paymentTerms"] == {"paymentTermsNumber": 3}  # Rackbeat terms 1, bound
    assert document["layout"] == {"layoutNumber": 21}  # none on the invoice: the customer's
    assert document["recipient"] == {"name": "100", "vatZone": {"vatZoneNumber": 1}}
    assert document["references"] == {} and "delivery" not in document and "project" not in document


def test_lines_as_one_at_the_line_amount_or_with_the_actual_quantity() -> None:
    line = {**LINE, "quantity": "4", "line_price": "25", "discount_percentage": "10", "line_total": "90.00"}
    [plain] = draft(lines=[line])["lines"]
    assert plain == {
        "description": "Bolt",
        "product": {"productNumber": "P1"},
        "quantity": Decimal(1),
        "unitNetPrice": Decimal("90.00"),
        "discountPercentage": Decimal(0),
        "lineNumber": 1,
        "sortKey": 1,
    }
    [actual] = draft(ctx=context(use_actual_quantity=True), lines=[line, {**line, "unit_id": 2}])["lines"][:1]
    assert (actual["quantity"], actual["unitNetPrice"], actual["discountPercentage"]) == (
        Decimal(4),
        Decimal(25),
        Decimal(10),
    )


def test_a_line_with_more_decimals_gets_a_rounding_line_that_keeps_the_total() -> None:
    line = {**LINE, "quantity": "2.333", "line_price": "0.4243", "line_total": "0.99", "unit_id": 2}
    lines = draft(ctx=context(use_actual_quantity=True), lines=[line, LINE])["lines"]
    amounts = [line_amount(x["quantity"], x["unitNetPrice"], x["discountPercentage"]) for x in lines]
    assert amounts[0] + amounts[1] == Decimal("0.99") and lines[0]["quantity"] == Decimal("2.33")
    assert lines[0]["unit"] == {"unitNumber": 2} and lines[0]["product"] == {"productNumber": "P1"}
    rounding = lines[1]
    assert rounding["description"] == "Afrunding (Bolt)" and "product" not in rounding
    assert [x["lineNumber"] for x in lines] == [1, 2, 3] == [x["sortKey"] for x in lines]
    settings = RackbeatEconomicSettings.model_validate({"customer_invoices": {"use_actual_quantity": True}})
    owners = [position for position, _ in invoice_lines({"lines": [line, LINE]}, settings)]
    assert owners == [1, 1, 2]  # the rounding line belongs to Rackbeat's first line


def test_a_line_without_product_or_name() -> None:
    [line] = InvoiceLineToEconomic().expand({"line_total": "5"}, context())
    assert line == {
        "description": "",
        "quantity": Decimal(1),
        "unitNetPrice": Decimal(5),
        "discountPercentage": Decimal(0),
    }


def test_a_wholly_vat_free_domestic_invoice_takes_the_exempt_zone() -> None:
    free = {**LINE, "vat_percentage": "0"}
    ctx = context(exempt_vat_zone=4)
    assert draft(ctx=ctx, lines=[free, free])["recipient"]["vatZone"] == {"vatZoneNumber": 4}
    assert draft(ctx=ctx, lines=[free, LINE])["recipient"]["vatZone"] == {"vatZoneNumber": 1}
    assert draft(lines=[free])["recipient"]["vatZone"] == {"vatZoneNumber": 1}  # no exempt zone chosen
    eu = draft(ctx=ctx, lines=[free], vat_zone="eu", company_vat="DE1")["recipient"]["vatZone"]
    assert eu == {"vatZoneNumber": 2}


def test_one_stop_vat_for_an_eu_private_customer() -> None:
    ctx = context(one_stop_vat=True, one_stop_vat_zones={"Tyskland": 17})
    document = draft(ctx=ctx, vat_zone="eu", address_country="Tyskland")
    assert document["recipient"]["vatZone"] == {"vatZoneNumber": 17}
    with pytest.raises(MappingError, match="One Stop VAT is on"):
        draft(ctx=ctx, vat_zone="eu", address_country="Frankrig")


@pytest.mark.parametrize(
    ("currency", "rate", "base", "expected"),
    [
        ("EUR", "745.50", "DKK", Decimal("745.50")),
        ("EUR", None, "DKK", None),  # no rate of Rackbeat's: e-conomic's daily rate
        ("DKK", "100", "DKK", None),
        ("EUR", "100", "DKK", None),
        ("EUR", "745.50", "EUR", None),  # the agreement's own currency
    ],
)
def test_currency_and_exchange_rate(currency: str, rate: str | None, base: str, expected: Any) -> None:
    document = draft(Refs(base=base), currency=currency, currency_rate=rate)
    assert document["currency"] == currency
    assert document.get("exchangeRate") == expected


def test_contacts_are_made_for_new_names() -> None:
    refs = Refs()
    document = draft(refs, attention="Cy Dahl", their_reference="Cy Dahl")
    assert refs.created == [(2001, "Cy Dahl")]
    contact = refs.contacts["Cy Dahl"]
    assert document["recipient"]["attention"] == {"customerContactNumber": contact}
    assert document["references"]["customerContact"] == {"customerContactNumber": contact}


def test_payment_terms_fall_back_to_the_customers_or_refuse() -> None:
    assert draft(Refs(customer_terms={"paymentTermsNumber": 9}), payment_terms_id=None)["paymentTerms"] == {
        "paymentTermsNumber": 9
    }
    with pytest.raises(MappingError, match="neither the invoice nor its customer has payment terms"):
        draft(payment_terms_id=None)


def test_an_invoice_without_customer_is_refused() -> None:
    with pytest.raises(MappingError, match="the invoice has no customer"):
        draft(customer_id=None)
