"""Supplier invoices, Rackbeat → a supplier-invoice voucher in e-conomic's day book (seed 001
"Leverandørfaktura"; seed 003 "Supplier Invoices").

Synced: the supplier (number, name, group, CVR, status, phone, currency, layout, payment terms and VAT
zone come with it), the supplier's invoice number, heading, notes, invoice date, your / our / other
reference, project. Not synced: attention, payment type.

The expense account of each line comes from "Accounting": the matrix of accounts per product group and
VAT zone, else the "Standard account if none are chosen". Lines on the same account make one entry
(:class:`SupplierInvoiceToEconomic.entries`); every entry carries the supplier's own invoice number, so
the creditor ledger shows it. An entry in another currency carries Rackbeat's ``exchangeRate`` when it has
one and e-conomic reads it as Rackbeat means it (``base_currencies.rate_for_ledger``: a rate per 100 of
another base currency than e-conomic's is refused with the reason, nothing posted); input VAT is split
off with the expense account's VAT code (``contraVatAccount``) at Rackbeat's VAT amount
(``contraVatAmount``); lines with VAT on an account without a VAT code, or at another rate than
the code's, are refused with the reason. A credit note (a negative supplier invoice) books the other way:
its amount is positive.

Before posting, ``voucher_guard`` works out the input VAT e-conomic will give the voucher from its accounts'
VAT codes (an entry without VAT on an account with an input VAT code gets that code's share split off)
and refuses a voucher whose VAT would not be Rackbeat's. After posting, the voucher is read back
(``realtime``'s check step) and :func:`posted_differences` compares what e-conomic made of it — gross,
input VAT, currency, and the rate when one was sent — with Rackbeat's supplier invoice; a difference keeps
it out of the books with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.base_currencies import rate_for_ledger
from ledgerbridge.integrations.converters import round2
from ledgerbridge.integrations.mapping import Mapper, mapping
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings

if TYPE_CHECKING:
    from ledgerbridge.integrations.reconcile import Amounts
    from ledgerbridge.integrations.reconcile_views import PostedVoucher


class SupplierInvoiceRefs(Protocol):
    """What a supplier invoice needs from e-conomic beyond the bindings (``ctx.ref``)."""

    def base_currency(self) -> str:
        """The e-conomic agreement's base currency."""
        ...

    def source_base_currency(self) -> str | None:
        """The Rackbeat company's base currency (its rates are per 100 in it); None: not known."""
        ...

    def account_vat_code(self, account_number: int) -> str | None:
        """The VAT code of an e-conomic account (e.g. I25 on a purchase account), or None."""
        ...

    def vat_code_rate(self, code: str) -> Decimal | None:
        """The rate of an e-conomic VAT code, or None when it has none."""
        ...


def account_for(settings: RackbeatEconomicSettings, product_group: Any, vat_zone: str) -> int:
    """The expense account of a line: the "Accounting" matrix, else the standard account."""
    row = settings.accounting.account_matrix.get(str(product_group)) if product_group is not None else None
    if row and vat_zone in row:
        return row[vat_zone]
    if settings.accounting.standard_account is not None:
        return settings.accounting.standard_account
    raise MappingError(
        f"no purchase account for product group {product_group} in VAT zone {vat_zone}: set it in "
        "settings.accounting.account_matrix, or set settings.accounting.standard_account"
    )


def _supplier(record: Record) -> Any:
    return record.get("supplier_id") or (record.get("supplier") or {}).get("number")


def master_refs(invoice: Record) -> list[tuple[str, Any]]:
    """The bound Rackbeat record this mapper asks ``ctx.ref`` for (the supplier), as ``(entity, number)``:
    read before mapping (``MasterRefs.prefetch``)."""
    return [("supplier", _supplier(invoice))]  # (prefetch skips an empty number)


def _our_reference(record: Record) -> Any:
    our = record.get("our_reference")
    return our.get("name") if isinstance(our, dict) else our


def entry_text(invoice: Record) -> str:
    """Heading and notes (else "Rackbeat supplier invoice N"), then the references and the project."""
    text = " – ".join(x for x in (invoice.get("heading"), invoice.get("note")) if x) or (
        f"Rackbeat supplier invoice {invoice['number']}"
    )
    references = [
        f"{label}: {value}"
        for label, value in (
            ("Deres ref.", invoice.get("their_reference")),
            ("Vores ref.", _our_reference(invoice)),
            ("Anden ref.", invoice.get("other_reference")),
            ("Projekt", invoice.get("project")),
        )
        if value
    ]
    return f"{text} ({'; '.join(references)})" if references else text


class _Account:
    """The lines of one expense account: amount with VAT, the VAT, and the lines' VAT rates."""

    def __init__(self) -> None:
        self.amount = Decimal(0)
        self.vat = Decimal(0)
        self.rates: set[Decimal] = set()


