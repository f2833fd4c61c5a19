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

from ledgerbridge.engine.streams import MappingError, Payload, Record
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.converters import number_of, vat_zone_of_economic
from ledgerbridge.integrations.into_rackbeat import IntoRackbeat
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

    def total(self, path: str) -> int | None:
        """How many records ``collection(path)`` holds, from one page's ``pagination.results``."""
        results = (self.economic.get(path, params={"pagesize": 1}).get("pagination") or {}).get("results")
        return results if isinstance(results, int) and not isinstance(results, bool) else None

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


# -- the streams: one per entity of the seed's list, e-conomic → Rackbeat ----------------------------
class FromEconomic(IntoRackbeat):
    """An e-conomic collection → the Rackbeat resource of the same name, keyed by its number."""

    source = ECONOMIC

    def __init__(self, reads: _Reads, rackbeat: RackbeatClient) -> None:
        super().__init__(rackbeat)
        self.reads = reads

    def records(self) -> Iterable[Record]:
        return self.reads.collection(self.resource)

    def count(self) -> int | None:
        # The run's progress needs the total up front: a call for it, not a first read of every page.
        if type(self).records is not FromEconomic.records:
            return None  # records from elsewhere or filtered: counted by reading them
        return self.reads.total(self.resource)

    def read_one(self, key: Any) -> Record | None:
        return self.reads.one(self.resource, key)


class CustomerGroups(FromEconomic):
    entity = "customer_group"
    resource = "customer-groups"
    key = "customerGroupNumber"
    label = "customer groups"
    map = staticmethod(map_group("customerGroupNumber"))


class SupplierGroups(FromEconomic):
    entity = "supplier_group"
    resource = "supplier-groups"
    key = "number"
    label = "supplier groups"
    map = staticmethod(map_group("number"))

    def records(self) -> Iterable[Record]:
        return self.reads.economic.iter_supplier_groups()

    def read_one(self, key: Any) -> Record | None:
        return self.reads.supplier_group(key)


class Units(FromEconomic):
    entity = "unit"
    resource = "units"
    key = "unitNumber"
    label = "units"
    map = staticmethod(map_group("unitNumber"))


class PaymentTerms(FromEconomic):
    entity = "payment_term"
    resource = "payment-terms"
    key = "paymentTermsNumber"
    label = "payment terms"
    map = staticmethod(map_payment_term)


class Layouts(FromEconomic):
    entity = "layout"
    resource = "layouts"
    key = "layoutNumber"
    label = "layouts"
    map = staticmethod(map_group("layoutNumber"))

    def records(self) -> Iterable[Record]:
        return self.reads.layouts()


class Employees(FromEconomic):
    entity = "employee"
    resource = "employees"
    key = "employeeNumber"
    label = "employees"
    map = staticmethod(map_employee)


class ProductGroups(FromEconomic):
    entity = "product_group"
    resource = "product-groups"
    key = "productGroupNumber"
    label = "product groups"
    map = staticmethod(map_product_group)


class Products(FromEconomic):
    entity = "product"
    resource = "products"
    key = "productNumber"
    replication_key = "lastUpdated"
    depends_on = ("product_group", "unit")
    label = "products"
    map = staticmethod(map_product)
    project = staticmethod(project_product)


class Customers(FromEconomic):
    entity = "customer"
    resource = "customers"
    key = "customerNumber"
    replication_key = "lastUpdated"
    depends_on = ("customer_group", "payment_term", "layout", "employee")
    label = "customers"
    map = staticmethod(map_customer)


class Suppliers(FromEconomic):
    entity = "supplier"
    resource = "suppliers"
    key = "supplierNumber"
    depends_on = ("supplier_group", "payment_term", "layout")
    label = "suppliers"
    map = staticmethod(map_supplier)


class FromAgreement(FromEconomic):
    """A part of the agreement (``/self``) → Rackbeat: one record on each side, bound under
    ``agreement_key``."""

    agreement_key: str

    def source_key(self, record: Record) -> Any:
        return self.agreement_key

    def read_one(self, key: Any) -> Record | None:
        return next(iter(self.records()), None)


class Company(FromAgreement):
    """The agreement's company information → Rackbeat's company setting."""

    entity = "company"
    resource = agreement_key = "company"
    label = "company information"
    map = staticmethod(map_company)
    writes: CompanySetting

    def target_records(self, rackbeat: RackbeatClient) -> CompanySetting:
        return CompanySetting(rackbeat)

    def remote_key(self, record: Record) -> Any:
        return "company"

    def records(self) -> Iterable[Record]:
        return self.reads.company()

    def read_target(self) -> Iterable[Record]:
        return [self.writes.find("company")]


class BankAccount(FromAgreement):
    """The agreement's bank information → a Rackbeat bank account (further accounts are not read)."""

    entity = "bank_account"
    resource = "bank-accounts"
    agreement_key = "bank"
    label = "bank information"
    map = staticmethod(map_bank_account)
    remote_key = staticmethod(bank_key)

    def target_records(self, rackbeat: RackbeatClient) -> BankAccounts:
        return BankAccounts(rackbeat)

    def records(self) -> Iterable[Record]:
        return self.reads.bank()


class CompanySetting:
    """Rackbeat's company setting, the one record a :class:`Company` stream writes."""

    def __init__(self, rackbeat: RackbeatClient) -> None:
        self.rackbeat = rackbeat

    def find(self, key: Any) -> Record:
        return self.rackbeat.get_setting("company") or {}

    def create(self, payload: Payload) -> Record:
        return self.rackbeat.put_setting("company", payload)

    def update(self, key: Any, payload: Payload) -> Record:
        return self.rackbeat.put_setting("company", payload)


class BankAccounts:
    """Rackbeat's bank accounts, known by registration and account number (:func:`bank_key`)."""

    def __init__(self, rackbeat: RackbeatClient) -> None:
        self.rackbeat = rackbeat

    def find(self, key: Any) -> Record | None:
        return next((a for a in self.rackbeat.iter_all("bank-accounts") if bank_key(a) == key), None)

    def create(self, payload: Payload) -> Record:
        return self.rackbeat.create("bank-accounts", payload, suppress_webhooks=True)

    def update(self, key: Any, payload: Payload) -> Record:
        return _update_bank_account(self.rackbeat, key, payload)


# In the seed's order; the runner sorts them by their dependencies.
STREAMS: tuple[type[FromEconomic], ...] = (
    CustomerGroups,
    SupplierGroups,
    Units,
    PaymentTerms,
    Layouts,
    Employees,
    ProductGroups,
    Products,
    Customers,
    Suppliers,
    Company,
    BankAccount,
)


def startup_operation(
    economic: EconomicClient, rackbeat: RackbeatClient, settings: RackbeatEconomicSettings
) -> Operation:
    """The start-up sync, as seed 001 lists it, limited to the entities the settings pick."""
    reads = _Reads(economic)
    flows = [stream(reads, rackbeat) for stream in STREAMS]
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
