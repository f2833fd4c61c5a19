"""How each ledger answers :mod:`.reconcile`: a transferred document's amounts, the documents it holds
for a period (booked ones, and drafts with our reference), and how a transfer-ledger remote key names one
of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.integrations.base_currencies import rackbeat_base_currency
from ledgerbridge.integrations.rackbeat_realtime import RackbeatRealtime
from ledgerbridge.integrations.reconcile import Amounts, LedgerDocument, Reconciler
from ledgerbridge.systems.economic.filters import Filter
from ledgerbridge.systems.errors import NotFoundError

MASTER_ENTITIES = ("customer", "supplier", "product", "bom")
_MARKER = re.compile(r"^Rackbeat invoice (\S+)$")
_SUPPLIER_MARKER = re.compile(r"^Rackbeat (\S+)$")  # supplier invoice drafts' Message and row texts
# e-conomic supplier vouchers of an invoice without heading or note (supplier_invoices.py's text)
_VOUCHER_MARKER = re.compile(r"^Rackbeat supplier invoice (\S+?)(?: \(.*\))?$")


def _in(day: Any, start: date, end: date) -> bool:
    text = str(day or "")[:10]
    return bool(text) and start.isoformat() <= text <= end.isoformat()


class EAccountingView:
    """Customer invoices are found by ``ContractNumber = "Rackbeat invoice N"`` (drafts and invoices);
    supplier invoices by ``Message`` or row text ``"Rackbeat N"``, compared by their total and VAT."""

    name = "eAccounting"
    only_hint = "entered by hand in eAccounting, or transferred by another tool"
    numbers_follow_source = False  # eAccounting numbers invoices itself

    def __init__(self, eaccounting: Any) -> None:
        self.eaccounting = eaccounting

    def identity(self, remote_key: str, day: str | None = None) -> str:
        """``invoice:ID:NUMBER``, ``invoice:ID`` and ``draft:ID`` all name the record ``ID``."""
        return remote_key.partition(":")[2].partition(":")[0].lower()

    def amounts(self, document_type: str, remote_key: str, day: str) -> Amounts | None:
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
            if kind != "draft":
                return None
            if document_type == "invoice":
                return self._converted_draft("customerinvoices", record_id, self._invoice)
            return self._converted_draft("supplierinvoices", record_id, self._supplier)
        return self._supplier(record)

    def _converted_draft(
        self, path: str, draft_id: str, shape: Callable[[dict[str, Any]], Amounts]
    ) -> Amounts | None:
        """A draft the bookkeeper made an invoice of since (approved it): the invoice it became."""
        for invoice in self.eaccounting.iter_collection(path):
            if str(invoice.get("CreatedFromDraftId") or "").lower() == draft_id.lower():
                return shape(invoice)
        return None

    @staticmethod
    def _supplier(record: dict[str, Any]) -> Amounts:
        gross, vat = _dec(record.get("TotalAmount")), _dec(record.get("Vat"))
        return Amounts.of(gross - vat, vat, gross, record.get("CurrencyCode"))

    @staticmethod
    def _invoice(record: dict[str, Any]) -> Amounts:
        gross = _dec(record.get("TotalAmountInvoiceCurrency"))
        vat = _dec(record.get("TotalVatAmountInvoiceCurrency"))
        rate = record.get("CurrencyRate")  # base currency per unit; Rackbeat's rates are per 100
        return Amounts.of(
            gross - vat,
            vat,
            gross,
            record.get("CurrencyCode"),
            _dec(rate) * 100 if rate is not None else None,
        )

    @staticmethod
    def _draft(record: dict[str, Any]) -> Amounts:
        gross, vat = _dec(record.get("TotalAmount")), _dec(record.get("TotalVatAmount"))
        return Amounts.of(gross - vat, vat, gross, record.get("InvoiceCurrencyCode"))

    def documents(self, document_type: str, start: date, end: date) -> list[LedgerDocument]:
        if document_type == "invoice":
            return [
                *self._held("customerinvoicedrafts", self._customer_document, start, end, booked=False),
                *self._held("customerinvoices", self._customer_document, start, end, booked=True),
            ]
        return [
            *self._held("supplierinvoicedrafts", self._supplier_document, start, end, booked=False),
            *self._held("supplierinvoices", self._supplier_document, start, end, booked=True),
        ]

    def _held(
        self,
        path: str,
        shape: Callable[[dict[str, Any], bool], LedgerDocument],
        start: date,
        end: date,
        *,
        booked: bool,
    ) -> Iterable[LedgerDocument]:
        for record in self.eaccounting.iter_collection(path):
            if not _in(record.get("InvoiceDate"), start, end):
                continue
            document = shape(record, booked)
            if booked or document.ours is not None:  # a draft of someone else's is not in the books
                yield document

    def _customer_document(self, record: dict[str, Any], booked: bool) -> LedgerDocument:
        marker = _MARKER.match(str(record.get("ContractNumber") or ""))
        number = record.get("InvoiceNumber")
        return LedgerDocument(
            identity=str(record.get("Id") or "").lower(),
            remote_key=f"invoice:{record.get('Id')}:{number}" if booked else f"draft:{record.get('Id')}",
            number=str(record.get("InvoiceNumber") or record.get("Id")),
            day=str(record.get("InvoiceDate") or "")[:10],
            party=_party("customer", record.get("CustomerNumber"), record.get("CustomerName")),
            party_key=str(record.get("CustomerId") or "").lower(),
            amounts=self._invoice(record) if booked else self._draft(record),
            ours=marker.group(1) if marker else None,
            booked=booked,
            aliases=_aliases(record),
        )

    @staticmethod
    def _supplier_document(record: dict[str, Any], booked: bool) -> LedgerDocument:
        texts = [record.get("Message"), *(row.get("TransactionText") for row in record.get("Rows") or [])]
        markers = [m.group(1) for m in (_SUPPLIER_MARKER.match(str(t or "")) for t in texts) if m]
        return LedgerDocument(
            identity=str(record.get("Id") or "").lower(),
            number=str(record.get("InvoiceNumber") or record.get("Id")),
            day=str(record.get("InvoiceDate") or "")[:10],
            party=_party("supplier", record.get("SupplierNumber"), record.get("SupplierName")),
            party_key=str(record.get("SupplierId") or "").lower(),
            amounts=EAccountingView._supplier(record),
            ours=markers[0] if markers else None,
            booked=booked,
            aliases=_aliases(record),
        )


def _aliases(record: dict[str, Any]) -> frozenset[str]:
    draft = str(record.get("CreatedFromDraftId") or "").lower()
    return frozenset({draft}) if draft else frozenset()


def _party(kind: str, number: Any, name: Any) -> str:
    return " ".join(str(x) for x in (kind, number, name) if x not in (None, ""))


@dataclass(frozen=True)
class PostedVoucher:
    """A supplier voucher read back from e-conomic: its amounts, whether it is still in its day book (not
    booked), and the day book's entry numbers that make it (to take it out again)."""

    amounts: Amounts
    in_day_book: bool
    entry_numbers: tuple[int, ...] = ()


