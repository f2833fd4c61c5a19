"""Rackbeat → eAccounting master data, as records change in Rackbeat (seed 002 "Product settings",
"Customer settings", "Payment terms mapping"; seed 000's list of what goes to eEkonomi).

- products and BOMs (lots) → articles: number kept; account coding from the product group; unit by
  binding or name; gross price from the coding's VAT rate; barred → inactive.
- customers → customers, suppliers → suppliers: number kept; terms by the payment terms mapping.
- payment terms → terms of payment, product groups → account codings: matched, never written
  (eAccounting's API only reads them).
- customer groups → customer labels (eAccounting's way of grouping customers; the label of the
  customer's group is set on the customer, other labels stay).
- supplier groups, employees: eAccounting has no counterpart.

eAccounting's PUT replaces the whole record (fields left out are cleared), so an update reads the
current record and writes it back with our fields changed: fields only eAccounting has survive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record, ResourceStream, Stream
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.customer import CustomerToEAccounting
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.groups import CustomerGroupToEAccounting
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.product import ProductToEAccounting
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.supplier import SupplierToEAccounting
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings
from ledgerbridge.integrations.rackbeat_eaccounting.startup import EACCOUNTING, EAccountingReads
from ledgerbridge.integrations.resource_streams import FromRackbeat
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient

PIECE_UNITS = ("st", "stk", "pcs", "styck", "stykk")


def _norm(text: Any) -> str:
    return str(text or "").strip().lower()


class EAccountingCatalog:
    """eAccounting's lists the mappers look things up in (codings, units, terms of payment, labels), read
    once and read again when something is not found, at most once a minute per list (``refresh_after``)."""

    def __init__(
        self, eaccounting: EAccountingClient, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.eaccounting = eaccounting
        self._clock = clock
        self._lists: dict[str, list[Record]] = {}
        self._read_at: dict[str, float] = {}
        self._rates: dict[tuple[str, str, str], Decimal | None] = {}

    def records(self, path: str, *, fresh: bool = False) -> list[Record]:
        if fresh or path not in self._lists:
            self._lists[path] = list(self.eaccounting.iter_collection(path))
            self._read_at[path] = self._clock()
        return self._lists[path]

    def first(
        self,
        path: str,
        candidates: Iterable[Any],
        fields: tuple[str, ...] = ("Id", "Name"),
        *,
        refresh_after: float = 60.0,
    ) -> Record | None:
        """The record matching the first candidate that matches (by id, name or another of ``fields``).

        Candidates are taken one by one, so a costly one (a lookup elsewhere) is only made when the cheaper
        ones before it found nothing. A miss reads the list again if it is older than ``refresh_after``.
        """
        for wanted in candidates:
            if not wanted:
                continue
            found = self._match(self.records(path), wanted, fields)
            if found is None and self._clock() - self._read_at.get(path, 0.0) >= refresh_after:
                found = self._match(self.records(path, fresh=True), wanted, fields)
            if found is not None:
                return found
        return None

    @staticmethod
    def _match(records: list[Record], wanted: Any, fields: tuple[str, ...]) -> Record | None:
        return next((r for r in records if any(_norm(r.get(f)) == _norm(wanted) for f in fields)), None)

    def company(self) -> Record:
        """eAccounting's company settings (country, currency, default terms), read once."""
        if "companysettings" not in self._lists:
            self._lists["companysettings"] = [self.eaccounting.get("companysettings") or {}]
        return self._lists["companysettings"][0]

    def by_id(self, path: str, record_id: Any) -> Record | None:
        return self.first(path, [record_id], ("Id",))

    def exchange_rate(self, source: str, target: str, day: Any) -> Decimal | None:
        """eAccounting's rate, ``target`` per unit of ``source`` on ``day`` (``/currencies/exchangerate``),
        read once per pair and day; None when eAccounting has none (answers 400 or 404)."""
        key = (source.upper(), target.upper(), str(day or "")[:10])
        if key not in self._rates:
            params = {"sourceCurrencyCode": key[0], "targetCurrencyCode": key[1]}
            if key[2]:
                params["date"] = key[2]
            try:
                rate = (self.eaccounting.get("currencies/exchangerate", params) or {}).get("Rate")
            except (NotFoundError, ValidationError):
                rate = None
            self._rates[key] = Decimal(str(rate)) if rate not in (None, "", 0) else None
        return self._rates[key]


