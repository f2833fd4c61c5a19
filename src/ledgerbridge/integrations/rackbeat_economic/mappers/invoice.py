"""Customer invoices, Rackbeat → e-conomic draft invoice (seed 001 "Kundefaktura"; seed 003 "Customer
invoices").

Synced: invoice date, customer (group and name come with it), heading, note, amounts, city, VAT zone, ATT,
EAN, billing and delivery address (street 1 and 2, postcode, city), your / our / other reference, project
number, layout. Not synced: delivery terms, language, custom fields, delivery date, the delivery address's
e-mail and phone, weight.

Lines (:class:`InvoiceLineToEconomic`): with "Use actual quantity" Rackbeat's quantity and unit price,
otherwise quantity 1 at the line amount. e-conomic takes two decimals on both, so where Rackbeat has more
the line amount is kept exact (to the øre) and any remainder goes on a rounding line.

Our reference: ``notes.textLine2`` carries "Rackbeat invoice N" (:func:`our_reference`): e-conomic keeps
a draft's notes on the booked invoice and filters both by it, and the seed gives the user's own texts the
heading (Overskrift), text line 1 (Note) and ``references.other`` (Øvrig reference) only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.base_currencies import rate_for_ledger
from ledgerbridge.integrations.converters import ECONOMIC_VAT_ZONE_NUMBERS, number_of
from ledgerbridge.integrations.invoice_math import split_line
from ledgerbridge.integrations.mapping import LineMapper, Mapper, mapping
from ledgerbridge.integrations.rackbeat_economic.mappers.shared import (
    customer_vat_zone,
    layout_ref,
    payment_terms_of,
)
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings

ROUNDING_TEXT = "Afrunding"
DOMESTIC = {"vatZoneNumber": ECONOMIC_VAT_ZONE_NUMBERS["domestic"]}


class InvoiceRefs(Protocol):
    """What an invoice needs from e-conomic beyond the bindings (``ctx.ref``)."""

    def contact(self, customer_number: int, name: str) -> int:
        """The customer's contact person of that name (created when missing)."""
        ...

    def customer_terms(self, customer_number: int) -> dict[str, int] | None:
        """The customer's payment terms, for an invoice without terms of its own."""
        ...

    def customer_layout(self, customer_number: int) -> dict[str, int] | None:
        """The customer's layout (else its group's, else the first one)."""
        ...

    def base_currency(self) -> str:
        """The e-conomic agreement's base currency."""
        ...

    def source_base_currency(self) -> str | None:
        """The Rackbeat company's base currency (its rates are per 100 in it); None: not known."""
        ...


def our_reference(invoice: Record) -> str:
    """The text on the e-conomic invoice that says which Rackbeat invoice it is (as eAccounting's)."""
    return f"Rackbeat invoice {invoice['number']}"


def _text(value: Any) -> str:
    return str(value or "")


def _currency(value: Any) -> str:
    return str(value or "DKK")


def _none_if_empty(value: Any) -> Any:
    return value or None


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _customer(record: Record) -> Any:
    return record.get("customer_id") or number_of(record.get("customer"))


def _customer_number(record: Record, ctx: MapContext) -> int:
    return int(ctx.ref("customer", _customer(record)))


def _sales_person(record: Record) -> Any:
    """The employee number of the invoice's "our reference", if it names one."""
    our = record.get("our_reference")
    return our.get("number") if isinstance(our, dict) else None


def master_refs(invoice: Record) -> list[tuple[str, Any]]:
    """The bound Rackbeat records this mapper asks ``ctx.ref`` for, as ``(entity, number)``: a transfer
    reads their bindings together before mapping (``MasterRefs.prefetch``)."""
    return [  # (prefetch skips an empty number)
        ("customer", _customer(invoice)),
        ("payment_term", payment_terms_of(invoice)),
        ("employee", _sales_person(invoice)),
    ]


def _street(first: Any, second: Any) -> str | None:
    return "\n".join(x for x in (first, second) if x) or None


