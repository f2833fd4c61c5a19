"""Rackbeat → e-conomic master data (seed 001: "Hvad kan synkroniseres fra Rackbeat til e-conomic").

Products — synced: number, name, group, sales price, recommended price, barcode, status, unit,
department, cost price ("Use actual cost price" picks the actual instead of the recommended one).
Not synced: unit-converter unit, stock, weight, unit weight, width, height, size, depth, unit size,
custom fields.

Customers — synced: number, name, group, CVR, billing address, address, postcode, city, country,
phone, payment terms, status, VAT zone, currency, layout, credit max, EAN, references (contact
persons), delivery addresses (on customer update). Not synced: delivery terms, delivery e-mail and
phone, language, the quote/order/invoice e-mail addresses, custom fields.

Suppliers — synced: number, name, group, CVR, status, phone, currency, layout, payment terms, VAT
zone. Not synced: attention, payment type.

Also: customer groups, supplier groups, product groups, BOMs (styklister, as e-conomic products),
payment terms and employees.

e-conomic's PUT replaces the whole record, so an update starts from e-conomic's current record and
changes only the fields above: whatever else a bookkeeper keeps there survives.
"""

from __future__ import annotations

from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record, ResourceStream, Stream
from ledgerbridge.integrations.rackbeat_economic.mappers.customer import map_customer_to_economic
from ledgerbridge.integrations.rackbeat_economic.mappers.employee import map_employee_to_economic
from ledgerbridge.integrations.rackbeat_economic.mappers.groups import (
    map_customer_group_to_economic,
    map_product_group_to_economic,
    map_supplier_group_to_economic,
    map_unit_to_economic,
)
from ledgerbridge.integrations.rackbeat_economic.mappers.payment_term import map_payment_term_to_economic
from ledgerbridge.integrations.rackbeat_economic.mappers.product import map_product_to_economic
from ledgerbridge.integrations.rackbeat_economic.mappers.supplier import map_supplier_to_economic
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.integrations.resource_streams import FromRackbeat
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.economic.client import PRODUCT_GROUPS_PATH
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient

ECONOMIC, RACKBEAT = "economic", "rackbeat"
# The mappers, one per entity (their field tables are in ``mappers/``); the flows below use these names.
map_customer_group = map_customer_group_to_economic
map_supplier_group = map_supplier_group_to_economic
map_product_group = map_product_group_to_economic
map_payment_term = map_payment_term_to_economic
map_employee = map_employee_to_economic
map_unit = map_unit_to_economic
map_product = map_product_to_economic  # products and BOMs (a BOM is sold as a product in e-conomic)
map_customer = map_customer_to_economic
map_supplier = map_supplier_to_economic


# -- writing to e-conomic ------------------------------------------------------------------------------
def project_subset(current: Record, payload: Payload) -> Payload:
    """The current record seen through the payload's keys (nested references compared by number)."""
    view: Payload = {}
    for key, value in payload.items():
        existing = current.get(key)
        if isinstance(value, dict) and isinstance(existing, dict):
            view[key] = {k: existing.get(k) for k in value}
        else:
            view[key] = existing
    return view


def merged_document(current: Record, payload: Payload) -> Payload:
    """What to PUT: e-conomic's record with our fields laid over it; a ``None`` of ours clears the field
    (e-conomic clears what a PUT omits)."""
    document = {k: v for k, v in current.items() if k != "self"}
    document.update(payload)
    return {k: v for k, v in document.items() if v is not None}


class EconomicWriter:
    """Create / update / find one kind of e-conomic record on the legacy REST API."""

    def __init__(self, economic: EconomicClient, path: str, number_field: str) -> None:
        self.economic = economic
        self.path = path
        self.number_field = number_field

    def find(self, key: Any) -> Record | None:
        try:
            return self.economic.get(self.economic.resource_path(self.path, key))
        except NotFoundError:
            return None

    def create(self, payload: Payload) -> Record:
        body = {k: v for k, v in payload.items() if v is not None}
        return self.economic.create(self.path, body, idempotency_key=None)

    def update(self, key: Any, payload: Payload) -> Record:
        current = self.find(key) or {}
        return self.economic.replace(
            self.economic.resource_path(self.path, key), merged_document(current, payload)
        )


# -- the streams: one per master entity, Rackbeat → e-conomic, each able to sync a single record ------
class ToEconomic(FromRackbeat, ResourceStream):
    """A Rackbeat resource → an e-conomic collection (``path``) numbered alike by ``target_field``. An
    update starts from e-conomic's current record (see :class:`EconomicWriter`)."""

    target = ECONOMIC
    path: str  # e-conomic's

    def __init__(
        self, economic: EconomicClient, rackbeat: RackbeatClient, settings: RackbeatEconomicSettings
    ) -> None:
        self.rackbeat = rackbeat
        self.writes = self.economic_writer(economic, settings)

    def economic_writer(
        self, economic: EconomicClient, settings: RackbeatEconomicSettings
    ) -> EconomicWriter | SupplierGroupWriter:
        return EconomicWriter(economic, self.path, self.target_field)

    def project(self, current: Record, payload: Payload) -> Payload:
        return project_subset(current, payload)


