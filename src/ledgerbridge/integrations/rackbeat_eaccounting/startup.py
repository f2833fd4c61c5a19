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

from collections.abc import Callable, Iterator
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, Payload, Record
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.converters import number_of
from ledgerbridge.integrations.into_rackbeat import rackbeat_flow
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


# -- the flows --------------------------------------------------------------------------------------------
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


def eaccounting_to_rackbeat_flows(
    eaccounting: EAccountingClient, rackbeat: RackbeatClient, settings: RackbeatEAccountingSettings
) -> list[EntityFlow]:
    """Every eAccounting → Rackbeat master-data flow (the start-up sync and the hourly poll use them)."""
    reads = EAccountingReads(eaccounting)

    def by_id(
        entity: str, resource: str, path: str, mapper: Callable[[RackbeatNumbers], Any], label: str
    ) -> EntityFlow:
        """Records eAccounting keys by GUID and Rackbeat numbers itself (matched by name)."""
        return rackbeat_flow(
            entity,
            resource,
            rackbeat,
            source=EACCOUNTING,
            read=lambda: reads.collection(path),
            source_key=lambda record: record["Id"],
            mapper=mapper(RackbeatNumbers(rackbeat, resource)),
            read_one=lambda key: reads.one(path, key),
            label=label,
        )

    def group(name: str, resource: str, entity: str, label: str) -> EntityFlow:
        """One Rackbeat group for records eAccounting does not group."""
        record = {"Id": "default", "Name": name}
        return rackbeat_flow(
            entity,
            resource,
            rackbeat,
            source=EACCOUNTING,
            read=lambda: [record],
            source_key=lambda r: r["Id"],
            mapper=map_named(RackbeatNumbers(rackbeat, resource)),
            read_one=lambda key: record if key == "default" else None,
            label=label,
        )

    def by_number(
        entity: str, resource: str, path: str, field: str, mapper: Any, label: str, **extra: Any
    ) -> EntityFlow:
        """Records both sides number: the number is kept."""
        return rackbeat_flow(
            entity,
            resource,
            rackbeat,
            source=EACCOUNTING,
            read=lambda: reads.collection(path),
            source_key=lambda record: record[field],
            mapper=mapper,
            read_one=lambda key: reads.by_number(path, field, key),
            label=label,
            **extra,
        )

    initial = settings.initial_sync
    return [
        by_id(
            "product_group",
            "product-groups",
            "articleaccountcodings",
            map_product_group,
            "product groups (account codings)",
        ),
        by_id("unit", "units", "units", map_named, "units"),
        by_id("payment_term", "payment-terms", "termsofpayments", map_payment_term, "payment terms"),
        group(initial.customer_group_name, "customer-groups", "customer_group", "customer group"),
        group(initial.supplier_group_name, "supplier-groups", "supplier_group", "supplier group"),
        by_number(
            "product",
            "products",
            "articles",
            "Number",
            map_product,
            "products (articles)",
            depends_on=("product_group", "unit"),
            project=project_product,
        ),
        by_number(
            "customer",
            "customers",
            "customers",
            "CustomerNumber",
            map_customer,
            "customers",
            depends_on=("customer_group", "payment_term"),
        ),
        by_number(
            "supplier",
            "suppliers",
            "suppliers",
            "SupplierNumber",
            map_supplier,
            "suppliers",
            depends_on=("supplier_group", "payment_term"),
        ),
    ]


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
