"""Two companies, two base currencies: what Rackbeat's exchange rate means to a ledger (issue 11).

Rackbeat states a document's ``currency_rate`` per 100 units of the document's currency, in *its own*
company's base currency (``GET /self``: ``user_account.base_currency``; a Swedish company keeps SEK, a
German one EUR). e-conomic reads an ``exchangeRate`` per 100 units in the agreement's base currency,
eAccounting a ``CurrencyRate`` per unit in the company's. When both companies keep their books in the same
currency the rate carries over as it is. When they do not, it means something else in the ledger:

- a document in the **ledger's** base currency needs no rate (its amounts are the ledger's own);
- a document in **Rackbeat's** base currency has rate 100 (Rackbeat's way of saying "my own currency");
  the ledger converts it at its own daily rate — the only rate between the two base currencies either
  system has — and books it in the document's currency, never relabelled;
- a document in a **third** currency carries a rate the ledger would misread (SEK at 8.58 EUR per 100 SEK
  is not 8.58 DKK per 100 SEK: 125 SEK would be booked as 10.73 DKK). It is refused with the reason, never
  booked at a rate from another base.

:func:`rate_for_ledger` answers which rate the ledger should use and compare, or why none can be;
:func:`rackbeat_base_currency` reads Rackbeat's base; :func:`mismatch` is the doctor's words.

A ledger that books at its own rate and can tell its rate for Rackbeat's base currency (eAccounting:
``GET /currencies/exchangerate``) lets a third-currency document be *compared* instead:
:class:`CrossRate` carries Rackbeat's amount into the ledger's base through that rate, and the document
is booked only when it comes to the ledger's own amount to the öre (else held with both rates and amounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerbridge.integrations.doctor import Doctor

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LedgerRate:
    """``rate``: Rackbeat's rate, per 100, as the ledger must use it (None: the ledger's own, or no
    conversion at all); ``refusal``: why the document cannot be booked (None: it can)."""

    rate: Decimal | None
    refusal: str | None = None


@dataclass(frozen=True)
class CrossRate:
    """Rackbeat's rate for a third currency, brought into the ledger's base currency through the ledger's
    own rate for Rackbeat's base (``base_rate``: ``ledger_base`` per unit of ``source_base``; None when the
    ledger has none, and then nothing can be compared)."""

    currency: str
    rate: Decimal  # Rackbeat's: ``source_base`` per 100 ``currency``
    source_base: str
    ledger_base: str
    base_rate: Decimal | None

    def in_source_base(self, gross: Decimal) -> Decimal:
        """``gross`` in Rackbeat's base currency, as Rackbeat books it."""
        return (gross * self.rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)

    def in_ledger_base(self, gross: Decimal) -> Decimal | None:
        """Rackbeat's amount in its base, converted at the ledger's rate for that base (None: no rate)."""
        if self.base_rate is None:
            return None
        return (self.in_source_base(gross) * self.base_rate).quantize(CENT, rounding=ROUND_HALF_UP)

    def problem(self, gross: Decimal, theirs: Decimal, ledger_name: str, document: str) -> str | None:
        """Why ``document`` (``gross`` in ``currency``, ``theirs`` in the ledger's base at the ledger's own
        rate) cannot be booked at the ledger's rate; None when both come to the same amount to the öre."""
        ours = self.in_ledger_base(gross)
        if ours is not None and ours == theirs:
            return None
        own = f"{(theirs / gross).quantize(Decimal('0.0001')).normalize():f}" if gross else "?"
        source = (
            f"{document} is {gross} {self.currency} at Rackbeat's rate {self.rate.normalize():f} "
            f"{self.source_base} per 100 {self.currency} ({self.in_source_base(gross)} {self.source_base})"
        )
        ledger = (
            f"{ledger_name} converts it at its own rate {own} {self.ledger_base} per {self.currency} "
            f"({theirs} {self.ledger_base})"
        )
        if ours is None:
            compared = (
                f"; {ledger_name} has no rate for {self.source_base} (Rackbeat's base currency), so the two "
                "cannot be compared"
            )
        else:
            compared = (
                f"; at {ledger_name}'s rate {self.base_rate:f} {self.ledger_base} per {self.source_base}, "
                f"Rackbeat's amount is {ours} {self.ledger_base}"
            )
        return (
            f"{source}, {ledger}{compared}. It stays a draft, nothing booked: give the invoice "
            f"{ledger_name}'s rate in Rackbeat, or book it in {ledger_name} by hand at Rackbeat's rate"
        )


