"""Customers, both ways (seed 004 C5, C6, C14, C31–C45).

Two flows run in one register: the master's flow writes every active customer (new ones and updates,
with the conflict report on), then the other side's flow brings over only customers that are bound to
nothing yet (new ones). So a customer is created once either way and afterwards only updated from the
master (A4). Bindings: ``customer`` (Severa number → eEkonomi number) and ``customer_to_severa``
(eEkonomi number → Severa number); both sides' keys are the number without leading zeros (C31).

Readings: a Severa customer without a number is refused (A7); the "first billing address" is the first
``isBillingAddress`` address by creation time, else the head-quarter address (A11); address lines after
the first are joined with ", " on line 2 and a line 2 longer than 50 is refused, not cut (A10); a contact
name without a space becomes first name = the name, last name "-" (A14); internal customers are never
sent (A6).

The field mapping, both directions, is ``mappers/customer.py``; this module reads, compares and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Stream
from ledgerbridge.integrations.severa_eaccounting.lookups import (
    Lookups,
    Record,
    Source,
    number_key,
)
from ledgerbridge.integrations.severa_eaccounting.mappers.customer import (
    CustomerToEAccounting,
    CustomerToSevera,
    communication,
)
from ledgerbridge.integrations.severa_eaccounting.register_streams import RegisterStream, master_first

SEVERA, EACCOUNTING = "severa", "eaccounting"


# -- Severa → eEkonomi --------------------------------------------------------------------------------
def billing_address(addresses: list[Record], headquarter_guid: str | None) -> Record | None:
    """C35/A11: the first billing address, else the main (head-quarter) address."""
    ordered = sorted(addresses, key=lambda a: str(a.get("createdDateTime") or ""))
    billing = next((a for a in ordered if a.get("isBillingAddress")), None)
    if billing is not None:
        return billing
    return next((a for a in ordered if str(a.get("guid")) == str(headquarter_guid)), None) or (
        ordered[0] if ordered and headquarter_guid is None else None
    )


class SeveraCustomers:
    """Severa customers with what the eEkonomi customer needs from their addresses and contacts."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.severa = lookups.severa

    def read(self, bound: Callable[[], set[str]], only_unbound: bool) -> Iterable[Record]:
        keys = bound()
        wanted = []
        for customer in self.severa.customers.search():
            if customer.get("isInternal"):
                continue  # A6: the organisation's own customer is not invoiced
            key = number_key(customer.get("number"))
            if only_unbound and key in keys:
                continue
            if not customer.get("isActive") and key not in keys:
                continue  # C45: only active customers; an inactive bound one is deactivated
            wanted.append(customer)
        if not wanted:
            return
        # Addresses, contacts and their phone numbers and e-mails as three lists read once (a few pages),
        # rather than three reads per customer.
        addresses: dict[str, list[Record]] = {}
        for address in self.severa.addresses.search():
            owner = (address.get("customer") or {}).get("guid")
            addresses.setdefault(str(owner), []).append(address)
        contacts = {str(c["guid"]): c for c in self.severa.contact_persons.search()}
        communications: dict[str, list[Record]] = {}
        for row in self.severa.contact_communications.search():
            owner = (row.get("contact") or {}).get("guid")
            communications.setdefault(str(owner), []).append(row)
        for customer in wanted:
            yield self.enrich(customer, addresses.get(str(customer["guid"]), []), contacts, communications)

    def all_enriched(self) -> Iterable[Record]:
        """Every customer with its billing address and first contact (the eEkonomi-master compare, A15)."""
        addresses: dict[str, list[Record]] = {}
        for address in self.severa.addresses.search():
            addresses.setdefault(str((address.get("customer") or {}).get("guid")), []).append(address)
        contacts = {str(c["guid"]): c for c in self.severa.contact_persons.search()}
        communications: dict[str, list[Record]] = {}
        for row in self.severa.contact_communications.search():
            communications.setdefault(str((row.get("contact") or {}).get("guid")), []).append(row)
        for customer in self.severa.customers.search():
            yield self.enrich(customer, addresses.get(str(customer["guid"]), []), contacts, communications)

    def enrich(
        self,
        customer: Record,
        addresses: list[Record],
        contacts: dict[str, Record],
        communications: dict[str, list[Record]],
    ) -> Record:
        head = (customer.get("headquarterAddress") or {}).get("guid")
        address = billing_address(addresses, head)
        contact = None
        if address is not None:
            first = next(iter(address.get("contacts") or []), None)
            if first is not None and str(first["guid"]) in contacts:
                contact = dict(contacts[str(first["guid"])])
                contact["_communications"] = communications.get(str(first["guid"]), [])
        return {**customer, "_address": address, "_contact": contact}

    def find(self, number: str) -> Record | None:
        found = self.severa.customers.by_number(int(number)) if number.isdigit() else None
        return found

    def all(self) -> Iterable[Record]:
        return self.severa.customers.search()


