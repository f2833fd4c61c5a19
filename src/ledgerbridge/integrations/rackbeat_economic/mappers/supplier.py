"""Suppliers, both directions (seed 001 "Leverandørdata"; the start-up sync's "Leverandører").

Rackbeat → e-conomic — synced: number, name, group, CVR, status, phone, currency, layout, payment
terms, VAT zone (and the address and e-mail). Not synced: attention, payment type.

e-conomic → Rackbeat (start-up) — the same fields; only the primary e-mail.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.converters import nested, number_of, primary_email
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_economic.mappers.shared import (
    economic_ref,
    layout_ref,
    payment_terms_of,
    rackbeat_address,
    rackbeat_party_refs,
    rackbeat_ref,
    require_payment_terms,
    street,
    vat_zone,
)


class SupplierToEconomic(Mapper):
    """A Rackbeat supplier as e-conomic's ``/suppliers`` record."""

    direct = (
        ("number", "supplierNumber", int),
        ("company_vat", "corporateIdentificationNumber"),
        ("is_barred", "barred", bool),
        ("contact_phone", "phone"),
        ("address_zipcode", "zip"),
        ("address_city", "city"),
        ("address_country", "country"),
        ("contact_email", "email"),
    )
    ignored = ("attention", "payment_type")

    def check(self, record: Record, ctx: MapContext) -> None:
        require_payment_terms(record, "supplier")

    @mapping
    def name(self, record: Record, ctx: MapContext) -> Payload:
        return {"name": record.get("name") or record.get("company_name")}

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        group = record.get("supplier_group_id") or number_of(record.get("supplier_group"))
        return {
            "supplierGroup": economic_ref(ctx, "supplier_group", group, "supplierGroupNumber"),
            "currency": record.get("currency") or "DKK",
            "layout": layout_ref(ctx.settings, record.get("layout_id")),
            "paymentTerms": economic_ref(ctx, "payment_term", payment_terms_of(record), "paymentTermsNumber"),
            "vatZone": vat_zone(record.get("vat_zone") or "domestic"),
        }

    @mapping
    def address(self, record: Record, ctx: MapContext) -> Payload:
        return {"address": street(record)}


class SupplierToRackbeat(Mapper):
    """An e-conomic supplier as a Rackbeat supplier (start-up sync)."""

    drop_empty = True
    direct = (
        ("supplierNumber", "number"),
        ("name", "name"),
        ("corporateIdentificationNumber", "company_vat"),
        ("currency", "currency"),
        ("email", "contact_email", primary_email),
        ("phone", "contact_phone"),
        ("barred", "is_barred", bool),
    )
    ignored = ("attention", "remittanceAdvice")

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "supplier_group_id": rackbeat_ref(
                ctx, "supplier_group", nested(record, "supplierGroup", "supplierGroupNumber")
            ),
            **rackbeat_party_refs(record, ctx),
        }

    @mapping
    def address(self, record: Record, ctx: MapContext) -> Payload:
        return rackbeat_address(record)


map_supplier_to_economic = SupplierToEconomic()
map_supplier_to_rackbeat = SupplierToRackbeat()
