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
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.economic.client import PRODUCT_GROUPS_PATH
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient

ECONOMIC, RACKBEAT = "economic", "rackbeat"
VAT_ZONE_NUMBERS = {"domestic": 1, "eu": 2, "abroad": 3, "domestic_exempt": 4}
PAYMENT_TERMS_TYPES = {  # Rackbeat → e-conomic (the inverse of the start-up sync's table)
    "net": "net",
    "invoice_month": "invoiceMonth",
    "current_month": "invoiceMonth",
    "paid_in_cash": "paidInCash",
    "prepaid": "prepaid",
    "due_date": "dueDate",
}


def _number_of(value: Any) -> Any:
    """Rackbeat shows references both as ``group_id: 3`` and ``group: {number: 3}``."""
    return value.get("number") if isinstance(value, dict) else value


def _ref(ctx: MapContext, entity: str, key: Any, field: str) -> dict[str, int] | None:
    return None if key in (None, "") else {field: int(ctx.ref(entity, key))}


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def vat_zone(value: Any) -> dict[str, int] | None:
    if value in (None, ""):
        return None
    if value not in VAT_ZONE_NUMBERS:
        raise MappingError(f"Rackbeat VAT zone {value!r} has no counterpart in e-conomic")
    return {"vatZoneNumber": VAT_ZONE_NUMBERS[value]}


def customer_vat_zone(record: Record, settings: RackbeatEconomicSettings) -> dict[str, int] | None:
    """The VAT zone of a customer or its invoice. With "Activate One Stop VAT", an EU private customer
    (EU zone, no CVR/VAT number) gets the e-conomic VAT zone set up for its country."""
    zone = record.get("vat_zone") or "domestic"
    invoices = settings.customer_invoices
    if invoices.one_stop_vat and zone == "eu" and not record.get("company_vat"):
        country = str(record.get("address_country") or "").strip()
        zones = {name.strip().lower(): number for name, number in invoices.one_stop_vat_zones.items()}
        if country.lower() not in zones:
            raise MappingError(
                f"One Stop VAT is on; this EU private customer lives in {country or 'an unknown country'}: "
                "add that country's e-conomic VAT zone to customer_invoices.one_stop_vat_zones"
            )
        return {"vatZoneNumber": zones[country.lower()]}
    return vat_zone(zone)


def layout_ref(settings: RackbeatEconomicSettings, rackbeat_layout: Any) -> dict[str, int] | None:
    """The e-conomic layout for a Rackbeat one: the settings' "Layouts" mapping, else the same number."""
    if rackbeat_layout in (None, ""):
        return None
    for economic_number, mapped in settings.layouts.items():
        if str(mapped) == str(rackbeat_layout):
            return {"layoutNumber": int(economic_number)}
    return {"layoutNumber": int(rackbeat_layout)}


# -- mappers -----------------------------------------------------------------------------------------
def map_customer_group(record: Record, ctx: MapContext) -> Payload:
    return {"customerGroupNumber": int(record["number"]), "name": record.get("name")}


def map_supplier_group(record: Record, ctx: MapContext) -> Payload:
    account = ctx.settings.supplier_invoices.account_for_supplier_groups
    payload: Payload = {"number": int(record["number"]), "name": record.get("name")}
    if account is not None:
        payload["accountNumber"] = account
    return payload


def map_product_group(record: Record, ctx: MapContext) -> Payload:
    return {
        "productGroupNumber": int(record["number"]),
        "name": record.get("name"),
        "inventoryEnabled": bool(record.get("has_inventory", False)),
    }


def map_payment_term(record: Record, ctx: MapContext) -> Payload:
    kind = record.get("type") or "net"
    if kind not in PAYMENT_TERMS_TYPES:
        raise MappingError(f"Rackbeat payment terms type {kind!r} has no counterpart in e-conomic")
    return {
        "paymentTermsNumber": int(record["number"]),
        "name": record.get("name"),
        "paymentTermsType": PAYMENT_TERMS_TYPES[kind],
        "daysOfCredit": int(record.get("maturity_days") or 0),
        "description": record.get("description"),
    }