class EconomicView:
    """Invoices are ``booked:N`` or ``draft:N``; supplier invoices are vouchers ``JOURNAL:NUMBER``,
    compared in their day book, and once booked among the year's entries (``entryType`` supplierInvoice)."""

    name = "e-conomic"
    only_hint = "entered by hand in e-conomic, or transferred by another tool"
    numbers_follow_source = True  # an invoice is booked with Rackbeat's number when it is free

    def __init__(self, economic: Any) -> None:
        self.economic = economic
        self._names: dict[Any, str] = {}
        self._years: list[dict[str, Any]] | None = None

    def identity(self, remote_key: str, day: str | None = None) -> str:
        """Invoices are named by their key (``booked:N``); a supplier voucher ``JOURNAL:NUMBER`` (or
        ``JOURNAL:YEAR-NUMBER``) by its accounting year and voucher number (``voucher:YEAR-NUMBER``),
        which booking the day book keeps: a number starts again in each accounting year, so the year is
        part of it — from the key, else from the Rackbeat document's date (without either it names
        none of the period's vouchers)."""
        journal, _, rest = remote_key.partition(":")
        if not journal.isdigit():
            return remote_key
        year, number = self._year_and_number(rest, day)
        return f"voucher:{year or '?'}-{number}"

    def _year_and_number(self, rest: str, day: str | None) -> tuple[str | None, str]:
        """``YEAR-NUMBER`` or ``NUMBER`` (of a voucher dated ``day``) → (accounting year, number)."""
        year, dash, number = rest.rpartition("-")
        if dash and year:
            return year, number
        return (self._accounting_year(day) if day else None), rest

    def amounts(self, document_type: str, remote_key: str, day: str) -> Amounts | None:
        if document_type != "invoice":
            return self._voucher(remote_key, day)
        kind, _, number = remote_key.partition(":")
        path = "invoices/booked" if kind == "booked" else "invoices/drafts"
        try:
            record = self.economic.get(f"{path}/{number}")
        except NotFoundError:
            return None
        return self._amounts(record)

    @staticmethod
    def _amounts(record: dict[str, Any]) -> Amounts:
        return Amounts.of(
            record.get("netAmount"),
            record.get("vatAmount"),
            record.get("grossAmount"),
            record.get("currency"),
            record.get("exchangeRate"),
        )

    def documents(self, document_type: str, start: date, end: date) -> list[LedgerDocument]:
        """Booked invoices of the period. Ours carry "Rackbeat invoice N" in ``notes.textLine2`` (the
        reference that finds one booked under another number); older ones none: the transfer ledger's
        remote keys and party, date and amounts tell those from the bookkeeper's own."""
        if document_type != "invoice":
            return self._supplier_vouchers(start, end)
        period = Filter.gte("date", start.isoformat()) & Filter.lte("date", end.isoformat())
        found = []
        for record in self.economic.iter_collection("invoices/booked", filter=period):
            if not _in(record.get("date"), start, end):
                continue
            customer = (record.get("customer") or {}).get("customerNumber")
            marker = _MARKER.match(str((record.get("notes") or {}).get("textLine2") or ""))
            found.append(
                LedgerDocument(
                    identity=f"booked:{record['bookedInvoiceNumber']}",
                    remote_key=f"booked:{record['bookedInvoiceNumber']}",
                    number=str(record["bookedInvoiceNumber"]),
                    day=str(record.get("date"))[:10],
                    party=_party("customer", customer, (record.get("recipient") or {}).get("name")),
                    party_key=str(customer),
                    amounts=self._amounts(record),
                    ours=marker.group(1) if marker else None,
                )
            )
        return found

    def _supplier_vouchers(self, start: date, end: date) -> list[LedgerDocument]:
        """Booked supplier-invoice vouchers of the period, from the years' entries (``entryType``
        supplierInvoice), one per voucher number: the supplier's entries carry the gross (negated), the
        entries on VAT accounts the input VAT. Ours are told by the transfer ledger's voucher numbers, or
        by our text "Rackbeat supplier invoice N" where the invoice had no heading or note."""
        period = (
            Filter.eq("entryType", "supplierInvoice")
            & Filter.gte("date", start.isoformat())
            & Filter.lte("date", end.isoformat())
        )
        found = []
        for year in self._accounting_years(start, end):
            vouchers: dict[int, list[dict[str, Any]]] = {}
            for entry in self.economic.iter_collection(f"accounting-years/{year}/entries", filter=period):
                if _in(entry.get("date"), start, end) and entry.get("voucherNumber") is not None:
                    vouchers.setdefault(int(entry["voucherNumber"]), []).append(entry)
            for number, entries in sorted(vouchers.items()):
                party = [e for e in entries if e.get("supplier")]
                if not party:
                    continue
                gross = -sum((_dec(e.get("amount")) for e in party), Decimal(0))
                vat = sum((_dec(e.get("amount")) for e in entries if e.get("vatAccount")), Decimal(0))
                supplier = (party[0].get("supplier") or {}).get("supplierNumber")
                text = str(party[0].get("text") or "")
                marker = _VOUCHER_MARKER.match(text)
                invoice_number = party[0].get("supplierInvoiceNumber")
                found.append(
                    LedgerDocument(
                        identity=f"voucher:{year}-{number}",
                        number=str(number),
                        day=str(party[0].get("date"))[:10],
                        party=_party("supplier", supplier, self._supplier_name(supplier)),
                        party_key=str(supplier),
                        amounts=Amounts.of(gross - vat, vat, gross, party[0].get("currency")),
                        ours=marker.group(1) if marker else None,
                        words="supplier voucher",
                        text="; ".join(
                            x
                            for x in (text, f"supplier's invoice {invoice_number}" if invoice_number else "")
                            if x
                        ),
                    )
                )
        return found

    def _supplier_name(self, number: Any) -> str:
        if number is None:
            return ""
        if number not in self._names:
            try:
                self._names[number] = str(self.economic.get(f"suppliers/{number}").get("name") or "")
            except NotFoundError:
                self._names[number] = ""
        return self._names[number]

    def _accounting_years(self, start: date, end: date) -> list[str]:
        return [
            str(year["year"])
            for year in self.economic.iter_collection("accounting-years")
            if str(year.get("fromDate")) <= end.isoformat() and start.isoformat() <= str(year.get("toDate"))
        ]

    def _voucher(self, remote_key: str, day: str) -> Amounts | None:
        """A supplier invoice: in its day book while there, else booked among the year's entries —
        the voucher of its number in its accounting year (the key's, else the one ``day`` falls in)."""
        found = self.voucher_read_back(remote_key, day)
        return found.amounts if found is not None else None

    def voucher_read_back(self, remote_key: str, day: str) -> PostedVoucher | None:
        """The supplier voucher a remote key names, as e-conomic shows it: in its day book while there
        (``GET /journals/{n}/vouchers/{year}-{number}``, one call), else booked among the year's entries;
        None when it is in neither (or holds no supplier-invoice entry)."""
        journal, _, rest = remote_key.partition(":")
        year, number = self._year_and_number(rest, day)
        if year is None or not number.isdigit():
            return None
        try:
            voucher = self.economic.get(f"journals/{journal}/vouchers/{year}-{number}")
        except NotFoundError:
            voucher = None
        if voucher:
            entries = voucher.get("entries") or {}
            lines = entries.get("supplierInvoices") or []
            if not lines:
                return None
            # The gross is what the supplier is credited (the entries' amounts, negated), the VAT the
            # input VAT split off (contraVatAmount, negated).
            gross = -sum((_dec(line.get("amount")) for line in lines), Decimal(0))
            vat = -sum((_dec(line.get("contraVatAmount")) for line in lines), Decimal(0))
            currency = (lines[0].get("currency") or {}).get("code")
            numbers = tuple(
                int(e["journalEntryNumber"])
                for kind in entries.values()
                for e in kind
                if isinstance(e, dict) and e.get("journalEntryNumber") is not None
            )
            rate = lines[0].get("exchangeRate")
            return PostedVoucher(Amounts.of(gross - vat, vat, gross, currency, rate), True, numbers)
        booked = self._booked_voucher(int(number), year)
        return PostedVoucher(booked, False) if booked is not None else None

    def _booked_voucher(self, number: int, year: str) -> Amounts | None:
        """A booked supplier-invoice voucher from its entries: the supplier's entries carry the gross
        (negated), the entries on VAT accounts the input VAT."""
        query = Filter.eq("voucherNumber", number) & Filter.eq("entryType", "supplierInvoice")
        entries = list(self.economic.iter_collection(f"accounting-years/{year}/entries", filter=query))
        party = [e for e in entries if e.get("supplier")]
        if not party:
            return None
        gross = -sum((_dec(e.get("amount")) for e in party), Decimal(0))
        vat = sum((_dec(e.get("amount")) for e in entries if e.get("vatAccount")), Decimal(0))
        # The rate it was booked at, from the supplier's entries in base currency (to their rounding).
        base = -sum((_dec(e.get("amountInBaseCurrency")) for e in party), Decimal(0))
        rate = (base * 100 / gross).quantize(Decimal("0.000001")) if gross else None
        return Amounts.of(gross - vat, vat, gross, party[0].get("currency"), rate)

    def _accounting_year(self, day: str) -> str | None:
        if self._years is None:  # read once per reconcile
            self._years = list(self.economic.iter_collection("accounting-years"))
        for year in self._years:
            if str(year.get("fromDate")) <= day[:10] <= str(year.get("toDate")):
                return str(year["year"])
        return None


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
            base_currency=rackbeat_base_currency(session.rackbeat),
            ledger_base_currency=str(company.get("CurrencyCode") or "SEK"),
        )
    if hasattr(session, "economic"):
        rackbeat_base = rackbeat_base_currency(session.rackbeat)
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
            base_currency=rackbeat_base,
            ledger_base_currency=str(
                ((session.economic.get("self") or {}).get("settings") or {}).get("baseCurrency") or "DKK"
            ),
        )
    raise ValueError(f"integration {name!r} cannot be reconciled (no ledger view for its kind)")
