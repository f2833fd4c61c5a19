"""The VAT e-conomic gives a supplier-invoice entry posted to a journal (``POST /journals/{n}/vouchers``).

In e-conomic a VAT code is chosen on each account, and an entry of a supplier invoice takes the VAT code of
its contra (expense) account when none is sent: Rackbeat's own e-conomic integration relies on exactly that
("I e-conomic vælges der en momskode på hver konto", helpdesk.rackbeat.com/da/knowledge/ht-01026, "Hvor
kommer momskode på leverandørfaktura fra?": the VAT code of a supplier invoice comes from the expense
account chosen per product group and VAT zone). The Journals API's draft entry, the same day-book line,
holds VAT codes only (``vatCode``, ``contraVatCode``: ``specs/economic/openapi/openapi-Journals.json``),
never an amount: the VAT follows the code. So, per supplier-invoice entry, as stored and read back:

- no ``contraVatAccount`` sent, and the contra account (``contraAccount``, else the journal's default
  contra account for supplier invoices) has a VAT code: the entry gets that code;
- a VAT code and no ``contraVatAmount``: the amount is the code's share of the entry's amount,
  round(amount × rate / (100 + rate)) half-up to øre (what booking splits off: ``books.py``);
- a ``contraVatAmount`` sent with a code is kept as sent.

An entry cannot say "no VAT" on an account with a VAT code (an explicit null is refused, as everywhere):
it must go to an account without one. So a supplier invoice without VAT posted to an account with an input
VAT code reads back with VAT split off its gross. Finance vouchers and payments are stored as sent (no
evidence either way).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic.sandbox.state import EconomicState, get_path, round2, to_decimal
from ledgerbridge.systems.economic.sandbox.vat import vat_code_rate

HUNDRED = Decimal(100)


def contra_vat(state: EconomicState, journal: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """What e-conomic adds to a supplier-invoice entry's VAT (``contraVatAccount``, ``contraVatAmount``):
    empty when the entry is another kind, or already carries both, or its account has no VAT code."""
    if entry.get("entryType") != "supplierInvoice":
        return {}
    code = get_path(entry, "contraVatAccount.vatCode")
    added: dict[str, Any] = {}
    if not code:
        account_number = get_path(entry, "contraAccount.accountNumber") or get_path(
            journal, "settings.contraAccounts.supplierInvoices.accountNumber"
        )
        account = state.get("accounts", account_number) if account_number is not None else None
        code = get_path(account or {}, "vatAccount.vatCode")
        if not code:
            return {}
        added["contraVatAccount"] = {"vatCode": code}
    if entry.get("contraVatAmount") is None:
        rate = vat_code_rate(code)
        added["contraVatAmount"] = round2(to_decimal(entry["amount"]) * rate / (HUNDRED + rate))
    return added


def settle_entries(state: EconomicState, journal_number: int, entries: list[dict[str, Any]]) -> None:
    """Give the just-stored entries of one voucher the VAT e-conomic gives them (the caller holds
    ``state.lock``): the stored records and ``entries`` (the answer's copies) alike."""
    journal = state.get("journals", journal_number) or {}
    for index, entry in enumerate(entries):
        added = contra_vat(state, journal, entry)
        if added:
            entries[index] = state.update("journal-entries", entry["journalEntryNumber"], added)
