"""Sales orders, eAccounting → Rackbeat (seed 000: "Försäljningsordrar (synkroniserad var 5:e minut)").

An eAccounting order becomes a Rackbeat sales order with its rows (text rows left out). Rackbeat needs a
product on every line: a row without an article gets "Product for order rows without an article"
(``orders.product_for_lines_without_article``). The order's other reference ("eAccounting order 17")
links back, so a crashed transfer is found instead of repeated.
"""

from __future__ import annotations

from typing import Any, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import document_marker, money_or_zero
from ledgerbridge.integrations.mapping import Mapper, mapping


def order_marker(number: Any) -> str:
    return document_marker("eAccounting", "order", number)


def _date(value: Any) -> str | None:
    return str(value or "")[:10] or None


class RecordsById(Protocol):
    """eAccounting's customers and articles by id (the catalog)."""

    def by_id(self, path: str, record_id: Any) -> Record | None: ...


class OrderToRackbeat(Mapper):
    """An eAccounting sales order as a Rackbeat sales order."""

    drop_empty = True
    direct = (
        ("OrderDate", "order_date", _date),
        ("DeliveryDate", "deliver_at", _date),
        ("CurrencyCode", "currency"),
        ("YourReference", "their_reference"),
        ("InvoiceAddress1", "address_street"),
        ("InvoicePostalCode", "address_zipcode"),
        ("InvoiceCity", "address_city"),
        ("InvoiceCountryCode", "address_country"),
        ("DeliveryAddress1", "delivery_address_street"),
        ("DeliveryPostalCode", "delivery_address_zipcode"),
        ("DeliveryCity", "delivery_address_city"),
        ("DeliveryCountryCode", "delivery_address_country"),
    )

    def __init__(self, catalog: RecordsById) -> None:
        self.catalog = catalog

    def customer_number(self, order: Record) -> str:
        if order.get("CustomerNumber"):
            return str(order["CustomerNumber"])
        customer = self.catalog.by_id("customers", order.get("CustomerId"))
        if customer is None:
            raise MappingError(f"the order's customer {order.get('CustomerId')} is not in eAccounting")
        return str(customer["CustomerNumber"])

    def article_number(self, row: Record) -> str | None:
        if row.get("ArticleNumber"):
            return str(row["ArticleNumber"])
        if row.get("ArticleId"):
            article = self.catalog.by_id("articles", row["ArticleId"])
            return str(article["Number"]) if article else None
        return None

    def check(self, record: Record, ctx: MapContext) -> None:
        self.customer_number(record)  # an order whose customer eAccounting lost is refused first

    @mapping
    def lines(self, record: Record, ctx: MapContext) -> Payload:
        fallback = ctx.settings.orders.product_for_lines_without_article
        lines = []
        for row in record.get("Rows") or []:
            if row.get("IsTextRow"):
                continue
            product = self.article_number(row) or fallback
            if not product:
                raise MappingError(
                    f"row {row.get('LineNumber')} has no article, and Rackbeat needs a product on every "
                    "line: set 'Product for order rows without an article' "
                    "(orders.product_for_lines_without_article)"
                )
            lines.append(
                {
                    "item_id": str(product),
                    "name": row.get("Text") or str(product),
                    "quantity": money_or_zero(row.get("Quantity")),
                    "line_price": money_or_zero(row.get("UnitPrice")),
                    # eAccounting's discount is a fraction (0.1); Rackbeat's a percentage (10).
                    "discount_percentage": money_or_zero(row.get("DiscountPercentage")) * 100,
                }
            )
        return {"lines": lines}

    @mapping
    def customer_and_reference(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "customer_id": int(ctx.ref("customer", self.customer_number(record))),
            "other_reference": order_marker(record["Number"]),
            "address_name": record.get("InvoiceCustomerName") or record.get("CustomerName"),
        }
