"""Customers, both directions (seed 002 "Customer settings"; seeds 000/002 start-up "Kunder").

Rackbeat → eAccounting: number kept; name, status, payment terms (the "Payment terms mapping"), invoice
address, country, e-mail, phone, currency, VAT or organisation number, and the label of the customer's
group. eAccounting requires a postal code and a city.

eAccounting → Rackbeat (start-up): number kept; the one customer group named in the settings; VAT zone
from the country. Not brought over (seed 000): contacts, delivery addresses, language, and any e-mail
but the primary one.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import country_code
from ledgerbridge.integrations.mapping import Mapper, mapping, only_create
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.shared import (
    EAccountingRefs,
    PartyToRackbeat,
    active,
    vat_identity,
)


def _postal_code(value: object) -> str:
    return str(value)[:10]


class CustomerToEAccounting(Mapper):
    """A Rackbeat customer as eAccounting's ``/customers`` record."""

    drop_empty = True
    direct = (
        ("number", "CustomerNumber", str),
        ("is_barred", "IsActive", active),
        ("address_street", "InvoiceAddress1"),
        ("address_street2", "InvoiceAddress2"),
        ("address_zipcode", "InvoicePostalCode", _postal_code),
        ("address_city", "InvoiceCity"),
        ("address_country", "InvoiceCountryCode", country_code),
        ("contact_email", "EmailAddress"),
        ("contact_phone", "Telephone"),
        ("currency", "CurrencyCode"),
    )
    ignored = ("max_credit", "layout_id", "employee_id", "delivery_address_street")

    def __init__(self, refs: EAccountingRefs) -> None:
        self.refs = refs

    def check(self, record: Record, ctx: MapContext) -> None:
        if not record.get("address_zipcode") or not record.get("address_city"):
            raise MappingError(
                "eAccounting requires a postal code and a city on every customer: fill in the customer's "
                "address in Rackbeat"
            )

    @mapping
    def name(self, record: Record, ctx: MapContext) -> Payload:
        return {"Name": str(record.get("name") or "")[:50]}

    @mapping
    def terms(self, record: Record, ctx: MapContext) -> Payload:
        return {"TermsOfPaymentId": self.refs.terms_id(record.get("payment_terms_id"))}

    @mapping
    def group_label(self, record: Record, ctx: MapContext) -> Payload:
        """The label of the customer's group (synced first when new), as eAccounting's ``[{Id}]``."""
        group = record.get("customer_group_id") or (record.get("customer_group") or {}).get("number")
        if not group:
            return {}
        label = self.refs.label_id(ctx.ref("customer_label", group))
        return {"CustomerLabels": [{"Id": label}] if label else None}

    @mapping
    def vat_identity(self, record: Record, ctx: MapContext) -> Payload:
        return vat_identity(record.get("company_vat"))

    @only_create
    def private_person(self, record: Record, ctx: MapContext) -> Payload:
        """Rackbeat cannot say "private person": a new customer is a company, an existing one keeps what
        eAccounting says (it decides VAT for EU buyers, so an update never flips it)."""
        return {"IsPrivatePerson": False}


class CustomerToRackbeat(PartyToRackbeat):
    """An eAccounting customer as a Rackbeat customer (start-up sync, and eAccounting as master)."""

    kind = "customer"
    address_prefix = "Invoice"