def map_employee(record: Record, ctx: MapContext) -> Payload:
    return {
        "employeeNumber": int(record["number"]),
        "name": record.get("name"),
        "email": record.get("contact_email"),
        "phone": record.get("contact_phone"),
    }


def map_product(record: Record, ctx: MapContext) -> Payload:
    """Products and BOMs (a BOM is sold as a product in e-conomic)."""
    group = _number_of(record.get("group")) or record.get("group_id")
    if group is None:
        raise MappingError("the product has no product group in Rackbeat")
    cost = (
        record.get("cost_price")
        if ctx.settings.products.use_actual_cost_price
        else record.get("recommended_cost_price")
    )
    unit = _number_of(record.get("unit")) or record.get("unit_id")
    department = record.get("department_id")
    return {
        "productNumber": str(record["number"]),
        "name": record.get("name"),
        "productGroup": {"productGroupNumber": int(ctx.ref("product_group", group))},
        "salesPrice": _money(record.get("sales_price")) or Decimal("0"),
        "recommendedPrice": _money(record.get("recommended_sales_price")),
        "costPrice": _money(cost),
        "barCode": record.get("barcode"),
        "barred": bool(record.get("is_barred", False)),
        "unit": _ref(ctx, "unit", unit, "unitNumber"),
        "departmentalDistribution": (
            {"departmentalDistributionNumber": int(department)} if department not in (None, "") else None
        ),
    }


def _street(record: Record) -> str | None:
    lines = [record.get("address_street"), record.get("address_street2")]
    return "\n".join(line for line in lines if line) or None


def map_customer(record: Record, ctx: MapContext) -> Payload:
    group = record.get("customer_group_id") or _number_of(record.get("customer_group"))
    terms = record.get("payment_terms_id") or _number_of(record.get("payment_terms"))
    if terms in (None, ""):
        raise MappingError("the customer has no payment terms in Rackbeat (e-conomic requires them)")
    zone = customer_vat_zone(record, ctx.settings)
    return {
        "customerNumber": int(record["number"]),
        "name": record.get("name") or record.get("company_name"),
        "customerGroup": _ref(ctx, "customer_group", group, "customerGroupNumber"),
        "corporateIdentificationNumber": record.get("company_vat"),
        "address": _street(record),
        "zip": record.get("address_zipcode"),
        "city": record.get("address_city"),
        "country": record.get("address_country"),
        "telephoneAndFaxNumber": record.get("contact_phone"),
        "email": record.get("contact_email"),
        "paymentTerms": _ref(ctx, "payment_term", terms, "paymentTermsNumber"),
        "barred": bool(record.get("is_barred", False)),
        "vatZone": zone,
        "currency": record.get("currency") or "DKK",
        "layout": layout_ref(ctx.settings, record.get("layout_id")),
        "creditLimit": _money(record.get("max_credit")),
        "ean": record.get("ean"),
    }


def map_supplier(record: Record, ctx: MapContext) -> Payload:
    group = record.get("supplier_group_id") or _number_of(record.get("supplier_group"))
    terms = record.get("payment_terms_id") or _number_of(record.get("payment_terms"))
    if terms in (None, ""):
        raise MappingError("the supplier has no payment terms in Rackbeat (e-conomic requires them)")
    return {
        "supplierNumber": int(record["number"]),
        "name": record.get("name") or record.get("company_name"),
        "supplierGroup": _ref(ctx, "supplier_group", group, "supplierGroupNumber"),
        "corporateIdentificationNumber": record.get("company_vat"),
        "barred": bool(record.get("is_barred", False)),
        "phone": record.get("contact_phone"),
        "currency": record.get("currency") or "DKK",
        "layout": layout_ref(ctx.settings, record.get("layout_id")),
        "paymentTerms": _ref(ctx, "payment_term", terms, "paymentTermsNumber"),
        "vatZone": vat_zone(record.get("vat_zone") or "domestic"),
        "address": _street(record),
        "zip": record.get("address_zipcode"),
        "city": record.get("address_city"),
        "country": record.get("address_country"),
        "email": record.get("contact_email"),
    }


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
            lambda record, ctx: {"unitNumber": int(record["number"]), "name": record.get("name")},
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
