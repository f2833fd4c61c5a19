"""Severa invoices → eEkonomi invoice drafts, one direction (seed 004 C17, C29, C57–C60; the spec's
invoice field table, Part 3, and readings A20–A22, A24, A27–A29, A31).

Header (C57): the billing customer (else the customer, A22) as ``CustomerId``, credit notes as credit
drafts (A27), invoice and due date, our and your reference, the receiver's name, address lines 1–2 from
the receiver address (further lines folded onto line 2; postal code, city and country are read-only on
drafts, A24), the terms of payment by days (A12), and ``ContractNumber = "Severa <guid>"``: the marker an
earlier attempt is found by. The invoice's notes and two free texts become text rows (A20(a)), at the top,
at the bottom or not at all (``invoices.note_rows``).

Rows (C58–C60): the article is the row's single code; no code, or several codes on a grouped row (A21),
→ the default article number (C17); a grouped row with one code keeps it (C29). Description (cut to
2,000), quantity (more than 2 decimals refused, A28), price; no unit (the article's applies, A31). The
row's project as its cost center item in slot ``CostCenterItemId<n>``, n the cost center's number (A29).

What needs a read (the customer's, article's and item's eEkonomi ids, the project behind a row) comes from
:class:`DraftReferences`, which ``invoices.DraftBuilder`` implements over the run's lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.severa_eaccounting.lookups import money
from ledgerbridge.integrations.severa_eaccounting.mappers.customer import address_lines, or_none
from ledgerbridge.integrations.severa_eaccounting.settings import SeveraEAccountingSettings

TEXT_LIMIT = 2000
QUANTITY_STEP = Decimal("0.01")


class DraftReferences(Protocol):
    """The eEkonomi ids and Severa reads a draft needs (``invoices.DraftBuilder`` over the run's lookups)."""

    @property
    def settings(self) -> SeveraEAccountingSettings: ...
    @property
    def cost_center_slot(self) -> int: ...
    # (records as Severa answers them: dicts; Any so a Mapping the engine passes is accepted too)
    def customer_id(self, invoice: Any) -> str: ...
    def terms_id(self, days: Any) -> str: ...
    def article_id(self, number: str) -> str: ...
    def row_project_number(self, invoice: Any, row: Any) -> str | None: ...
    def item_id(self, project_number: str) -> str: ...


def invoice_marker(guid: str) -> str:
    """The draft's ``ContractNumber``: how an earlier attempt is found (eEkonomi has no idempotency keys)."""
    return f"Severa {guid}"


def row_code(row: Record, default_article_number: str | None) -> str:
    """C17, C29, A21: the row's single code, else (none, or several on a grouped row) the default."""
    codes = sorted({str(c).strip() for c in row.get("code") or [] if str(c).strip()})
    return codes[0] if len(codes) == 1 else str(default_article_number or "")


def free_text(value: Any) -> Any:
    """Severa's free texts are ``FreeTextModel2`` objects (their ``value``) or, in older answers, text."""
    return value.get("value") if isinstance(value, dict) else value


def text(value: Any) -> str:
    return str(value or "")[:TEXT_LIMIT]


class InvoiceRowToEAccounting(Mapper):
    """One Severa invoice row of ``invoice`` as a draft row (C58–C60)."""

    direct = (
        ("description", "Text", text),  # C58
        ("unitPrice", "UnitPrice", money),  # C58: the amount of Severa's Money
    )
    # Severa row fields the draft has no place for (the article's unit and VAT apply, A31).
    ignored = ("unit", "vatRate", "discount", "totalExcludingTax", "totalIncludingTax", "product", "workType")

    def __init__(self, references: DraftReferences, invoice: Record) -> None:
        self.references = references
        self.invoice = invoice

    def check(self, record: Record, ctx: MapContext) -> None:
        quantity = self._quantity(record)
        if quantity != quantity.quantize(QUANTITY_STEP):
            raise MappingError(
                f"row {record.get('description')!r} has quantity {quantity}; eEkonomi takes 2 decimals (A28)"
            )

    @staticmethod
    def _quantity(record: Record) -> Decimal:
        return Decimal(str(record.get("quantity") or 0))

    @mapping
    def article(self, record: Record, ctx: MapContext) -> Payload:
        number = row_code(record, self.references.settings.invoices.default_article_number)
        return {"ArticleId": self.references.article_id(number)}  # C17, C29, C58

    @mapping
    def quantity(self, record: Record, ctx: MapContext) -> Payload:
        return {"Quantity": self._quantity(record), "IsTextRow": False}

    @mapping
    def project(self, record: Record, ctx: MapContext) -> Payload:
        number = self.references.row_project_number(self.invoice, record)
        if number is None:
            return {}
        slot = f"CostCenterItemId{self.references.cost_center_slot}"  # A29
        return {slot: self.references.item_id(number)}  # C60


class InvoiceToEAccounting(Mapper):
    """A Severa invoice (or credit note) as an eEkonomi invoice draft with its rows (C57–C60)."""

    direct = (
        ("date", "InvoiceDate"),
        ("dueDate", "DueDate"),
        ("ourReference", "OurReference", or_none),
        ("yourReference", "YourReference", or_none),
        ("receiverCustomerName", "InvoiceCustomerName", or_none),
    )
    # Severa invoice fields not on the draft: eEkonomi numbers and prices it itself, the currency is the
    # customer's, postal code / city / country are read-only on drafts (A24).
    ignored = (
        "number",
        "referenceNumber",
        "currency",
        "currencyRate",
        "totalExcludingTax",
        "totalIncludingTax",
        "totalTax",
        "orderNumber",
        "receiverContactName",
        "receiverVatNumber",
        "entryDate",
        "paymentDate",
    )
    drop_empty = True  # a header field Severa leaves empty is not sent

    def __init__(self, references: DraftReferences, rows: Sequence[Record]) -> None:
        self.references = references
        self.rows = rows

    @mapping
    def address(self, record: Record, ctx: MapContext) -> Payload:
        line1, line2 = address_lines((record.get("receiverAddress") or {}).get("addressline"))
        return {"InvoiceAddress1": line1, "InvoiceAddress2": line2}  # C57, A10, A24

    @mapping
    def customer(self, record: Record, ctx: MapContext) -> Payload:
        return {"CustomerId": self.references.customer_id(record)}  # C57, A22

    @mapping
    def credit(self, record: Record, ctx: MapContext) -> Payload:
        return {"IsCreditInvoice": bool(record.get("isCreditNote"))}  # A27

    @mapping
    def marker(self, record: Record, ctx: MapContext) -> Payload:
        return {"ContractNumber": invoice_marker(str(record["guid"]))}

    @mapping
    def terms(self, record: Record, ctx: MapContext) -> Payload:
        days = record.get("paymentTerm")
        return {} if days is None else {"TermsOfPaymentId": self.references.terms_id(days)}  # A12

    @mapping
    def lines(self, record: Record, ctx: MapContext) -> Payload:
        row_mapper = InvoiceRowToEAccounting(self.references, record)
        ordered = sorted(self.rows, key=lambda r: r.get("sortOrder") or 0)
        rows = [row_mapper.map(row, ctx) for row in ordered]
        texts = [
            {"IsTextRow": True, "Text": text(value)}
            for value in (
                record.get("notes"),
                free_text(record.get("freeText1")),
                free_text(record.get("freeText2")),
            )
            if value
        ]  # A20(a)
        where = self.references.settings.invoices.note_rows
        return {"Rows": texts + rows if where == "top" else rows + texts if where == "bottom" else rows}
