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
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.into_rackbeat import rackbeat_flow
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient

ECONOMIC, RACKBEAT = "economic", "rackbeat"

# e-conomic's four fixed VAT zones; the names are a fallback for agreements that renamed them.
VAT_ZONES_BY_NUMBER = {1: "domestic", 2: "eu", 3: "abroad", 4: "domestic_exempt"}
VAT_ZONES_BY_NAME = {
    "domestic": "domestic",
    "indenlandsk": "domestic",
    "eu": "eu",
    "abroad": "abroad",
    "udland": "abroad",
    "domestic exempt": "domestic_exempt",
    "indenlandsk momsfri": "domestic_exempt",
}

# e-conomic payment terms type → Rackbeat payment terms type (our sandbox's documented names).
PAYMENT_TERMS_TYPES = {
    "net": "net",
    "invoiceMonth": "invoice_month",  # "Løbende måned": end of the invoice month plus the days
    "paidInCash": "paid_in_cash",
    "prepaid": "prepaid",
    "dueDate": "due_date",
}


# -- small helpers the mappers share ---------------------------------------------------------------
def _number(record: Record, reference: str, key: str) -> Any:
    """The number inside a reference object, e.g. ``customerGroup.customerGroupNumber``."""
    value = record.get(reference)
    return value.get(key) if isinstance(value, dict) else None


def _present(payload: dict[str, Any]) -> Payload:
    """Drop absent values: e-conomic omits empty fields, and an absent field must not blank Rackbeat's."""
    return {k: v for k, v in payload.items() if v is not None and v != ""}


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def primary_email(value: str | None) -> str | None:
    """Only a customer's primary e-mail is synced: the first of a list like ``"a@x.dk; b@x.dk"``."""
    if not value:
        return None
    for separator in (";", ","):
        value = value.split(separator)[0]
    return value.strip() or None


def _address(record: Record) -> dict[str, Any]:
    return {
        "address_street": record.get("address"),
        "address_zipcode": record.get("zip"),
        "address_city": record.get("city"),
        "address_country": record.get("country"),
    }


def _vat_zone(record: Record, ctx: MapContext) -> str | None:
    number = _number(record, "vatZone", "vatZoneNumber")
    return None if number is None else ctx.lookup("vat_zone", number)


def _optional_ref(ctx: MapContext, entity: str, number: Any) -> int | None:
    return None if number is None else int(ctx.ref(entity, number))


# -- mappers: one per entity, e-conomic record → Rackbeat payload ---------------------------------
def map_group(number_key: str) -> Any:
    def mapper(record: Record, ctx: MapContext) -> Payload:
        return _present({"number": record[number_key], "name": record.get("name")})

    return mapper


def map_payment_term(record: Record, ctx: MapContext) -> Payload:
    kind = record.get("paymentTermsType", "net")
    if kind not in PAYMENT_TERMS_TYPES:
        raise MappingError(f"e-conomic payment terms type {kind!r} has no counterpart in Rackbeat")
    return _present(
        {
            "number": record["paymentTermsNumber"],
            "name": record.get("name"),
            "description": record.get("description"),
            "type": PAYMENT_TERMS_TYPES[kind],
            "maturity_days": int(record.get("daysOfCredit") or 0),
        }
    )


def map_employee(record: Record, ctx: MapContext) -> Payload:
    return _present(
        {
            "number": record["employeeNumber"],
            "name": record.get("name"),
            "contact_email": record.get("email"),
            "contact_phone": record.get("phone"),
        }
    )


def map_product_group(record: Record, ctx: MapContext) -> Payload:
    # The seed: product groups are always transferred with inventory enabled (users switch it off).
    return _present(
        {"number": record["productGroupNumber"], "name": record.get("name"), "has_inventory": True}
    )


def map_product(record: Record, ctx: MapContext) -> Payload:
    group = _number(record, "productGroup", "productGroupNumber")
    if group is None:
        raise MappingError("the product has no product group in e-conomic")
    return _present(
        {
            "number": str(record["productNumber"]),
            "name": record.get("name"),
            "group": int(ctx.ref("product_group", group)),
            "description": record.get("description"),
            "sales_price": _money(record.get("salesPrice")) or Decimal("0"),
            "recommended_sales_price": _money(record.get("recommendedPrice")),
            "recommended_cost_price": _money(record.get("costPrice")),  # "forventet kostpris"
            "barcode": record.get("barCode"),
            "unit_id": _optional_ref(ctx, "unit", _number(record, "unit", "unitNumber")),
        }
    )


