"""Customers, both directions (seed 001 "Kundedata"; the start-up sync's "Kunder").

Rackbeat → e-conomic — synced: number, name, group, CVR, billing address, address, postcode, city,
country, phone, payment terms, status, VAT zone, currency, layout, credit max, EAN (contact persons and
delivery addresses follow a customer update: see ``realtime``). Not synced: delivery terms, the delivery
address's e-mail and phone, language, the quote/order/invoice e-mail addresses, custom fields.

e-conomic → Rackbeat (start-up) — the same fields; only the customer's primary e-mail; not contact
persons, delivery addresses (locations), language, currency prices or special prices.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.converters import money, nested, number_of, primary_email
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_economic.mappers.shared import (
    customer_vat_zone,
    economic_ref,
    layout_ref,
    payment_terms_of,
    rackbeat_address,
    rackbeat_party_refs,
    rackbeat_ref,
    require_payment_terms,
    street,
)


class CustomerToEconomic(Mapper):
    """A Rackbeat customer as e-conomic's ``/customers`` record."""

    direct = (
        ("number", "customerNumber", int),
        ("company_vat", "corporateIdentificationNumber"),
        ("address_zipcode", "zip"),
        ("address_city", "city"),
        ("address_country", "country"),
        ("contact_phone", "telephoneAndFaxNumber"),
        ("contact_email", "email"),
        ("is_barred", "barred", bool),
        ("max_credit", "creditLimit", money),
        ("ean", "ean"),
    )
    ignored = (
        "delivery_terms",
        "delivery_address_email",
        "delivery_address_phone",
        "locale",
        "quote_email",
        "order_email",
        "invoice_email",
        "custom_fields",
    )

    def check(self, record: Record, ctx: MapContext) -> None:
        require_payment_terms(record, "customer")

    @mapping
    def vat_zone(self, record: Record, ctx: MapContext) -> Payload:
        return {"vatZone": customer_vat_zone(record, ctx.settings)}

    @mapping
    def name(self, record: Record, ctx: MapContext) -> Payload:
        return {"name": record.get("name") or record.get("company_name")}

    @mapping
    def group(self, record: Record, ctx: MapContext) -> Payload:
        group = record.get("customer_group_id") or number_of(record.get("customer_group"))
        return {"customerGroup": economic_ref(ctx, "customer_group", group, "customerGroupNumber")}

    @mapping
    def address(self, record: Record, ctx: MapContext) -> Payload:
        return {"address": street(record)}

    @mapping
    def payment_terms(self, record: Record, ctx: MapContext) -> Payload:
        terms = payment_terms_of(record)
        return {"paymentTerms": economic_ref(ctx, "payment_term", terms, "paymentTermsNumber")}

    @mapping
    def currency_and_layout(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "currency": record.get("currency") or "DKK",
            "layout": layout_ref(ctx.settings, record.get("layout_id")),
        }


class CustomerToRackbeat(Mapper):
    """An e-conomic customer as a Rackbeat customer (start-up sync, and e-conomic as master)."""

    drop_empty = True  # e-conomic omits empty fields; an absent one must not blank Rackbeat's
    direct = (
        ("customerNumber", "number"),
        ("name", "name"),
        ("ean", "ean"),
        ("currency", "currency"),
        ("creditLimit", "max_credit", money),
        ("email", "contact_email", primary_email),
        ("barred", "is_barred", bool),
    )
    ignored = ("language", "customerContact", "deliveryLocations", "attention", "priceGroup")

    @mapping
    def company_vat(self, record: Record, ctx: MapContext) -> Payload:
        return {"company_vat": record.get("corporateIdentificationNumber") or record.get("vatNumber")}

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "customer_group_id": rackbeat_ref(
                ctx, "customer_group", nested(record, "customerGroup", "customerGroupNumber")
            ),
            **rackbeat_party_refs(record, ctx),
            "employee_id": rackbeat_ref(ctx, "employee", nested(record, "salesPerson", "employeeNumber")),
        }

    @mapping
    def contact(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "contact_phone": record.get("telephoneAndFaxNumber") or record.get("mobilePhone"),
            **rackbeat_address(record),
        }


map_customer_to_economic = CustomerToEconomic()
map_customer_to_rackbeat = CustomerToRackbeat()