class EAccountingCustomers:
    """eEkonomi customers keyed by number as matched; an update is PUT over what eEkonomi has."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def all(self) -> Iterable[Record]:
        return self.lookups.customers.values()

    def find(self, number: str) -> Record | None:
        return self.lookups.customers.get(number_key(number))

    def create(self, payload: dict[str, Any]) -> Record:
        created: Record = self.lookups.eaccounting.create("customers", payload)
        self.lookups.customers[number_key(created.get("CustomerNumber"))] = created
        return created

    def update(self, number: str, payload: dict[str, Any]) -> Record:
        current = self.find(number)
        if current is None:
            raise MappingError(f"customer {number} disappeared from eEkonomi")
        body = {k: v for k, v in current.items() if v is not None}
        body.update(payload)
        body["CustomerNumber"] = current.get("CustomerNumber")  # "01234" stays "01234"
        updated: Record = self.lookups.eaccounting.replace(f"customers/{current['Id']}", body)
        self.lookups.customers[number_key(number)] = updated
        return updated


def project_eaccounting(current: Source, payload: dict[str, Any]) -> dict[str, Any]:
    view = {k: current.get(k) for k in payload}
    view["CustomerNumber"] = number_key(current.get("CustomerNumber"))
    if "CustomerNumber" in payload:
        payload_number = number_key(payload["CustomerNumber"])
        if payload_number == view["CustomerNumber"]:
            view["CustomerNumber"] = payload["CustomerNumber"]
    return {k: (v if v != "" else None) for k, v in view.items()}


# -- eEkonomi → Severa --------------------------------------------------------------------------------
CUSTOMER_FIELDS = ("number", "name", "isActive", "email", "website", "vatNumber", "paymentTerm")


class SeveraCustomerWriter:
    """Creates a Severa customer with its billing address and contact (C41); updates its own fields and
    the billing address in place (A15)."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.severa = lookups.severa

    def create(self, payload: dict[str, Any]) -> Record:
        fields = {k: payload[k] for k in CUSTOMER_FIELDS if payload.get(k) is not None}
        customer = self.severa.customers.create(fields)
        guid = str(customer["guid"])
        address = self._address_body(payload["_address"])
        created = self.severa.customers.add_address(
            guid, {**address, "isBillingAddress": True, "isPostalAddress": True}
        )
        self.severa.customers.update(guid, {"/headquarterAddress/guid": created["guid"]})
        contact = payload.get("_contact")
        if contact:
            self._add_contact(guid, str(created["guid"]), contact)
        return customer

    def update(self, number: str, payload: dict[str, Any]) -> Record:
        current = self.severa.customers.by_number(int(number))
        if current is None:
            raise MappingError(f"customer {number} disappeared from Severa")
        guid = str(current["guid"])
        changes = {f"/{k}": payload.get(k) for k in CUSTOMER_FIELDS if k != "number"}
        updated = self.severa.customers.update(guid, changes)
        billing = billing_address(
            self.severa.customers.addresses(guid), (current.get("headquarterAddress") or {}).get("guid")
        )
        body = self._address_body(payload["_address"])
        if billing is not None:
            self.severa.addresses.update(
                str(billing["guid"]),
                {f"/{k}": v for k, v in body.items() if k != "country"}
                | {"/country/guid": body["country"]["guid"]},
            )
            contact = payload.get("_contact")
            first = next(iter(billing.get("contacts") or []), None)
            if contact and first is None:
                self._add_contact(guid, str(billing["guid"]), contact)
            elif contact and first is not None:
                self._update_contact(str(first["guid"]), contact)
        return updated

    def _update_contact(self, contact_guid: str, contact: dict[str, Any]) -> None:
        """A15: the billing address's first contact takes eEkonomi's name, e-mail, phone and mobile."""
        self.severa.contact_persons.update(
            contact_guid, {"/firstName": contact["firstName"], "/lastName": contact["lastName"]}
        )
        rows = self.severa.contact_communications.for_contact(contact_guid)
        for kind, key in (("EmailAddress", "email"), ("Phone", "phone"), ("MobilePhone", "mobile")):
            type_guid = self.lookups.communication_type(kind)
            value = contact.get(key)
            row = next((r for r in rows if (r.get("communicationType") or {}).get("guid") == type_guid), None)
            if row is not None and value and row.get("value") != value:
                self.severa.contact_communications.update(str(row["guid"]), {"/value": value})
            elif row is None and value and type_guid:
                self.severa.contact_communications.create(
                    {
                        "value": value,
                        "contact": {"guid": contact_guid},
                        "communicationType": {"guid": type_guid},
                    }
                )

    def _address_body(self, address: dict[str, Any]) -> dict[str, Any]:
        country = self.lookups.country_guid(address.get("country"))
        if country is None:
            raise MappingError(f"Severa has no country {address.get('country')!r}")
        return {
            "addressline": address.get("addressline") or "",
            "postalCode": address.get("postalCode"),
            "city": address.get("city"),
            "phone": address.get("phone"),
            "country": {"guid": country},
        }

    def _add_contact(self, customer_guid: str, address_guid: str, contact: dict[str, Any]) -> None:
        person = self.severa.contact_persons.create(
            {
                "firstName": contact["firstName"],
                "lastName": contact["lastName"],
                "customer": {"guid": customer_guid},
                "addressGuid": address_guid,
            }
        )
        for kind, key in (("EmailAddress", "email"), ("Phone", "phone"), ("MobilePhone", "mobile")):
            type_guid = self.lookups.communication_type(kind)
            if contact.get(key) and type_guid:
                self.severa.contact_communications.create(
                    {
                        "value": contact[key],
                        "contact": {"guid": person["guid"]},
                        "communicationType": {"guid": type_guid},
                    }
                )


