"""Groups, units and labels (seeds 000/002 start-up "Varegrupper", "Enheter"; seed 002 customer groups).

eAccounting keys these by GUID and Rackbeat numbers them itself: a record becomes the Rackbeat record of
the same name, else the next free number. Product groups come from the articles' account codings and
arrive with inventory on (as in the e-conomic integration; switch it off where needed). eAccounting has
no customer or supplier groups: one Rackbeat group each, named in the settings. A Rackbeat customer
group becomes an eAccounting customer label.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.shared import RackbeatNumbering


class NamedToRackbeat(Mapper):
    """A record Rackbeat numbers itself, matched by its name (units, the one customer/supplier group)."""

    def __init__(self, numbers: RackbeatNumbering, field: str = "Name") -> None:
        self.numbers = numbers
        self.field = field

    def _name(self, record: Record) -> str:
        name = str(record.get(self.field) or "").strip()
        if not name:
            raise MappingError(f"the record has no {self.field}")
        return name

    @mapping
    def number_and_name(self, record: Record, ctx: MapContext) -> Payload:
        name = self._name(record)
        return {"number": self.numbers.number_for(name), "name": name}


class ProductGroupToRackbeat(NamedToRackbeat):
    """An article account coding as a Rackbeat product group (with inventory on)."""

    def _name(self, record: Record) -> str:
        name = str(record.get("Name") or "").strip()
        if not name:
            raise MappingError("the account coding has no name")
        return name

    @mapping
    def inventory(self, record: Record, ctx: MapContext) -> Payload:
        return {"has_inventory": True}


class CustomerGroupToEAccounting(Mapper):
    """A Rackbeat customer group as an eAccounting customer label."""

    @mapping
    def label(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "Name": str(record.get("name") or record["number"])[:50],
            "Description": f"Rackbeat customer group {record['number']}",
        }
