"""Numbered lists, both directions: customer, supplier and product groups, units and layouts (seed 001).

e-conomic → Rackbeat (start-up): number and name ("Layouts (navn og nr. - OBS! design synkroniseres
ikke)"); product groups "always transferred with inventory enabled" (users switch it off).
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping, only_create


class CustomerGroupToEconomic(Mapper):
    direct = (("number", "customerGroupNumber", int), ("name", "name"))

    @only_create
    def account(self, record: Record, ctx: MapContext) -> Payload:
        """A new group needs the debtor account the settings name; an existing one keeps its own."""
        account = ctx.settings.customer_invoices.account_for_customer_groups
        if account is None:
            raise MappingError(
                "e-conomic needs a debtor account for a new customer group: set "
                "settings.customer_invoices.account_for_customer_groups"
            )
        return {"account": {"accountNumber": account}}


class SupplierGroupToEconomic(Mapper):
    direct = (("number", "number", int), ("name", "name"))

    @mapping
    def account(self, record: Record, ctx: MapContext) -> Payload:
        # Only when set: the supplier-group writer refuses to create a group without one, with the reason.
        account = ctx.settings.supplier_invoices.account_for_supplier_groups
        return {} if account is None else {"accountNumber": account}


class ProductGroupToEconomic(Mapper):
    direct = (
        ("number", "productGroupNumber", int),
        ("name", "name"),
        ("has_inventory", "inventoryEnabled", bool),
    )


class UnitToEconomic(Mapper):
    direct = (("number", "unitNumber", int), ("name", "name"))


class NumberedToRackbeat(Mapper):
    """An e-conomic group, unit or layout as its Rackbeat namesake: the number is kept."""

    drop_empty = True
    direct = (("name", "name"),)
    ignored = ("layoutDesign",)

    def __init__(self, number_field: str) -> None:
        self.number_field = number_field

    @mapping
    def number(self, record: Record, ctx: MapContext) -> Payload:
        return {"number": record[self.number_field]}


class ProductGroupToRackbeat(Mapper):
    drop_empty = True
    direct = (("productGroupNumber", "number"), ("name", "name"))

    @mapping
    def inventory(self, record: Record, ctx: MapContext) -> Payload:
        return {"has_inventory": True}


map_customer_group_to_economic = CustomerGroupToEconomic()
map_supplier_group_to_economic = SupplierGroupToEconomic()
map_product_group_to_economic = ProductGroupToEconomic()
map_unit_to_economic = UnitToEconomic()
map_product_group_to_rackbeat = ProductGroupToRackbeat()
