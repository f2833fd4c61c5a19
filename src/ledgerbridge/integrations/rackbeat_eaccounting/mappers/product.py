"""Products and BOMs ↔ articles, both directions (seed 002 "Product settings"; start-up "Varer").

Rackbeat → eAccounting: number kept; name; account coding from the product group (the settings'
choice, the start-up binding, the same name, or the default coding); unit by binding or name; net price
and the gross price the coding's VAT rate gives; cost price ("Use actual cost price" picks the actual
one); barcode; barred → inactive; a service coding's articles keep no stock. Stock is never sent
(seed 000: "Inget lager överförs till eEkonomi").

eAccounting → Rackbeat (start-up): number, name, group (the coding), net price, purchase price, the
first barcode, unit and status.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import money, money_or_zero, round2
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.shared import (
    EAccountingRefs,
    active,
    rackbeat_ref,
)


def vat_fraction(coding: Record) -> Decimal:
    """The coding's VAT rate as a fraction (0.25), whether it says 25 or 0.25."""
    rate = Decimal(str(coding.get("VatRatePercent") or 0))
    return rate / 100 if rate > 1 else rate


class ProductToEAccounting(Mapper):
    """A Rackbeat product (or BOM) as eAccounting's ``/articles`` record."""

    direct = (("number", "Number", str), ("is_barred", "IsActive", active))
    ignored = ("stock_quantity",)

    def __init__(self, refs: EAccountingRefs) -> None:
        self.refs = refs

    @mapping
    def name(self, record: Record, ctx: MapContext) -> Payload:
        return {"Name": str(record.get("name") or record["number"])[:50]}

    @mapping
    def coding_and_prices(self, record: Record, ctx: MapContext) -> Payload:
        coding = self.refs.coding_for_group(record.get("group") or record.get("group_id"))
        net = round2(money_or_zero(record.get("sales_price")))
        return {
            "CodingId": str(coding["Id"]),
            "NetPrice": net,
            "GrossPrice": round2(net * (1 + vat_fraction(coding))),  # eAccounting checks it against the rate
            # A service coding's articles keep no stock (eAccounting's own default for them).
            "IsStock": not str(coding.get("Type") or "Goods").lower().startswith("service"),
        }

    @mapping
    def unit(self, record: Record, ctx: MapContext) -> Payload:
        return {"UnitId": self.refs.unit_id(record.get("unit_id") or record.get("unit"))}

    @mapping
    def cost_price(self, record: Record, ctx: MapContext) -> Payload:
        field = "cost_price" if ctx.settings.products.use_actual_cost_price else "recommended_cost_price"
        cost = money(record.get(field))
        return {} if cost is None else {"PurchasePrice": round2(cost)}

    @mapping
    def barcode(self, record: Record, ctx: MapContext) -> Payload:
        barcode = record.get("barcode")
        return {"Barcodes": [{"Barcode": str(barcode), "BarcodeType": 0}]} if barcode else {}


def _first_barcode(barcodes: Any) -> Any:
    first = (barcodes or [None])[0]
    return first.get("Barcode") if isinstance(first, dict) else None


class ProductToRackbeat(Mapper):
    """An eAccounting article as a Rackbeat product (start-up sync, and eAccounting as master)."""

    drop_empty = True
    direct = (
        ("Number", "number", str),
        ("Name", "name"),
        ("NetPrice", "sales_price", money_or_zero),
        ("PurchasePrice", "recommended_cost_price", money),
        ("Barcodes", "barcode", _first_barcode),
    )
    ignored = ("StockBalance", "GrossPrice", "IsStock")

    def check(self, record: Record, ctx: MapContext) -> None:
        if not record.get("CodingId"):
            raise MappingError("the article has no account coding in eAccounting")

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "group": rackbeat_ref(ctx, "product_group", record.get("CodingId")),
            "unit_id": rackbeat_ref(ctx, "unit", record.get("UnitId")),
            "is_barred": not record.get("IsActive", True),
        }