class MasterMapper:
    """The Rackbeat → eAccounting mappers (``mappers/``), and what they resolve: codings, units, terms of
    payment and customer labels."""

    def __init__(
        self,
        catalog: EAccountingCatalog,
        rackbeat: RackbeatClient,
        settings: RackbeatEAccountingSettings,
        bound: Callable[[str, str], str | None],
    ) -> None:
        self.catalog = catalog
        self.rackbeat = rackbeat
        self.settings = settings
        self.bound = bound  # (entity, Rackbeat key) → eAccounting key from the bindings, or None
        self.article = ProductToEAccounting(self)
        self.customer_label = CustomerGroupToEAccounting()
        self.customer = CustomerToEAccounting(self)
        self.supplier = SupplierToEAccounting(self)

    def _rackbeat_name(self, resource: str, number: str) -> str | None:
        """The name of a Rackbeat record (matched by name when nothing else says), None if it is gone."""
        if not number:
            return None
        try:
            return self.rackbeat.get(resource, number).get("name")
        except NotFoundError:
            return None

    # -- references ----------------------------------------------------------------------------------------
    def coding_for_group(self, group: Any) -> Record:
        """The account coding of a Rackbeat product group: the settings' choice, the coding the group came
        from in the start-up sync, a coding of the same name, or the default coding."""
        number = str(group.get("number") if isinstance(group, dict) else group or "")
        products = self.settings.products

        def candidates() -> Iterator[Any]:
            yield products.coding_for_product_groups.get(number)
            yield self.bound("product_group", number) if number else None
            yield self._rackbeat_name("product-groups", number)
            yield products.default_coding

        coding = self.catalog.first("articleaccountcodings", candidates())
        if coding is None:
            raise MappingError(
                f"product group {number or '(none)'} has no eAccounting account coding: choose one under "
                "Product settings (products.coding_for_product_groups or products.default_coding)"
            )
        return coding

    def unit_id(self, unit: Any) -> str:
        number = str(unit.get("number") if isinstance(unit, dict) else unit or "")

        def candidates() -> Iterator[Any]:
            yield self.bound("unit", number) if number else None
            yield self._rackbeat_name("units", number)
            # Then the default unit, then eAccounting's "piece" (st/stk/pcs) for products without one.
            yield self.settings.products.default_unit
            yield from PIECE_UNITS

        found = self.catalog.first("units", candidates(), ("Id", "Name", "Abbreviation", "Code"))
        if found is None:
            raise MappingError(
                f"Rackbeat unit {number or '(none)'} matches no eAccounting unit: name it as in eAccounting "
                "or set products.default_unit"
            )
        return str(found["Id"])

    def terms_id(
        self, payment_terms_id: Any, *, bound: Callable[[str, str], str | None] | None = None
    ) -> str:
        """'Payment terms mapping': the settings' choice, the start-up binding, the same name, the default.
        ``bound`` reads the binding instead of :attr:`bound` (a document's refs, which prefetched it)."""
        number = str(payment_terms_id or "")
        invoices = self.settings.invoices
        binding = bound or self.bound

        def candidates() -> Iterator[Any]:
            yield invoices.payment_terms_mapping.get(number) if number else None
            yield binding("payment_term", number) if number else None
            yield self._rackbeat_name("payment-terms", number)
            # Then the default of the settings, then the eAccounting company's own default terms.
            yield invoices.default_payment_terms
            yield self.catalog.company().get("TermsOfPaymentId")

        found = self.catalog.first("termsofpayments", candidates(), ("Id", "Name", "NameEnglish"))
        if found is None:
            raise MappingError(
                f"Rackbeat payment terms {number or '(none)'} match no eAccounting terms of payment: map "
                "them under 'Payment terms mapping' (invoices.payment_terms_mapping) or set a default"
            )
        return str(found["Id"])

    def label_id(self, name: str) -> str | None:
        """The customer label of this name; it may have been made a moment ago (by this sync), so a miss
        always looks again."""
        label = self.catalog.first("customerlabels", [name], ("Name",), refresh_after=0)
        return str(label["Id"]) if label else None