def map_customer(record: Record, ctx: MapContext) -> Payload:
    group = _number(record, "customerGroup", "customerGroupNumber")
    return _present(
        {
            "number": record["customerNumber"],
            "name": record.get("name"),
            "customer_group_id": _optional_ref(ctx, "customer_group", group),
            "company_vat": record.get("corporateIdentificationNumber") or record.get("vatNumber"),
            "ean": record.get("ean"),
            "currency": record.get("currency"),
            "vat_zone": _vat_zone(record, ctx),
            "payment_terms_id": _optional_ref(
                ctx, "payment_term", _number(record, "paymentTerms", "paymentTermsNumber")
            ),
            "layout_id": _optional_ref(ctx, "layout", _number(record, "layout", "layoutNumber")),
            "employee_id": _optional_ref(ctx, "employee", _number(record, "salesPerson", "employeeNumber")),
            "max_credit": _money(record.get("creditLimit")),
            "contact_email": primary_email(record.get("email")),
            "contact_phone": record.get("telephoneAndFaxNumber") or record.get("mobilePhone"),
            "is_barred": bool(record.get("barred", False)),
            **_address(record),
        }
    )


def map_supplier(record: Record, ctx: MapContext) -> Payload:
    group = _number(record, "supplierGroup", "supplierGroupNumber")
    return _present(
        {
            "number": record["supplierNumber"],
            "name": record.get("name"),
            "supplier_group_id": _optional_ref(ctx, "supplier_group", group),
            "company_vat": record.get("corporateIdentificationNumber"),
            "currency": record.get("currency"),
            "vat_zone": _vat_zone(record, ctx),
            "payment_terms_id": _optional_ref(
                ctx, "payment_term", _number(record, "paymentTerms", "paymentTermsNumber")
            ),
            "layout_id": _optional_ref(ctx, "layout", _number(record, "layout", "layoutNumber")),
            "contact_email": primary_email(record.get("email")),
            "contact_phone": record.get("phone"),
            "is_barred": bool(record.get("barred", False)),
            **_address(record),
        }
    )


def map_company(record: Record, ctx: MapContext) -> Payload:
    """Company information, from 'Virksomhed' in e-conomic's master data (``/self``)."""
    company = record.get("company") or {}
    return _present(
        {
            "name": company.get("name"),
            "address_street": company.get("addressLine1"),
            "address_street2": company.get("addressLine2"),
            "address_zipcode": company.get("zip"),
            "address_city": company.get("city"),
            "address_country": company.get("country"),
            "phone": company.get("phoneNumber"),
            "email": company.get("email"),
            "website": company.get("website"),
            "company_identification_number": company.get("companyIdentificationNumber"),
            "vat_number": company.get("vatNumber"),
            "attention": company.get("attention"),
        }
    )


def bank_key(account: Record) -> str:
    return f"{account.get('reg_number') or ''}-{account.get('account_number') or ''}"


def map_bank_account(record: Record, ctx: MapContext) -> Payload:
    """Bank information, from 'Øvrige oplysninger' (``/self``): the one account; no further ones."""
    bank = record.get("bankInformation") or {}
    return _present(
        {
            "name": bank.get("bankName") or "Bank account",
            "bank_name": bank.get("bankName"),
            "reg_number": bank.get("bankSortCode"),
            "account_number": bank.get("bankAccountNumber"),
            "is_default": True,
        }
    )


# -- projections: a Rackbeat record seen in payload shape (for comparing field by field) ----------
def _ref_number(value: Any) -> Any:
    return value.get("number") if isinstance(value, dict) else value


def project_product(current: Record, payload: Payload) -> Payload:
    view = {k: current.get(k) for k in payload}
    view["group"] = (
        _ref_number(current.get("group")) if current.get("group") is not None else current.get("group_id")
    )
    if "unit_id" in payload:
        view["unit_id"] = current.get("unit_id") or _ref_number(current.get("unit"))
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
    by_name = VAT_ZONES_BY_NAME.get(str(zone.get("name", "")).strip().lower())
    return by_name or VAT_ZONES_BY_NUMBER.get(zone["vatZoneNumber"])


def _update_bank_account(rackbeat: RackbeatClient, key: str, payload: Payload) -> Record:
    for account in rackbeat.iter_all("bank-accounts"):
        if bank_key(account) == key:
            return rackbeat.update("bank-accounts", account["id"], payload)
    raise MappingError(f"bank account {key} disappeared from Rackbeat during the sync")
