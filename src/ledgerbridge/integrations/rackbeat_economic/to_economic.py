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

from collections.abc import Callable
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MappingError, Payload, Record
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

    def __init__(
        self,
        economic: EconomicClient,
        path: str,
        number_field: str,
        on_create: Callable[[Payload], Payload] | None = None,
    ) -> None:
        self.economic = economic
        self.path = path
        self.number_field = number_field
        self.on_create = on_create or (lambda payload: payload)

    def find(self, key: Any) -> Record | None:
        try:
            return self.economic.get(self.economic.resource_path(self.path, key))
        except NotFoundError:
            return None

    def create(self, payload: Payload) -> Record:
        body = {k: v for k, v in self.on_create(payload).items() if v is not None}
        return self.economic.create(self.path, body, idempotency_key=None)

    def update(self, key: Any, payload: Payload) -> Record:
        current = self.find(key) or {}
        return self.economic.replace(
            self.economic.resource_path(self.path, key), merged_document(current, payload)
        )


def _customer_group_account(settings: RackbeatEconomicSettings) -> Callable[[Payload], Payload]:
    def add_account(payload: Payload) -> Payload:
        account = settings.customer_invoices.account_for_customer_groups
        if account is None:
            raise MappingError(
                "e-conomic needs a debtor account for a new customer group: set "
                "settings.customer_invoices.account_for_customer_groups"
            )
        return {**payload, "account": {"accountNumber": account}}

    return add_account


def master_data_flows(
    economic: EconomicClient, rackbeat: RackbeatClient, settings: RackbeatEconomicSettings
) -> list[EntityFlow]:
    """One flow per master entity, Rackbeat → e-conomic, each able to sync a single record."""

    def flow(
        entity: str,
        resource: str,
        writer: EconomicWriter,
        mapper: Any,
        label: str,
        depends_on: tuple[str, ...] = (),
    ) -> EntityFlow:
        return EntityFlow(
            entity=entity,
            source=RACKBEAT,
            target=ECONOMIC,
            label=label,
            read=lambda: rackbeat.iter_all(resource),
            read_one=lambda key: rackbeat.find(resource, key),
            source_key=lambda record: record["number"],
            map=mapper,
            target_key=lambda payload: payload[writer.number_field],
            existing_key=lambda record: record[writer.number_field],
            find_target=writer.find,
            project=project_subset,
            create=writer.create,
            update=writer.update,
            depends_on=depends_on,
        )

    supplier_groups = SupplierGroupWriter(economic)
    return [
        flow(
            "customer_group",
            "customer-groups",
            EconomicWriter(
                economic, "customer-groups", "customerGroupNumber", _customer_group_account(settings)
            ),
            map_customer_group,
            "customer groups",
        ),
        EntityFlow(
            entity="supplier_group",
            source=RACKBEAT,
            target=ECONOMIC,
            label="supplier groups",
            read=lambda: rackbeat.iter_all("supplier-groups"),
            read_one=lambda key: rackbeat.find("supplier-groups", key),
            source_key=lambda record: record["number"],
            map=map_supplier_group,
            target_key=lambda payload: payload["number"],
            existing_key=lambda record: record["number"],
            find_target=supplier_groups.find,
            project=project_subset,
            create=supplier_groups.create,
            update=supplier_groups.update,
        ),
        flow(
            "product_group",
            "product-groups",
            EconomicWriter(economic, "product-groups", "productGroupNumber"),
            map_product_group,
            "product groups",
        ),
        flow(
            "payment_term",
            "payment-terms",
            EconomicWriter(economic, "payment-terms", "paymentTermsNumber"),
            map_payment_term,
            "payment terms",
        ),
        flow(
            "employee",
            "employees",
            EconomicWriter(economic, "employees", "employeeNumber"),
            map_employee,
            "employees",
        ),
        flow(
            "unit",
            "units",
            EconomicWriter(economic, "units", "unitNumber"),
            map_unit,
            "units",
        ),
        flow(
            "product",
            "products",
            EconomicWriter(economic, "products", "productNumber"),
            map_product,
            "products",
            ("product_group", "unit"),
        ),
        flow(
            "bom",
            "lots",
            EconomicWriter(economic, "products", "productNumber"),
            map_product,
            "BOMs",
            ("product_group", "unit"),
        ),
        flow(
            "customer",
            "customers",
            EconomicWriter(economic, "customers", "customerNumber"),
            map_customer,
            "customers",
            ("customer_group", "payment_term", "employee"),
        ),
        flow(
            "supplier",
            "suppliers",
            EconomicWriter(economic, "suppliers", "supplierNumber"),
            map_supplier,
            "suppliers",
            ("supplier_group", "payment_term"),
        ),
    ]


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
