"""Customers, both directions (seed 004 C31–C45; the spec's customer field tables).

Severa → eEkonomi: number, name, "Företag" (``IsPrivatePerson`` false), the VAT number in both of
eEkonomi's fields, the first billing address (else the main one) with its phone, the company's e-mail and
web site, the billing address's first contact with its e-mail / phone / mobile, the terms of payment, the
currency (with currency handling only) and active. Not synced: further addresses and contacts (eEkonomi
has one of each) and the Severa fields listed in ``ignored``.

eEkonomi → Severa: number (numeric only, C31), a name Severa does not give another customer (C32),
active, e-mail, web site, VAT number (else organisation number, A9), payment term days; the invoice
address as the billing address and the contact person split at the first space (A14).
"""

from __future__ import annotations

import re
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, number_key

NAME_LIMIT = 50
LINE_LIMIT = 50
# Severa customer fields eEkonomi's customer has no place for (not in the seed's field table).
SEVERA_ONLY = (
    "kvkNumber",
    "notes",
    "overdueInterest",
    "invoicingVat",
    "language",
    "owner",
    "industry",
    "invoiceTemplate",
    "pricelist",
    "timezone",
    "eInvoiceAddress",
    "eInvoiceOperator",
    "numberOfEmployees",
    "annualRevenue",
)


def text(value: Any) -> str:
    return str(value or "")


def or_none(value: Any) -> Any:
    """An empty value is no value (eEkonomi and Severa both read "" as set)."""
    return value or None


def address_lines(text: str | None) -> tuple[str | None, str | None]:
    """C36/A10: line 1, and every further line on line 2."""
    lines = [line.strip() for line in re.split(r"\r?\n", text or "") if line.strip()]
    if not lines:
        return None, None
    second = ", ".join(lines[1:]) or None
    if second is not None and len(second) > LINE_LIMIT:
        raise MappingError(
            f"the address has {len(lines)} lines; gathered on eEkonomi's second line they are "
            f"{len(second)} characters, more than its {LINE_LIMIT}: shorten the address in Severa"
        )
    return lines[0][:LINE_LIMIT], second


def communication(contact: Record, kind: str, lookups: Lookups) -> str | None:
    """C42: the contact's first e-mail, phone or mobile (by the communication type's kind)."""
    for row in contact.get("_communications") or []:
        type_guid = (row.get("communicationType") or {}).get("guid")
        if lookups.communication_types.get(str(type_guid)) == kind:
            return str(row.get("value")) if row.get("value") else None
    return None


def split_name(name: str | None) -> tuple[str, str] | None:
    """C41/A14: first and last name split at the first space; no space: last name "-"."""
    text = (name or "").strip()
    if not text:
        return None
    first, _, last = text.partition(" ")
    return first, (last.strip() or "-")


class CustomerToEAccounting(Mapper):
    """A Severa customer, read with its chosen address (``_address``) and that address's first contact
    (``_contact``), as eEkonomi's ``/customers`` record."""

    direct = (
        ("number", "CustomerNumber", str),  # C6
        ("name", "Name", text),  # C32
        ("isActive", "IsActive", bool),  # C45
        ("vatNumber", "CorporateIdentityNumber", or_none),  # C34: the same value in both
        ("vatNumber", "VatNumber", or_none),
        ("email", "EmailAddress", or_none),  # C39: the company's e-mail
        ("website", "WwwAddress", or_none),  # C40
    )
    ignored = SEVERA_ONLY

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def check(self, record: Record, ctx: MapContext) -> None:
        if record.get("number") is None:
            raise MappingError("the Severa customer has no number; eEkonomi needs the same number (C6)")
        name = text(record.get("name"))
        if len(name) > NAME_LIMIT:
            raise MappingError(f"the name is {len(name)} characters; eEkonomi allows {NAME_LIMIT}")
        address = record.get("_address")
        if address is None:
            raise MappingError(
                "the customer has no billing or main address in Severa; eEkonomi needs postal code and city"
            )
        if not address.get("postalCode") or not address.get("city"):
            raise MappingError(
                "the customer's address has no postal code or city in Severa; eEkonomi needs both"
            )

    @mapping
    def company(self, record: Record, ctx: MapContext) -> Payload:
        return {"IsPrivatePerson": False}  # C33: "Företag"

    @mapping
    def address(self, record: Record, ctx: MapContext) -> Payload:
        """C35–C38: the chosen address's lines, postal code, city, country and phone."""
        address = record["_address"]
        line1, line2 = address_lines(address.get("addressline"))
        country = self.lookups.countries.get(str((address.get("country") or {}).get("guid")), {})
        return {
            "InvoiceAddress1": line1,
            "InvoiceAddress2": line2,
            "InvoicePostalCode": str(address["postalCode"])[:10],
            "InvoiceCity": str(address["city"])[:50],
            "InvoiceCountryCode": country.get("code2") or None,
            "Telephone": address.get("phone") or None,  # C38: from the address
        }

    @mapping
    def terms(self, record: Record, ctx: MapContext) -> Payload:
        return {"TermsOfPaymentId": self.lookups.terms_id(record.get("paymentTerm"))}  # C43

    @mapping
    def contact(self, record: Record, ctx: MapContext) -> Payload:
        """C41, C42: the billing address's first contact."""
        contact = record.get("_contact")
        if contact is None:
            return {}
        first, last = contact.get("firstName") or "", contact.get("lastName") or ""
        return {
            "ContactPersonName": contact.get("name") or f"{first} {last}".strip(),
            "ContactPersonEmail": communication(contact, "EmailAddress", self.lookups),
            "ContactPersonPhone": communication(contact, "Phone", self.lookups),
            "ContactPersonMobile": communication(contact, "MobilePhone", self.lookups),
        }

    @mapping
    def currency(self, record: Record, ctx: MapContext) -> Payload:
        if not self.lookups.settings.customers.transfer_currency:  # C44/A13: currency handling only
            return {}
        return {"CurrencyCode": (record.get("currency") or {}).get("code")}


