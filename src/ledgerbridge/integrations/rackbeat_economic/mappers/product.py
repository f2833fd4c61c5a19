"""Products and BOMs, both directions (seed 001 "Varedata"; the start-up sync's "Produkter").

Rackbeat → e-conomic — synced: number, name, group, sales price, recommended price, barcode, status,
unit, department, cost price ("Use actual cost price" picks the actual instead of the recommended one).
Not synced: unit-converter unit, stock, weight, unit weight, width, height, size, depth, unit size,
custom fields. A BOM is sold as a product in e-conomic, so it maps the same way.

e-conomic → Rackbeat (start-up): "Varenummer, navn, varegruppe, beskrivelse, salgspris, vejl. pris,
forventet kostpris, stregkode og enhed" — and nothing else (not status, department, stock or currency
prices).
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import money, money_or_zero, nested, number_of
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_economic.mappers.shared import economic_ref, rackbeat_ref


def _rackbeat_group(record: Record) -> object:
    return number_of(record.get("group")) or record.get("group_id")


class ProductToEconomic(Mapper):
    """A Rackbeat product (or BOM) as e-conomic's ``/products`` record."""

    direct = (
        ("number", "productNumber", str),
        ("name", "name"),
        ("sales_price", "salesPrice", money_or_zero),
        ("recommended_sales_price", "recommendedPrice", money),
        ("barcode", "barCode"),
        ("is_barred", "barred", bool),
    )
    ignored = (
        "unit_converter_unit",
        "stock_quantity",
        "weight",
        "unit_weight",
        "width",
        "height",
        "size",
        "depth",
        "unit_size",
        "custom_fields",
    )

    def check(self, record: Record, ctx: MapContext) -> None:
        if _rackbeat_group(record) is None:
            raise MappingError("the product has no product group in Rackbeat")

    @mapping
    def group(self, record: Record, ctx: MapContext) -> Payload:
        number = int(ctx.ref("product_group", _rackbeat_group(record)))
        return {"productGroup": {"productGroupNumber": number}}

    @mapping
    def cost_price(self, record: Record, ctx: MapContext) -> Payload:
        field = "cost_price" if ctx.settings.products.use_actual_cost_price else "recommended_cost_price"
        return {"costPrice": money(record.get(field))}

    @mapping
    def unit(self, record: Record, ctx: MapContext) -> Payload:
        unit = number_of(record.get("unit")) or record.get("unit_id")
        return {"unit": economic_ref(ctx, "unit", unit, "unitNumber")}

    @mapping
    def department(self, record: Record, ctx: MapContext) -> Payload:
        department = record.get("department_id")
        distribution = (
            None if department in (None, "") else {"departmentalDistributionNumber": int(department)}
        )
        return {"departmentalDistribution": distribution}


class ProductToRackbeat(Mapper):
    """An e-conomic product as a Rackbeat product (start-up sync, and e-conomic as master)."""

    drop_empty = True
    direct = (
        ("productNumber", "number", str),
        ("name", "name"),
        ("description", "description"),
        ("salesPrice", "sales_price", money_or_zero),
        ("recommendedPrice", "recommended_sales_price", money),
        ("costPrice", "recommended_cost_price", money),  # "forventet kostpris"
        ("barCode", "barcode"),
    )
    ignored = ("barred", "departmentalDistribution", "inventory", "pricing")

    def check(self, record: Record, ctx: MapContext) -> None:
        if nested(record, "productGroup", "productGroupNumber") is None:
            raise MappingError("the product has no product group in e-conomic")

    @mapping
    def group(self, record: Record, ctx: MapContext) -> Payload:
        group = nested(record, "productGroup", "productGroupNumber")
        return {"group": int(ctx.ref("product_group", group))}

    @mapping
    def unit(self, record: Record, ctx: MapContext) -> Payload:
        return {"unit_id": rackbeat_ref(ctx, "unit", nested(record, "unit", "unitNumber"))}


map_product_to_economic = ProductToEconomic()
map_product_to_rackbeat = ProductToRackbeat()
