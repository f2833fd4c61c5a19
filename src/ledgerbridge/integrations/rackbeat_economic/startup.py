"""Start-up synchronisation: e-conomic → Rackbeat, once, when the integration is set up (seed 001).

    "Ved opstartssynkronisering synkroniseres følgende data:
     Kunder. Kundegrupper. Leverandører. Leverandørgrupper.
     Produkter (Varenummer, navn, varegruppe, beskrivelse, salgspris, vejl. pris, forventet kostpris,
     stregkode og enhed). Varegrupper (Overføres altid med lager aktiveret). Enheder.
     Betalingsbetingelser. Layouts (navn og nr.). Medarbejdere.
     Virksomheds oplysninger. Bank oplysninger (yderligere bankkonti hentes ikke)."

And what it does **not** bring over: currency prices, special prices and discount groups, language
layers, contact persons on customers, locations, delivery addresses, and any e-mail but a customer's
primary one. None of those is read here.

Numbers are kept: e-conomic customer 1042 becomes Rackbeat customer 1042, so people recognise them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MappingError, Payload, Record
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.converters import number_of, vat_zone_of_economic
from ledgerbridge.integrations.into_rackbeat import rackbeat_flow
from ledgerbridge.integrations.rackbeat_economic.mappers.company import (
    map_bank_account_to_rackbeat,
    map_company_to_rackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.mappers.customer import map_customer_to_rackbeat
from ledgerbridge.integrations.rackbeat_economic.mappers.employee import map_employee_to_rackbeat
from ledgerbridge.integrations.rackbeat_economic.mappers.groups import (
    NumberedToRackbeat,
    map_product_group_to_rackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.mappers.payment_term import map_payment_term_to_rackbeat
from ledgerbridge.integrations.rackbeat_economic.mappers.product import map_product_to_rackbeat
from ledgerbridge.integrations.rackbeat_economic.mappers.supplier import map_supplier_to_rackbeat
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient

ECONOMIC, RACKBEAT = "economic", "rackbeat"

# The mappers, one per entity (their field tables are in ``mappers/``); the flows below use these names.
map_group = NumberedToRackbeat  # map_group("customerGroupNumber"): groups, units and layouts by number
map_payment_term = map_payment_term_to_rackbeat
map_employee = map_employee_to_rackbeat
map_product_group = map_product_group_to_rackbeat
map_product = map_product_to_rackbeat
map_customer = map_customer_to_rackbeat
map_supplier = map_supplier_to_rackbeat
map_company = map_company_to_rackbeat
map_bank_account = map_bank_account_to_rackbeat


def bank_key(account: Record) -> str:
    return f"{account.get('reg_number') or ''}-{account.get('account_number') or ''}"


# -- projections: a Rackbeat record seen in payload shape (for comparing field by field) ----------
def project_product(current: Record, payload: Payload) -> Payload:
    view = {k: current.get(k) for k in payload}
    view["group"] = (
        number_of(current.get("group")) if current.get("group") is not None else current.get("group_id")
    )
    if "unit_id" in payload:
        view["unit_id"] = current.get("unit_id") or number_of(current.get("unit"))
    return view


# -- the flows --------------------------------------------------------------------------------------
class _Reads:
    """e-conomic reads, each collection fetched once per run (``/self`` feeds two flows)."""

    def __init__(self, economic: EconomicClient) -> None:
        self.economic = economic
        self._self: dict[str, Any] | None = None

    def collection(self, path: str) -> Iterator[Record]:
        return self.economic.iter_collection(path)

    def agreement(self) -> dict[str, Any]:
        if self._self is None:
            self._self = self.economic.get("self")
        return self._self

    def company(self) -> list[Record]:
        return [self.agreement()] if self.agreement().get("company") else []

    def bank(self) -> list[Record]:
        bank = self.agreement().get("bankInformation") or {}
        return [self.agreement()] if bank.get("bankAccountNumber") else []

    def one(self, resource: str, key: Any) -> Record | None:
        """One record by number, or None when e-conomic no longer has it."""
        try:
            return self.economic.get(self.economic.resource_path(resource, key))
        except NotFoundError:
            return None

    def supplier_group(self, key: Any) -> Record | None:
        return next((g for g in self.economic.iter_supplier_groups() if str(g["number"]) == str(key)), None)

    def layouts(self) -> Iterable[Record]:
        return (layout for layout in self.collection("layouts") if not layout.get("deleted"))


def startup_operation(
    economic: EconomicClient, rackbeat: RackbeatClient, settings: RackbeatEconomicSettings
) -> Operation:
    """The start-up sync, as seed 001 lists it, limited to the entities the settings pick."""
    reads = _Reads(economic)

    def master(
        entity: str,
        resource: str,
        number: str,
        mapper: Any,
        label: str,
        *,
        depends_on: tuple[str, ...] = (),
        read: Any = None,
        project: Any = None,
    ) -> EntityFlow:
        """e-conomic collection ``resource`` → the Rackbeat resource of the same name, keyed by ``number``."""
        return rackbeat_flow(
            entity,
            resource,
            rackbeat,
            source=ECONOMIC,
            read=read or (lambda: reads.collection(resource)),
            source_key=lambda record: record[number],
            mapper=mapper,
            label=label,
            depends_on=depends_on,
            project=project,
            read_one=lambda key: reads.one(resource, key),
        )

    flows = [
        master(
            "customer_group",
            "customer-groups",
            "customerGroupNumber",
            map_group("customerGroupNumber"),
            "customer groups",
        ),
        rackbeat_flow(
            "supplier_group",
            "supplier-groups",
            rackbeat,
            source=ECONOMIC,
            read=economic.iter_supplier_groups,
            source_key=lambda record: record["number"],
            mapper=map_group("number"),
            label="supplier groups",
            read_one=reads.supplier_group,
        ),
        master("unit", "units", "unitNumber", map_group("unitNumber"), "units"),
        master("payment_term", "payment-terms", "paymentTermsNumber", map_payment_term, "payment terms"),
        master("layout", "layouts", "layoutNumber", map_group("layoutNumber"), "layouts", read=reads.layouts),
        master("employee", "employees", "employeeNumber", map_employee, "employees"),
        master("product_group", "product-groups", "productGroupNumber", map_product_group, "product groups"),
        master(
            "product",
            "products",
            "productNumber",
            map_product,
            "products",
            depends_on=("product_group", "unit"),
            project=project_product,
        ),
        master(
            "customer",
            "customers",
            "customerNumber",
            map_customer,
            "customers",
            depends_on=("customer_group", "payment_term", "layout", "employee"),
        ),
        master(
            "supplier",
            "suppliers",
            "supplierNumber",
            map_supplier,
            "suppliers",
            depends_on=("supplier_group", "payment_term", "layout"),
        ),
        EntityFlow(
            entity="company",
            source=ECONOMIC,
            target=RACKBEAT,
            label="company information",
            read=reads.company,
            source_key=lambda record: "company",
            map=map_company,
            target_key=lambda payload: "company",
            existing_key=lambda record: "company",
            read_target=lambda: [rackbeat.get_setting("company") or {}],
            create=lambda payload: rackbeat.put_setting("company", payload),
            update=lambda key, payload: rackbeat.put_setting("company", payload),
            read_one=lambda key: next(iter(reads.company()), None),
            find_target=lambda key: rackbeat.get_setting("company") or {},
        ),
        EntityFlow(
            entity="bank_account",
            source=ECONOMIC,
            target=RACKBEAT,
            label="bank information",
            read=reads.bank,
            source_key=lambda record: "bank",
            map=map_bank_account,
            target_key=bank_key,
            existing_key=bank_key,
            read_target=lambda: rackbeat.iter_all("bank-accounts"),
            create=lambda payload: rackbeat.create("bank-accounts", payload, suppress_webhooks=True),
            update=lambda key, payload: _update_bank_account(rackbeat, key, payload),
            read_one=lambda key: next(iter(reads.bank()), None),
            find_target=lambda key: next(
                (a for a in rackbeat.iter_all("bank-accounts") if bank_key(a) == key), None
            ),
        ),
    ]
    chosen = set(settings.startup.entities)
    # Dependencies of a chosen entity must be chosen too, or its references could not resolve.
    for flow in flows:
        if flow.entity in chosen:
            missing = set(flow.depends_on) - chosen
            if missing:
                raise ValueError(
                    f"start-up entity {flow.entity!r} needs {', '.join(sorted(missing))} "
                    "in settings.startup.entities"
                )
    vat_zones = {
        zone["vatZoneNumber"]: value
        for zone in economic.iter_collection("vat-zones")
        if (value := _zone_value(zone)) is not None
    }
    return Operation(flows=[f for f in flows if f.entity in chosen], lookups={"vat_zone": vat_zones})


def _zone_value(zone: Record) -> str | None:
    """Rackbeat's VAT zone for an e-conomic one; None leaves it out, so its users fail with the reason."""
    return vat_zone_of_economic(zone)


def _update_bank_account(rackbeat: RackbeatClient, key: str, payload: Payload) -> Record:
    for account in rackbeat.iter_all("bank-accounts"):
        if bank_key(account) == key:
            return rackbeat.update("bank-accounts", account["id"], payload)
    raise MappingError(f"bank account {key} disappeared from Rackbeat during the sync")
