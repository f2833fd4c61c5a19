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
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.into_rackbeat import rackbeat_flow
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import NotFoundError
from ledgerbridge.systems.rackbeat import RackbeatClient

EACCOUNTING, RACKBEAT = "eaccounting", "rackbeat"

EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

# eAccounting TermsOfPaymentTypeId → Rackbeat payment terms type
PAYMENT_TERMS_TYPES = {
    0: "net",  # Normal
    1: "current_month",  # CurrentMonth
    2: "paid_in_cash",  # Cash
    3: "prepaid",  # CardPayment
    4: "prepaid",  # DigitalWallet
    5: "prepaid",  # PaymentServiceProvider
}


def present(values: dict[str, Any]) -> Payload:
    return {k: v for k, v in values.items() if v is not None and v != ""}


def money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def vat_zone(country: str | None, home_country: str) -> str:
    """Rackbeat's VAT zone from a country code: at home, elsewhere in the EU, or abroad."""
    code = (country or home_country or "").upper()
    if not code or code == home_country.upper():
        return "domestic"
    return "eu" if code in EU_COUNTRIES else "abroad"


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


def _ref_int(ctx: MapContext, entity: str, key: Any) -> int | None:
    return int(ctx.ref(entity, key)) if key else None


def _whole_number(value: Any, what: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise MappingError(f"{what} number {text!r} is not a whole number; Rackbeat numbers them with digits")
    return int(text)


# -- mappers --------------------------------------------------------------------------------------------
def map_product_group(numbers: RackbeatNumbers) -> Callable[[Record, MapContext], Payload]:
    def mapper(record: Record, ctx: MapContext) -> Payload:
        # Like the e-conomic integration: groups arrive with inventory on; switch it off where needed.
        name = str(record.get("Name") or "").strip()
        if not name:
            raise MappingError("the account coding has no name")
        return {"number": numbers.number_for(name), "name": name, "has_inventory": True}

    return mapper


def map_named(numbers: RackbeatNumbers, field: str = "Name") -> Callable[[Record, MapContext], Payload]:
    def mapper(record: Record, ctx: MapContext) -> Payload:
        name = str(record.get(field) or "").strip()
        if not name:
            raise MappingError(f"the record has no {field}")
        return {"number": numbers.number_for(name), "name": name}

    return mapper


def map_payment_term(numbers: RackbeatNumbers) -> Callable[[Record, MapContext], Payload]:
    def mapper(record: Record, ctx: MapContext) -> Payload:
        name = str(record.get("Name") or "").strip()
        return {
            "number": numbers.number_for(name),
            "name": name,
            "type": PAYMENT_TERMS_TYPES.get(int(record.get("TermsOfPaymentTypeId") or 0), "net"),
            "maturity_days": int(record.get("NumberOfDays") or 0),
        }

    return mapper


def map_product(record: Record, ctx: MapContext) -> Payload:
    if not record.get("CodingId"):
        raise MappingError("the article has no account coding in eAccounting")
    barcodes = record.get("Barcodes") or []
    barcode = barcodes[0].get("Barcode") if barcodes and isinstance(barcodes[0], dict) else None
    return present(
        {
            "number": str(record["Number"]),
            "name": record.get("Name"),
            "group": _ref_int(ctx, "product_group", record.get("CodingId")),
            "sales_price": money(record.get("NetPrice")) or Decimal("0"),
            "recommended_cost_price": money(record.get("PurchasePrice")),
            "barcode": barcode,
            "unit_id": _ref_int(ctx, "unit", record.get("UnitId")),
            "is_barred": not record.get("IsActive", True),
        }
    )


def _party(record: Record, ctx: MapContext, kind: str, address_prefix: str) -> Payload:
    """A customer or supplier as Rackbeat has them; eAccounting calls a customer's address fields
    ``InvoiceAddress1``, ``InvoiceCity``…, a supplier's ``Address1``, ``City``…"""

    def address(field: str) -> Any:
        return record.get(f"{address_prefix}{field}")

    country = address("CountryCode")
    return present(
        {
            "number": _whole_number(record.get(f"{kind.capitalize()}Number"), kind),
            "name": record.get("Name"),
            f"{kind}_group_id": _ref_int(ctx, f"{kind}_group", "default"),
            "company_vat": record.get("VatNumber") or record.get("CorporateIdentityNumber"),
            "currency": record.get("CurrencyCode") or ctx.lookup("company", "CurrencyCode"),
            "vat_zone": vat_zone(country, str(ctx.lookup("company", "CountryCode") or "SE")),
            "payment_terms_id": _ref_int(ctx, "payment_term", record.get("TermsOfPaymentId")),
            # Only the primary address: "endast en kunds primära e-post överförs".
            "contact_email": record.get("EmailAddress"),
            "contact_phone": record.get("Telephone") or record.get("MobilePhone"),
            "is_barred": not record.get("IsActive", True),
            "address_street": address("Address1"),
            "address_street2": address("Address2"),
            "address_zipcode": address("PostalCode"),
            "address_city": address("City"),
            "address_country": country,
        }
    )


def map_customer(record: Record, ctx: MapContext) -> Payload:
    return _party(record, ctx, "customer", "Invoice")


def map_supplier(record: Record, ctx: MapContext) -> Payload:
    return _party(record, ctx, "supplier", "")


def _ref_number(value: Any) -> Any:
    return value.get("number") if isinstance(value, dict) else value


def project_product(current: Record, payload: Payload) -> Payload:
    """A Rackbeat product in payload shape (its group and unit come back as objects)."""
    view = {k: current.get(k) for k in payload}
    view["group"] = _ref_number(current.get("group")) or current.get("group_id")
    if "unit_id" in payload:
        view["unit_id"] = current.get("unit_id") or _ref_number(current.get("unit"))
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