class CustomerToSevera(Mapper):
    """An eEkonomi customer as a Severa customer, with its billing address (``_address``) and contact
    (``_contact``) for the writer to create or update alongside."""

    direct = (
        ("EmailAddress", "email", or_none),
        ("WwwAddress", "website", or_none),
    )
    # eEkonomi fields Severa's customer is not given (the seed's table names none of them).
    ignored = ("DeliveryAddress1", "DeliveryCity", "Note", "DiscountPercentage")

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def check(self, record: Record, ctx: MapContext) -> None:
        number = text(record.get("CustomerNumber")).strip()
        if not number.isdigit():
            raise MappingError(
                f"customer number {number!r} is not numeric; Severa takes numeric customer numbers only (C31)"
            )
        name = text(record.get("Name")).strip()
        same_name = self.lookups.severa.customers.by_name(name)
        clash = [c for c in same_name if number_key(c.get("number")) != str(int(number))]
        if clash and len(clash) == len(same_name):  # a name Severa already gives this customer is no clash
            raise MappingError(
                f"Severa already has a customer named {name!r} (number {clash[0].get('number')}); "
                "customer names must be unique in Severa (C32)"
            )

    @mapping
    def identity(self, record: Record, ctx: MapContext) -> Payload:
        """C31: the number without leading zeros; C32: the name; A9: VAT number, else organisation number."""
        return {
            "number": int(text(record.get("CustomerNumber")).strip()),
            "name": text(record.get("Name")).strip(),
            "isActive": bool(record.get("IsActive", True)),
            "vatNumber": record.get("VatNumber") or record.get("CorporateIdentityNumber") or None,
        }

    @mapping
    def terms(self, record: Record, ctx: MapContext) -> Payload:
        return {"paymentTerm": self.lookups.term_days(record.get("TermsOfPaymentId"))}

    @mapping
    def address(self, record: Record, ctx: MapContext) -> Payload:
        """A10: the two invoice address lines on separate lines of Severa's one address text."""
        lines = (record.get("InvoiceAddress1"), record.get("InvoiceAddress2"))
        return {
            "_address": {
                "addressline": "\n".join(x for x in lines if x),
                "postalCode": record.get("InvoicePostalCode"),
                "city": record.get("InvoiceCity"),
                "country": record.get("InvoiceCountryCode") or "SE",
                "phone": record.get("Telephone") or None,
            }
        }

    @mapping
    def contact(self, record: Record, ctx: MapContext) -> Payload:
        """C41/A14: the contact person split at the first space; C42: e-mail, phone, mobile."""
        names = split_name(record.get("ContactPersonName"))
        if names is None:
            return {"_contact": None}
        return {
            "_contact": {
                "firstName": names[0],
                "lastName": names[1],
                "email": record.get("ContactPersonEmail") or None,
                "phone": record.get("ContactPersonPhone") or None,
                "mobile": record.get("ContactPersonMobile") or None,
            }
        }
