"""Articles, both directions (seed 004 C46–C53; the spec's article field list).

Severa → eEkonomi: a product, work type or travel expense type (tagged ``_register``) becomes an article:
number = the code (C47, refused without one or when two registers share it, C8), name (C48), active
(C46), the register's unit (C50), the price excl. VAT (C51, A16) and incl. VAT from Severa's rate (C52),
and the coding of that rate (C49; written on create only, by the articles' writer, A17). Not synced:
costs, accounts and categories (``ignored``).

eEkonomi → Severa: every article becomes a product of type ``Materials`` (C53, A18) with its number as
code, name, active, unit, net price in the organisation's currency and the coding's VAT rate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, gross, money
from ledgerbridge.integrations.severa_eaccounting.mappers.customer import text

NAME_LIMIT = 50
TRAVEL_UNIT = {"Mileage": "mileage", "DailyAllowance": "daily_allowance"}


def code_of(value: Any) -> str:
    return str(value or "").strip()


class ArticleToEAccounting(Mapper):
    """A Severa product, work type or travel expense type as eEkonomi's ``/articles`` record."""

    direct = (
        ("code", "Number", code_of),  # C47
        ("name", "Name", text),  # C48
    )
    ignored = ("unitCost", "hourCost", "salesAccount", "costAccount", "productCategory", "purchaseVatRate")

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def check(self, record: Record, ctx: MapContext) -> None:
        register = record["_register"]
        code = code_of(record.get("code"))
        if not code:
            raise MappingError(f"the Severa {register} has no code; the code is the article number (C8)")
        if record.get("_clash"):
            raise MappingError(
                f"code {code!r} is used by more than one Severa register; codes must be unique (C8)"
            )
        name = str(record.get("name") or "")
        if len(name) > NAME_LIMIT:
            raise MappingError(f"the name is {len(name)} characters; eEkonomi allows {NAME_LIMIT}")

    @mapping
    def active(self, record: Record, ctx: MapContext) -> Payload:
        return {"IsActive": bool(record.get("isActive", True))}  # C46: a record without the flag is active

    @mapping
    def unit(self, record: Record, ctx: MapContext) -> Payload:
        """C50: the unit the settings choose for the register (a product keeps its own where it can)."""
        units = self.lookups.settings.products.units
        register = record["_register"]
        if register == "work type":
            wanted = units.work_type
        elif register == "travel expense type":
            wanted = getattr(units, TRAVEL_UNIT.get(str(record.get("expenseClass")), "other_travel"))
        else:
            wanted = units.product
            own = self.lookups.unit_id(record.get("measurementUnit"))
            if own is not None:
                return {"UnitId": own}  # C50: "another unit is chosen if possible"
        found = self.lookups.unit_id(wanted)
        if found is None:
            raise MappingError(f"eEkonomi has no unit {wanted!r} (products.units)")
        return {"UnitId": found}

    @mapping
    def prices(self, record: Record, ctx: MapContext) -> Payload:
        """C51/A16: the net price by register; C52: incl. VAT at Severa's rate; C49: that rate's coding."""
        net, vat = self.net_and_vat(record)
        return {"NetPrice": net, "GrossPrice": gross(net, vat), "CodingId": self.lookups.coding_for_rate(vat)}

    def net_and_vat(self, record: Record) -> tuple[Decimal, Decimal]:
        register, guid = record["_register"], str(record["guid"])
        own_vat = record.get("vatRate")
        vat = Decimal(str(own_vat)) if own_vat is not None else self.lookups.default_vat
        if register == "product":
            return money(record.get("unitPrice")), vat
        if register == "work type":  # a work type has no VAT rate of its own
            return self.lookups.work_type_prices.get(guid, Decimal(0)), self.lookups.default_vat
        return self.lookups.travel_prices.get(guid, Decimal(0)), vat


class ProductToSevera(Mapper):
    """An eEkonomi article as a Severa product (C53)."""

    direct = (
        ("Number", "code", code_of),
        ("Name", "name", text),
    )
    ignored = ("PurchasePrice", "StockBalance", "Barcodes", "SendToWebshop")

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    @mapping
    def product(self, record: Record, ctx: MapContext) -> Payload:
        """Active as eEkonomi says (active without the flag); A18: type Materials; unit, price, VAT rate."""
        unit = self.lookups.unit_abbreviation(record.get("UnitId"))
        vat = self.lookups.coding_vat(record.get("CodingId"))
        return {
            "isActive": bool(record.get("IsActive", True)),
            "type": "Materials",  # A18: "everything goes to the product register"
            "measurementUnit": unit or "st",
            "unitPrice": {
                "amount": Decimal(str(record.get("NetPrice") or 0)),
                "currencyCode": self.lookups.organisation_currency,
            },
            "vatRate": vat if vat is not None else self.lookups.default_vat,
        }