def severa_view(lookups: Lookups) -> Callable[[Source, dict[str, Any]], dict[str, Any]]:
    """A Severa customer seen as our payload: its fields, and (read with them) its billing address and first
    contact in the payload's shape, so an eEkonomi master's change to either is seen and written (A15)."""

    def project(current: Source, payload: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {k: current.get(k) for k in payload if not k.startswith("_")}
        view.update({k: payload[k] for k in payload if k.startswith("_")})
        address = current.get("_address")
        if address is not None:
            country = lookups.countries.get(str((address.get("country") or {}).get("guid")), {})
            view["_address"] = {
                "addressline": address.get("addressline") or "",
                "postalCode": address.get("postalCode"),
                "city": address.get("city"),
                "country": country.get("code2"),
                "phone": address.get("phone") or None,
            }
        contact = current.get("_contact")
        wanted = payload.get("_contact")
        if wanted is not None and "_address" in current:
            # Only what eEkonomi says is compared: a contact or a number it leaves empty is never removed
            # from Severa, so it is no difference either.
            seen = {
                "firstName": (contact or {}).get("firstName"),
                "lastName": (contact or {}).get("lastName"),
                "email": communication(contact, "EmailAddress", lookups) if contact else None,
                "phone": communication(contact, "Phone", lookups) if contact else None,
                "mobile": communication(contact, "MobilePhone", lookups) if contact else None,
            }
            view["_contact"] = {k: (seen[k] if wanted.get(k) is not None else None) for k in wanted}
        return view

    return project


class CustomersToBooks(RegisterStream):
    """Severa customers → eEkonomi customers, keyed by customer number."""

    entity = "customer"
    source = SEVERA
    target = EACCOUNTING
    label = "customers Severa → eEkonomi"
    register = "customers"

    def open(self, lookups: Lookups) -> None:
        self.severa = SeveraCustomers(lookups)
        self.books = EAccountingCustomers(lookups)
        self.mapper = CustomerToEAccounting(lookups)

    def records(self) -> Iterable[Source]:
        return self.severa.read(self.bound_in_severa, only_unbound=not self.is_master)

    def source_key(self, record: Source, /) -> Any:
        return number_key(record.get("number")) or f"(no number) {record.get('name')}"

    def map(self, record: Source, ctx: MapContext, /) -> dict[str, Any]:
        return self.mapper.map(record, ctx)

    def target_key(self, payload: dict[str, Any], /) -> Any:
        return number_key(payload["CustomerNumber"])

    def existing_key(self, record: Source, /) -> Any:
        return number_key(record.get("CustomerNumber"))

    def targets(self) -> Iterable[Source]:
        return self.books.all()

    def compare(self, current: Source, payload: dict[str, Any]) -> dict[str, Any]:
        return project_eaccounting(current, payload)

    def create(self, payload: dict[str, Any], /) -> Record:
        return self.books.create(payload)

    def update(self, key: Any, payload: dict[str, Any], /) -> Record:
        return self.books.update(key, payload)


class CustomersToSevera(RegisterStream):
    """eEkonomi customers → Severa customers, keyed by customer number."""

    entity = "customer_to_severa"
    source = EACCOUNTING
    target = SEVERA
    label = "customers eEkonomi → Severa"
    register = "customers"

    def open(self, lookups: Lookups) -> None:
        self.severa = SeveraCustomers(lookups)
        self.writer = SeveraCustomerWriter(lookups)
        self.mapper = CustomerToSevera(lookups)
        self.view = severa_view(lookups)

    def records(self) -> Iterable[Source]:
        keys = self.bound_in_eaccounting()
        for record in self.lookups.eaccounting.iter_collection("customers"):
            key = number_key(record.get("CustomerNumber"))
            if not self.is_master and key in keys:
                continue
            if not record.get("IsActive", True) and key not in keys:
                continue  # C45
            yield record

    def source_key(self, record: Source, /) -> Any:
        return number_key(record.get("CustomerNumber")) or str(record.get("Id"))

    def map(self, record: Source, ctx: MapContext, /) -> dict[str, Any]:
        return self.mapper.map(record, ctx)

    def target_key(self, payload: dict[str, Any], /) -> Any:
        return str(payload["number"])

    def existing_key(self, record: Source, /) -> Any:
        return number_key(record.get("number"))

    def targets(self) -> Iterable[Source]:
        return self.severa.all_enriched() if self.is_master else self.severa.all()

    def compare(self, current: Source, payload: dict[str, Any]) -> dict[str, Any]:
        return self.view(current, payload)

    def create(self, payload: dict[str, Any], /) -> Record:
        return self.writer.create(payload)

    def update(self, key: Any, payload: dict[str, Any], /) -> Record:
        return self.writer.update(key, payload)


def customer_flows(
    lookups: Lookups,
    bound: Callable[[], set[str]],
    bound_in_eaccounting: Callable[[], set[str]],
    other_only: Callable[[str], set[str]] = lambda side: set(),
) -> list[Stream]:
    """The register's streams, the master's first (C14). ``other_only(side)``: that side's keys bound by the
    other direction's stream only (see :class:`~.lookups.FirstSight`)."""
    return master_first(
        CustomersToBooks(lookups, bound, bound_in_eaccounting, other_only),
        CustomersToSevera(lookups, bound, bound_in_eaccounting, other_only),
    )