class SupplierInvoiceToEconomic(Mapper):
    """A booked Rackbeat supplier invoice as a voucher of supplier-invoice entries, one per account."""

    ignored = ("attention", "payment_type")

    def __init__(self, refs: SupplierInvoiceRefs) -> None:
        self.refs = refs

    def check(self, record: Record, ctx: MapContext) -> None:
        if _supplier(record) in (None, ""):
            raise MappingError("the supplier invoice has no supplier")
        if not record.get("invoice_number"):
            raise MappingError("the supplier invoice has no supplier's invoice number")

    @mapping
    def entries(self, record: Record, ctx: MapContext) -> Payload:
        accounts = self._accounts(record, ctx.settings)
        currency = record.get("currency") or "DKK"
        # Rackbeat's own rate when it has one (else e-conomic would use its daily rate), only as e-conomic
        # must read it (base_currencies.rate_for_ledger): a rate per 100 of another base currency than
        # e-conomic's is refused with the reason — a voucher has no draft to hold, nothing is posted.
        use = rate_for_ledger(
            currency,
            record.get("currency_rate"),
            ledger_base=self.refs.base_currency(),
            source_base=self.refs.source_base_currency(),
            gross=_gross(record),
            ledger_name="e-conomic",
            document=f"supplier invoice {record.get('number')}",
        )
        if use.refusal is not None:
            raise MappingError(use.refusal.replace("It stays a draft, nothing booked", "Nothing is posted"))
        exchange_rate = use.rate if use.rate is not None and use.rate != 100 else None
        text = entry_text(record)
        supplier_number = int(ctx.ref("supplier", _supplier(record)))
        entries = []
        for account, lines in sorted(accounts.items()):
            entry: Payload = {
                "supplier": {"supplierNumber": supplier_number},
                "supplierInvoiceNumber": str(record["invoice_number"]),
                # Credit the supplier: e-conomic reads an entry's amount on the supplier's side and books
                # the opposite on the contra (expense) account. (Sign convention of the published examples;
                # e-conomic does not document it.)
                "amount": -round2(lines.amount),
                "contraAccount": {"accountNumber": account},
                "currency": {"code": currency},
                "date": record["invoice_date"],
                "text": text[:250],
            }
            if exchange_rate is not None:
                entry["exchangeRate"] = exchange_rate
            entry.update(self._input_vat(account, lines))
            if record.get("due_date"):
                entry["dueDate"] = record["due_date"]
            entries.append(entry)
        return {"entries": {"supplierInvoices": entries}}

    @mapping
    def accounting_year(self, record: Record, ctx: MapContext) -> Payload:
        return {"accountingYear": {"year": str(record["invoice_date"])[:4]}}

    @staticmethod
    def _accounts(record: Record, settings: RackbeatEconomicSettings) -> dict[int, _Account]:
        zone = record.get("vat_zone") or "domestic"
        accounts: dict[int, _Account] = defaultdict(_Account)
        for line in record.get("lines") or []:
            total = Decimal(str(line.get("line_total") or 0))
            line_rate = Decimal(str(line.get("vat_percentage") or 0))
            vat = round2(total * line_rate / 100)
            account = accounts[account_for(settings, line.get("product_group"), zone)]
            account.amount += total + vat
            account.vat += vat
            if line_rate:
                account.rates.add(line_rate.normalize())
        if not accounts:
            raise MappingError("the supplier invoice has no lines")
        return accounts

    def _input_vat(self, account: int, lines: _Account) -> Payload:
        """Input VAT split off with the expense account's VAT code, at Rackbeat's amount (to the øre)."""
        vat = round2(lines.vat)
        if not vat:
            return {}
        code = self.refs.account_vat_code(account)
        if not code:
            raise MappingError(
                f"lines with {vat} VAT go to e-conomic account {account}, which has no VAT code, so "
                "the input VAT would be booked as expense: give the account an input VAT code (e.g. "
                "I25) in e-conomic or choose another account in settings.accounting"
            )
        code_rate = self.refs.vat_code_rate(code)
        wrong = sorted(r for r in lines.rates if code_rate is not None and r != code_rate)
        if wrong:
            rates = ", ".join(f"{r:f}%" for r in wrong)
            raise MappingError(
                f"lines at {rates} VAT go to e-conomic account {account}, whose VAT code {code} is "
                f"{code_rate:f}%: e-conomic would report the input VAT at the wrong rate. Choose an "
                "account with a matching input VAT code for that product group in "
                "settings.accounting.account_matrix"
            )
        return {"contraVatAccount": {"vatCode": code}, "contraVatAmount": -vat}  # the entry's sign


def _gross(record: Record) -> Decimal | None:
    total = record.get("total_total")
    return round2(Decimal(str(total))) if total is not None else None


def posted_differences(
    source: Amounts, posted: PostedVoucher | None, sent_rate: Any, *, document: str
) -> str | None:
    """Why the voucher e-conomic shows is not Rackbeat's supplier invoice (None: it is, to the øre):
    gross, input VAT and currency, and the exchange rate when one was sent (else e-conomic's own is
    expected). ``posted`` None: e-conomic shows no such voucher."""
    if posted is None:
        return f"{document}: e-conomic shows no supplier voucher after posting it"
    theirs = posted.amounts
    problems = [
        f"{what} {mine} in Rackbeat, {found} in e-conomic"
        for what, mine, found in (
            ("gross", source.gross, theirs.gross),
            ("input VAT", source.vat, theirs.vat),
        )
        if mine != found
    ]
    if source.currency != theirs.currency:
        problems.append(f"currency {source.currency} in Rackbeat, {theirs.currency} in e-conomic")
    # A booked voucher shows its rate only through rounded base-currency amounts: compared in the day book.
    shown = theirs.rate if posted.in_day_book else None
    if sent_rate is not None and shown is not None and Decimal(str(sent_rate)) != shown:
        problems.append(
            f"exchange rate {Decimal(str(sent_rate)).normalize():f} in Rackbeat, "
            f"{shown.normalize():f} in e-conomic"
        )
    if not problems:
        return None
    return f"{document}: e-conomic's voucher differs from Rackbeat's — " + "; ".join(problems)
