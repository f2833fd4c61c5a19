"""How each ledger answers :mod:`.reconcile`: a transferred document's amounts, and the documents with
our reference it holds for a period."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.integrations.rackbeat_realtime import RackbeatRealtime
from ledgerbridge.integrations.reconcile import Amounts, Reconciler
from ledgerbridge.systems.errors import NotFoundError

MASTER_ENTITIES = ("customer", "supplier", "product", "bom")
_MARKER = re.compile(r"^Rackbeat invoice (\S+)$")


def _in(day: Any, start: date, end: date) -> bool:
    text = str(day or "")[:10]
    return bool(text) and start.isoformat() <= text <= end.isoformat()


class EAccountingView:
    """Customer invoices are found by ``ContractNumber = "Rackbeat invoice N"`` (drafts and invoices);
    supplier invoices are drafts (or invoices once approved) compared by their total and VAT."""

    name = "eAccounting"

    def __init__(self, eaccounting: Any) -> None:
        self.eaccounting = eaccounting

    def amounts(self, document_type: str, remote_key: str) -> Amounts | None:
        kind, _, rest = remote_key.partition(":")
        record_id = rest.partition(":")[0]
        try:
            if document_type == "invoice" and kind == "invoice":
                record = self.eaccounting.get(f"customerinvoices/{record_id}")
                return self._invoice(record)
            if document_type == "invoice":
                record = self.eaccounting.get(f"customerinvoicedrafts/{record_id}")
                return self._draft(record)
            path = "supplierinvoicedrafts" if kind == "draft" else "supplierinvoices"
            record = self.eaccounting.get(f"{path}/{record_id}")
        except NotFoundError:
            if document_type == "invoice" and kind == "draft":
                return self._converted_draft(record_id)
            return None
        gross, vat = record.get("TotalAmount"), record.get("Vat")
        return Amounts.of(_dec(gross) - _dec(vat), vat, gross, record.get("CurrencyCode"))

    def _converted_draft(self, draft_id: str) -> Amounts | None:
        """A draft the bookkeeper made an invoice of since: the invoice it became."""
        for invoice in self.eaccounting.iter_collection("customerinvoices"):
            if str(invoice.get("CreatedFromDraftId") or "").lower() == draft_id.lower():
                return self._invoice(invoice)
        return None

    @staticmethod
    def _invoice(record: dict[str, Any]) -> Amounts:
        gross = _dec(record.get("TotalAmountInvoiceCurrency"))
        vat = _dec(record.get("TotalVatAmountInvoiceCurrency"))
        return Amounts.of(gross - vat, vat, gross, record.get("CurrencyCode"))

    @staticmethod
    def _draft(record: dict[str, Any]) -> Amounts:
        gross, vat = _dec(record.get("TotalAmount")), _dec(record.get("TotalVatAmount"))
        return Amounts.of(gross - vat, vat, gross, record.get("InvoiceCurrencyCode"))

    def documents(self, document_type: str, start: date, end: date) -> dict[str, Amounts]:
        if document_type != "invoice":
            return {}  # supplier invoices carry the supplier's own number, not ours
        found: dict[str, Amounts] = {}
        for path, shape in (("customerinvoicedrafts", self._draft), ("customerinvoices", self._invoice)):
            for record in self.eaccounting.iter_collection(path):
                marker = _MARKER.match(str(record.get("ContractNumber") or ""))
                if marker and _in(record.get("InvoiceDate"), start, end):
                    found[marker.group(1)] = shape(record)
        return found


class EconomicView:
    """Invoices are ``booked:N`` or ``draft:N``; supplier invoices are vouchers in a day book, compared
    while they are there (once the day book is booked they are skipped, not agreed)."""

    name = "e-conomic"

    def __init__(self, economic: Any) -> None:
        self.economic = economic

    def amounts(self, document_type: str, remote_key: str) -> Amounts | None:
        if document_type != "invoice":
            return self._voucher(remote_key)
        kind, _, number = remote_key.partition(":")
        path = "invoices/booked" if kind == "booked" else "invoices/drafts"
        try:
            record = self.economic.get(f"{path}/{number}")
        except NotFoundError:
            return None
        return Amounts.of(
            record.get("netAmount"),
            record.get("vatAmount"),
            record.get("grossAmount"),
            record.get("currency"),
        )

    def documents(self, document_type: str, start: date, end: date) -> dict[str, Amounts]:
        return {}  # e-conomic invoices carry no reference of ours to tell them from the bookkeeper's own

    def _voucher(self, remote_key: str) -> Amounts | None:
        """A supplier invoice still in its day book: the gross is what the supplier is credited (the
        entries' amounts, negated), the VAT the input VAT split off (``contraVatAmount``, negated)."""
        journal, _, number = remote_key.partition(":")
        for voucher in self.economic.iter_collection(f"journals/{journal}/vouchers"):
            if str(voucher.get("voucherNumber")) != number:
                continue
            lines = (voucher.get("entries") or {}).get("supplierInvoices") or []
            if not lines:
                return None
            gross = -sum((_dec(line.get("amount")) for line in lines), Decimal(0))
            vat = -sum((_dec(line.get("contraVatAmount")) for line in lines), Decimal(0))
            currency = (lines[0].get("currency") or {}).get("code")
            return Amounts.of(gross - vat, vat, gross, currency)
        # Booked since: its entries are spread over the accounts; this view does not add them up.
        raise NotImplementedError


def _dec(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def reconciler_for(name: str, session: object) -> Reconciler:
    """The reconciler of one open real-time session (rackbeat-eaccounting or rackbeat-economic)."""
    if not isinstance(session, RackbeatRealtime):
        raise ValueError(f"integration {name!r} cannot be reconciled (it is not a Rackbeat → ledger kind)")
    settings: Any = session.settings
    entities = [f.entity for f in session.master.streams if f.entity in MASTER_ENTITIES]
    if hasattr(session, "eaccounting"):
        eaccounting = session.eaccounting
        company = eaccounting.get("companysettings") or {}
        documents = ["invoice"]
        if settings.supplier_invoices.enabled:
            documents.append("supplier-invoice")
        if settings.invoices.start_order_flow_from == "dont_transfer":
            documents.remove("invoice")
        return Reconciler(
            name,
            session,
            EAccountingView(eaccounting),
            document_types=documents,
            master_entities=entities,
            base_currency=str(company.get("CurrencyCode") or "SEK"),
        )
    if hasattr(session, "economic"):
        documents = ["invoice"]
        supplier = getattr(settings, "supplier_invoices", None)
        if supplier is not None and supplier.enabled:
            documents.append("supplier-invoice")
        return Reconciler(
            name,
            session,
            EconomicView(session.economic),
            document_types=documents,
            master_entities=entities,
            base_currency="DKK",  # Rackbeat's own base currency
        )
    raise ValueError(f"integration {name!r} cannot be reconciled (no ledger view for its kind)")
