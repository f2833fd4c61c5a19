"""What several Rackbeat ↔ eAccounting mappers need: eAccounting's references, Rackbeat's numbers, and
the party (customer or supplier) fields both directions share."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import vat_zone_for_country
from ledgerbridge.integrations.mapping import Mapper, mapping


class EAccountingRefs(Protocol):
    """eAccounting's ids for Rackbeat's references (the settings' mappings, bindings, same names)."""

    def coding_for_group(self, group: Any) -> Record: ...

    def unit_id(self, unit: Any) -> str: ...

    def terms_id(self, payment_terms_id: Any) -> str: ...

    def label_id(self, name: str) -> str | None: ...


class RackbeatNumbering(Protocol):
    """Numbers for Rackbeat records eAccounting keys by GUID (matched by name)."""

    def number_for(self, name: str) -> int: ...


def active(barred: Any) -> bool:
    """eAccounting's ``IsActive`` from Rackbeat's ``is_barred``."""
    return not barred


def rackbeat_ref(ctx: MapContext, entity: str, key: Any) -> int | None:
    """The Rackbeat number bound to an eAccounting id (None for no reference)."""
    return int(ctx.ref(entity, key)) if key else None


def whole_number(value: Any, what: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise MappingError(f"{what} number {text!r} is not a whole number; Rackbeat numbers them with digits")
    return int(text)


def vat_identity(value: Any) -> dict[str, str]:
    """A VAT number starts with its country code (SE556677889901); anything else is an org. number."""
    text = str(value or "").strip()
    if not text:
        return {}
    if text[:2].isalpha():
        return {"VatNumber": text[:20]}
    return {"CorporateIdentityNumber": text[:20]}


class PartyToRackbeat(Mapper):
    """An eAccounting customer or supplier as Rackbeat has them. eAccounting calls a customer's address
    fields ``InvoiceAddress1``, ``InvoiceCity``…, a supplier's ``Address1``, ``City``…"""

    kind: ClassVar[str]
    address_prefix: ClassVar[str]
    drop_empty = True
    direct = (
        ("Name", "name"),
        # Only the primary address: "endast en kunds primära e-post överförs".
        ("EmailAddress", "contact_email"),
    )
    # Seed 000, "Vad är det vi inte synkroniserar": contacts, delivery addresses, language, special
    # prices and discounts, and any e-mail but the primary one.
    ignored = (
        "ContactPersonName",
        "ContactPersonEmail",
        "ContactPersonPhone",
        "DeliveryAddress1",
        "DeliveryPostalCode",
        "DeliveryCity",
        "SalesDocumentLanguage",
        "PurchaseDocumentLanguage",
        "DiscountPercentage",
        "SalesPriceListId",
        "EmailAddressOrder",
        "EmailAddressQuote",
        "EmailAddresses",
    )

    @mapping
    def number(self, record: Record, ctx: MapContext) -> Payload:
        number = whole_number(record.get(f"{self.kind.capitalize()}Number"), self.kind)
        return {"number": number}

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        country = record.get(f"{self.address_prefix}CountryCode")
        home = str(ctx.lookup("company", "CountryCode") or "SE")
        return {
            f"{self.kind}_group_id": rackbeat_ref(ctx, f"{self.kind}_group", "default"),
            "company_vat": record.get("VatNumber") or record.get("CorporateIdentityNumber"),
            "currency": record.get("CurrencyCode") or ctx.lookup("company", "CurrencyCode"),
            "vat_zone": vat_zone_for_country(country, home),
            "payment_terms_id": rackbeat_ref(ctx, "payment_term", record.get("TermsOfPaymentId")),
        }

    @mapping
    def contact_and_address(self, record: Record, ctx: MapContext) -> Payload:
        prefix = self.address_prefix
        return {
            "contact_phone": record.get("Telephone") or record.get("MobilePhone"),
            "is_barred": not record.get("IsActive", True),
            "address_street": record.get(f"{prefix}Address1"),
            "address_street2": record.get(f"{prefix}Address2"),
            "address_zipcode": record.get(f"{prefix}PostalCode"),
            "address_city": record.get(f"{prefix}City"),
            "address_country": record.get(f"{prefix}CountryCode"),
        }
