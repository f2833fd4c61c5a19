"""Supplier invoices: booked in Rackbeat → a supplier-invoice voucher in e-conomic's day book (seed 003).

The expense account of each line comes from "Accounting": the matrix of accounts per product group
and VAT zone, else the "Standard account if none are chosen". Lines on the same account make one
entry; every entry carries the supplier's own invoice number, so the creditor ledger shows it.

Issue 11: an entry in another currency carries Rackbeat's ``exchangeRate`` when it has one; input VAT is
split off with the expense account's VAT code (``contraVatAccount``) at Rackbeat's VAT amount
(``contraVatAmount``); lines with VAT on an account without a VAT code, or at another rate than the
code's, are refused with the reason. A credit note (a negative supplier invoice) books the other way:
its amount is positive.

Fields synced (seed 001 "Leverandørfaktura"): the supplier (number, name, group, CVR, status, phone,
currency, layout, payment terms, VAT zone come with it), the supplier's invoice number, heading,
notes, invoice date, your / our / other reference, project. Not synced: attention, payment type.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MappingError, Payload, Record
from ledgerbridge.integrations.rackbeat_economic.invoices import round2
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings


def account_for(settings: RackbeatEconomicSettings, product_group: Any, vat_zone: str) -> int:
    row = settings.accounting.account_matrix.get(str(product_group)) if product_group is not None else None
    if row and vat_zone in row:
        return row[vat_zone]  # type: ignore[index]
    if settings.accounting.standard_account is not None:
        return settings.accounting.standard_account
    raise MappingError(
        f"no purchase account for product group {product_group} in VAT zone {vat_zone}: set it in "
        "settings.accounting.account_matrix, or set settings.accounting.standard_account"
    )


def map_supplier_invoice(invoice: Record, settings: RackbeatEconomicSettings, *, refs: Any) -> Payload:
    """The voucher for a booked Rackbeat supplier invoice: one supplier-invoice entry per account."""
    supplier = invoice.get("supplier_id") or (invoice.get("supplier") or {}).get("number")
    if supplier in (None, ""):
        raise MappingError("the supplier invoice has no supplier")
    if not invoice.get("invoice_number"):
        raise MappingError("the supplier invoice has no supplier's invoice number")
    zone = invoice.get("vat_zone") or "domestic"
    per_account: dict[int, Decimal] = defaultdict(Decimal)
    vat_per_account: dict[int, Decimal] = defaultdict(Decimal)
    rates_per_account: dict[int, set[Decimal]] = defaultdict(set)
    for line in invoice.get("lines") or []:
        total = Decimal(str(line.get("line_total") or 0))
        line_rate = Decimal(str(line.get("vat_percentage") or 0))
        vat = round2(total * line_rate / 100)
        account = account_for(settings, line.get("product_group"), zone)
        per_account[account] += total + vat
        vat_per_account[account] += vat
        if line_rate:
            rates_per_account[account].add(line_rate.normalize())
    if not per_account:
        raise MappingError("the supplier invoice has no lines")
    currency = invoice.get("currency") or "DKK"
    rate = invoice.get("currency_rate")
    # Rackbeat's own rate when it has one (else e-conomic would use its daily rate).
    exchange_rate = (
        Decimal(str(rate))
        if rate is not None and currency != refs.base_currency() and Decimal(str(rate)) != 100
        else None
    )
    text = " – ".join(x for x in (invoice.get("heading"), invoice.get("note")) if x) or (
        f"Rackbeat supplier invoice {invoice['number']}"
    )
    references = [
        f"{label}: {value}"
        for label, value in (
            ("Deres ref.", invoice.get("their_reference")),
            (
                "Vores ref.",
                (invoice.get("our_reference") or {}).get("name")
                if isinstance(invoice.get("our_reference"), dict)
                else invoice.get("our_reference"),
            ),
            ("Anden ref.", invoice.get("other_reference")),
            ("Projekt", invoice.get("project")),
        )
        if value
    ]
    if references:
        text = f"{text} ({'; '.join(references)})"
    supplier_number = int(refs("supplier", supplier))
    entries = []
    for account, amount in sorted(per_account.items()):
        entry: Payload = {
            "supplier": {"supplierNumber": supplier_number},
            "supplierInvoiceNumber": str(invoice["invoice_number"]),
            # Credit the supplier: e-conomic reads an entry's amount on the supplier's side and books the
            # opposite on the contra (expense) account. (Sign convention of the published examples; e-conomic
            # does not document it.)
            "amount": -round2(amount),
            "contraAccount": {"accountNumber": account},
            "currency": {"code": currency},
            "date": invoice["invoice_date"],
            "text": text[:250],
        }
        if exchange_rate is not None:
            entry["exchangeRate"] = exchange_rate
        vat = round2(vat_per_account[account])
        if vat:
            # Input VAT split off with the expense account's VAT code, at Rackbeat's amount (to the øre).
            code = refs.account_vat_code(account)
            if not code:
                raise MappingError(
                    f"lines with {vat} VAT go to e-conomic account {account}, which has no VAT code, so "
                    "the input VAT would be booked as expense: give the account an input VAT code (e.g. "
                    "I25) in e-conomic or choose another account in settings.accounting"
                )
            code_rate = refs.vat_code_rate(code)
            wrong = sorted(r for r in rates_per_account[account] if code_rate is not None and r != code_rate)
            if wrong:
                rates = ", ".join(f"{r:f}%" for r in wrong)
                raise MappingError(
                    f"lines at {rates} VAT go to e-conomic account {account}, whose VAT code {code} is "
                    f"{code_rate:f}%: e-conomic would report the input VAT at the wrong rate. Choose an "
                    "account with a matching input VAT code for that product group in "
                    "settings.accounting.account_matrix"
                )
            entry["contraVatAccount"] = {"vatCode": code}
            entry["contraVatAmount"] = -vat  # the sign of the entry's amount
        if invoice.get("due_date"):
            entry["dueDate"] = invoice["due_date"]
        entries.append(entry)
    year = str(invoice["invoice_date"])[:4]
    return {"accountingYear": {"year": year}, "entries": {"supplierInvoices": entries}}
