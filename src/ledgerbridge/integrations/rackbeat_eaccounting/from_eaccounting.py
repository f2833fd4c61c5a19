"""eAccounting → Rackbeat, continuously (seed 000, "Vad kan överföras från eEkonomi till Rackbeat?").

- Sales orders (the incumbent: every 5 minutes; here ``orders.interval_seconds``, default 60): new and
  changed eAccounting orders become Rackbeat sales orders with their rows. The Rackbeat order's other
  reference ("eAccounting order 17") links back, so a crashed transfer is found instead of repeated.
- Customers and products, when eAccounting is their master (``customers.sync`` / ``products.sync`` =
  ``eaccounting_to_rackbeat``): the start-up sync's field rules, polled every ``poll_minutes`` with a
  ``ChangedUtc`` cursor.

Polls use the engine's cursor (bookmark minus an overlap, capped at the poll's start): an idle poll asks
eAccounting once per collection and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError, Payload, Record
from ledgerbridge.integrations import into_rackbeat
from ledgerbridge.integrations.converters import document_marker
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from ledgerbridge.integrations.rackbeat_eaccounting.startup import EACCOUNTING, EAccountingReads
from ledgerbridge.integrations.rackbeat_eaccounting.to_eaccounting import EAccountingCatalog
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.rackbeat import RackbeatClient


def order_marker(number: Any) -> str:
    return document_marker("eAccounting", "order", number)


def odata_time(moment: datetime) -> str:
    """An OData datetime literal (unquoted), e.g. ``2025-01-08T10:30:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class OrderMapper:
    def __init__(self, catalog: EAccountingCatalog) -> None:
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

    def __call__(self, order: Record, ctx: MapContext) -> Payload:
        settings: RackbeatEAccountingSettings = ctx.settings
        customer = self.customer_number(order)
        lines = []
        for row in order.get("Rows") or []:
            if row.get("IsTextRow"):
                continue
            product = self.article_number(row) or settings.orders.product_for_lines_without_article
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
                    "quantity": Decimal(str(row.get("Quantity") or 0)),
                    "line_price": Decimal(str(row.get("UnitPrice") or 0)),
                    # eAccounting's discount is a fraction (0.1); Rackbeat's a percentage (10).
                    "discount_percentage": Decimal(str(row.get("DiscountPercentage") or 0)) * 100,
                }
            )
        payload: Payload = {
            "customer_id": int(ctx.ref("customer", customer)),
            "order_date": str(order.get("OrderDate") or "")[:10] or None,
            "deliver_at": str(order.get("DeliveryDate") or "")[:10] or None,
            "currency": order.get("CurrencyCode"),
            "other_reference": order_marker(order["Number"]),
            "their_reference": order.get("YourReference"),
            "address_name": order.get("InvoiceCustomerName") or order.get("CustomerName"),
            "address_street": order.get("InvoiceAddress1"),
            "address_zipcode": order.get("InvoicePostalCode"),
            "address_city": order.get("InvoiceCity"),
            "address_country": order.get("InvoiceCountryCode"),
            "delivery_address_street": order.get("DeliveryAddress1"),
            "delivery_address_zipcode": order.get("DeliveryPostalCode"),
            "delivery_address_city": order.get("DeliveryCity"),
            "delivery_address_country": order.get("DeliveryCountryCode"),
            "lines": lines,
        }
        return {k: v for k, v in payload.items() if v not in (None, "")}


def order_flow(
    eaccounting: EAccountingClient, rackbeat: RackbeatClient, catalog: EAccountingCatalog
) -> EntityFlow:
    reads = EAccountingReads(eaccounting)
    return into_rackbeat.order_flow(
        rackbeat,
        source=EACCOUNTING,
        read=lambda: eaccounting.iter_collection("orders"),
        read_one=lambda key: reads.by_number("orders", "Number", key),
        source_key=lambda order: order["Number"],
        mapper=OrderMapper(catalog),
        label="sales orders",
    )


def changed(
    eaccounting: EAccountingClient, path: str, field: str, since: datetime | None
) -> Iterator[Record]:
    """Records of ``path`` changed after ``since`` (everything on the first poll)."""
    query = f"{field} gt {odata_time(since)}" if since else None
    return eaccounting.iter_collection(path, filter=query)