class InvoiceLineToEconomic(LineMapper):
    """A Rackbeat invoice line as e-conomic lines whose amounts add up to Rackbeat's line total exactly."""

    direct = (("name", "description", _text),)

    @mapping
    def product(self, record: Record, ctx: MapContext) -> Payload:
        child = record.get("child_id")
        return {"product": {"productNumber": str(child)}} if child else {}

    @mapping
    def unit(self, record: Record, ctx: MapContext) -> Payload:
        unit = record.get("unit_id")
        return {"unit": {"unitNumber": int(unit)}} if unit else {}

    def expand(self, line: Record, ctx: MapContext) -> list[Payload]:
        settings: RackbeatEconomicSettings = ctx.settings
        base = self.map(line, ctx)
        lines: list[Payload] = []
        for part in split_line(line, actual_quantity=settings.customer_invoices.use_actual_quantity):
            values = {
                "quantity": part.quantity,
                "unitNetPrice": part.unit_price,
                "discountPercentage": part.discount,
            }
            if part.is_rounding:
                rounding = f"{ROUNDING_TEXT} ({line.get('name') or ''})".strip()
                lines.append({"description": rounding, **values})
            else:
                lines.append({**base, **values})
        return lines


class InvoiceToEconomic(Mapper):
    """A booked Rackbeat customer invoice as e-conomic's draft invoice (``POST /invoices/drafts``)."""

    direct = (
        ("invoice_date", "date"),
        ("currency", "currency", _currency),
    )
    ignored = (
        "delivery_terms",
        "locale",
        "custom_fields",
        "delivery_date",
        "delivery_address_email",
        "delivery_address_phone",
        "weight",
    )
    lines_mapper = InvoiceLineToEconomic()

    def __init__(self, refs: InvoiceRefs) -> None:
        self.refs = refs

    def check(self, record: Record, ctx: MapContext) -> None:
        if _customer(record) in (None, ""):
            raise MappingError("the invoice has no customer")

    @mapping
    def customer(self, record: Record, ctx: MapContext) -> Payload:
        return {"customer": {"customerNumber": _customer_number(record, ctx)}}

    @mapping
    def recipient(self, record: Record, ctx: MapContext) -> Payload:
        """Name, billing address, EAN and VAT zone; ATT as the customer's contact person."""
        zone = customer_vat_zone(record, ctx.settings)
        exempt = ctx.settings.customer_invoices.exempt_vat_zone
        if exempt is not None and zone == DOMESTIC and _all_vat_free(record):
            zone = {"vatZoneNumber": exempt}  # VAT mapping: a wholly VAT-free domestic invoice
        customer = _customer_number(record, ctx)
        recipient: Payload = {
            "name": record.get("address_name")
            or (record.get("customer") or {}).get("name")
            or str(_customer(record)),
            "address": _street(record.get("address_street"), record.get("address_street2")),
            "zip": record.get("address_zipcode"),
            "city": record.get("address_city"),
            "country": record.get("address_country"),
            "ean": record.get("ean") or None,
            "vatZone": zone,
        }
        if record.get("attention"):
            contact = self.refs.contact(customer, record["attention"])
            recipient["attention"] = {"customerContactNumber": contact}
        return {"recipient": _without_none(recipient)}

    @mapping
    def payment_terms(self, record: Record, ctx: MapContext) -> Payload:
        """The invoice's terms; a booked invoice cannot be edited, so without any it takes the customer's."""
        terms = payment_terms_of(record)
        if terms not in (None, ""):
            return {"paymentTerms": {"paymentTermsNumber": int(ctx.ref("payment_term", terms))}}
        customers = self.refs.customer_terms(_customer_number(record, ctx))
        if customers is None:
            raise MappingError("neither the invoice nor its customer has payment terms")
        return {"paymentTerms": customers}

    @mapping
    def layout(self, record: Record, ctx: MapContext) -> Payload:
        layout = layout_ref(ctx.settings, record.get("layout_id"))
        return {"layout": layout or self.refs.customer_layout(_customer_number(record, ctx))}

    @mapping
    def notes(self, record: Record, ctx: MapContext) -> Payload:
        """Heading and note; text line 2 is ours (:func:`our_reference`)."""
        notes = {
            "heading": record.get("heading") or None,
            "textLine1": record.get("note") or None,
            "textLine2": our_reference(record),
        }
        return {"notes": _without_none(notes)}

    @mapping
    def references(self, record: Record, ctx: MapContext) -> Payload:
        """Other reference as it is; our reference as the sales person; their reference as a contact."""
        references: Payload = {"other": _none_if_empty(record.get("other_reference"))}
        sales_person = _sales_person(record)
        if sales_person is not None:
            references["salesPerson"] = {"employeeNumber": int(ctx.ref("employee", sales_person))}
        if record.get("their_reference"):
            contact = self.refs.contact(_customer_number(record, ctx), record["their_reference"])
            references["customerContact"] = {"customerContactNumber": contact}
        return {"references": _without_none(references)}

    @mapping
    def lines(self, record: Record, ctx: MapContext) -> Payload:
        lines = [payload for _, payload in self.lines_mapper.map_lines(record.get("lines"), ctx)]
        for number, line in enumerate(lines, start=1):
            line["lineNumber"] = number
            line["sortKey"] = number
        return {"lines": lines}

    @mapping
    def delivery(self, record: Record, ctx: MapContext) -> Payload:
        delivery = {
            "address": _street(record.get("delivery_address_street"), record.get("delivery_address_street2")),
            "zip": record.get("delivery_address_zipcode"),
            "city": record.get("delivery_address_city"),
            "country": record.get("delivery_address_country"),
        }
        return {"delivery": _without_none(delivery)} if any(delivery.values()) else {}

    @mapping
    def exchange_rate(self, record: Record, ctx: MapContext) -> Payload:
        """Rackbeat's rate (per 100) for an invoice in another currency than the agreement's, only as
        e-conomic must read it (``base_currencies.rate_for_ledger``): none for Rackbeat's own base
        currency (e-conomic converts it), none where Rackbeat's rate is per 100 of another base currency
        (the guard then holds the draft with the reason, ``invoice_guard``)."""
        use = rate_for_ledger(
            _currency(record.get("currency")),
            record.get("currency_rate"),
            ledger_base=self.refs.base_currency(),
            source_base=self.refs.source_base_currency(),
            ledger_name="e-conomic",
        )
        return {"exchangeRate": use.rate} if use.rate is not None and use.rate != 100 else {}

    @mapping
    def project(self, record: Record, ctx: MapContext) -> Payload:
        project = str(record.get("project") or "").strip()
        return {"project": {"projectNumber": int(project)}} if project.isdigit() else {}


class _LinesContext:
    """The context an invoice's lines need on their own: the settings (lines resolve no references)."""

    def __init__(self, settings: RackbeatEconomicSettings) -> None:
        self.settings = settings

    def ref(self, entity: str, source_key: Any) -> str:
        raise MappingError(f"an invoice line resolves no {entity} ({source_key})")

    def lookup(self, name: str, key: Any) -> Any:
        raise MappingError(f"an invoice line looks up no {name} ({key})")


def invoice_lines(invoice: Record, settings: RackbeatEconomicSettings) -> list[tuple[int, Payload]]:
    """The e-conomic lines of an invoice, each with the position (1-based) of the Rackbeat line it comes
    from (a Rackbeat line can become a line and its rounding line): the invoice guard's line owners."""
    return InvoiceToEconomic.lines_mapper.map_lines(invoice.get("lines"), _LinesContext(settings))


def _all_vat_free(invoice: Record) -> bool:
    lines = invoice.get("lines") or []
    return bool(lines) and all(Decimal(str(x.get("vat_percentage") or 0)) == 0 for x in lines)
