"""Customer invoices, Rackbeat → an eAccounting customer invoice draft (seed 002 "Invoice settings"; seed
000: "Kundfakturor (kan överföras antingen som utkast eller bokförda)").

Synced: the customer, invoice date, due date, payment terms (the "Payment terms mapping"), your and our
reference, the delivery address, and the lines (:class:`InvoiceRowToEAccounting`): the article, text,
quantity, unit price and discount. With "Use the exact quantity" the quantity is Rackbeat's; eAccounting
keeps 2 decimals on drafts, so a line with more is rounded and a rounding row keeps the line total exact.
Every invoice carries ``ContractNumber = "Rackbeat invoice N"`` (:func:`invoice_marker`): it is how an
earlier attempt is found before anything is sent again. A credit note (negative total) is a credit
invoice. Not carried over: the fields in ``ignored`` (the seeds name no invoice fields for eAccounting,
and its draft has no place for these).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import document_marker, money_or_zero, number_of
from ledgerbridge.integrations.invoice_math import split_line
from ledgerbridge.integrations.mapping import LineMapper, Mapper, mapping
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings

ROUNDING_TEXT = "Avrundning"


class InvoiceRefs(Protocol):
    """eAccounting's ids for an invoice's references (each synced first when new)."""

    def customer_id(self, number: Any) -> str:
        """The eAccounting customer of a Rackbeat customer number."""
        ...

    def article_id(self, item: Any, line: Record) -> str:
        """The eAccounting article of a line's item (the VAT codings mapping may pick another)."""
        ...

    def terms_id(self, payment_terms_id: Any) -> str:
        """The eAccounting terms of payment for Rackbeat's (the "Payment terms mapping")."""
        ...


def invoice_marker(number: Any) -> str:
    return document_marker("Rackbeat", "invoice", number)


def day(value: Any) -> str | None:
    """eAccounting's date (``YYYY-MM-DD``) from Rackbeat's date or date-time; none stays None."""
    return str(value)[:10] if value else None


def _is_credit(total: Any) -> bool:
    return money_or_zero(total) < 0


def _item(line: Record) -> Any:
    return line.get("child_id") or number_of(line.get("item"))


class InvoiceRowToEAccounting(LineMapper):
    """A Rackbeat invoice line as eAccounting rows on its article (a rounding row where one is needed)."""

    def __init__(self, refs: InvoiceRefs) -> None:
        self.refs = refs

    def check(self, record: Record, ctx: MapContext) -> None:
        if not _item(record):
            raise MappingError(
                f"line '{record.get('name')}' has no product; eAccounting books invoice rows by their article"
            )

    @mapping
    def article(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "ArticleId": self.refs.article_id(_item(record), record),
            "IsTextRow": False,
            "ReversedConstructionServicesVatFree": False,
        }

    @mapping
    def text(self, record: Record, ctx: MapContext) -> Payload:
        return {"Text": str(record.get("name") or _item(record))[:2000]}

    def expand(self, line: Record, ctx: MapContext) -> list[Payload]:
        settings: RackbeatEAccountingSettings = ctx.settings
        base = self.map(line, ctx)
        rows: list[Payload] = []
        for part in split_line(line, actual_quantity=settings.invoices.use_exact_quantity):
            text = f"{ROUNDING_TEXT} ({base['Text']})"[:2000] if part.is_rounding else base["Text"]
            rows.append(
                {
                    **base,
                    "Text": text,
                    "Quantity": part.quantity,
                    "UnitPrice": part.unit_price,
                    "DiscountPercentage": (part.discount / 100).quantize(Decimal("0.0001")),
                }
            )
        return rows


class InvoiceToEAccounting(Mapper):
    """A booked Rackbeat customer invoice as eAccounting's ``/customerinvoicedrafts`` body."""

    drop_empty = True
    direct = (
        ("invoice_date", "InvoiceDate", day),
        ("due_date", "DueDate", day),
        ("number", "ContractNumber", invoice_marker),
        ("total_total", "IsCreditInvoice", _is_credit),
        ("their_reference", "YourReference"),
        ("delivery_address_street", "DeliveryAddress1"),
        ("delivery_address_street2", "DeliveryAddress2"),
        ("delivery_address_zipcode", "DeliveryPostalCode"),
        ("delivery_address_city", "DeliveryCity"),
        ("delivery_address_country", "DeliveryCountryCode"),
    )
    ignored = (
        "heading",
        "note",
        "other_reference",
        "project",
        "attention",
        "ean",
        "layout_id",
        "delivery_terms",
        "delivery_date",
        "locale",
    )

    def __init__(self, refs: InvoiceRefs) -> None:
        self.refs = refs
        self.rows_mapper = InvoiceRowToEAccounting(refs)

    def check(self, record: Record, ctx: MapContext) -> None:
        if customer_of(record) in (None, ""):
            raise MappingError("the invoice has no customer")

    @mapping
    def rows(self, record: Record, ctx: MapContext) -> Payload:
        rows = [row for _, row in self.rows_mapper.map_lines(record.get("lines"), ctx)]
        if not rows:
            raise MappingError("the invoice has no lines")
        return {"Rows": rows}

    @mapping
    def customer(self, record: Record, ctx: MapContext) -> Payload:
        return {"CustomerId": self.refs.customer_id(customer_of(record)), "EuThirdParty": False}

    @mapping
    def rot_rut(self, record: Record, ctx: MapContext) -> Payload:
        return {"RotReducedInvoicingType": 0}  # no ROT/RUT deduction

    @mapping
    def our_reference(self, record: Record, ctx: MapContext) -> Payload:
        our = record.get("our_reference")
        return {"OurReference": our.get("name") if isinstance(our, dict) else our}

    @mapping
    def terms_of_payment(self, record: Record, ctx: MapContext) -> Payload:
        terms = terms_of(record)
        return {} if terms in (None, "") else {"TermsOfPaymentId": self.refs.terms_id(terms)}


def customer_of(record: Record) -> Any:
    """The invoice's Rackbeat customer number (``refs.customer_id`` is asked for it)."""
    return record.get("customer_id") or number_of(record.get("customer"))


def terms_of(record: Record) -> Any:
    """The invoice's Rackbeat payment terms number (``refs.terms_id`` is asked for it)."""
    return record.get("payment_terms_id") or number_of(record.get("payment_terms"))


def items_of(invoice: Record) -> list[Any]:
    """Each line's item, a Rackbeat product or BOM number (``refs.article_id`` is asked for it)."""
    return [item for line in invoice.get("lines") or [] if (item := _item(line))]
