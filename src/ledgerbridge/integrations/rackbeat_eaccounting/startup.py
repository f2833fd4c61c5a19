"""Start-up synchronisation: eAccounting → Rackbeat, once, when the integration is set up.

Seed 002 ("INITIAL SYNC"): "Varegrupper, Varer, Enheter, Kunder". Seed 000 adds customer groups,
suppliers, supplier groups, payment terms, layouts and employees. eAccounting has:

| Rackbeat         | eAccounting                                   | here                                   |
|------------------|-----------------------------------------------|----------------------------------------|
| product groups   | article account codings (the article's        | one group per coding, by name          |
|                  | sales category, read-only in the API)         |                                        |
| units            | units                                         | by name                                |
| payment terms    | terms of payment                              | by name, type and days                 |
| products         | articles                                      | number kept                            |
| customers        | customers                                     | number kept                            |
| suppliers        | suppliers                                     | number kept                            |
| customer groups  | — (none)                                      | one group, named in the settings       |
| supplier groups  | — (none)                                      | one group, named in the settings       |
| layouts          | — (none in the API)                           | not synced                             |
| employees        | — (users are not employees; no API for them)  | not synced                             |

Not brought over, as seed 000 says: currency prices, special prices and discount groups, language,
contact persons, locations, delivery addresses, and any e-mail address but the primary one.

Rackbeat numbers groups, units and payment terms itself; eAccounting keys them by GUID. A record is
matched to a Rackbeat record of the same name (so a re-run or a crash finds it), else it gets the next
free number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ledgerbridge.engine.streams import MapContext, Payload, Record, Stream
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.converters import number_of
from ledgerbridge.integrations.into_rackbeat import IntoRackbeat, Mapper
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.customer import CustomerToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.groups import (
    NamedToRackbeat,
    ProductGroupToRackbeat,
)
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.payment_term import PaymentTermToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.product import ProductToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.supplier import SupplierToRackbeat
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient

EACCOUNTING, RACKBEAT = "eaccounting", "rackbeat"


class RackbeatNumbers:
    """Numbers for Rackbeat records eAccounting does not number: the record of the same name if
    Rackbeat has one, else the next free number (remembered, so a run never hands it out twice)."""

    def __init__(self, rackbeat: RackbeatClient, resource: str) -> None:
        self.rackbeat = rackbeat
        self.resource = resource
        self._by_name: dict[str, int] | None = None
        self._taken: set[int] = set()

    def _load(self) -> dict[str, int]:
        if self._by_name is None:
            self._by_name = {}
            for record in self.rackbeat.iter_all(self.resource):
                self._taken.add(int(record["number"]))
                self._by_name.setdefault(str(record.get("name") or "").strip().lower(), int(record["number"]))
        return self._by_name

    def number_for(self, name: str) -> int:
        by_name = self._load()
        key = name.strip().lower()
        if key not in by_name:
            number = max(self._taken, default=0) + 1
            self._taken.add(number)
            by_name[key] = number
        return by_name[key]


# The mappers, one per entity (their field tables are in ``mappers/``); the flows below use these names.
map_product_group = ProductGroupToRackbeat  # map_product_group(numbers): codings → product groups
map_named = NamedToRackbeat  # map_named(numbers): units, and the one customer/supplier group
map_payment_term = PaymentTermToRackbeat
map_product = ProductToRackbeat()
map_customer = CustomerToRackbeat()
map_supplier = SupplierToRackbeat()


def project_product(current: Record, payload: Payload) -> Payload:
    """A Rackbeat product in payload shape (its group and unit come back as objects)."""
    view = {k: current.get(k) for k in payload}
    view["group"] = number_of(current.get("group")) or current.get("group_id")
    if "unit_id" in payload:
        view["unit_id"] = current.get("unit_id") or number_of(current.get("unit"))
    return view


# -- reading eAccounting ---------------------------------------------------------------------------------
class EAccountingReads:
    """eAccounting reads for the flows: whole collections, and one record by its key."""

    def __init__(self, eaccounting: EAccountingClient) -> None:
        self.eaccounting = eaccounting

    def collection(self, path: str) -> Iterator[Record]:
        return self.eaccounting.iter_collection(path)

    def one(self, path: str, key: Any) -> Record | None:
        try:
            return self.eaccounting.get(f"{path}/{key}")
        except NotFoundError:
            return None

    def by_number(self, path: str, field: str, number: Any) -> Record | None:
        text = str(number).replace("'", "''")
        return next(iter(self.eaccounting.iter_collection(path, filter=f"{field} eq '{text}'")), None)


# -- the streams: eAccounting → Rackbeat, one per entity ---------------------------------------------------
class FromEAccounting(IntoRackbeat):
    """An eAccounting collection (``path``) → a Rackbeat resource."""

    source = EACCOUNTING
    path: str

    def __init__(
        self, eaccounting: EAccountingClient, rackbeat: RackbeatClient, settings: RackbeatEAccountingSettings
    ) -> None:
        super().__init__(rackbeat)
        self.reads = EAccountingReads(eaccounting)
        self.settings = settings

    def records(self) -> Iterable[Record]:
        return self.reads.collection(self.path)


class NumberedByRackbeat(FromEAccounting):
    """Records eAccounting keys by GUID and Rackbeat numbers itself (matched by name): ``numbered``
    makes the mapper from the numbers Rackbeat hands out."""

    key = "Id"
    numbered: Callable[[RackbeatNumbers], Mapper]

    def __init__(
        self, eaccounting: EAccountingClient, rackbeat: RackbeatClient, settings: RackbeatEAccountingSettings
    ) -> None:
        super().__init__(eaccounting, rackbeat, settings)
        self.mapper = self.numbered(RackbeatNumbers(rackbeat, self.resource))

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return self.mapper(record, ctx)

    def read_one(self, key: Any, /) -> Record | None:
        return self.reads.one(self.path, key)


class ProductGroups(NumberedByRackbeat):
    entity = "product_group"
    resource = "product-groups"
    path = "articleaccountcodings"
    label = "product groups (account codings)"
    numbered = staticmethod(map_product_group)


class Units(NumberedByRackbeat):
    entity = "unit"
    resource = path = "units"
    label = "units"
    numbered = staticmethod(map_named)


class PaymentTerms(NumberedByRackbeat):
    entity = "payment_term"
    resource = "payment-terms"
    path = "termsofpayments"
    label = "payment terms"
    numbered = staticmethod(map_payment_term)


class OneGroup(NumberedByRackbeat):
    """One Rackbeat group (named in the settings) for records eAccounting does not group."""

    numbered = staticmethod(map_named)

    def group_name(self) -> str:
        raise NotImplementedError

    def records(self) -> Iterable[Record]:
        return [{"Id": "default", "Name": self.group_name()}]

    def read_one(self, key: Any, /) -> Record | None:
        return next(iter(self.records())) if key == "default" else None


class CustomerGroup(OneGroup):
    entity = "customer_group"
    resource = "customer-groups"
    label = "customer group"

    def group_name(self) -> str:
        return self.settings.initial_sync.customer_group_name


class SupplierGroup(OneGroup):
    entity = "supplier_group"
    resource = "supplier-groups"
    label = "supplier group"

    def group_name(self) -> str:
        return self.settings.initial_sync.supplier_group_name


class NumberedAlike(FromEAccounting):
    """Records both sides number: the number (``key``) is kept."""

    def read_one(self, key: Any, /) -> Record | None:
        return self.reads.by_number(self.path, self.key, key)


class Products(NumberedAlike):
    entity = "product"
    resource = "products"
    path = "articles"
    key = "Number"
    replication_key = "ChangedUtc"
    depends_on = ("product_group", "unit")
    label = "products (articles)"
    map = staticmethod(map_product)
    project = staticmethod(project_product)


class Customers(NumberedAlike):
    entity = "customer"
    resource = path = "customers"
    key = "CustomerNumber"
    replication_key = "ChangedUtc"
    depends_on = ("customer_group", "payment_term")
    label = "customers"
    map = staticmethod(map_customer)


class Suppliers(NumberedAlike):
    entity = "supplier"
    resource = path = "suppliers"
    key = "SupplierNumber"
    depends_on = ("supplier_group", "payment_term")
    label = "suppliers"
    map = staticmethod(map_supplier)


STREAMS: tuple[type[FromEAccounting], ...] = (
    ProductGroups,
    Units,
    PaymentTerms,
    CustomerGroup,
    SupplierGroup,
    Products,
    Customers,
    Suppliers,
)


def eaccounting_to_rackbeat_flows(
    eaccounting: EAccountingClient, rackbeat: RackbeatClient, settings: RackbeatEAccountingSettings
) -> list[Stream]:
    """Every eAccounting → Rackbeat master-data stream (the start-up sync and the hourly poll use them)."""
    return [stream(eaccounting, rackbeat, settings) for stream in STREAMS]


def company_lookup(eaccounting: EAccountingClient) -> dict[str, Any]:
    settings = eaccounting.get("companysettings")
    return {
        "CountryCode": (settings or {}).get("CountryCode") or "SE",
        "CurrencyCode": (settings or {}).get("CurrencyCode") or "SEK",
    }


def startup_operation(
    eaccounting: EAccountingClient, rackbeat: RackbeatClient, settings: RackbeatEAccountingSettings
) -> Operation:
    """The start-up sync as seeds 000 and 002 list it, limited to the entities the settings pick."""
    flows = eaccounting_to_rackbeat_flows(eaccounting, rackbeat, settings)
    chosen = set(settings.initial_sync.entities)
    for flow in flows:
        missing = set(flow.depends_on) - chosen if flow.entity in chosen else set()
        if missing:
            raise ValueError(
                f"start-up entity {flow.entity!r} needs {', '.join(sorted(missing))} "
                "in settings.initial_sync.entities"
            )
    return Operation(
        flows=[f for f in flows if f.entity in chosen], lookups={"company": company_lookup(eaccounting)}
    )
