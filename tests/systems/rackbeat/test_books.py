"""Rackbeat sandbox over HTTP for the books (issue 11): VAT per product group, credit notes, base currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerbridge.systems.errors import ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient, RackbeatState

D = Decimal


@pytest.fixture
def shop(seeded: RackbeatState) -> RackbeatState:
    seeded.add("customers", {"number": 100, "name": "Hansen ApS", "customer_group_id": 1})
    seeded.add("customers", {"number": 200, "name": "Export GmbH", "customer_group_id": 1, "vat_zone": "eu"})
    seeded.add(
        "product-groups",
        {"number": 7, "name": "Bøger", "has_inventory": False, "vat_domestic": 0, "vat_eu": "7"},
    )
    seeded.add("products", {"number": "BOG", "name": "Bog", "group": 7, "sales_price": "100"})
    seeded.add("products", {"number": "BOLT", "name": "Bolt", "group": 1, "sales_price": "10"})
    return seeded


def test_a_line_without_a_rate_takes_its_product_groups_rate_in_the_zone(
    client: RackbeatClient, shop: RackbeatState
) -> None:
    domestic = client.create(
        "customer-invoices",
        {
            "customer_id": 100,
            "lines": [{"child_id": "BOG", "quantity": 1}, {"child_id": "BOLT", "quantity": 2}],
        },
    )
    assert [D(str(x["vat_percentage"])) for x in domestic["lines"]] == [D(0), D(25)]
    assert D(str(domestic["total_vat"])) == D(5)
    export = client.create(
        "customer-invoices", {"customer_id": 200, "lines": [{"child_id": "BOG", "quantity": 1}]}
    )
    assert D(str(export["lines"][0]["vat_percentage"])) == D(7)
    given = client.create(
        "customer-invoices",
        {"customer_id": 100, "lines": [{"child_id": "BOG", "quantity": 1, "vat_percentage": 12}]},
    )
    assert D(str(given["lines"][0]["vat_percentage"])) == D(12)  # the line's own rate wins


def test_a_credit_note_of_a_booked_invoice_negates_it(client: RackbeatClient, shop: RackbeatState) -> None:
    invoice = client.create(
        "customer-invoices",
        {
            "customer_id": 100,
            "lines": [{"child_id": "BOLT", "quantity": "3", "line_price": "9.99", "vat_percentage": 25}],
        },
    )
    with pytest.raises(ValidationError):
        client.credit_note(invoice["number"])  # not booked yet
    client.book("customer-invoices", invoice["number"], {"suppress_webhooks": True})
    credit = client.credit_note(invoice["number"])
    assert credit["is_credit_note"] is True and credit["credit_note_for"] == invoice["number"]
    assert credit["is_booked"] is False and credit["number"] != invoice["number"]
    assert D(str(credit["lines"][0]["quantity"])) == D(-3)
    assert (D(str(credit["total_subtotal"])), D(str(credit["total_vat"])), D(str(credit["total_total"]))) == (
        D("-29.97"),
        D("-7.49"),
        D("-37.46"),
    )
    assert client.get("customer-invoices", invoice["number"])["is_credit_note"] is False


def test_a_swedish_company_has_sek_as_base_currency(client: RackbeatClient, shop: RackbeatState) -> None:
    shop.set_base_currency("SEK")
    assert client.get_self()["user_account"]["base_currency"] == "SEK"
    client.create("customers", {"number": 300, "name": "Svensson AB", "customer_group_id": 1})
    invoice = client.create(
        "customer-invoices", {"customer_id": 300, "lines": [{"child_id": "BOLT", "quantity": 1}]}
    )
    assert invoice["currency"] == "SEK" and D(str(invoice["currency_rate"])) == D(100)
    euro = client.create(
        "customer-invoices",
        {"customer_id": 100, "currency": "EUR", "lines": [{"child_id": "BOLT", "quantity": 1}]},
    )
    assert D(str(euro["currency_rate"])) == D("1164.84375")  # SEK per 100 EUR: 745.5 / 64 × 100
