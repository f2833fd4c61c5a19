"""Seed 001: sales orders from e-conomic to Rackbeat ("Salgsordre"), with their lines and a reference back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.rackbeat_economic.mappers.order import OrderToRackbeat
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEconomicSettings())
ORDER: dict[str, Any] = {
    "orderNumber": 17,
    "date": "2025-03-01",
    "currency": "DKK",
    "customer": {"customerNumber": 1042},
    "recipient": {"name": "Hansen ApS", "address": "Vej 1", "zip": "8000", "vatZone": {"vatZoneNumber": 2}},
    "delivery": {"address": "Lager 2", "deliveryDate": "2025-03-05"},
    "notes": {"heading": "Forår", "textLine1": "Ring først"},
    "paymentTerms": {"paymentTermsNumber": 1},
    "layout": {"layoutNumber": 19},
    "lines": [
        {
            "lineNumber": 1,
            "product": {"productNumber": "5020"},
            "description": "Bolt",
            "quantity": 3,
            "unitNetPrice": "12.50",
            "discountPercentage": 10,
        }
    ],
}


def test_an_order_with_its_lines_and_a_reference_back() -> None:
    payload = OrderToRackbeat().map(ORDER, CTX)
    assert payload == {
        "customer_id": 1042,
        "order_date": "2025-03-01",
        "deliver_at": "2025-03-05",
        "currency": "DKK",
        "heading": "Forår",
        "note": "Ring først",
        "other_reference": "e-conomic order 17",
        "payment_terms_id": 1,
        "layout_id": 19,
        "vat_zone": "eu",
        "address_name": "Hansen ApS",
        "address_street": "Vej 1",
        "address_zipcode": "8000",
        "delivery_address_street": "Lager 2",
        "lines": [
            {
                "item_id": "5020",
                "name": "Bolt",
                "quantity": Decimal(3),
                "line_price": Decimal("12.50"),
                "discount_percentage": Decimal(10),
            }
        ],
    }


def test_a_line_without_a_product_takes_the_settings_product_or_is_refused() -> None:
    order = {**ORDER, "lines": [{"lineNumber": 1, "quantity": 1, "unitNetPrice": 5}]}
    with pytest.raises(MappingError, match="empty_line_product_number"):
        OrderToRackbeat().map(order, CTX)
    settings = RackbeatEconomicSettings.model_validate(
        {"customer_invoices": {"empty_line_product_number": "9999"}}
    )
    assert OrderToRackbeat().map(order, FakeContext(settings))["lines"][0]["item_id"] == "9999"


def test_an_order_without_a_customer_is_refused() -> None:
    with pytest.raises(MappingError, match="no customer"):
        OrderToRackbeat().map({**ORDER, "customer": None}, CTX)
