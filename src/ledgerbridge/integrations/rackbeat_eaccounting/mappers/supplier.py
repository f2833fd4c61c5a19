"""Suppliers, both directions (seed 000: suppliers go both ways; start-up "Leverantörer").

Rackbeat → eAccounting: number kept; name, status, payment terms, address, country, e-mail, phone,
currency, VAT or organisation number. eAccounting has no supplier groups.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.converters import country_code
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.shared import (
    EAccountingRefs,
    PartyToRackbeat,
    active,
    vat_identity,
)


class SupplierToEAccounting(Mapper):
    """A Rackbeat supplier as eAccounting's ``/suppliers`` record."""

    drop_empty = True
    direct = (
        ("number", "SupplierNumber", str),
        ("is_barred", "IsActive", active),
        ("address_street", "Address1"),
        ("address_street2", "Address2"),
        ("address_zipcode", "PostalCode"),
        ("address_city", "City"),
        ("address_country", "CountryCode", country_code),
        ("contact_email", "EmailAddress"),
        ("contact_phone", "Telephone"),
        ("currency", "CurrencyCode"),
    )
    ignored = ("supplier_group_id", "layout_id")

    def __init__(self, refs: EAccountingRefs) -> None:
        self.refs = refs

    @mapping
    def name(self, record: Record, ctx: MapContext) -> Payload:
        return {"Name": str(record.get("name") or "")[:50]}

    @mapping
    def terms(self, record: Record, ctx: MapContext) -> Payload:
        return {"TermsOfPaymentId": self.refs.terms_id(record.get("payment_terms_id"))}

    @mapping
    def vat_identity(self, record: Record, ctx: MapContext) -> Payload:
        return vat_identity(record.get("company_vat"))


class SupplierToRackbeat(PartyToRackbeat):
    """An eAccounting supplier as a Rackbeat supplier (start-up sync)."""

    kind = "supplier"
    address_prefix = ""
