"""Seed 000: sales orders from eAccounting to Rackbeat ("Försäljningsordrar"), text rows left out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError, Record
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.order import OrderToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEAccountingSettings())


class Catalog:
    def by_id(self, path: str, record_id: Any) -> Record | None:
        return {("customers", "c-1"): {"CustomerNumber": 1042}, ("articles", "a-1"): {"Number": "5020"}}.get(
            (path, record_id)
        )


ORDER: dict[str, Any] = {
    "Number": 17,
    "CustomerId": "c-1",
    "OrderDate": "2025-03-01T00:00:00",
    "CurrencyCode": "SEK",
    "YourReference": "Eva",
    "CustomerName": "Hansen AB",
    "InvoiceCity": "Solna",
    "DeliveryCity": "Kista",
    "Rows": [
        {"IsTextRow": True, "Text": "Tack!"},
        {
            "LineNumber": 1,
            "ArticleId": "a-1",
            "Text": "Bolt",
            "Quantity": 3,
            "UnitPrice": "12.5",
            "DiscountPercentage": "0.1",
        },
    ],
}


def test_an_order_with_its_rows_and_a_reference_back() -> None:
    assert OrderToRackbeat(Catalog()).map(ORDER, CTX) == {
        "customer_id": 1042,
        "order_date": "2025-03-01",
        "currency": "SEK",
        "their_reference": "Eva",
        "other_reference": "eAccounting order 17",
        "address_name": "Hansen AB",
        "address_city": "Solna",
        "delivery_address_city": "Kista",
        "lines": [
            {
                "item_id": "5020",
                "name": "Bolt",
                "quantity": Decimal(3),
                "line_price": Decimal("12.5"),
                "discount_percentage": Decimal("10.0"),
            }
        ],
    }


def test_a_row_without_an_article_needs_the_settings_product() -> None:
    order = {**ORDER, "Rows": [{"LineNumber": 2, "Quantity": 1}]}
    with pytest.raises(MappingError, match="product_for_lines_without_article"):
        OrderToRackbeat(Catalog()).map(order, CTX)


def test_an_order_whose_customer_eaccounting_lost_is_refused() -> None:
    with pytest.raises(MappingError, match="is not in eAccounting"):
        OrderToRackbeat(Catalog()).map({**ORDER, "CustomerId": "gone"}, CTX)