class CustomerGroups(ToEconomic):
    entity = "customer_group"
    resource = path = "customer-groups"
    target_field = "customerGroupNumber"
    label = "customer groups"

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return map_customer_group.map(record, ctx, for_create=False)

    def map_for(self, record: Record, ctx: MapContext, /, *, for_create: bool) -> Payload:
        # A new group also takes the debtor account the settings name (the mapper's @only_create).
        return map_customer_group.map(record, ctx, for_create=for_create)


class SupplierGroups(ToEconomic):
    entity = "supplier_group"
    resource = "supplier-groups"
    target_field = "number"
    label = "supplier groups"
    map = staticmethod(map_supplier_group)

    def economic_writer(
        self, economic: EconomicClient, settings: RackbeatEconomicSettings
    ) -> SupplierGroupWriter:
        return SupplierGroupWriter(economic)


class ProductGroups(ToEconomic):
    entity = "product_group"
    resource = path = "product-groups"
    target_field = "productGroupNumber"
    label = "product groups"
    map = staticmethod(map_product_group)


class PaymentTerms(ToEconomic):
    entity = "payment_term"
    resource = path = "payment-terms"
    target_field = "paymentTermsNumber"
    label = "payment terms"
    map = staticmethod(map_payment_term)


class Employees(ToEconomic):
    entity = "employee"
    resource = path = "employees"
    target_field = "employeeNumber"
    label = "employees"
    map = staticmethod(map_employee)


class Units(ToEconomic):
    entity = "unit"
    resource = path = "units"
    target_field = "unitNumber"
    label = "units"
    map = staticmethod(map_unit)


class Products(ToEconomic):
    entity = "product"
    resource = path = "products"
    target_field = "productNumber"
    depends_on = ("product_group", "unit")
    label = "products"
    map = staticmethod(map_product)


class Boms(ToEconomic):
    """Rackbeat's BOMs (lots) are sold as products in e-conomic."""

    entity = "bom"
    resource = "lots"
    path = "products"
    target_field = "productNumber"
    depends_on = ("product_group", "unit")
    label = "BOMs"
    map = staticmethod(map_product)


class Customers(ToEconomic):
    entity = "customer"
    resource = path = "customers"
    target_field = "customerNumber"
    depends_on = ("customer_group", "payment_term", "employee")
    label = "customers"
    map = staticmethod(map_customer)


class Suppliers(ToEconomic):
    entity = "supplier"
    resource = path = "suppliers"
    target_field = "supplierNumber"
    depends_on = ("supplier_group", "payment_term")
    label = "suppliers"
    map = staticmethod(map_supplier)


STREAMS: tuple[type[ToEconomic], ...] = (
    CustomerGroups,
    SupplierGroups,
    ProductGroups,
    PaymentTerms,
    Employees,
    Units,
    Products,
    Boms,
    Customers,
    Suppliers,
)


def master_data_flows(
    economic: EconomicClient, rackbeat: RackbeatClient, settings: RackbeatEconomicSettings
) -> list[Stream]:
    """One stream per master entity, Rackbeat → e-conomic, each able to sync a single record."""
    return [stream(economic, rackbeat, settings) for stream in STREAMS]


class ProductGroupWriter(EconomicWriter):
    """Product groups are read on legacy REST but written on e-conomic's Products OpenAPI service."""

    def __init__(self, economic: EconomicClient, settings: RackbeatEconomicSettings) -> None:
        super().__init__(economic, "product-groups", "productGroupNumber")
        self.settings = settings

    def create(self, payload: Payload) -> Record:
        account = self.settings.products.account_for_product_groups
        if account is None:
            raise MappingError(
                "e-conomic needs a sales account for a new product group: set "
                "settings.products.account_for_product_groups"
            )
        self.economic.create_product_group(
            {"id": payload["productGroupNumber"], "name": payload["name"], "domesticAccountId": account}
        )
        return payload

    def update(self, key: Any, payload: Payload) -> Record:
        self.economic.replace_product_group(
            int(key), {**self._oas_document(int(key)), "name": payload["name"]}
        )
        return payload

    def _oas_document(self, number: int) -> dict[str, Any]:
        document = self.economic.get(f"{self.economic.apis_base_url}/{PRODUCT_GROUPS_PATH}/{number}")
        return {k: v for k, v in document.items() if k != "objectVersion"}


class SupplierGroupWriter:
    """Supplier groups live on e-conomic's Suppliers OpenAPI service (legacy REST has no writes)."""

    def __init__(self, economic: EconomicClient) -> None:
        self.economic = economic

    def find(self, key: Any) -> Record | None:
        return next((g for g in self.economic.iter_supplier_groups() if str(g["number"]) == str(key)), None)

    def create(self, payload: Payload) -> Record:
        if "accountNumber" not in payload:
            raise MappingError(
                "e-conomic needs a creditor account for a new supplier group: set "
                "settings.supplier_invoices.account_for_supplier_groups ('Account for supplier groups')"
            )
        self.economic.create_supplier_group(payload)
        return payload

    def update(self, key: Any, payload: Payload) -> Record:
        current = self.find(key) or {}
        self.economic.replace_supplier_group(int(key), merged_document(current, payload))
        return payload
