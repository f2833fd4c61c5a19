"""Sales orders, e-conomic → Rackbeat (seed 001: "Salgsordre (synkroniseres hver 5. minut)").

A draft or sent e-conomic order becomes a Rackbeat sales order with its lines. Rackbeat needs a product
on every line, so a line without one gets "Product nr. for empty e-conomic product lines"
(``customer_invoices.empty_line_product_number``). The order's other reference ("e-conomic order 17")
links back: it is how a crashed transfer is found instead of repeated.
"""

from __future__ import annotations

from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import (
    VAT_ZONES_BY_ECONOMIC_NUMBER,
    document_marker,
    money_or_zero,
    nested,
)
from ledgerbridge.integrations.mapping import Mapper, mapping


def order_marker(number: Any) -> str:
    return document_marker("e-conomic", "order", number)


class OrderToRackbeat(Mapper):
    """An e-conomic order (draft or sent) as a Rackbeat sales order."""

    drop_empty = True
    direct = (
        ("date", "order_date"),
        ("currency", "currency"),
        ("orderNumber", "other_reference", order_marker),
    )

    def check(self, record: Record, ctx: MapContext) -> None:
        if nested(record, "customer", "customerNumber") is None:
            raise MappingError("the order has no customer")

    @mapping
    def lines(self, record: Record, ctx: MapContext) -> Payload:
        lines = []
        for line in record.get("lines") or []:
            product = self._product(line, ctx.settings.customer_invoices.empty_line_product_number)
            lines.append(
                {
                    "item_id": str(product),
                    "name": line.get("description") or str(product),
                    "quantity": money_or_zero(line.get("quantity")),
                    "line_price": money_or_zero(line.get("unitNetPrice")),
                    "discount_percentage": money_or_zero(line.get("discountPercentage")),
                }
            )
        return {"lines": lines}

    @staticmethod
    def _product(line: Record, empty_line_product: Any) -> Any:
        product = nested(line, "product", "productNumber")
        if product is not None:
            return product
        if not empty_line_product:
            raise MappingError(
                f"line {line.get('lineNumber')} has no product, and Rackbeat needs one on every line: "
                "set 'Product nr. for empty e-conomic product lines' "
                "(customer_invoices.empty_line_product_number)"
            )
        return empty_line_product

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        zone = nested(record.get("recipient") or {}, "vatZone", "vatZoneNumber")
        return {
            "customer_id": int(ctx.ref("customer", nested(record, "customer", "customerNumber"))),
            "payment_terms_id": nested(record, "paymentTerms", "paymentTermsNumber"),
            "layout_id": nested(record, "layout", "layoutNumber"),
            "vat_zone": VAT_ZONES_BY_ECONOMIC_NUMBER.get(zone) if zone is not None else None,
        }

    @mapping
    def notes_and_addresses(self, record: Record, ctx: MapContext) -> Payload:
        recipient = record.get("recipient") or {}
        delivery = record.get("delivery") or {}
        notes = record.get("notes") or {}
        return {
            "deliver_at": delivery.get("deliveryDate"),
            "heading": notes.get("heading"),
            "note": notes.get("textLine1"),
            "address_name": recipient.get("name"),
            "address_street": recipient.get("address"),
            "address_zipcode": recipient.get("zip"),
            "address_city": recipient.get("city"),
            "address_country": recipient.get("country"),
            "delivery_address_street": delivery.get("address"),
            "delivery_address_zipcode": delivery.get("zip"),
            "delivery_address_city": delivery.get("city"),
            "delivery_address_country": delivery.get("country"),
        }


map_order_to_rackbeat = OrderToRackbeat()
