"""Supplier invoices, Rackbeat → an eAccounting supplier invoice draft (seed 000: "Leverantörsfakturor
(som utkast)").

The cost account is debited with the net amount and the VAT account with the VAT (the settings'
``supplier_invoices.cost_account`` and ``vat_account``); eAccounting credits the supplier (accounts
payable) with the total itself. Synced: the supplier, the supplier's invoice number (else Rackbeat's
number), invoice and due date, currency and Rackbeat's exchange rate, the totals; a credit note
(negative total) is a credit invoice. Not carried over: the fields in ``ignored``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import money_or_zero
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.invoice import day
from ledgerbridge.integrations.rackbeat_eaccounting.settings import RackbeatEAccountingSettings


class SupplierInvoiceRefs(Protocol):
    """eAccounting's supplier id, and the exchange rate as eAccounting takes it."""

    def supplier_id(self, number: Any) -> str:
        """The eAccounting supplier of a Rackbeat supplier number (synced first when new)."""
        ...

    def currency_rate(self, invoice: Record) -> Decimal | None:
        """Rackbeat's rate as eAccounting states it; None: eAccounting uses its own."""
        ...


def _supplier(record: Record) -> Any:
    return record.get("supplier_id") or (record.get("supplier") or {}).get("number")


def master_refs(invoice: Record) -> list[tuple[str, Any]]:
    """The bound Rackbeat record this mapper asks for (the supplier, ``refs.supplier_id``), as
    ``(entity, number)``: read before mapping (``MasterRefs.prefetch``)."""
    return [("supplier", _supplier(invoice))]  # (prefetch skips an empty number)


def _text(record: Record) -> str:
    return f"Rackbeat {record['number']}"


def account_row(account: int, amount: Decimal, text: str) -> Payload:
    """A row on ``account``: a positive amount is a debit, a negative one a credit."""
    return {
        "AccountNumber": account,
        "DebitAmount": amount if amount >= 0 else Decimal(0),
        "CreditAmount": -amount if amount < 0 else Decimal(0),
        "TransactionText": text[:60],
    }


class SupplierInvoiceToEAccounting(Mapper):
    """A booked Rackbeat supplier invoice as eAccounting's ``/supplierinvoicedrafts`` body."""

    drop_empty = True
    direct = (
        ("invoice_date", "InvoiceDate", day),
        ("due_date", "DueDate", day),
    )
    ignored = (
        "heading",
        "note",
        "their_reference",
        "our_reference",
        "other_reference",
        "project",
        "layout_id",
        "payment_terms_id",
    )

    def __init__(self, refs: SupplierInvoiceRefs) -> None:
        self.refs = refs

    def check(self, record: Record, ctx: MapContext) -> None:
        if _supplier(record) in (None, ""):
            raise MappingError("the supplier invoice has no supplier")

    @mapping
    def currency(self, record: Record, ctx: MapContext) -> Payload:
        return {
            "CurrencyCode": record.get("currency") or None,
            "CurrencyRate": self.refs.currency_rate(record),
        }

    @mapping
    def supplier(self, record: Record, ctx: MapContext) -> Payload:
        number = str(record.get("invoice_number") or record["number"])[:50]
        return {"SupplierId": self.refs.supplier_id(_supplier(record)), "InvoiceNumber": number}

    @mapping
    def amounts(self, record: Record, ctx: MapContext) -> Payload:
        """The net amount on the cost account, the VAT on the VAT account."""
        settings: RackbeatEAccountingSettings = ctx.settings
        net = money_or_zero(record.get("total_subtotal"))
        vat = money_or_zero(record.get("total_vat"))
        text = _text(record)
        rows = [account_row(settings.supplier_invoices.cost_account, net, text)]
        if vat:
            rows.append(account_row(settings.supplier_invoices.vat_account, vat, text))
        return {
            "IsCreditInvoice": net + vat < 0,
            "TotalAmount": net + vat,
            "Vat": vat,
            "Message": text[:25],
            "Rows": rows,
        }