class EAccountingRecords:
    """Create and update one eAccounting collection keyed by a number field (PUT read-modify-write)."""

    def __init__(self, eaccounting: EAccountingClient, path: str, number_field: str) -> None:
        self.eaccounting = eaccounting
        self.path = path
        self.number_field = number_field
        self.reads = EAccountingReads(eaccounting)

    def find(self, number: Any) -> Record | None:
        return self.reads.by_number(self.path, self.number_field, number)

    def all(self) -> Iterable[Record]:
        return self.eaccounting.iter_collection(self.path)

    def create(self, payload: Payload) -> Record:
        return self.eaccounting.create(self.path, payload)

    def update(self, number: Any, payload: Payload) -> Record:
        current = self.find(number)
        if current is None:
            raise MappingError(f"{self.path} {number} disappeared from eAccounting")
        # PUT replaces the whole record: send what eAccounting has, with our fields changed.
        body = {k: v for k, v in current.items() if v is not None}
        body.update(payload)
        if "CustomerLabels" in payload:
            # Our label joins the labels the customer has in eAccounting; none is taken away.
            kept = [{"Id": str(label["Id"])} for label in current.get("CustomerLabels") or []]
            body["CustomerLabels"] = kept + [x for x in payload["CustomerLabels"] if x not in kept]
        return self.eaccounting.replace(f"{self.path}/{current['Id']}", body)


def project_subset(current: Record, payload: Payload) -> Payload:
    """An eAccounting record seen in payload shape (only the fields we send)."""
    view = {k: current.get(k) for k in payload}
    for key, value in view.items():
        if isinstance(payload.get(key), Decimal) and value is not None:
            view[key] = Decimal(str(value))
    if "CustomerLabels" in payload:
        # "Has our label" is what we ask of eAccounting; labels of its own do not count as a change.
        have = {str(label.get("Id")) for label in current.get("CustomerLabels") or []}
        view["CustomerLabels"] = [x for x in payload["CustomerLabels"] if x["Id"] in have]
    if "Barcodes" in payload:
        view["Barcodes"] = [
            {"Barcode": b.get("Barcode"), "BarcodeType": b.get("BarcodeType", 0)}
            for b in current.get("Barcodes") or []
        ]
    return view


# -- the streams: Rackbeat → eAccounting, one per master entity ----------------------------------------------
class ToEAccounting(FromRackbeat, ResourceStream):
    """A Rackbeat resource → an eAccounting collection (``path``) keyed by ``target_field``
    (:class:`EAccountingRecords`); the mapper comes from the :class:`MasterMapper` the stream is built
    with."""

    target = EACCOUNTING
    path: str  # eAccounting's

    def __init__(
        self, eaccounting: EAccountingClient, rackbeat: RackbeatClient, mapper: MasterMapper
    ) -> None:
        self.rackbeat = rackbeat
        self.writes = EAccountingRecords(eaccounting, self.path, self.target_field)
        self.mapper = mapper

    def project(self, current: Record, payload: Payload, /) -> Payload:
        return project_subset(current, payload)


class Products(ToEAccounting):
    entity = "product"
    resource = "products"
    path = "articles"
    target_field = "Number"
    label = "products"

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return self.mapper.article(record, ctx)


class Boms(Products):
    entity = "bom"
    resource = "lots"
    label = "BOMs (structure articles)"


class CustomerLabels(ToEAccounting):
    entity = "customer_label"
    resource = "customer-groups"
    path = "customerlabels"
    target_field = "Name"
    label = "customer groups (customer labels)"

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return self.mapper.customer_label(record, ctx)


class Customers(ToEAccounting):
    entity = "customer"
    resource = path = "customers"
    target_field = "CustomerNumber"
    label = "customers"

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return self.mapper.customer.map(record, ctx, for_create=False)

    def map_for(self, record: Record, ctx: MapContext, /, *, for_create: bool) -> Payload:
        # A new customer is also a company (the mapper's @only_create IsPrivatePerson).
        return self.mapper.customer.map(record, ctx, for_create=for_create)


class Suppliers(ToEAccounting):
    entity = "supplier"
    resource = path = "suppliers"
    target_field = "SupplierNumber"
    label = "suppliers"

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return self.mapper.supplier(record, ctx)


def master_data_flows(
    eaccounting: EAccountingClient,
    rackbeat: RackbeatClient,
    mapper: MasterMapper,
    settings: RackbeatEAccountingSettings,
) -> list[Stream]:
    """The Rackbeat → eAccounting streams the settings switch on."""
    streams: list[type[ToEAccounting]] = []
    if settings.products.sync != "off":
        streams += [Products, Boms]
    if settings.customers.sync != "off":
        streams += [CustomerLabels, Customers]
    if settings.customers.suppliers:
        streams.append(Suppliers)
    return [stream(eaccounting, rackbeat, mapper) for stream in streams]
