"""Post a supplier voucher only with Rackbeat's VAT (issue 11): what e-conomic will make of it, worked out
before posting.

e-conomic decides a supplier-invoice entry's VAT from its contra (expense) account, not from what is sent:
the Journals API's entries hold VAT codes only, and a code is chosen on each account (Rackbeat's help
article ht-01026, "Hvor kommer momskode på leverandørfaktura fra?"). The rules, as the e-conomic sandbox
emulates them (``systems/economic/sandbox/voucher_vat.py``), per supplier-invoice entry:

- an entry sent with a VAT code (``contraVatAccount``) and an amount (``contraVatAmount``) keeps both —
  what the mapper sends where Rackbeat has VAT (at Rackbeat's amount, with the account's own code);
- an entry sent without a VAT code takes its contra account's (``GET /accounts/{n}``: ``vatAccount``);
- an entry with a code and no amount gets the code's share of its amount, round(amount × rate / (100 +
  rate)) half-up to øre, the rate from ``GET /vat-accounts/{code}`` (``ratePercentage``).

So a supplier invoice without VAT whose lines go to an account with an input VAT code ("Varekøb Danmark",
I25) would have 25 % split off its gross. :func:`check_before_posting` works out the voucher's input VAT
this way and, when it is not Rackbeat's, refuses to post it with the reason (the account, its VAT code,
both amounts): a ``MappingError``, the transfer fails, the error log holds it, and ``retry`` checks again
after the fix. Accounts and VAT codes are read through the session's :class:`~.invoice_guard.VatLookup`
(once per session; an account read for a refused voucher is read again on its retry). The read-back after
posting (``realtime``'s check step) stays the final guarantee: an account changed in e-conomic after the
session read it is caught there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.converters import round2
from ledgerbridge.integrations.rackbeat_economic.invoice_guard import VatLookup

if TYPE_CHECKING:
    from ledgerbridge.integrations.reconcile import Amounts

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class EntryVat:
    """One supplier-invoice entry: its account, the VAT code e-conomic gives it, the input VAT we send
    (``sent``, Rackbeat's) and what e-conomic will split off (``economic``; None when the code's rate is
    not listed). Amounts carry the entry's sign (an invoice's are negative)."""

    account: int
    account_name: str
    code: str | None
    rate: Decimal | None
    amount: Decimal
    sent: Decimal
    economic: Decimal | None

    @property
    def differs(self) -> bool:
        return self.economic is not None and self.economic != self.sent

    def words(self) -> str:
        rate = f" ({self.rate:f}%)" if self.rate is not None else ""
        split = abs(self.economic or Decimal(0))
        return (
            f"account {self.account} ('{self.account_name}') has VAT code {self.code}{rate}: e-conomic gives "
            f"it to the {abs(self.amount)} sent there with {abs(self.sent)} input VAT and splits {split} off"
        )


def _decimal(value: Any) -> Decimal:
    return round2(Decimal(str(value if value is not None else 0)))


def expense_account(lookup: VatLookup, number: int) -> Mapping[str, Any]:
    """The e-conomic account a supplier invoice's lines go to; refused (nothing posted) when there is none."""
    account = lookup.account(number)
    if account is None:
        raise MappingError(
            f"e-conomic has no account {number}: choose an existing expense account in settings.accounting "
            "(account_matrix or standard_account), then retry. Nothing was posted"
        )
    return account


def entry_vat(entry: dict[str, Any], lookup: VatLookup) -> EntryVat:
    """What e-conomic will make of one supplier-invoice entry's VAT (the module's rules)."""
    number = int(entry["contraAccount"]["accountNumber"])  # the mapper names the account of every entry
    account = expense_account(lookup, number)
    amount = _decimal(entry.get("amount"))
    sent_amount = entry.get("contraVatAmount")
    sent = _decimal(sent_amount)
    code = (entry.get("contraVatAccount") or {}).get("vatCode") or (account.get("vatAccount") or {}).get(
        "vatCode"
    )
    rate = lookup.code_rate(code) if code else None
    economic: Decimal | None
    if not code or sent_amount is not None:
        economic = sent  # no code: nothing split off; a code with an amount: kept as sent
    elif rate is None:
        economic = None  # a code whose rate e-conomic does not list: the read-back decides
    else:
        economic = round2(amount * rate / (HUNDRED + rate))
    return EntryVat(number, str(account.get("name") or ""), code or None, rate, amount, sent, economic)


def check_before_posting(voucher: dict[str, Any], source: Amounts, lookup: VatLookup) -> None:
    """Refuse (``MappingError``, nothing posted) a supplier voucher whose input VAT in e-conomic would not
    be Rackbeat's ``source.vat``; a voucher with a VAT code whose rate e-conomic does not list is left to
    the read-back after posting."""
    entries = [entry_vat(e, lookup) for e in voucher["entries"]["supplierInvoices"]]
    known = [e.economic for e in entries]
    if any(vat is None for vat in known):
        return
    economic = round2(Decimal(0) - sum((vat or Decimal(0) for vat in known), Decimal(0)))
    if economic == source.vat:
        return
    why = [e.words() for e in entries if e.differs]
    if why:
        fix = (
            "send these lines to an account without an input VAT code (settings.accounting: account_matrix "
            "per product group and VAT zone, or standard_account) or correct the account's VAT code in "
            "e-conomic"
        )
    else:  # only the voucher's own sum of its lines' VAT, rounded per line, is not Rackbeat's
        why = [f"the voucher's lines carry {economic} input VAT"]
        fix = "check the supplier invoice's VAT in Rackbeat"
    raise MappingError(
        f"e-conomic would book input VAT {economic} where Rackbeat has {source.vat}: "
        + "; ".join(why)
        + f". Nothing was posted: {fix}, then retry"
    )