def cross_rate(
    currency: str, rate: Any, *, ledger_base: str, source_base: str, base_rate: Any
) -> CrossRate | None:
    """A :class:`CrossRate` for a document in a third currency when the two companies keep different base
    currencies (see the module); None when :func:`rate_for_ledger` has nothing to refuse."""
    use = rate_for_ledger(currency, rate, ledger_base=ledger_base, source_base=source_base, ledger_name="")
    if use.refusal is None:
        return None
    known = Decimal(str(base_rate)) if base_rate not in (None, "") else None
    return CrossRate(currency.upper(), Decimal(str(rate)), source_base.upper(), ledger_base.upper(), known)


def rackbeat_base_currency(rackbeat: Any) -> str:
    """The Rackbeat company's base currency (``GET /self``), DKK when it says none."""
    account = (rackbeat.get_self() or {}).get("user_account") or {}
    return str(account.get("base_currency") or "DKK").upper()


def rate_for_ledger(
    currency: str,
    rate: Any,
    *,
    ledger_base: str,
    source_base: str | None,
    gross: Decimal | None = None,
    ledger_name: str,
    document: str = "the document",
) -> LedgerRate:
    """Which of Rackbeat's rates the ledger may use for a document in ``currency`` (see the module).

    ``source_base`` None: Rackbeat's base is not known; then only the unmistakable case is told (rate 100
    for a currency other than the ledger's is Rackbeat's own base currency) and the rest is taken as
    stated in the ledger's base, as before.
    """
    currency = (currency or ledger_base).upper()
    if rate is None or rate == "" or currency == ledger_base.upper():
        return LedgerRate(None)
    value = Decimal(str(rate))
    if value == HUNDRED:  # Rackbeat's "no rate" (its own currency, or none given): the ledger's own rate
        return LedgerRate(None)
    if source_base is None:
        return LedgerRate(value)
    source_base = source_base.upper()
    if source_base == ledger_base.upper():
        return LedgerRate(value)
    if currency == source_base:
        return LedgerRate(None)  # Rackbeat's own currency: the ledger converts it at its own rate
    misread = (
        f" ({gross} {currency} would be booked as {(gross * value / HUNDRED).quantize(Decimal('0.01'))} "
        f"{ledger_base})"
        if gross is not None
        else ""
    )
    return LedgerRate(
        None,
        f"{document} is in {currency} at Rackbeat's rate {value.normalize():f}, which is per 100 {currency} "
        f"in {source_base} (Rackbeat's base currency); {ledger_name} keeps its books in {ledger_base} and "
        f"would read it as {ledger_base} per 100 {currency}{misread}. It stays a draft, nothing booked: give "
        f"Rackbeat and {ledger_name} the same base currency, or book it in {ledger_name} by hand at its rate",
    )


def mismatch(source_base: str, ledger_base: str, ledger_name: str) -> str:
    """The doctor's ✗ detail when the two companies keep their books in different currencies."""
    return (
        f"Rackbeat keeps its books in {source_base}, {ledger_name} in {ledger_base}: Rackbeat's exchange "
        f"rates are per 100 units in {source_base}, so documents in {ledger_base} are transferred without a "
        f"rate, documents in {source_base} at {ledger_name}'s own rate, and documents in any other currency "
        "are held as drafts with the reason"
    )


def mismatch_fix(source_base: str, ledger_base: str, ledger_name: str) -> str:
    return (
        f"connect Rackbeat and {ledger_name} companies that keep the same base currency (Rackbeat's is set "
        f"when the company is made), or invoice only in {ledger_base} or {source_base}"
    )


def doctor_check(doctor: Doctor, rackbeat: Any, *, side: str, ledger_base: str, ledger_name: str) -> None:
    """``ledgerbridge doctor``: ✓ when both companies keep their books in one currency, else ✗ with what it
    means for documents in each currency and the fix. Not asked when Rackbeat is down."""
    from ledgerbridge.integrations.doctor import RACKBEAT_FIX, SideDown

    try:
        source = doctor.call(
            "rackbeat",
            "company base currency",
            lambda: rackbeat_base_currency(rackbeat),
            fix_refused=RACKBEAT_FIX,
        )
    except SideDown:
        return
    ledger_base = ledger_base.upper()
    if source == ledger_base:
        doctor.add(side, "base currency", True, f"{ledger_base} in both Rackbeat and {ledger_name}")
    else:
        doctor.add(
            side,
            "base currency",
            False,
            mismatch(source, ledger_base, ledger_name),
            mismatch_fix(source, ledger_base, ledger_name),
        )
